using System.Text.Json.Nodes;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Platforms;

/// <summary>
/// The generated repositories whose image carries a managed platform's contract, generated once per test run, and one
/// model trained through SageMaker's <c>train</c> contract that the serving tests share: SageMaker with FastAPI on AWS
/// (its routes are a plain mapping), Vertex AI with each framework on Google Cloud (its envelope is translated in both).
/// </summary>
public sealed class PlatformImages : IAsyncLifetime
{
    public const string SageMakerOptions = "--deploy sagemaker --cloud aws";
    public const string VertexOptions = "--deploy vertex --cloud gcp";

    public TemplatePack Pack { get; private set; } = null!;

    public GeneratedRepository SageMaker { get; private set; } = null!;

    /// <summary>The Vertex AI repository with FastAPI (the default serving).</summary>
    public GeneratedRepository Vertex { get; private set; } = null!;

    public GeneratedRepository VertexFlask { get; private set; } = null!;

    public GeneratedRepository VertexWith(string serving) => serving == "flask" ? VertexFlask : Vertex;

    /// <summary>The /opt/ml of a finished SageMaker training job (SAGEMAKER_OPT_ML), its bundle in model/.</summary>
    public string TrainedOptMl { get; private set; } = null!;

    public CommandResult Training { get; private set; } = null!;

    /// <summary>A record of the held-out data, as the service takes it.</summary>
    public JsonObject Record { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Pack = await TemplatePack.GetAsync();
        SageMaker = await GeneratedVariants.GetAsync(Pack, SageMakerOptions);
        Vertex = await GeneratedVariants.GetAsync(Pack, VertexOptions);
        VertexFlask = await GeneratedVariants.GetAsync(Pack, VertexOptions + " --serving flask");
        TrainedOptMl = Path.Combine(Pack.NewOutputDirectory("sagemaker-job"), "opt", "ml");
        Training = await TrainAsync(TrainedOptMl);
        Record = FirstRecord(Path.Combine(TrainedOptMl, "input", "data", "processed", "test.csv"));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Runs SageMaker's <c>train</c> on the image's command, with /opt/ml at <paramref name="optMl"/>.</summary>
    public Task<CommandResult> TrainAsync(string optMl) =>
        GeneratedVariants.RunPythonAsync(
            SageMaker.Root,
            ["-m", $"{GeneratedVariants.PackageName}.platform_sagemaker", "train"],
            new Dictionary<string, string> { ["SAGEMAKER_OPT_ML"] = optMl, ["PARAMS_PATH"] = SageMaker.PathOf("params.yaml") });

    private static JsonObject FirstRecord(string csv)
    {
        var lines = File.ReadLines(csv).Take(2).Select(l => l.Split(',')).ToArray();
        var record = new JsonObject();
        foreach (var (name, value) in lines[0].Zip(lines[1]).Where(p => p.First.StartsWith("mean_", StringComparison.Ordinal)))
        {
            record[name] = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        }

        return record;
    }
}
