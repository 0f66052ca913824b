namespace MlopsTemplates.Authoring;

/// <summary>Cartesian products of option values.</summary>
public static class Combinations
{
    public static IEnumerable<IReadOnlyDictionary<string, string>> Product(
        IReadOnlyList<(string Name, IReadOnlyList<string> Values)> axes)
    {
        IEnumerable<Dictionary<string, string>> partial = [new Dictionary<string, string>(StringComparer.Ordinal)];
        foreach (var (name, values) in axes)
        {
            var axisName = name;
            var axisValues = values;
            partial = partial.SelectMany(p => axisValues.Select(v => new Dictionary<string, string>(p, StringComparer.Ordinal) { [axisName] = v }));
        }

        return partial;
    }

    /// <summary>The number of combinations a product would yield, without enumerating it.</summary>
    public static long Count(IEnumerable<int> axisSizes) => axisSizes.Aggregate(1L, (n, size) => n * size);

    public static string Describe(IReadOnlyDictionary<string, string> combination) =>
        combination.Count == 0 ? "(no options)" : string.Join(", ", combination.Select(kv => $"{kv.Key}={kv.Value}"));
}
