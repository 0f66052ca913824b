using System.Text.Json.Nodes;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.GeneratedProject;

/// <summary>
/// Training a fresh checkout writes a candidate and metrics, not the served model; the gate (evaluate) on held-out
/// data passes and only then promotes the candidate to models/model.joblib.
/// </summary>
public sealed class GeneratedTrainingTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    [Theory]
    [MemberData(nameof(GeneratedVariants.Tested), MemberType = typeof(GeneratedVariants))]
    public async Task Training_writes_a_candidate_and_the_passing_gate_promotes_it(string options)
    {
        var copy = await GeneratedVariants.CopyAsync(fixture.Pack, options);
        var served = Path.Combine(copy, "models/model.joblib");

        (await GeneratedVariants.RunPythonAsync(copy, ["-m", $"{GeneratedVariants.PackageName}.train"])).EnsureSuccess();
        var candidate = JsonNode.Parse(File.ReadAllText(Path.Combine(copy, "models/candidate/manifest.json")))!;
        Assert.False(File.Exists(served), "training wrote the served model before the gate ran");
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(copy, "reports/metrics.json")))!;
        Assert.InRange((double)metrics["cv_roc_auc"]!, 0.9, 1.0);

        (await GeneratedVariants.RunPythonAsync(copy, ["-m", $"{GeneratedVariants.PackageName}.evaluate"])).EnsureSuccess();

        Assert.True(new FileInfo(served).Length > 0, "the passing gate did not promote the candidate");
        var heldOut = JsonNode.Parse(File.ReadAllText(Path.Combine(copy, "reports/evaluation.json")))!;
        Assert.InRange((double)heldOut["roc_auc"]!, 0.9, 1.0);
        Assert.Equal((string?)candidate["model_version"], (string?)heldOut["model_version"]);
    }

    [Fact]
    public async Task A_failing_gate_exits_non_zero_and_make_serve_keeps_the_model_that_passed()
    {
        var copy = await GeneratedVariants.CopyAsync(fixture.Pack, "--data none");
        var environment = GeneratedVariants.PythonEnvironment(copy);
        (await Command.RunAsync("make", ["train", "evaluate", $"PYTHON={GeneratedVariants.Python}"], copy, environment)).EnsureSuccess();
        var served = File.ReadAllBytes(Path.Combine(copy, "models/model.joblib"));
        var parameters = Path.Combine(copy, "params.yaml");
        File.WriteAllText(parameters, File.ReadAllText(parameters).Replace("C: 1.0", "C: 0.25").Replace("min_roc_auc: 0.95", "min_roc_auc: 1.01"));

        var failed = await Command.RunAsync("make", ["train", "evaluate", $"PYTHON={GeneratedVariants.Python}"], copy, environment);

        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("gate failed", failed.Output, StringComparison.Ordinal);
        Assert.Equal(served, File.ReadAllBytes(Path.Combine(copy, "models/model.joblib")));
    }
}
