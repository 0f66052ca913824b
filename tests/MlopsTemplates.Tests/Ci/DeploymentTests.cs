using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Ci;

/// <summary>Dev deploys from main; production only after an approval, in every dialect; no deploy stages without --deploy.</summary>
public sealed class DeploymentTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string ProductionApply = "make deploy OVERLAY=prod";

    public static TheoryData<CiScenario> Deploying => CiScenarios.Deploying;

    /// <summary>The deploying scenarios on a cloud, where the deploy needs identities from cloud.env.</summary>
    public static TheoryData<CiScenario> DeployingToACloud => new(CiScenarios.Covering.Where(s => s.Deploy == "kubernetes" && s.Cloud != "local"));

    public static TheoryData<CiScenario> NotDeploying => new(CiScenarios.Covering.Where(s => s.Deploy == "none"));

    [Theory]
    [MemberData(nameof(Deploying))]
    public async Task Production_deploy_waits_for_an_approval_after_dev(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var pipeline = PipelineFiles.Read(repo);
        var docs = repo.ReadText("docs/ci.md");

        switch (scenario.Ci)
        {
            case "github":
            {
                var job = JobApplying(PipelineFiles.Yaml(pipeline).Mapping("jobs")!, ProductionApply);
                Assert.Equal("production", job.Scalar("environment"));
                Assert.Equal("[train, build-image, deploy-dev]", $"[{string.Join(", ", ((YamlSequenceNode)job.Node("needs")!).Children)}]");
                Assert.Contains("refs/heads/main", job.Scalar("if"), StringComparison.Ordinal);
                Assert.Contains("**required reviewers**", docs, StringComparison.Ordinal);
                break;
            }

            case "gitlab":
            {
                var job = JobApplying(PipelineFiles.Yaml(pipeline), ProductionApply);
                Assert.Equal("production", job.Mapping("environment")!.Scalar("name"));
                var rule = (YamlMappingNode)((YamlSequenceNode)job.Node("rules")!).Children.Single();
                Assert.Equal("manual", rule.Scalar("when"));
                Assert.Contains("$CI_DEFAULT_BRANCH", rule.Scalar("if"), StringComparison.Ordinal);
                // A manual job that may fail would let the pipeline pass without anyone approving.
                Assert.Equal("false", job.Scalar("allow_failure"));
                Assert.Equal("[train,build-image,deploy-dev]", $"[{string.Join(",", ((YamlSequenceNode)job.Node("needs")!).Children)}]");
                break;
            }

            case "jenkins":
            {
                var names = PipelineFiles.JenkinsStageNames(pipeline).ToList();
                var production = PipelineFiles.JenkinsStage(pipeline, "Deploy production");
                Assert.Contains(ProductionApply, production, StringComparison.Ordinal);
                Assert.Contains("input {", production, StringComparison.Ordinal);
                Assert.Contains("submitter 'churn-model-approvers'", production, StringComparison.Ordinal);
                Assert.Contains("branch 'main'", production, StringComparison.Ordinal);
                Assert.True(names.IndexOf("Deploy dev") == names.IndexOf("Deploy production") - 1, $"{scenario}: stages {string.Join(", ", names)}");
                break;
            }

            default:
            {
                var stages = (YamlSequenceNode)PipelineFiles.Yaml(pipeline).Node("stages")!;
                var stage = stages.Children.Cast<YamlMappingNode>().Single(s => s.AllText().Contains(ProductionApply, StringComparison.Ordinal));
                Assert.Equal("[train,build_image,deploy_dev]", $"[{string.Join(",", ((YamlSequenceNode)stage.Node("dependsOn")!).Children)}]");
                Assert.Contains("refs/heads/main", stage.Scalar("condition"), StringComparison.Ordinal);
                var job = (YamlMappingNode)((YamlSequenceNode)stage.Node("jobs")!).Children.Single();
                Assert.NotNull(job.Scalar("deployment"));
                Assert.Equal("churn-model-production", job.Scalar("environment"));
                Assert.Contains("**Approvals**", docs, StringComparison.Ordinal);
                break;
            }
        }
    }

    [Theory]
    [MemberData(nameof(NotDeploying))]
    public async Task Without_deploy_the_deploy_stages_are_absent(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var pipeline = PipelineFiles.WithoutComments(PipelineFiles.Read(repo));

        Assert.DoesNotContain("kubectl", pipeline, StringComparison.Ordinal);
        Assert.DoesNotContain("environment:", pipeline, StringComparison.Ordinal);
        Assert.DoesNotContain("Deploy", pipeline, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Environments", repo.ReadText("docs/ci.md"), StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(Deploying))]
    public async Task Deploy_step_renders_the_overlay_with_the_pushed_image_and_the_cloud_env_identities(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        // The pipeline runs the same command as `make deploy`, so rendering it here is rendering what CI applies.
        Assert.Contains("make deploy OVERLAY=dev", PipelineFiles.Read(repo), StringComparison.Ordinal);
        Assert.Contains("k8s/deploy.sh apply \"$(OVERLAY)\"", repo.ReadText("Makefile"), StringComparison.Ordinal);
        var identities = CloudEnv.FilledIn(scenario.Cloud);
        var copy = CloudEnv.CopyWithSettings(repo, identities);

        foreach (var overlay in new[] { "dev", "prod" })
        {
            var write = await Command.RunAsync("bash", ["k8s/deploy.sh", "render", overlay], copy,
                new Dictionary<string, string?> { ["IMAGE_REPOSITORY"] = "registry.example.com/team/churn-model", ["IMAGE_TAG"] = "0123abcd" });
            write.EnsureSuccess();

            var rendered = await Validators.AssertKustomizationValidAsync(Path.Combine(copy, ".deploy", overlay));
            Assert.Contains("image: registry.example.com/team/churn-model:0123abcd", rendered, StringComparison.Ordinal);
            Assert.DoesNotContain("image: churn-model:", rendered, StringComparison.Ordinal);
            Assert.Contains($"namespace: churn-model-{overlay}", rendered, StringComparison.Ordinal);
            var accounts = Kubernetes.KubeObject.Parse($".deploy/{overlay}", rendered).Where(o => o.Kind == "ServiceAccount").ToDictionary(o => o.Name);
            // The prod overlay runs no MLflow server until its database exists (docs/kubernetes.md).
            var expected = CloudEnv.ExpectedIdentities(scenario.Cloud, scenario.Tracking == "mlflow" && overlay == "dev", train: overlay == "dev", server: scenario.Serving != "none",
                monitor: repo.Option("store") is "postgres" or "mongodb" or "cosmosdb");
            foreach (var (account, (annotation, value)) in expected)
            {
                Assert.Equal(value, accounts[account].Annotations.GetValueOrDefault(annotation));
            }

            Assert.All(accounts.Values.Where(a => !expected.ContainsKey(a.Name)), a => Assert.Empty(a.Annotations));
            if (scenario.Tracking == "mlflow" && scenario.Cloud != "local" && overlay == "dev")
            {
                Assert.Contains($"MLFLOW_ARTIFACTS_DESTINATION: {CloudEnv.ExpectedArtifacts(scenario.Cloud)}", rendered, StringComparison.Ordinal);
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(DeployingToACloud))]
    public async Task Deploy_stops_and_names_the_empty_cloud_env_key_instead_of_deploying_an_example_identity(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var copy = CloudEnv.CopyWithSettings(repo, new Dictionary<string, string>());

        var write = await Command.RunAsync("bash", ["k8s/deploy.sh", "render", "dev"], copy,
            new Dictionary<string, string?> { ["IMAGE_REPOSITORY"] = "registry.example.com/team/churn-model", ["IMAGE_TAG"] = "0123abcd" });

        Assert.NotEqual(0, write.ExitCode);
        var key = CloudEnv.FirstKeyDeployNeeds(scenario.Cloud);
        Assert.Equal("", CloudEnv.Read(repo)[key]);
        Assert.Contains($"{key} is empty: set it in cloud.env", write.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(copy, ".deploy", "dev", "kustomization.yaml")), "a kustomization was written without its identities");
    }

    private static YamlMappingNode JobApplying(YamlMappingNode jobs, string command) =>
        jobs.Children.Values.OfType<YamlMappingNode>().Single(job => job.AllText().Contains(command, StringComparison.Ordinal));
}
