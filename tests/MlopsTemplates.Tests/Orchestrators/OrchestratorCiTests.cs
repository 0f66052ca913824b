using MlopsTemplates.Tests.Ci;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.Orchestrators;

/// <summary>
/// The generated CI's Test stage runs the orchestrator's own check (ci-stages-orchestrator.sbn-include): the Airflow
/// DAG's integrity test (make dag-test) or the recompiled Kubeflow IR (make pipeline-check), in each of the four
/// dialects, and the dialect's own validator still accepts the file. One row per dialect, each orchestrator at least once.
/// </summary>
public sealed class OrchestratorCiTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    public static TheoryData<string, string, string, string> Rows => new()
    {
        { "github", "airflow", "aws", "dag-test" },
        { "jenkins", "kubeflow", "gcp", "pipeline-check" },
        { "azure", "airflow", "azure", "dag-test" },
        { "gitlab", "kubeflow", "local", "pipeline-check" },
    };

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task The_test_stage_runs_the_orchestrators_check_after_the_tests_and_the_dialects_validator_accepts_it(string ci, string orchestrator, string cloud, string target)
    {
        var repo = await fixture.Pack.InstantiateAsync("churn-model", ["--ci", ci, "--deploy", "kubernetes", "--orchestrator", orchestrator, "--cloud", cloud]);
        var pipeline = PipelineFiles.Read(repo);

        var test = PipelineFiles.MakeTargets(PipelineFiles.StageTexts(ci, pipeline)["test"]);
        Assert.Equal(["install", "test", target], test);
        Assert.Single(PipelineFiles.MakeTargets(pipeline), t => t == target);
        (await Command.RunAsync("make", ["-n", target], repo.Root)).EnsureSuccess();
        switch (ci)
        {
            case "github":
                await Validators.Actionlint.AssertValidAsync(repo, ".github/workflows/ci.yml");
                await Validators.GitHubWorkflow.AssertValidAsync(repo, ".github/workflows/ci.yml");
                break;
            case "jenkins":
                await Validators.Jenkinsfile.AssertValidAsync(repo, "Jenkinsfile");
                break;
            case "gitlab":
                await Validators.GitLabCi.AssertValidAsync(repo, ".");
                break;
            default:
                await Validators.SharedSchema("azure-pipelines").AssertValidAsync(repo, "azure-pipelines.yml");
                break;
        }
    }
}
