using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Platforms;

/// <summary>
/// The image's Vertex AI custom-container contract, run for real with Debian's Python (no Vertex AI here): the server
/// listens on AIP_HTTP_PORT, answers AIP_HEALTH_ROUTE and AIP_PREDICT_ROUTE with {"instances": [...]} in and
/// {"predictions": [...]} out, and loads the bundle from AIP_STORAGE_URI (a file:// URL standing in for gs://, both
/// read through fsspec).
/// </summary>
public sealed class VertexContractTests(PlatformImages images) : IClassFixture<PlatformImages>
{
    private const string Health = "/health";
    private const string Predict = "/v1/endpoints/123/deployedModels/456:predict";

    [Theory]
    [InlineData("fastapi")]
    [InlineData("flask")]
    public async Task The_predict_route_takes_instances_and_answers_predictions_with_the_services_validation(string serving)
    {
        images.Training.EnsureSuccess();
        // The Model's artifactUri: a version folder of the model store, as `make evaluate` publishes it.
        var version = JsonNode.Parse(File.ReadAllText(Path.Combine(images.TrainedOptMl, "model", "manifest.json")))!["model_version"]!.GetValue<string>();
        var artifacts = Directory.CreateDirectory(Path.Combine(images.Pack.NewOutputDirectory("vertex-artifacts"), version)).FullName;
        foreach (var file in new[] { "model.joblib", "manifest.json" })
        {
            File.Copy(Path.Combine(images.TrainedOptMl, "model", file), Path.Combine(artifacts, file));
        }

        var port = ServiceProcess.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["AIP_HTTP_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["AIP_HEALTH_ROUTE"] = Health,
            ["AIP_PREDICT_ROUTE"] = Predict,
            ["AIP_STORAGE_URI"] = new Uri(artifacts).AbsoluteUri,
            ["MODEL_CACHE_DIR"] = images.Pack.NewOutputDirectory("vertex-cache"),
        };
        await using var server = await PlatformServer.StartAsync(images.VertexWith(serving).Root, "platform_vertex", environment, port, Health);

        var (status, body) = await server.SendAsync(HttpMethod.Get, Health);
        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {body}{Environment.NewLine}{server.Output}");

        var instances = new JsonObject { ["instances"] = new JsonArray(images.Record.DeepClone(), images.Record.DeepClone(), images.Record.DeepClone()) };
        (status, body) = await server.SendAsync(HttpMethod.Post, Predict, instances.ToJsonString());
        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {body}{Environment.NewLine}{server.Output}");
        var answer = JsonNode.Parse(body)!.AsObject();
        Assert.Equal(["predictions"], answer.Select(p => p.Key));
        Assert.Equal(3, answer["predictions"]!.AsArray().Count);
        Assert.All(answer["predictions"]!.AsArray(), p => Assert.NotNull(p!["malignant_probability"]));

        // Not the envelope, a bad instance, not JSON, too large: the precise 4xx the service gives on /predict.
        var bad = (JsonObject)images.Record.DeepClone();
        bad.Remove("mean_area");
        var cases = new (string Name, string Body, string ContentType, HttpStatusCode Status, string? Mentions, bool Chunked)[]
        {
            ("the service's own shape", new JsonObject { ["records"] = new JsonArray(images.Record.DeepClone()) }.ToJsonString(), "application/json", HttpStatusCode.UnprocessableEntity, "instances", false),
            ("a bad instance", new JsonObject { ["instances"] = new JsonArray(images.Record.DeepClone(), bad) }.ToJsonString(), "application/json", HttpStatusCode.UnprocessableEntity, "mean_area", false),
            ("no instances", new JsonObject { ["instances"] = new JsonArray() }.ToJsonString(), "application/json", HttpStatusCode.UnprocessableEntity, "records", false),
            ("malformed JSON", "{\"instances\": [", "application/json", HttpStatusCode.BadRequest, "JSON", false),
            ("text/plain", instances.ToJsonString(), "text/plain", HttpStatusCode.UnsupportedMediaType, null, false),
            ("over 1 MiB", instances.ToJsonString() + new string(' ', 2 << 20), "application/json", HttpStatusCode.RequestEntityTooLarge, null, false),
            ("over 1 MiB, chunked", instances.ToJsonString() + new string(' ', 2 << 20), "application/json", HttpStatusCode.RequestEntityTooLarge, null, true),
        };
        var failures = new List<string>();
        foreach (var (name, text, contentType, expected, mentions, chunked) in cases)
        {
            (status, body) = await server.SendAsync(HttpMethod.Post, Predict, text, contentType, chunked);
            if (status != expected || (mentions is not null && !body.Contains(mentions, StringComparison.Ordinal)))
            {
                failures.Add($"{name}: expected {(int)expected}, got {(int)status} {body[..Math.Min(body.Length, 300)]}");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures) + Environment.NewLine + server.Output);
        // The service's own routes keep their own contract.
        (status, body) = await server.SendAsync(HttpMethod.Post, "/predict", images.Record.ToJsonString());
        Assert.True(status == HttpStatusCode.OK && body.Contains("model_version", StringComparison.Ordinal), $"{(int)status} {body}");
    }

    [Theory]
    [InlineData("AIP_STORAGE_URI", "upload the Model with artifactUri")]
    [InlineData("AIP_PREDICT_ROUTE", "AIP_PREDICT_ROUTE is not set")]
    public async Task The_container_refuses_to_start_without_what_vertex_sets_saying_what_is_missing(string unset, string message)
    {
        var environment = new Dictionary<string, string>
        {
            ["AIP_HTTP_PORT"] = ServiceProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["AIP_HEALTH_ROUTE"] = Health,
            ["AIP_PREDICT_ROUTE"] = Predict,
            ["AIP_STORAGE_URI"] = "file:///nonexistent/artifacts",
        };
        environment.Remove(unset);
        var result = await GeneratedVariants.RunPythonAsync(images.Vertex.Root, ["-m", $"{GeneratedVariants.PackageName}.platform_vertex", "serve"], environment);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Output, StringComparison.Ordinal);
    }
}
