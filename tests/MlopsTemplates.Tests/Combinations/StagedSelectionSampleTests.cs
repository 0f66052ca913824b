using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlopsTemplates.Authoring;
using MlopsTemplates.Tests.Infrastructure;
using Microsoft.Extensions.FileSystemGlobbing;
using Xunit.Abstractions;

namespace MlopsTemplates.Tests.Combinations;

/// <summary>
/// The staged template selects, for a random sample of valid combinations, exactly the files the plan calls for:
/// read the way the engine reads it (many combinations, in-process) and by the engine itself (a few, through
/// <c>dotnet new --dry-run</c>). The sample changes every run; set MLOPS_SAMPLE_SEED to the seed a failure prints to
/// repeat it. The authoring step's symbolic checks cover the whole space; this checks the staging of it.
/// </summary>
public sealed partial class StagedSelectionSampleTests(TemplatePackFixture fixture, ITestOutputHelper output) : IClassFixture<TemplatePackFixture>
{
    private const string ProjectName = "sample";

    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("MLOPS_SAMPLE_SEED"), out var seed) ? seed : Random.Shared.Next();

    private static TemplatePlan Plan => CoveringSets.Plan;

    private static List<string> Planned(IReadOnlyDictionary<string, string> combination) =>
        Plan.Select(combination).Select(f => f.OutputPath).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void The_staged_manifest_read_like_the_engine_selects_the_planned_files_for_a_sample_of_valid_combinations()
    {
        var staged = Path.Combine(Path.GetTempPath(), "mlops-staged-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            StagedTemplateWriter.Write(Plan, staged);
            var sources = JsonNode.Parse(File.ReadAllText(Path.Combine(staged, TemplateFolder.ConfigFolder, "template.json")))!["sources"]!.AsArray()
                .Select(s => new EmulatedSource(s!.AsObject())).ToList();
            var conditions = sources.Count + sources.Sum(s => s.Modifiers.Count);
            var problems = new List<string>();
            foreach (var combination in Model.SampleValid(new Random(Seed), 2000))
            {
                var selected = sources.Where(s => Holds(s.Condition, combination)).SelectMany(s => s.Select(combination)).Order(StringComparer.Ordinal).ToList();
                var planned = Planned(combination);
                if (!selected.SequenceEqual(planned))
                {
                    problems.Add($"{Authoring.Combinations.Describe(combination)}: staged selects [{string.Join(", ", selected.Except(planned))}] too many, [{string.Join(", ", planned.Except(selected))}] missing");
                }
            }

            output.WriteLine($"seed {Seed}: 2000 valid combinations; {sources.Count} sources, {conditions} conditions, {sources.Sum(s => s.Renames.Count)} staged files");
            Assert.True(problems.Count == 0, $"seed {Seed}:\n{string.Join("\n", problems.Take(20))}");
        }
        finally
        {
            Directory.Delete(staged, recursive: true);
        }
    }

    [Fact]
    public async Task The_engine_itself_selects_the_planned_files_for_a_sample_of_valid_combinations()
    {
        var problems = new List<string>();
        foreach (var combination in Model.SampleValid(new Random(Seed), 6))
        {
            var folder = fixture.Pack.NewOutputDirectory("sample");
            var dryRun = await fixture.Pack.DotnetNewAsync([TemplatePack.ShortName, "-n", ProjectName, "-o", folder, "--no-update-check", "--dry-run", .. TemplateOptions.ToArguments(combination)]);
            dryRun.EnsureSuccess();
            // The dry run lists paths relative to the working folder, so under the output folder.
            var prefix = Path.GetRelativePath(fixture.Pack.WorkDirectory, folder).Replace('\\', '/') + "/";
            var listed = DryRunPath().Matches(dryRun.StandardOutput).Select(m => m.Groups["path"].Value.Trim())
                .Select(p => p.StartsWith(prefix, StringComparison.Ordinal) ? p[prefix.Length..] : p).Order(StringComparer.Ordinal).ToList();
            var planned = Planned(combination).Select(p => p.Replace("mlops_project_pkg", ProjectName).Replace("mlops-project-dns", ProjectName)).Order(StringComparer.Ordinal).ToList();
            output.WriteLine($"seed {Seed}: {Authoring.Combinations.Describe(combination)}: {listed.Count} files");
            if (!listed.SequenceEqual(planned))
            {
                problems.Add($"{Authoring.Combinations.Describe(combination)}: engine writes [{string.Join(", ", listed.Except(planned))}] too many, [{string.Join(", ", planned.Except(listed))}] missing");
            }
        }

        Assert.True(problems.Count == 0, $"seed {Seed}:\n{string.Join("\n", problems)}");
    }

    private static OptionModel Model => TemplateOptions.Model;

    /// <summary>
    /// A condition the staged manifest uses: clauses joined by <c>&amp;&amp;</c>, each the rules symbol or a disjunction
    /// of <c>option == "value"</c>. Anything else fails the test, so the emulation cannot silently drift from the writer.
    /// </summary>
    private static bool Holds(string? condition, IReadOnlyDictionary<string, string> combination)
    {
        if (condition is null)
        {
            return true;
        }

        return condition.Split(" && ").All(clause =>
        {
            if (clause == StagedTemplateWriter.RulesHoldSymbol)
            {
                return Model.IsValid(combination);
            }

            var matches = Equality().Matches(clause);
            Assert.True(matches.Count > 0 && Equality().Replace(clause, "").Trim('(', ')', ' ', '|') == "", $"condition the emulation does not read: {clause}");
            return matches.Any(m => combination[m.Groups["option"].Value] == m.Groups["value"].Value);
        });
    }

    private sealed class EmulatedSource
    {
        public EmulatedSource(JsonObject source)
        {
            Condition = (string?)source["condition"];
            Renames = source["rename"]!.AsObject().ToDictionary(r => r.Key, r => (string)r.Value!, StringComparer.Ordinal);
            Modifiers = (source["modifiers"]?.AsArray() ?? []).Select(m =>
            {
                var matcher = new Matcher(StringComparison.Ordinal);
                matcher.AddIncludePatterns(m!["exclude"]!.AsArray().Select(e => (string)e!));
                return (Condition: (string)m["condition"]!, Excluded: matcher.Match(Renames.Keys).Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal));
            }).ToList();
        }

        public string? Condition { get; }

        public Dictionary<string, string> Renames { get; }

        public List<(string Condition, HashSet<string> Excluded)> Modifiers { get; }

        public IEnumerable<string> Select(IReadOnlyDictionary<string, string> combination)
        {
            var excluded = Modifiers.Where(m => Holds(m.Condition, combination)).SelectMany(m => m.Excluded).ToHashSet(StringComparer.Ordinal);
            return Renames.Where(r => !excluded.Contains(r.Key)).Select(r => r.Value);
        }
    }

    [GeneratedRegex("(?<option>[A-Za-z][A-Za-z0-9_]*) == \"(?<value>[^\"]*)\"")]
    private static partial Regex Equality();

    [GeneratedRegex(@"^\s+Create:\s+(?<path>.+)$", RegexOptions.Multiline)]
    private static partial Regex DryRunPath();
}
