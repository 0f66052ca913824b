namespace MlopsTemplates.Authoring;

/// <summary>
/// When a rendered variant is selected: a disjunction of conjunctions, each conjunction naming for some options
/// the set of values it accepts. Kept structured (not as text) so that collisions can be checked exactly
/// before it is written out as a template-engine condition.
/// </summary>
public sealed class VariantCondition
{
    private readonly IReadOnlyList<IReadOnlyDictionary<string, IReadOnlySet<string>>> terms;

    private VariantCondition(IReadOnlyList<IReadOnlyDictionary<string, IReadOnlySet<string>>> terms) => this.terms = terms;

    /// <summary>The condition of a file that is always emitted.</summary>
    public static VariantCondition Always { get; } = new([new Dictionary<string, IReadOnlySet<string>>()]);

    public static VariantCondition AllOf(IReadOnlyDictionary<string, IReadOnlySet<string>> term) => new([term]);

    /// <summary>
    /// The condition selecting exactly the given combinations (each binding some options), within <paramref name="scope"/>.
    /// Combinations that form a full product collapse into one term, which keeps the engine's conditions short.
    /// </summary>
    public static VariantCondition ForCombinations(
        IReadOnlyDictionary<string, IReadOnlySet<string>> scope,
        IReadOnlyList<IReadOnlyDictionary<string, string>> combinations)
    {
        var names = combinations.SelectMany(c => c.Keys).Distinct(StringComparer.Ordinal).ToList();
        var valueSets = names.ToDictionary(
            n => n,
            n => (IReadOnlySet<string>)combinations.Select(c => c[n]).ToHashSet(StringComparer.Ordinal),
            StringComparer.Ordinal);
        var isProduct = Combinations.Count(valueSets.Values.Select(s => s.Count)) == combinations.Count;

        IEnumerable<IReadOnlyDictionary<string, IReadOnlySet<string>>> terms = isProduct
            ? [valueSets]
            : combinations.Select(c => (IReadOnlyDictionary<string, IReadOnlySet<string>>)c.ToDictionary(
                kv => kv.Key, kv => (IReadOnlySet<string>)new HashSet<string>([kv.Value], StringComparer.Ordinal), StringComparer.Ordinal));

        return new VariantCondition(terms.Select(t => Merge(scope, t)).ToList());
    }

    public bool IsSatisfiedBy(IReadOnlyDictionary<string, string> combination) =>
        terms.Any(term => term.All(kv => kv.Value.Contains(combination[kv.Key])));

    /// <summary>The condition in the template engine's expression language; null when the file is always emitted.</summary>
    public string? ToEngineExpression(OptionModel options)
    {
        var rendered = terms.Select(term => RenderTerm(term, options)).ToList();
        if (rendered.Any(r => r is null))
        {
            return null;
        }

        return rendered.Count == 1 ? rendered[0] : string.Join(" || ", rendered.Select(r => $"({r})"));
    }

    private static string? RenderTerm(IReadOnlyDictionary<string, IReadOnlySet<string>> term, OptionModel options)
    {
        // An option allowed every value constrains nothing; leaving it out keeps the engine's work small.
        var parts = term
            .Where(kv => kv.Value.Count < options.ByName[kv.Key].Values.Count)
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => "(" + string.Join(" || ", options.ByName[kv.Key].Values
                .Where(kv.Value.Contains)
                .Select(v => $"{kv.Key} == \"{v}\"")) + ")")
            .ToList();
        return parts.Count == 0 ? null : string.Join(" && ", parts);
    }

    private static Dictionary<string, IReadOnlySet<string>> Merge(
        IReadOnlyDictionary<string, IReadOnlySet<string>> scope,
        IReadOnlyDictionary<string, IReadOnlySet<string>> term)
    {
        var merged = new Dictionary<string, IReadOnlySet<string>>(scope, StringComparer.Ordinal);
        foreach (var (name, values) in term)
        {
            merged[name] = merged.TryGetValue(name, out var existing)
                ? existing.Intersect(values, StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal)
                : values;
        }

        return merged;
    }
}
