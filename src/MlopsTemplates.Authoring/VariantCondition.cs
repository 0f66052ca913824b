namespace MlopsTemplates.Authoring;

/// <summary>
/// When a rendered variant is selected: a union of disjoint terms, each term naming for some options the set of
/// values it accepts (options it does not name accept every value). Kept structured so that collisions can be
/// checked exactly, and because the staged template selects each term's copy of the file by exclusion (see
/// <see cref="StagedTemplateWriter"/>), which needs terms that never overlap.
/// </summary>
public sealed class VariantCondition
{
    private VariantCondition(IReadOnlyList<IReadOnlyDictionary<string, IReadOnlySet<string>>> terms) => Terms = terms;

    /// <summary>The condition of a file that is always emitted.</summary>
    public static VariantCondition Always { get; } = new([new Dictionary<string, IReadOnlySet<string>>()]);

    /// <summary>Pairwise disjoint products of option values; a combination satisfies the condition when it lies in one of them.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, IReadOnlySet<string>>> Terms { get; }

    /// <summary>
    /// The condition selecting exactly the given combinations (each binding the same options), within <paramref name="scope"/>.
    /// A set that is not one product is split into as few disjoint products as a split by one option at a time finds.
    /// </summary>
    public static VariantCondition ForCombinations(
        IReadOnlyDictionary<string, IReadOnlySet<string>> scope,
        IReadOnlyList<IReadOnlyDictionary<string, string>> combinations)
    {
        var names = combinations.SelectMany(c => c.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new VariantCondition(Cover(combinations, names).Select(t => Merge(scope, t)).ToList());
    }

    public bool IsSatisfiedBy(IReadOnlyDictionary<string, string> combination) =>
        Terms.Any(term => term.All(kv => kv.Value.Contains(combination[kv.Key])));

    private static List<Dictionary<string, IReadOnlySet<string>>> Cover(
        IReadOnlyList<IReadOnlyDictionary<string, string>> combinations, IReadOnlyList<string> names)
    {
        var valueSets = names.ToDictionary(
            n => n,
            n => (IReadOnlySet<string>)combinations.Select(c => c[n]).ToHashSet(StringComparer.Ordinal),
            StringComparer.Ordinal);
        if (Combinations.Count(valueSets.Values.Select(s => s.Count)) == combinations.Count)
        {
            return [valueSets];
        }

        // Not a product: slice by the first option that varies, cover each slice, and join slices whose
        // covers agree on every other option. Slices differ in the split option, so the terms stay disjoint.
        var split = names.First(n => valueSets[n].Count > 1);
        var terms = new List<Dictionary<string, IReadOnlySet<string>>>();
        foreach (var slice in combinations.GroupBy(c => c[split], StringComparer.Ordinal))
        {
            foreach (var term in Cover(slice.ToList(), names))
            {
                var twin = terms.FirstOrDefault(t => names.All(n => n == split || t[n].SetEquals(term[n])));
                if (twin is null)
                {
                    terms.Add(term);
                }
                else
                {
                    twin[split] = twin[split].Union(term[split], StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal);
                }
            }
        }

        return terms;
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
