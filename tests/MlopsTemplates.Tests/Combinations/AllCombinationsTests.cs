using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlopsTemplates.Authoring;
using MlopsTemplates.Tests.Infrastructure;
using Microsoft.Extensions.FileSystemGlobbing;
using Xunit.Abstractions;

namespace MlopsTemplates.Tests.Combinations;

/// <summary>The whole option space, in-process: cheap enough to check every combination, not a sample.</summary>
public sealed partial class AllCombinationsTests(ITestOutputHelper output)
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

    /// <summary>
    /// The staged template.json read the way the engine reads it (a modifier applies when its condition holds, its
    /// excludes remove files, the source renames the rest) selects, for every combination, exactly the planned files.
    /// The engine's own reading of it is checked on a sample through the CLI (pairwise and snapshot tests).
    /// </summary>
    [Fact]
    public void The_staged_template_selects_exactly_the_planned_files_for_every_combination()
    {
        var staged = Path.Combine(Path.GetTempPath(), "mlops-staged-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            StagedTemplateWriter.Write(Plan, staged);
            var source = JsonNode.Parse(File.ReadAllText(Path.Combine(staged, TemplateFolder.ConfigFolder, "template.json")))!["sources"]![0]!;
            var renames = source["rename"]!.AsObject().ToDictionary(r => r.Key, r => (string)r.Value!, StringComparer.Ordinal);
            var modifiers = source["modifiers"]!.AsArray().Select(m =>
            {
                var condition = EqualityCondition().Match((string)m!["condition"]!);
                Assert.True(condition.Success, $"not a single-option condition: {m["condition"]}");
                var matcher = new Matcher(StringComparison.Ordinal);
                matcher.AddIncludePatterns(m["exclude"]!.AsArray().Select(e => (string)e!));
                var excluded = matcher.Match(renames.Keys).Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
                return (Option: condition.Groups["option"].Value, Value: condition.Groups["value"].Value, Excluded: excluded);
            }).ToList();

            var combinations = TemplateOptions.Model.AllCombinations().ToList();
            var problems = new List<string>();
            foreach (var combination in combinations)
            {
                var excluded = modifiers.Where(m => combination[m.Option] == m.Value).SelectMany(m => m.Excluded).ToHashSet(StringComparer.Ordinal);
                var selected = renames.Where(r => !excluded.Contains(r.Key)).Select(r => r.Value).Order(StringComparer.Ordinal);
                var planned = Plan.Select(combination).Select(f => f.OutputPath).Order(StringComparer.Ordinal);
                if (!selected.SequenceEqual(planned))
                {
                    problems.Add($"{Authoring.Combinations.Describe(combination)}: staged selects [{string.Join(", ", selected.Except(planned))}] too many, [{string.Join(", ", planned.Except(selected))}] missing");
                }
            }

            output.WriteLine($"staged selection: {modifiers.Count} conditions, {renames.Count} staged files, {combinations.Count} combinations");
            Assert.Empty(problems);
            Assert.True(modifiers.Count <= TemplateOptions.Model.Options.Sum(o => o.Values.Count), "more than one condition per option value");
        }
        finally
        {
            Directory.Delete(staged, recursive: true);
        }
    }

    [GeneratedRegex("^(?<option>[A-Za-z][A-Za-z0-9_]*) == \"(?<value>[^\"]*)\"$")]
    private static partial Regex EqualityCondition();

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
