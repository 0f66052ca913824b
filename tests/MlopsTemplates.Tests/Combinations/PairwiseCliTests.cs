using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlopsTemplates.Authoring;
using MlopsTemplates.Tests.EndToEnd;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Combinations;

/// <summary>
/// The shared covering set (every valid pair of option values, and a golden stack per cloud; see
/// <see cref="CoveringSets"/>), through the real CLI: the dry run lists no path twice (the engine would silently
/// overwrite), and the generated repository has exactly the files its options call for, all fully rendered, parseable,
/// yamllint-clean and shellcheck-clean, and <c>dotnet new</c> printed no failure or warning. The rows are generated
/// under the project name the component tests use, so each combination runs the engine once for all of them; the
/// heaviest stacks again under a name with a space and capitals, which every derived name must absorb.
/// </summary>
public sealed partial class PairwiseCliTests(TemplatePackFixture fixture, ITestOutputHelper output) : IClassFixture<TemplatePackFixture>
{
    /// <summary>The name the component tests generate covering-set rows under (ArgoRendering, GeneratedVariants).</summary>
    private const string ProjectName = GeneratedProject.GeneratedVariants.ProjectName;

    private const string SpacedName = "Pairwise Churn";

    private static TemplatePlan Plan => CoveringSets.Plan;

    public static TheoryData<string, string> Combinations => CoveringSets.All;

    /// <summary>The golden stack of each cloud, the heaviest combinations: the authoring step already proves on the
    /// conditions that no valid combination lands two files on one path; this shows the engine agrees where the most
    /// files meet (the golden stacks added for values the cloud stacks lack are lighter).</summary>
    public static TheoryData<string, string> Heaviest => CoveringSets.CloudGoldenStacks;

    [Theory]
    [MemberData(nameof(Heaviest))]
    public async Task Dry_run_lists_no_path_twice(string name, string arguments)
    {
        var dryRun = await fixture.Pack.DotnetNewAsync([TemplatePack.ShortName, "-n", SpacedName, "-o", fixture.Pack.NewOutputDirectory("dry-run"), "--no-update-check", "--dry-run", .. arguments.Split(' ')]);
        dryRun.EnsureSuccess();

        var listed = DryRunPath().Matches(dryRun.StandardOutput).Select(m => m.Groups["path"].Value.Trim()).ToList();
        output.WriteLine($"dry run of {name} [{arguments}]: {listed.Count} paths");
        Assert.NotEmpty(listed);
        Assert.Empty(listed.GroupBy(p => p).Where(g => g.Count() > 1).Select(g => g.Key));
    }

    [SkippableTheory]
    [MemberData(nameof(Combinations))]
    public Task Generated_files_are_exactly_those_the_options_call_for_fully_rendered_and_parseable(string name, string arguments) =>
        AssertExactlyTheCalledForFilesFullyRenderedAsync(ProjectName, name, arguments);

    [SkippableTheory]
    [MemberData(nameof(Heaviest))]
    public Task Under_a_project_name_with_a_space_the_heaviest_stacks_are_as_clean(string name, string arguments) =>
        AssertExactlyTheCalledForFilesFullyRenderedAsync(SpacedName, name, arguments);

    private async Task AssertExactlyTheCalledForFilesFullyRenderedAsync(string projectName, string name, string arguments)
    {
        var repo = await fixture.Pack.InstantiateAsync(projectName, arguments.Split(' '));
        GenerationOutputTests.AssertNoComplaint(repo, arguments);
        var combination = TemplateOptions.Model.Options.ToDictionary(o => o.Name, o => repo.Option(o.Name));
        var names = JsonNode.Parse(repo.ReadText(".mlops-template.json"))!["derivedNames"]!;
        var expected = Plan.Select(combination)
            .Select(f => f.OutputPath.Replace("mlops_project_pkg", (string)names["pythonPackage"]!).Replace("mlops-project-dns", (string)names["kubernetes"]!))
            .Order(StringComparer.Ordinal).ToList();

        Assert.Equal(expected, repo.Files);
        var problems = new List<string>();
        foreach (var file in repo.Files)
        {
            var text = repo.ReadText(file);
            problems.AddRange(Placeholders.Tokens.Where(t => text.Contains(t, StringComparison.Ordinal)).Select(t => $"{file}: placeholder '{t}' left"));
            var scanned = CiExpression().Replace(text, "");
            // Argo substitutes its workflow parameters in the WorkflowTemplate (the SparkApplication of a resource step).
            scanned = file.StartsWith("k8s/components/argo/", StringComparison.Ordinal) ? ArgoParameter().Replace(scanned, "") : scanned;
            // In JSON, }} closes nested objects (compact SageMaker expressions); an unrendered tag still shows its {{.
            scanned = file.EndsWith(".json", StringComparison.Ordinal) ? scanned.Replace("}}", "", StringComparison.Ordinal) : scanned;
            if (LeftoverTemplateSyntax().Match(scanned) is { Success: true } leftover)
            {
                problems.Add($"{file}: template syntax left: '{leftover.Value}'");
            }

            problems.AddRange(ParseProblems(file, text));
        }

        problems.AddRange(await TomlProblemsAsync(repo));
        output.WriteLine($"{name} [{arguments}]: {repo.Files.Count} files checked");
        Assert.Empty(problems);

        var yaml = repo.Files.Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal)).ToArray();
        await Validators.Yamllint.AssertValidAsync(repo, yaml);
        var scripts = repo.Files.Where(f => ShellScripts.IsShellScript(repo, f)).ToArray();
        if (scripts.Length > 0)
        {
            await Validators.Shellcheck.AssertValidAsync(repo, scripts);
        }
    }

    private static IEnumerable<string> ParseProblems(string file, string text)
    {
        string? problem = null;
        try
        {
            if (file.EndsWith(".json", StringComparison.Ordinal))
            {
                JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = false }).Dispose();
            }
            else if (file.EndsWith(".yml", StringComparison.Ordinal) || file.EndsWith(".yaml", StringComparison.Ordinal) || file.EndsWith("MLproject", StringComparison.Ordinal))
            {
                new YamlStream().Load(new StringReader(text));
            }
        }
        catch (Exception e) when (e is JsonException or YamlDotNet.Core.YamlException)
        {
            problem = $"{file}: does not parse: {e.Message}";
        }

        return problem is null ? [] : [problem];
    }

    /// <summary>TOML through Python's own tomllib, the parser pip and the build backends use.</summary>
    private static async Task<IEnumerable<string>> TomlProblemsAsync(GeneratedRepository repo)
    {
        var tomlFiles = repo.Files.Where(f => f.EndsWith(".toml", StringComparison.Ordinal)).ToList();
        if (tomlFiles.Count == 0)
        {
            return [];
        }

        var result = await Command.RunAsync("/usr/bin/python3", ["-c", "import sys, tomllib\nfor p in sys.argv[1:]:\n    try:\n        tomllib.load(open(p, 'rb'))\n    except Exception as e:\n        print(f'{p}: does not parse: {e}')", .. tomlFiles], repo.Root);
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Replace(repo.Root + "/", ""));
    }

    [GeneratedRegex(@"^\s+Create:\s+(?<path>.+)$", RegexOptions.Multiline)]
    private static partial Regex DryRunPath();

    /// <summary>GitHub Actions and Azure Pipelines template expressions, which legitimately use double braces.</summary>
    [GeneratedRegex(@"\$\{\{.*?\}\}", RegexOptions.Singleline)]
    private static partial Regex CiExpression();

    /// <summary>Argo Workflows' reference to a workflow parameter, which Argo's controller substitutes.</summary>
    [GeneratedRegex(@"\{\{workflow\.parameters\.[a-z-]+\}\}")]
    private static partial Regex ArgoParameter();

    [GeneratedRegex(@"\{\{|\}\}|\{%|%\}|^\+\+\+$", RegexOptions.Multiline)]
    private static partial Regex LeftoverTemplateSyntax();
}
