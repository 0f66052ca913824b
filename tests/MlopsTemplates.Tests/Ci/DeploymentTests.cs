using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Ci;

/// <summary>Dev deploys from main; production only after an approval, in every dialect; no deploy stages without --deploy.</summary>
public sealed class DeploymentTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string ProductionApply = "kubectl apply -k .deploy/prod";

    public static TheoryData<CiScenario> Deploying => CiScenarios.Deploying;

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
                Assert.Equal("deploy-dev", job.Scalar("needs"));
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
                Assert.Equal("[deploy-dev]", $"[{string.Join(",", ((YamlSequenceNode)job.Node("needs")!).Children)}]");
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
                Assert.Equal("deploy_dev", stage.Scalar("dependsOn"));
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
    public async Task Deploy_step_renders_the_overlay_with_the_pushed_image(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var script = PipelineFiles.ShellBlocks(scenario.Ci, PipelineFiles.Read(repo))
            .Select(b => b.Script.Split('\n'))
            .Single(lines => lines.Any(l => l.Contains("} > .deploy/dev/kustomization.yaml", StringComparison.Ordinal)));
        // The part of the pipeline's own deploy script that writes the kustomization, run as the CI would run it.
        var start = Array.FindIndex(script, l => l.Contains("mkdir -p .deploy/dev", StringComparison.Ordinal));
        var end = Array.FindIndex(script, l => l.Contains("} > .deploy/dev/kustomization.yaml", StringComparison.Ordinal));
        var write = await Command.RunAsync("bash", ["-euc", string.Join("\n", script[start..(end + 1)])], repo.Root,
            new Dictionary<string, string?> { ["IMAGE_REPOSITORY"] = "registry.example.com/team/churn-model", ["IMAGE_TAG"] = "0123abcd" });
        write.EnsureSuccess();

        var rendered = await Validators.AssertKustomizationValidAsync(Path.Combine(repo.Root, ".deploy", "dev"));

        Assert.Contains("image: registry.example.com/team/churn-model:0123abcd", rendered, StringComparison.Ordinal);
        Assert.DoesNotContain("image: churn-model:", rendered, StringComparison.Ordinal);
        Assert.Contains("namespace: churn-model-dev", rendered, StringComparison.Ordinal);
    }

    private static YamlMappingNode JobApplying(YamlMappingNode jobs, string command) =>
        jobs.Children.Values.OfType<YamlMappingNode>().Single(job => job.AllText().Contains(command, StringComparison.Ordinal));
}
