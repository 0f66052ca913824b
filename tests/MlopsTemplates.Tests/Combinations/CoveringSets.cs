using MlopsTemplates.Authoring;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Combinations;

/// <summary>
/// The combinations every deep test shares, derived from the option model and its rules (template.json, rules.json):
/// a pairwise set (every pair of values some valid combination has) and one golden stack per cloud (the heaviest valid
/// choices with that cloud). Component tests run their deep checks on these, never on the whole option space; use
/// <see cref="Pairwise"/>, <see cref="GoldenStacks"/> or <see cref="All"/> as MemberData, each row being
/// (name, command-line options).
/// </summary>
public static class CoveringSets
{
    private static readonly Lazy<TemplatePlan> LazyPlan = new(() => TemplatePlan.Create(TemplateOptions.Template, "0.0.0-test"));

    /// <summary>The planned files of the real template, for tests that compare the engine's output with it.</summary>
    public static TemplatePlan Plan => LazyPlan.Value;

    public static IReadOnlyList<NamedCombination> PairwiseSet { get; } = Covering.Pairwise(TemplateOptions.Model);

    public static IReadOnlyList<NamedCombination> GoldenStackSet => Covering.HeaviestPerValue(Plan, "cloud");

    /// <summary>Rows of (name, options as one space-separated string), so test names read <c>golden-aws, --ci github ...</c>.</summary>
    public static TheoryData<string, string> Pairwise => Rows(PairwiseSet);

    public static TheoryData<string, string> GoldenStacks => Rows(GoldenStackSet);

    /// <summary>Both sets; a golden stack that is also in the pairwise set is listed once, under its golden name.</summary>
    public static TheoryData<string, string> All =>
        Rows(GoldenStackSet.Concat(PairwiseSet.Where(p => !GoldenStackSet.Any(g => Same(g.Values, p.Values)))));

    /// <summary>The options of a row back as command-line arguments.</summary>
    public static string[] Arguments(string options) => options.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static TheoryData<string, string> Rows(IEnumerable<NamedCombination> combinations)
    {
        var rows = new TheoryData<string, string>();
        foreach (var combination in combinations)
        {
            rows.Add(combination.Name, string.Join(" ", TemplateOptions.ToArguments(combination.Values)));
        }

        return rows;
    }

    private static bool Same(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
