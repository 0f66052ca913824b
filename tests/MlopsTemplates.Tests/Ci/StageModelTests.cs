using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Ci;

/// <summary>The four dialects render from one stage model: the same Makefile targets, in the same order.</summary>
public sealed class StageModelTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    public static TheoryData<CiScenario> Configurations => new(
        new CiScenario("github", "aws", "dvc", "kubernetes", "mlflow", "fastapi", "3.12"),
        new CiScenario("github", "gcp", "none", "none", "none", "none", "3.14"),
        new CiScenario("github", "local", "dvc", "kubernetes", "none", "flask", "3.13"));

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task Every_ci_runs_the_same_make_targets_in_the_same_order(CiScenario configuration)
    {
        // What the issue asks for: lint, test, then DVC's pipeline or the training targets, then the image.
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
            "docker-build",
        ];

        foreach (var ci in CiScenarios.CiSystems)
        {
            var repo = await CiScenarios.GenerateAsync(fixture.Pack, configuration.WithCi(ci));
            var targets = PipelineFiles.MakeTargets(PipelineFiles.Read(repo));
            Assert.True(expected.SequenceEqual(targets), $"--ci {ci} ({configuration}) runs make {string.Join(", ", targets)}; expected {string.Join(", ", expected)}");
        }
    }
}
