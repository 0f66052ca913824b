using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Ci;

/// <summary>
/// The four dialects render from one stage model: the same Makefile targets in the same order, and the same checks
/// on themselves (their own pipeline file linted, the pre-commit hooks, JUnit and coverage published).
/// </summary>
public sealed class StageModelTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    public static TheoryData<CiScenario> Configurations => new(
        new CiScenario("github", "aws", "dvc", "kubernetes", "mlflow", "fastapi", "3.12"),
        new CiScenario("github", "gcp", "none", "none", "none", "none", "3.14"),
        new CiScenario("github", "local", "dvc", "kubernetes", "none", "flask", "3.13"));

    public static TheoryData<CiScenario> All => CiScenarios.All;

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task Every_ci_runs_the_same_make_targets_in_the_same_order(CiScenario configuration)
    {
        // Lint, test, then DVC's pipeline or the training targets, then (on main, with a cloud model store) publishing
        // what passed the gate, then the image; each deploy promotes, then applies.
        string[] expected =
        [
            "install", "lint",
            "install", "test",
            .. (configuration.Data, configuration.Cloud) switch
            {
                // A --cloud local DVC remote is a folder beside the developer's clone: CI cannot pull from it.
                ("dvc", "local") => new[] { "install", "dvc-repro" },
                ("dvc", _) => ["install", "dvc-pull", "dvc-repro", "dvc-push"],
                _ => ["install", "data", "train", "evaluate"],
            },
            .. configuration.Cloud == "local" ? Array.Empty<string>() : ["publish"],
            "docker-build", "docker-push",
            .. configuration.Deploy == "kubernetes" ? new[] { "install", "promote", "deploy", "install", "promote", "deploy" } : [],
        ];

        foreach (var ci in CiScenarios.CiSystems)
        {
            var repo = await CiScenarios.GenerateAsync(fixture.Pack, configuration.WithCi(ci));
            var targets = PipelineFiles.MakeTargets(PipelineFiles.Read(repo));
            Assert.True(expected.SequenceEqual(targets), $"--ci {ci} ({configuration}) runs make {string.Join(", ", targets)}; expected {string.Join(", ", expected)}");
        }
    }

    [Theory]
    [MemberData(nameof(All))]
    public async Task Every_ci_lints_its_own_pipeline_runs_the_hooks_and_publishes_junit_and_coverage(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var pipeline = PipelineFiles.WithoutComments(PipelineFiles.Read(repo));
        var lint = PipelineFiles.StageTexts(scenario.Ci, PipelineFiles.Read(repo))["lint"];

        var (selfLint, junit, coverage) = scenario.Ci switch
        {
            "github" => ("rhysd/actionlint:", "reports/junit.xml", "reports/coverage.xml"),
            "gitlab" => ("gitlab-ci-local@", "junit: reports/junit.xml", "coverage_format: cobertura"),
            "jenkins" => ("validateDeclarativePipeline('Jenkinsfile')", "junit 'reports/junit.xml'", "recordCoverage(tools: [[parser: 'COBERTURA'"),
            _ => ("/preview?api-version=", "task: PublishTestResults@2", "task: PublishCodeCoverageResults@"),
        };
        Assert.Contains(selfLint, pipeline, StringComparison.Ordinal);
        Assert.Contains(junit, pipeline, StringComparison.Ordinal);
        Assert.Contains(coverage, pipeline, StringComparison.Ordinal);
        Assert.Contains("python -m pre_commit run --all-files", lint, StringComparison.Ordinal);
        Assert.True(repo.Exists(".pre-commit-config.yaml"), "the hooks CI runs are not generated");
        if (scenario.Ci == "github")
        {
            var upload = PipelineFiles.Yaml(PipelineFiles.Read(repo)).Mapping("jobs")!.Mapping("test")!.Node("steps")!.AllText();
            Assert.Contains("reports/junit.xml\nreports/coverage.xml", upload, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Renovate_updates_the_azure_pipeline_whose_manager_is_off_by_default()
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, CiScenarios.Covering.First(s => s.Ci == "azure"));
        var renovate = System.Text.Json.JsonDocument.Parse(repo.ReadText("renovate.json")).RootElement;

        Assert.True(renovate.GetProperty("azure-pipelines").GetProperty("enabled").GetBoolean());
    }
}
