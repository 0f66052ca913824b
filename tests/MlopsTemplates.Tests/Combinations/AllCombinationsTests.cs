using MlopsTemplates.Authoring;
using MlopsTemplates.Tests.Infrastructure;
using Xunit.Abstractions;

namespace MlopsTemplates.Tests.Combinations;

/// <summary>The whole option space, in-process: cheap enough to check every combination, not a sample.</summary>
public sealed class AllCombinationsTests(ITestOutputHelper output)
{
    private static readonly TemplatePlan Plan = TemplatePlan.Create(TemplateOptions.Template, "0.0.0-test");

    [Fact]
    public void Every_combination_gets_each_output_path_from_exactly_one_file()
    {
        var combinations = TemplateOptions.Model.AllCombinations().ToList();
        var problems = new List<string>();
        foreach (var combination in combinations)
        {
            problems.AddRange(Plan.Select(combination)
                .GroupBy(f => f.OutputPath, StringComparer.Ordinal)
                .Where(g => g.Count() > 1)
                .Select(g => $"{Authoring.Combinations.Describe(combination)}: {g.Key} from {string.Join(", ", g.Select(f => f.Origin))}"));
        }

        output.WriteLine($"all-combinations check: {combinations.Count} combinations x {Plan.Files.Count} files");
        Assert.Empty(problems);
        Assert.Equal(TemplateOptions.Model.Options.Aggregate(1, (n, o) => n * o.Values.Count), combinations.Count);
    }

    [Fact]
    public void Every_rendered_variant_is_selected_by_some_combination()
    {
        var combinations = TemplateOptions.Model.AllCombinations().ToList();
        var unselected = Plan.Variants.Where(v => !combinations.Any(v.Condition.IsSatisfiedBy)).Select(v => $"{v.Origin} -> {v.OutputPath}").ToList();

        output.WriteLine($"selectability check: {Plan.Variants.Count()} variants over {combinations.Count} combinations");
        Assert.Empty(unselected);
    }

    [Fact]
    public void The_pairwise_set_covers_every_pair_of_option_values()
    {
        var set = PairwiseCombinations.Cover(TemplateOptions.Model);
        var covered = set.SelectMany(PairwiseCombinations.Pairs).ToHashSet();
        var needed = TemplateOptions.Model.AllCombinations().SelectMany(PairwiseCombinations.Pairs).ToHashSet();

        output.WriteLine($"pairwise set: {set.Count} combinations cover {needed.Count} value pairs");
        Assert.True(needed.SetEquals(covered));
        Assert.InRange(set.Count, 20, 40);
    }
}
