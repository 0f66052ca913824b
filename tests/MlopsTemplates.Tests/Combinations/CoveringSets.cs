using MlopsTemplates.Authoring;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Combinations;

/// <summary>
/// The combinations every deep test shares, derived from the option model and its rules (template.json, rules.json):
/// a pairwise set (every pair of values some valid combination has) and the golden stacks (one per cloud with the
/// heaviest valid choices, plus as many more as it takes for every value to be in one; see <see cref="Covering.GoldenStacks"/>). Component tests run their deep checks on these, never on the whole option space; use
/// <see cref="Pairwise"/>, <see cref="GoldenStacks"/> or <see cref="All"/> as MemberData, each row being
/// (name, command-line options).
/// </summary>
public static class CoveringSets
{
    private static readonly Lazy<TemplatePlan> LazyPlan = new(() => TemplatePlan.Create(TemplateOptions.Template, "0.0.0-test"));

    /// <summary>The planned files of the real template, for tests that compare the engine's output with it.</summary>
    public static TemplatePlan Plan => LazyPlan.Value;

    private static readonly Lazy<IReadOnlyList<NamedCombination>> LazyPairwise = new(() => Covering.Pairwise(TemplateOptions.Model, GoldenStackSet));

    /// <summary>The combinations that, with the golden stacks, hold every valid pair of values (pairs a golden stack
    /// already has are not repeated, so the deep tests run fewer combinations).</summary>
    public static IReadOnlyList<NamedCombination> PairwiseSet => LazyPairwise.Value;

    private static readonly Lazy<IReadOnlyList<NamedCombination>> LazyGolden = new(() => Covering.GoldenStacks(Plan, "cloud"));

    public static IReadOnlyList<NamedCombination> GoldenStackSet => LazyGolden.Value;

    /// <summary>Rows of (name, options as one space-separated string), so test names read <c>golden-aws, --ci github ...</c>.</summary>
    public static TheoryData<string, string> Pairwise => Rows(PairwiseSet);

    public static TheoryData<string, string> GoldenStacks => Rows(GoldenStackSet);

    /// <summary>The first golden stacks, one per cloud (<c>golden-aws</c>...), each the heaviest valid combination on its cloud.</summary>
    public static TheoryData<string, string> CloudGoldenStacks => Rows(GoldenStackSet.Where(s => s.Name == $"golden-{s.Values["cloud"]}"));

    /// <summary>Both sets: the covering set, in which every valid pair of values appears.</summary>
    public static IReadOnlyList<NamedCombination> AllSet => [.. GoldenStackSet, .. PairwiseSet];

    public static TheoryData<string, string> All => Rows(AllSet);

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
}
