using MlopsTemplates.Authoring;

namespace MlopsTemplates.Tests.Combinations;

/// <summary>
/// A small set of full option combinations in which every pair of values of two different options appears at
/// least once (greedy covering: each pick covers the most pairs not yet covered). Deterministic, so failures reproduce.
/// </summary>
public static class PairwiseCombinations
{
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Cover(OptionModel options)
    {
        var all = options.AllCombinations().ToList();
        var uncovered = all.SelectMany(Pairs).ToHashSet();
        var chosen = new List<IReadOnlyDictionary<string, string>>();
        while (uncovered.Count > 0)
        {
            var best = all.MaxBy(c => Pairs(c).Count(uncovered.Contains))!;
            chosen.Add(best);
            uncovered.ExceptWith(Pairs(best));
        }

        return chosen;
    }

    public static IEnumerable<(string, string, string, string)> Pairs(IReadOnlyDictionary<string, string> combination)
    {
        var items = combination.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        for (var i = 0; i < items.Count; i++)
        {
            for (var j = i + 1; j < items.Count; j++)
            {
                yield return (items[i].Key, items[i].Value, items[j].Key, items[j].Value);
            }
        }
    }
}
