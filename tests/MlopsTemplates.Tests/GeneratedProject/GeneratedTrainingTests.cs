using System.Text.Json.Nodes;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.GeneratedProject;

/// <summary>Training a fresh checkout writes the model and metrics; evaluation on held-out data passes its quality gate.</summary>
public sealed class GeneratedTrainingTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    [Theory]
    [MemberData(nameof(GeneratedVariants.Tested), MemberType = typeof(GeneratedVariants))]
    public async Task Training_on_a_fresh_checkout_writes_the_model_and_metrics_and_evaluation_passes(string options)
    {
        var copy = await GeneratedVariants.CopyAsync(fixture.Pack, options);

        (await GeneratedVariants.RunPythonAsync(copy, ["-m", $"{GeneratedVariants.PackageName}.train"])).EnsureSuccess();
        var evaluation = await GeneratedVariants.RunPythonAsync(copy, ["-m", $"{GeneratedVariants.PackageName}.evaluate"]);

        Assert.True(new FileInfo(Path.Combine(copy, "models/model.joblib")).Length > 0, "models/model.joblib missing or empty");
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(copy, "reports/metrics.json")))!;
        Assert.InRange((double)metrics["cv_roc_auc"]!, 0.9, 1.0);
        evaluation.EnsureSuccess();
        var held_out = JsonNode.Parse(File.ReadAllText(Path.Combine(copy, "reports/evaluation.json")))!;
        Assert.InRange((double)held_out["roc_auc"]!, 0.9, 1.0);
    }
}
