using System.Text;
using MlopsTemplates.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Ci;

/// <summary>
/// One cloud identity per trust boundary (pull requests, main, dev deploy, production deploy) in every dialect,
/// taken from cloud.env, and a production deploy that refuses to run when the protection it relies on is missing.
/// </summary>
public sealed class TrustBoundaryTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string AwsAccount = "210987654321";
    private const string GcpProject = "churn-prod-4821";
    private const string GcpProjectNumber = "123456789012";
    private const string ProdClientId = "4d3c2b1a-0f9e-4d8c-b7a6-958473625140";

    public static TheoryData<CiScenario> InACloud => CiScenarios.Pairs(inACloud: true);

    public static TheoryData<CiScenario> EveryPair => CiScenarios.Pairs();

    /// <summary>Azure Pipelines on Azure logs in through the service connection alone: no cloud.env identity to pick.</summary>
    public static TheoryData<CiScenario> PickingFromCloudEnv =>
        new(CiScenarios.EveryPair.Where(s => s.Cloud != "local" && !(s.Ci == "azure" && s.Cloud == "azure")));

    [Theory]
    [MemberData(nameof(InACloud))]
    public async Task Each_stage_uses_the_identity_of_its_trust_boundary_and_no_other(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var stages = PipelineFiles.StageTexts(scenario.Ci, PipelineFiles.Read(repo));

        foreach (var (boundary, owner) in new[] { ("DEPLOY_PROD", "deploy-production"), ("DEPLOY_DEV", "deploy-dev") })
        {
            var markers = Markers(scenario, boundary);
            foreach (var marker in markers)
            {
                Assert.True(stages[owner].Contains(marker, StringComparison.Ordinal), $"{scenario}: stage {owner} does not use the {boundary} identity ('{marker}'):\n{stages[owner]}");
                foreach (var (id, text) in stages.Where(s => s.Key != owner))
                {
                    Assert.False(text.Contains(marker, StringComparison.Ordinal), $"{scenario}: stage {id} uses the {boundary} identity ('{marker}')");
                }
            }
        }

        // Training reads with the pull request identity on pull requests and writes with the main one on main.
        var train = stages["train"];
        if (scenario.Ci == "azure")
        {
            Assert.Contains("azureSubscription: churn-model-ci-${{ variables.ciBoundary }}", train, StringComparison.Ordinal);
            Assert.Contains("iif(eq(variables['Build.Reason'], 'PullRequest'), 'pr', 'main')", PipelineFiles.Read(repo), StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("ci_boundary=PR", train, StringComparison.Ordinal);
            Assert.Contains("ci_boundary=MAIN", train, StringComparison.Ordinal);
        }

        Assert.All(stages.Where(s => s.Key is not ("train" or "build-image")), s => Assert.DoesNotContain("ci_boundary=MAIN", s.Value, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(PickingFromCloudEnv))]
    public async Task A_boundary_identity_comes_from_cloud_env_and_an_empty_key_stops_the_job_naming_it(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var block = PipelineFiles.ShellBlocks(scenario.Ci, PipelineFiles.Read(repo))
            .Select(b => b.Script.Split('\n').Select(l => l.Trim()).ToArray())
            .First(lines => lines.Contains("ci_boundary=DEPLOY_PROD"));
        var start = Array.IndexOf(block, "ci_boundary=DEPLOY_PROD");
        var end = Array.FindIndex(block, start, l => l.StartsWith("export AWS_ROLE_ARN", StringComparison.Ordinal)
            || l.StartsWith("export AZURE_CLIENT_ID", StringComparison.Ordinal) || l.StartsWith("export GCP_SERVICE_ACCOUNT", StringComparison.Ordinal));
        Assert.True(end > start, $"{scenario}: no identity export after ci_boundary=DEPLOY_PROD:\n{string.Join("\n", block)}");
        var (key, printed) = scenario.Cloud switch
        {
            "aws" => ("AWS_ROLE_DEPLOY_PROD", "$AWS_ROLE_ARN"),
            "azure" => ("AZURE_CLIENT_ID_DEPLOY_PROD", "$AZURE_CLIENT_ID"),
            _ => ("GCP_SA_DEPLOY_PROD", "$GCP_SERVICE_ACCOUNT $GCP_WORKLOAD_IDENTITY_PROVIDER"),
        };
        var script = "set -a\n. ./cloud.env\nset +a\n" + string.Join("\n", block[start..(end + 1)]) + $"\nprintf '%s\\n' \"{printed}\"\n";

        var filled = await RunAsync(script, WithIdentities(repo, scenario, emptyKey: null));
        var empty = await RunAsync(script, WithIdentities(repo, scenario, emptyKey: key));

        filled.EnsureSuccess();
        var expected = scenario.Cloud switch
        {
            "aws" => $"arn:aws:iam::{AwsAccount}:role/churn-model-deploy-prod",
            "azure" => ProdClientId,
            _ => $"churn-model-deploy-prod@{GcpProject}.iam.gserviceaccount.com projects/{GcpProjectNumber}/locations/global/workloadIdentityPools/churn-model-ci/providers/{scenario.Ci}",
        };
        Assert.Equal(expected, filled.StandardOutput.Trim());
        Assert.NotEqual(0, empty.ExitCode);
        Assert.Contains($"{key} is empty in cloud.env", empty.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public async Task Production_refuses_to_deploy_when_its_protection_is_missing(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var pipeline = PipelineFiles.Read(repo);
        var production = PipelineFiles.StageTexts(scenario.Ci, pipeline)["deploy-production"];

        switch (scenario.Ci)
        {
            case "github":
            {
                var job = (YamlMappingNode)PipelineFiles.Yaml(pipeline).Mapping("jobs")!["deploy-production"];
                Assert.Equal("read", job.Mapping("permissions")!.Scalar("actions"));
                var first = (YamlMappingNode)((YamlSequenceNode)job["steps"]).Children[0];
                var check = first.Scalar("run")!;
                Assert.Contains("environments/production", check, StringComparison.Ordinal);
                // The check runs first, before the job touches the cloud; `gh api ... --jq` prints the number of reviewers.
                await AssertRefusesOnlyWithoutAsync(check, "gh", "echo 0", "echo 1", "no required reviewers");
                break;
            }

            case "gitlab":
            {
                var check = PipelineFiles.ShellBlocks("gitlab", pipeline).Select(b => b.Script).Single(s => s.Contains("environment_protected", StringComparison.Ordinal));
                var check2 = check[check.IndexOf("python - <<'PY'", StringComparison.Ordinal)..];
                check2 = check2[..(check2.IndexOf("\nPY", StringComparison.Ordinal) + 3)];
                var scratch = Directory.CreateTempSubdirectory("gitlab-claims-").FullName;
                var unprotected = await RunAsync(check2, scratch, new() { ["ID_TOKEN"] = Jwt("false") });
                var isProtected = await RunAsync(check2, scratch, new() { ["ID_TOKEN"] = Jwt("true") });
                Assert.NotEqual(0, unprotected.ExitCode);
                Assert.Contains("production is not a protected environment", unprotected.Output, StringComparison.Ordinal);
                isProtected.EnsureSuccess();
                Assert.Contains("ID_TOKEN", production, StringComparison.Ordinal);
                break;
            }

            case "azure":
            {
                var check = PipelineFiles.ShellBlocks("azure", pipeline).Select(b => b.Script).Single(s => s.Contains("checks/configurations", StringComparison.Ordinal));
                Assert.Contains("checks/configurations", production, StringComparison.Ordinal);
                await AssertRefusesOnlyWithoutAsync(
                    check, "curl", "echo '{\"count\": 0, \"value\": []}'", "echo '{\"count\": 1, \"value\": [{\"type\": {\"name\": \"Approval\"}}]}'", "has no Approvals check");
                break;
            }

            default:
                // Jenkins has no environment object to be missing: the approval is the input, answerable by the approvers only.
                Assert.Contains("input {", production, StringComparison.Ordinal);
                Assert.Contains("submitter 'churn-model-approvers'", production, StringComparison.Ordinal);
                break;
        }
    }

    /// <summary>The check fails, saying <paramref name="reason"/>, when <paramref name="program"/> reports no protection, and passes when it reports one.</summary>
    private static async Task AssertRefusesOnlyWithoutAsync(string check, string program, string missingAnswer, string presentAnswer, string reason)
    {
        var missing = await RunWithFakeAsync("bash", check, program, missingAnswer);
        var present = await RunWithFakeAsync("bash", check, program, presentAnswer);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains(reason, missing.Output, StringComparison.Ordinal);
        present.EnsureSuccess();
    }

    /// <summary>Strings in a stage's text that show it runs with the identity of <paramref name="boundary"/>.</summary>
    private static IEnumerable<string> Markers(CiScenario scenario, string boundary)
    {
        var name = boundary.ToLowerInvariant().Replace('_', '-');
        if (!(scenario.Ci == "azure" && scenario.Cloud == "azure"))
        {
            yield return $"ci_boundary={boundary}";
        }

        if (scenario.Ci == "azure")
        {
            yield return $"azureSubscription: churn-model-{name}";
        }
    }

    /// <summary>A scratch folder with cloud.env filled in, the identity keys of contract 5 included (one left empty if asked).</summary>
    private static string WithIdentities(GeneratedRepository repo, CiScenario scenario, string? emptyKey)
    {
        var copy = CloudEnv.CopyWithSettings(repo, CloudEnv.FilledIn(scenario.Cloud));
        var keys = scenario.Cloud switch
        {
            "aws" => new Dictionary<string, string> { ["AWS_ROLE_DEPLOY_PROD"] = "churn-model-deploy-prod", ["AWS_ROLE_DEPLOY_DEV"] = "churn-model-deploy-dev" },
            "azure" => new Dictionary<string, string> { ["AZURE_CLIENT_ID_DEPLOY_PROD"] = ProdClientId },
            _ => new Dictionary<string, string>
            {
                ["GCP_PROJECT_NUMBER"] = GcpProjectNumber, ["GCP_WIF_POOL"] = "churn-model-ci", ["GCP_WIF_PROVIDER"] = scenario.Ci,
                ["GCP_SA_DEPLOY_PROD"] = "churn-model-deploy-prod",
            },
        };
        var lines = new StringBuilder("\n");
        foreach (var (key, value) in keys)
        {
            lines.Append(key).Append('=').Append(key == emptyKey ? "" : value).Append('\n');
        }

        File.AppendAllText(Path.Combine(copy, "cloud.env"), lines.ToString());
        return copy;
    }

    private static Task<CommandResult> RunAsync(string script, string directory, Dictionary<string, string?>? environment = null) =>
        Command.RunAsync("sh", ["-euc", script], directory, PathWith(Path.Combine(directory, "bin"), environment));

    /// <summary>Runs a check with <paramref name="program"/> replaced by a script printing a canned answer.</summary>
    private static async Task<CommandResult> RunWithFakeAsync(string shell, string script, string program, string answer)
    {
        var folder = Directory.CreateTempSubdirectory("fake-").FullName;
        var bin = Directory.CreateDirectory(Path.Combine(folder, "bin")).FullName;
        var fake = Path.Combine(bin, program);
        await File.WriteAllTextAsync(fake, $"#!/bin/sh\n{answer}\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return await Command.RunAsync(shell, ["-ec", script], folder, PathWith(bin, new()
        {
            ["GITHUB_REPOSITORY"] = "acme/churn-model", ["SYSTEM_COLLECTIONURI"] = "https://dev.azure.com/acme/",
            ["SYSTEM_TEAMPROJECTID"] = "0f1e2d3c", ["ENVIRONMENT_ID"] = "7", ["ENVIRONMENT_NAME"] = "churn-model-production", ["SYSTEM_ACCESSTOKEN"] = "token", ["GH_TOKEN"] = "token",
        }));
    }

    private static Dictionary<string, string?> PathWith(string bin, Dictionary<string, string?>? environment)
    {
        Directory.CreateDirectory(bin);
        var python = Path.Combine(bin, "python");
        if (!File.Exists(python))
        {
            File.CreateSymbolicLink(python, "/usr/bin/python3");
        }

        var result = environment ?? [];
        result["PATH"] = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        return result;
    }

    /// <summary>An unsigned JWT whose payload carries GitLab's environment claims.</summary>
    private static string Jwt(string environmentProtected)
    {
        static string Encode(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{Encode("{\"alg\":\"RS256\"}")}.{Encode($"{{\"environment\":\"production\",\"environment_protected\":\"{environmentProtected}\"}}")}.c2ln";
    }
}
