namespace MlopsTemplates.Authoring;

/// <summary>
/// A product of value sets: for some options, the values allowed (an option not named allows every value). Variant
/// conditions, the <c>when</c> and <c>requires</c> of option rules and partial combinations are all boxes, and the
/// checks that must scale to millions of combinations work on boxes, never on the combinations inside them.
/// </summary>
public static class ValueBox
{
    /// <summary>The box holding exactly one (possibly partial) combination.</summary>
    public static Dictionary<string, IReadOnlySet<string>> Of(IReadOnlyDictionary<string, string> combination) =>
        combination.ToDictionary(kv => kv.Key, kv => (IReadOnlySet<string>)new HashSet<string>(StringComparer.Ordinal) { kv.Value }, StringComparer.Ordinal);

    /// <summary>The common part of two boxes, or null when they share no combination.</summary>
    public static Dictionary<string, IReadOnlySet<string>>? Intersect(
        IReadOnlyDictionary<string, IReadOnlySet<string>> a,
        IReadOnlyDictionary<string, IReadOnlySet<string>> b)
    {
        var result = new Dictionary<string, IReadOnlySet<string>>(a, StringComparer.Ordinal);
        foreach (var (name, values) in b)
        {
            if (result.TryGetValue(name, out var existing))
            {
                var common = existing.Where(values.Contains).ToHashSet(StringComparer.Ordinal);
                if (common.Count == 0)
                {
                    return null;
                }

                result[name] = common;
            }
            else if (values.Count == 0)
            {
                return null;
            }
            else
            {
                result[name] = values;
            }
        }

        return result;
    }

    /// <summary>
    /// <paramref name="box"/> without the combinations of <paramref name="cut"/>, as disjoint boxes: for each option the
    /// cut restricts, one piece takes the values outside the cut and keeps the earlier options inside it.
    /// </summary>
    public static List<Dictionary<string, IReadOnlySet<string>>> Subtract(
        IReadOnlyDictionary<string, IReadOnlySet<string>> box,
        IReadOnlyDictionary<string, IReadOnlySet<string>> cut,
        OptionModel options)
    {
        if (Intersect(box, cut) is null)
        {
            return [new Dictionary<string, IReadOnlySet<string>>(box, StringComparer.Ordinal)];
        }

        var pieces = new List<Dictionary<string, IReadOnlySet<string>>>();
        var inside = new Dictionary<string, IReadOnlySet<string>>(box, StringComparer.Ordinal);
        foreach (var (name, cutValues) in cut.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var here = Values(inside, name, options);
            var outside = here.Where(v => !cutValues.Contains(v)).ToHashSet(StringComparer.Ordinal);
            if (outside.Count > 0)
            {
                pieces.Add(new Dictionary<string, IReadOnlySet<string>>(inside, StringComparer.Ordinal) { [name] = outside });
            }

            inside[name] = here.Where(cutValues.Contains).ToHashSet(StringComparer.Ordinal);
        }

        return pieces;
    }

    /// <summary>The values a box allows for one option, in the option's own order.</summary>
    public static IReadOnlyList<string> Values(IReadOnlyDictionary<string, IReadOnlySet<string>> box, string option, OptionModel options) =>
        options.ByName[option].Values.Where(v => !box.TryGetValue(option, out var allowed) || allowed.Contains(v)).ToList();

    /// <summary>The number of full combinations in a box.</summary>
    public static long Size(IReadOnlyDictionary<string, IReadOnlySet<string>> box, OptionModel options) =>
        options.Options.Aggregate(1L, (n, o) => n * Values(box, o.Name, options).Count);

    /// <summary>One full combination of a box: each option's default when the box allows it, else its first allowed value.</summary>
    public static Dictionary<string, string> Representative(IReadOnlyDictionary<string, IReadOnlySet<string>> box, OptionModel options) =>
        options.Options.ToDictionary(
            o => o.Name,
            o => Values(box, o.Name, options) is var allowed && allowed.Contains(o.DefaultValue) ? o.DefaultValue : allowed[0],
            StringComparer.Ordinal);

    /// <summary>A box as text: <c>ci=github|gitlab, cloud=aws</c>.</summary>
    public static string Describe(IReadOnlyDictionary<string, IReadOnlySet<string>> box, OptionModel options) =>
        box.Count == 0
            ? "(every combination)"
            : string.Join(", ", options.Options.Where(o => box.ContainsKey(o.Name)).Select(o => $"{o.Name}={string.Join("|", Values(box, o.Name, options))}"));
}
