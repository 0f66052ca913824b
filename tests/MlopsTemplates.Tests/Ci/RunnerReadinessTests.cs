using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Ci;

/// <summary>
/// What the first real run of each dialect meets on today's runners and services, beyond what the static
/// validators see: shells, tools, token rules, shared agents, forks. These are read from the generated files;
/// no runner executes them here.
/// </summary>
public sealed partial class RunnerReadinessTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    /// <summary>The actions the workflow uses, at the release each was verified at (tag to commit, see the CI issue's note).</summary>
    private static readonly Dictionary<string, (string Sha, string Version)> VerifiedActions = new()
    {
        ["actions/checkout"] = ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
        ["actions/setup-python"] = ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
        ["actions/upload-artifact"] = ("043fb46d1a93c77aae656e7c1c64a875d1fc6a0a", "v7.0.1"),
        ["aws-actions/configure-aws-credentials"] = ("e6de054238d6b7531b4efff3b6587d9aade6a06c", "v6.2.3"),
        ["azure/login"] = ("f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca", "v3.0.1"),
        ["google-github-actions/auth"] = ("7c6bc770dae815cd3e89ee6cdf493a5fab2cc093", "v3.0.0"),
        ["google-github-actions/get-gke-credentials"] = ("3da1e46a907576cefaa90c484278bb5b259dd395", "v3.0.0"),
    };

    private static readonly string[] CloudLoginActions = ["aws-actions/configure-aws-credentials", "azure/login", "google-github-actions/auth"];

    public static TheoryData<CiScenario> All => CiScenarios.All;

    public static TheoryData<CiScenario> GitLab => CiScenarios.Pairs("gitlab");

    public static TheoryData<CiScenario> Azure => CiScenarios.Pairs("azure");

    public static TheoryData<CiScenario> Jenkins => CiScenarios.Pairs("jenkins");

    public static TheoryData<CiScenario> GitHub => CiScenarios.Pairs("github");

    public static TheoryData<CiScenario> EveryPair => CiScenarios.Pairs();

    [Theory]
    [MemberData(nameof(GitLab))]
    public async Task GitLab_jobs_that_run_make_have_the_bash_the_Makefile_asks_for(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        Assert.Contains("SHELL := /bin/bash", repo.ReadText("Makefile"), StringComparison.Ordinal);
        var root = PipelineFiles.Yaml(PipelineFiles.Read(repo));
        var defaultImage = PipelineFiles.GitLabDefault(repo, "image")!;
        var checkedJobs = 0;

        foreach (var (key, node) in root.Children)
        {
            if (node is not YamlMappingNode job || job.Node("script") is not YamlSequenceNode script)
            {
                continue;
            }

            var lines = script.Children.OfType<YamlScalarNode>().Select(l => l.Value!).ToList();
            var firstMake = lines.FindIndex(l => MakeLine().IsMatch(l));
            if (firstMake < 0)
            {
                continue;
            }

            var image = job.Node("image") is YamlScalarNode named ? named.Value! : defaultImage;
            // Debian-based python images have bash; Alpine ones (docker:*-cli) must install it before make runs.
            var alpine = image.StartsWith("docker:", StringComparison.Ordinal) || image.Contains("alpine", StringComparison.Ordinal);
            Assert.True(!alpine || lines.Take(firstMake).Any(l => ApkBash().IsMatch(l)),
                $"{scenario}: job {key} runs make in {image} (no bash) without installing bash first:\n{string.Join("\n", lines)}");
            checkedJobs++;
        }

        Assert.True(checkedJobs >= 4, $"{scenario}: expected the make jobs, checked {checkedJobs}");
    }

    [Theory]
    [MemberData(nameof(Azure))]
    public async Task Azure_cloud_steps_name_their_service_connection_and_scripts_fail_on_a_broken_pipe(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var pipeline = PipelineFiles.Read(repo);

        // A token requested by REST for a connection no task of the job references is refused since March 2026.
        Assert.DoesNotContain("SYSTEM_OIDCREQUESTURI", pipeline, StringComparison.Ordinal);
        Assert.DoesNotContain("oidcToken", pipeline, StringComparison.Ordinal);
        var cloudSteps = 0;
        foreach (var step in Steps(PipelineFiles.Yaml(pipeline)))
        {
            var script = step.Mapping("inputs")?.Scalar("inlineScript") ?? step.Scalar("script");
            if (script is null)
            {
                continue;
            }

            if (script.Contains("$idToken", StringComparison.Ordinal) || script.Contains("ci_boundary=", StringComparison.Ordinal))
            {
                Assert.Equal("AzureCLI@2", step.Scalar("task"));
                Assert.StartsWith("churn-model-", step.Mapping("inputs")!.Scalar("azureSubscription"), StringComparison.Ordinal);
                Assert.Equal("true", step.Mapping("inputs")!.Scalar("addSpnToEnvironment"));
                cloudSteps++;
            }

            if (script.Contains('\n', StringComparison.Ordinal) && script.Contains(" | ", StringComparison.Ordinal))
            {
                Assert.True(script.StartsWith("set -euo pipefail\n", StringComparison.Ordinal), $"{scenario}: a piped script without pipefail:\n{script}");
            }
        }

        Assert.True(scenario.Cloud is "local" or "azure" || cloudSteps >= 4, $"{scenario}: only {cloudSteps} cloud steps");
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public async Task No_step_installs_tools_through_GitHubs_API_or_the_disabled_gcloud_component_manager(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var pipeline = PipelineFiles.WithoutComments(PipelineFiles.Read(repo));

        Assert.DoesNotContain("az aks install-cli", pipeline, StringComparison.Ordinal);
        Assert.DoesNotContain("gcloud components install", pipeline, StringComparison.Ordinal);
        if (scenario.Cloud == "gcp" && scenario.Ci is "azure" or "jenkins")
        {
            Assert.Contains("apt-get install --yes --no-install-recommends google-cloud-cli-gke-gcloud-auth-plugin", pipeline, StringComparison.Ordinal);
        }

        if (scenario.Ci == "gitlab")
        {
            Assert.Contains("https://pkgs.k8s.io/core:/stable:/v1.", pipeline, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Jenkins))]
    public async Task Jenkins_holds_no_agent_while_waiting_and_leaves_no_credential_on_shared_agents(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var jenkinsfile = PipelineFiles.Read(repo);
        var top = jenkinsfile[..jenkinsfile.IndexOf("stages {", StringComparison.Ordinal)];

        Assert.Contains("agent none", top, StringComparison.Ordinal);
        // A pipeline-wide timeout would also cut the approval wait short.
        Assert.DoesNotContain("timeout(", top, StringComparison.Ordinal);
        var production = PipelineFiles.JenkinsStage(jenkinsfile, "Deploy production");
        Assert.Contains("beforeInput true", production, StringComparison.Ordinal);
        Assert.Contains("beforeAgent true", production, StringComparison.Ordinal);
        Assert.True(production.IndexOf("input {", StringComparison.Ordinal) < production.IndexOf("steps {", StringComparison.Ordinal));

        foreach (var title in PipelineFiles.JenkinsStageNames(jenkinsfile))
        {
            var stage = PipelineFiles.JenkinsStage(jenkinsfile, title);
            Assert.Contains("agent { label 'mlops' }", stage, StringComparison.Ordinal);
            foreach (var (_, script) in PipelineFiles.ShellBlocks("jenkins", stage))
            {
                var secret = Secret().Match(script);
                if (secret.Success)
                {
                    var off = script.IndexOf("set +x", StringComparison.Ordinal);
                    Assert.True(off >= 0 && off < secret.Index, $"{scenario}: stage {title} handles {secret.Value} with xtrace on:\n{script}");
                }

                foreach (var variable in new[] { "KUBECONFIG", "DOCKER_CONFIG", "AZURE_CONFIG_DIR", "CLOUDSDK_CONFIG" })
                {
                    if (script.Contains($"export {variable}=", StringComparison.Ordinal) || script.Contains($" {variable}=\"", StringComparison.Ordinal))
                    {
                        Assert.Contains($"{variable}=\"$ci_credentials/", script, StringComparison.Ordinal);
                    }
                }
            }

            if (stage.Contains("credentials-$BUILD_NUMBER", StringComparison.Ordinal))
            {
                var at = stage.LastIndexOf("post {", StringComparison.Ordinal);
                Assert.True(at >= 0, $"{scenario}: stage {title} writes credentials but has no post step to remove them");
                var post = stage[at..];
                Assert.Contains("always {\n                    sh 'rm -rf \"$WORKSPACE_TMP/credentials-$BUILD_NUMBER\"'", post, StringComparison.Ordinal);
            }
        }

        // Multibranch builds run in the branch's child job, whose URL is the token's subject.
        var docs = repo.ReadText("docs/ci.md");
        if (scenario.Cloud != "local")
        {
            Assert.Contains("/job/<repo>/job/main/", docs, StringComparison.Ordinal);
            Assert.Contains("/job/<repo>/job/PR-<number>/", docs, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(GitHub))]
    public async Task GitHub_fork_pull_requests_skip_the_cloud_and_a_waiting_production_deploy_blocks_nothing(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var workflow = PipelineFiles.Yaml(PipelineFiles.Read(repo));

        Assert.Null(workflow.Node("concurrency"));
        foreach (var (key, node) in workflow.Mapping("jobs")!.Children)
        {
            var job = (YamlMappingNode)node;
            var name = ((YamlScalarNode)key).Value!;
            var concurrency = job.Mapping("concurrency");
            Assert.True(concurrency is not null, $"{scenario}: job {name} has no concurrency of its own");
            if (job.Node("environment") is not null)
            {
                Assert.Equal($"deploy-{job.Scalar("environment")}", concurrency!.Scalar("group"));
                Assert.Equal("false", concurrency.Scalar("cancel-in-progress"));
                continue;
            }

            Assert.EndsWith($"-{name}", concurrency!.Scalar("group"), StringComparison.Ordinal);
            // Jobs that run for pull requests: a fork gets no id-token, so every cloud step must skip itself there.
            foreach (var step in ((YamlSequenceNode)job["steps"]).Children.Cast<YamlMappingNode>())
            {
                var uses = step.Scalar("uses") ?? "";
                var run = step.Scalar("run") ?? "";
                if (CloudLoginActions.Any(a => uses.StartsWith(a, StringComparison.Ordinal)) || run.Contains("make dvc-pull", StringComparison.Ordinal) || run.Contains("ci_boundary=", StringComparison.Ordinal))
                {
                    var condition = step.Scalar("if") ?? "";
                    Assert.True(
                        condition.Contains("!github.event.pull_request.head.repo.fork", StringComparison.Ordinal)
                        || condition == "github.ref == 'refs/heads/main'",
                        $"{scenario}: job {name} step '{step.Scalar("name") ?? uses + run}' would fail on a fork's pull request (if: '{condition}')");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(GitHub))]
    public async Task GitHub_actions_are_the_verified_current_releases_pinned_by_commit(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var uses = UsesLine().Matches(PipelineFiles.Read(repo)).ToList();

        Assert.NotEmpty(uses);
        foreach (Match use in uses)
        {
            var action = use.Groups[1].Value;
            Assert.True(VerifiedActions.TryGetValue(action, out var pin), $"{scenario}: {action} is not among the verified actions");
            Assert.Equal($"{pin.Sha}  # {pin.Version}", $"{use.Groups[2].Value}  # {use.Groups[3].Value}");
        }
    }

    private static IEnumerable<YamlMappingNode> Steps(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    if (((YamlScalarNode)key).Value == "steps" && value is YamlSequenceNode steps)
                    {
                        foreach (var step in steps.Children.OfType<YamlMappingNode>())
                        {
                            yield return step;
                        }
                    }
                    else
                    {
                        foreach (var step in Steps(value))
                        {
                            yield return step;
                        }
                    }
                }

                break;
            case YamlSequenceNode sequence:
                foreach (var step in sequence.Children.SelectMany(Steps))
                {
                    yield return step;
                }

                break;
        }
    }

    [GeneratedRegex(@"(^|\n|; |then )make [a-z]")]
    private static partial Regex MakeLine();

    [GeneratedRegex(@"^apk add .*\bbash\b")]
    private static partial Regex ApkBash();

    [GeneratedRegex(@"CLOUD_TOKEN_FILE|REGISTRY_PASSWORD|KUBECONFIG_FILE|get-access-token")]
    private static partial Regex Secret();

    [GeneratedRegex(@"uses: ([\w.-]+/[\w./-]+)@([0-9a-f]{40})  # (v[\d.]+)")]
    private static partial Regex UsesLine();
}
