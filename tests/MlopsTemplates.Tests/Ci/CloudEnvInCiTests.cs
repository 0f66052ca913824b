using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Ci;

/// <summary>
/// Region, account and registry come from the committed cloud.env in every dialect, not from CI variables:
/// each job loads it before using them, stops naming an empty key, and docs/ci.md no longer asks for them.
/// </summary>
public sealed partial class CloudEnvInCiTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string Load = ". ./cloud.env";

    private static readonly string[] CloudEnvKeys =
        ["AWS_REGION", "AWS_ACCOUNT_ID", "ACR_NAME", "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID", "GCP_PROJECT_ID", "GCP_REGION", "GAR_REPOSITORY"];

    public static TheoryData<CiScenario> InACloud => new(CiScenarios.Covering.Where(s => s.Cloud != "local"));

    [Theory]
    [MemberData(nameof(InACloud))]
    public async Task Every_step_that_uses_a_cloud_setting_loads_cloud_env_first(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var pipeline = PipelineFiles.Read(repo);
        var uses = 0;

        if (scenario.Ci == "github")
        {
            foreach (var (name, job) in PipelineFiles.Yaml(pipeline).Mapping("jobs")!.Children)
            {
                var loaded = false;
                foreach (var step in ((YamlSequenceNode)((YamlMappingNode)job)["steps"]).Children)
                {
                    var text = step.AllText();
                    loaded |= text.Contains(Load, StringComparison.Ordinal) && text.Contains("$GITHUB_ENV", StringComparison.Ordinal);
                    var usesKey = FirstUse(text, githubExpressions: true);
                    Assert.True(usesKey < 0 || loaded, $"{scenario}: job {name} uses a cloud setting before loading cloud.env: {text}");
                    uses += usesKey < 0 ? 0 : 1;
                }
            }
        }
        else
        {
            foreach (var (_, script) in PipelineFiles.ShellBlocks(scenario.Ci, pipeline))
            {
                var first = FirstUse(script, githubExpressions: false);
                if (first >= 0)
                {
                    var load = script.IndexOf(Load, StringComparison.Ordinal);
                    Assert.True(load >= 0 && load < first, $"{scenario}: a script uses a cloud setting before loading cloud.env:\n{script}");
                    uses++;
                }
            }
        }

        Assert.True(uses > 0, $"{scenario}: no step reads a cloud setting (the registry at least needs one)");
        Assert.DoesNotMatch(@"vars\.(" + string.Join('|', CloudEnvKeys) + @")\b", pipeline);
        var docs = repo.ReadText("docs/ci.md");
        Assert.Contains("`cloud.env`", docs, StringComparison.Ordinal);
        Assert.All(CloudEnvKeys, key => Assert.DoesNotContain($"`{key}`", docs, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(InACloud))]
    public async Task The_cloud_env_step_stops_and_names_an_empty_key(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var script = PipelineFiles.ShellBlocks(scenario.Ci, PipelineFiles.Read(repo))
            .Select(b => b.Script.Split('\n'))
            .First(lines => lines.Any(l => l.Contains(Load, StringComparison.Ordinal)));
        var start = Array.FindIndex(script, l => l.Contains("set -a", StringComparison.Ordinal));
        var end = Array.FindLastIndex(script, l => l.Contains("set it in cloud.env", StringComparison.Ordinal));
        var check = string.Join("\n", script[start..(end + 1)].Select(l => l.Trim()));

        var generated = await Command.RunAsync("sh", ["-euc", check], repo.Root);
        var filled = CloudEnv.CopyWithSettings(repo, CloudEnv.FilledIn(scenario.Cloud));
        var completed = await Command.RunAsync("sh", ["-euc", check], filled);

        var key = scenario.Cloud == "aws" ? "AWS_ACCOUNT_ID" : (scenario.Cloud == "azure" ? "ACR_NAME" : "GCP_PROJECT_ID");
        Assert.NotEqual(0, generated.ExitCode);
        Assert.Contains($"{key}: is empty: set it in cloud.env", generated.StandardError, StringComparison.Ordinal);
        completed.EnsureSuccess();
    }

    private static int FirstUse(string text, bool githubExpressions)
    {
        var match = githubExpressions ? GithubUse().Match(text) : ShellUse().Match(text);
        return match.Success ? match.Index : -1;
    }

    [GeneratedRegex(@"\$\{?(AWS_REGION|AWS_ACCOUNT_ID|ACR_NAME|AZURE_TENANT_ID|AZURE_SUBSCRIPTION_ID|GCP_PROJECT_ID|GCP_REGION|GAR_REPOSITORY)\b")]
    private static partial Regex ShellUse();

    [GeneratedRegex(@"(\$\{?|env\.)(AWS_REGION|AWS_ACCOUNT_ID|ACR_NAME|AZURE_TENANT_ID|AZURE_SUBSCRIPTION_ID|GCP_PROJECT_ID|GCP_REGION|GAR_REPOSITORY)\b")]
    private static partial Regex GithubUse();
}
