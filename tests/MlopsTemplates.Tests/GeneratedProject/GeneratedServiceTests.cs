using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.GeneratedProject;

/// <summary>The service, started the way its image starts it, answers over HTTP and refuses malformed input with a 4xx.</summary>
public sealed class GeneratedServiceTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    [Theory]
    [MemberData(nameof(GeneratedVariants.Serving), MemberType = typeof(GeneratedVariants))]
    public async Task The_service_started_as_in_the_image_answers_predictions_and_refuses_malformed_input(string options)
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var work = fixture.Pack.NewOutputDirectory("service");
        var environment = new Dictionary<string, string>
        {
            ["DATA_DIR"] = Path.Combine(work, "data"),
            ["MODEL_PATH"] = Path.Combine(work, "models", "model.joblib"),
            ["CANDIDATE_DIR"] = Path.Combine(work, "models", "candidate"),
            ["REPORTS_DIR"] = Path.Combine(work, "reports"),
            ["TRACKING_DIR"] = Path.Combine(work, "runs"),
        };
        // Training writes a candidate; the gate (evaluate) promotes it to MODEL_PATH, which the service loads.
        foreach (var step in new[] { "train", "evaluate" })
        {
            (await GeneratedVariants.RunPythonAsync(repo.Root, ["-m", $"{GeneratedVariants.PackageName}.{step}"], environment)).EnsureSuccess();
        }
        var record = FirstTestRecord(Path.Combine(work, "data", "processed", "test.csv"));

        await using var service = await ServiceProcess.StartAsync(repo.Root, environment);
        var client = service.Client;
        var context = $"{string.Join(" ", service.Command)}{Environment.NewLine}{service.Output}";

        using var health = await client.GetAsync("/healthz");
        Assert.True(health.StatusCode == HttpStatusCode.OK, context);

        using var predict = await client.PostAsJsonAsync("/predict", record);
        var body = await predict.Content.ReadAsStringAsync();
        Assert.True(predict.StatusCode == HttpStatusCode.OK, $"{predict.StatusCode} {body}{Environment.NewLine}{context}");
        var prediction = JsonNode.Parse(body)!["predictions"]![0]!;
        Assert.Contains((string?)prediction["label"], new[] { "benign", "malignant" });
        Assert.InRange((double)prediction["malignant_probability"]!, 0.0, 1.0);

        using var batch = await client.PostAsJsonAsync("/predict", new JsonObject { ["records"] = new JsonArray(record.DeepClone(), record.DeepClone()) });
        Assert.Equal(2, JsonNode.Parse(await batch.Content.ReadAsStringAsync())!["predictions"]!.AsArray().Count);

        using var metadata = await client.GetAsync("/metadata");
        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);

        using var malformed = await client.PostAsync("/predict", new StringContent("{not json", Encoding.UTF8, "application/json"));
        Assert.True((int)malformed.StatusCode is >= 400 and < 500, $"malformed JSON answered {malformed.StatusCode}{Environment.NewLine}{context}");

        var negative = record.DeepClone();
        negative["mean_radius"] = -1.0;
        using var invalid = await client.PostAsJsonAsync("/predict", negative);
        var invalidBody = await invalid.Content.ReadAsStringAsync();
        Assert.True((int)invalid.StatusCode is >= 400 and < 500, $"a negative radius answered {invalid.StatusCode}");
        Assert.Contains("mean_radius", invalidBody, StringComparison.Ordinal);
    }


    private static JsonObject FirstTestRecord(string csv)
    {
        var lines = File.ReadLines(csv).Take(2).ToArray();
        var header = lines[0].Split(',');
        var values = lines[1].Split(',');
        var record = new JsonObject();
        for (var i = 0; i < header.Length; i++)
        {
            if (header[i].StartsWith("mean_", StringComparison.Ordinal))
            {
                record[header[i]] = double.Parse(values[i], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        Assert.Equal(10, record.Count);
        return record;
    }
}
