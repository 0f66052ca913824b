using MlopsTemplates.Authoring;
using MlopsTemplates.Tests.Infrastructure;
using Xunit.Abstractions;

namespace MlopsTemplates.Tests.Combinations;

/// <summary>
/// The real template's option space, decided on the conditions themselves (the authoring step's checks: no two files
/// on one path for a valid combination, every file selected by one), and the covering sets the deep tests share.
/// </summary>
public sealed class OptionSpaceTests(ITestOutputHelper output)
{
    private static OptionModel Model => TemplateOptions.Model;

    [Fact]
    public void The_plan_passes_the_symbolic_checks_and_the_defaults_are_valid()
    {
        var plan = CoveringSets.Plan;

        output.WriteLine($"{Model.CombinationCount} combinations, {Model.ValidCount()} valid under {Model.Rules.Count} rules; {plan.Files.Count} planned files");
        Assert.True(Model.IsValid(Model.Defaults), "dotnet new with no options must be valid");
        Assert.InRange(Model.ValidCount(), 1, Model.CombinationCount);
        Assert.All(plan.Files, f => Assert.True(f.Condition.Terms.Any(Model.Reaches), $"{f.Origin} -> {f.OutputPath} is selected by no valid combination"));
    }

    [Fact]
    public void The_covering_set_is_valid_and_covers_every_pair_of_values_a_valid_combination_has()
    {
        var set = CoveringSets.AllSet;
        var covered = set.SelectMany(c => Covering.PairsOf(Model, c.Values)).ToHashSet();
        var needed = Covering.ValidPairs(Model).ToList();
        var largestPair = Model.Options.Select(o => o.Values.Count).OrderDescending().Take(2).Aggregate(1, (a, b) => a * b);

        output.WriteLine($"covering set: {CoveringSets.GoldenStackSet.Count} golden + {CoveringSets.PairwiseSet.Count} pairwise combinations cover {needed.Count} value pairs");
        Assert.All(set, c => Assert.True(Model.IsValid(c.Values), $"{c} breaks a rule"));
        Assert.All(needed, pair => Assert.Contains(pair, covered));
        Assert.InRange(set.Count, largestPair, 2 * largestPair + CoveringSets.GoldenStackSet.Count);
    }

    [Fact]
    public void Each_cloud_has_a_valid_golden_stack_at_least_as_heavy_as_the_defaults_with_that_cloud()
    {
        var stacks = CoveringSets.GoldenStackSet.Take(Model.ByName["cloud"].Values.Count).ToList();

        Assert.Equal(Model.ByName["cloud"].Values.Select(v => $"golden-{v}"), stacks.Select(s => s.Name));
        foreach (var stack in stacks)
        {
            output.WriteLine(stack.ToString());
            Assert.True(Model.IsValid(stack.Values), $"{stack} breaks a rule");
            var defaults = new Dictionary<string, string>(Model.Defaults) { ["cloud"] = stack.Values["cloud"] };
            Assert.True(CoveringSets.Plan.Select(stack.Values).Count() >= CoveringSets.Plan.Select(defaults).Count(), $"{stack} emits fewer files than the defaults");
        }
    }

    [Fact]
    public void Every_value_of_every_option_is_in_some_valid_golden_stack()
    {
        var stacks = CoveringSets.GoldenStackSet;
        foreach (var stack in stacks)
        {
            output.WriteLine(stack.ToString());
            Assert.True(Model.IsValid(stack.Values), $"{stack} breaks a rule");
        }

        var missing = Model.Options.SelectMany(o => o.Values.Where(v => !stacks.Any(s => s.Values[o.Name] == v)).Select(v => $"--{o.Name} {v}")).ToList();
        Assert.Empty(missing);
        Assert.InRange(stacks.Count, Model.Options.Max(o => o.Values.Count), Model.ByName["cloud"].Values.Count + Model.Options.Sum(o => o.Values.Count - 1));
    }
}
