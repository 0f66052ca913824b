using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.GeneratedProject;

/// <summary>
/// The service contract every serving framework keeps, over real HTTP against the server process started the way
/// its image starts it: predictions for valid input, a precise 4xx (never a 5xx) for each kind of bad input, and
/// not ready (503, with the reason) while the model cannot be served. One table of cases for every framework.
/// </summary>
public sealed class GeneratedServiceTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const int MaxBodyBytes = 1024 * 1024;
    private const int MaxBatchSize = 1000;

    /// <summary>One request and the status the contract requires; <c>Mentions</c> must appear in the answer's body.</summary>
    public sealed record Case(string Name, Func<JsonObject, HttpContent> Body, HttpStatusCode Status, string? Mentions = null)
    {
        public override string ToString() => Name;
    }

    /// <summary>Each serving framework once (the other tested option sets serve the same code).</summary>
    public static TheoryData<string> Frameworks => new() { "", "--serving flask", "--serving django --tracking none" };

    public static IReadOnlyList<Case> Contract { get; } =
    [
        new("one record", Json, HttpStatusCode.OK, "malignant_probability"),
        new("a batch", r => Json(new JsonObject { ["records"] = new JsonArray(r.DeepClone(), r.DeepClone()) }), HttpStatusCode.OK, "predictions"),
        new("an integer value", r => WithLiteral(r, "mean_area", "500"), HttpStatusCode.OK, "malignant_probability"),
        new("a number as a string", r => WithLiteral(r, "mean_smoothness", "\"0.06\""), HttpStatusCode.UnprocessableEntity, "mean_smoothness"),
        new("a boolean", r => WithLiteral(r, "mean_texture", "true"), HttpStatusCode.UnprocessableEntity, "mean_texture"),
        new("null", r => WithLiteral(r, "mean_area", "null"), HttpStatusCode.UnprocessableEntity, "mean_area"),
        new("a 400-digit integer", r => WithLiteral(r, "mean_area", "1" + new string('0', 400)), HttpStatusCode.UnprocessableEntity, "mean_area"),
        new("NaN", r => WithLiteral(r, "mean_symmetry", "NaN"), HttpStatusCode.UnprocessableEntity, "mean_symmetry"),
        new("Infinity", r => WithLiteral(r, "mean_radius", "Infinity"), HttpStatusCode.UnprocessableEntity, "mean_radius"),
        new("a float beyond double range", r => WithLiteral(r, "mean_radius", "1e400"), HttpStatusCode.UnprocessableEntity, "mean_radius"),
        new("a value out of range", r => WithLiteral(r, "mean_radius", "-1.0"), HttpStatusCode.UnprocessableEntity, "mean_radius"),
        new("a missing field", r => Json(Without(r, "mean_concavity")), HttpStatusCode.UnprocessableEntity, "mean_concavity"),
        new("an extra field", r => WithLiteral(r, "patient_name", "1.0"), HttpStatusCode.UnprocessableEntity, "patient_name"),
        new("a bad record in a batch", r => Json(new JsonObject { ["records"] = new JsonArray(r.DeepClone(), Without(r, "mean_area")) }), HttpStatusCode.UnprocessableEntity, "mean_area"),
        new("an empty batch", _ => Json(new JsonObject { ["records"] = new JsonArray() }), HttpStatusCode.UnprocessableEntity, "records"),
        new("a batch over the limit", r => Json(new JsonObject { ["records"] = new JsonArray(Enumerable.Range(0, MaxBatchSize + 1).Select(_ => (JsonNode)r.DeepClone()).ToArray()) }), HttpStatusCode.UnprocessableEntity, "records"),
        new("a JSON array", _ => Text("[1, 2]", "application/json"), HttpStatusCode.UnprocessableEntity),
        new("malformed JSON", _ => Text("{not json", "application/json"), HttpStatusCode.BadRequest),
        new("JSON nested 100000 deep", _ => Text(new string('[', 100_000) + new string(']', 100_000), "application/json"), HttpStatusCode.BadRequest),
        new("an empty body", _ => Text("", "application/json"), HttpStatusCode.BadRequest),
        new("text/plain", r => Text(r.ToJsonString(), "text/plain"), HttpStatusCode.UnsupportedMediaType),
        new("a form", _ => new FormUrlEncodedContent([new("mean_radius", "1")]), HttpStatusCode.UnsupportedMediaType),
        new("no content type", r => Text(r.ToJsonString(), null), HttpStatusCode.UnsupportedMediaType),
        new("a body over the limit with its length", r => Oversized(r, chunked: false), HttpStatusCode.RequestEntityTooLarge),
        new("a chunked body over the limit", r => Oversized(r, chunked: true), HttpStatusCode.RequestEntityTooLarge),
    ];

    [Theory]
    [MemberData(nameof(GeneratedVariants.Serving), MemberType = typeof(GeneratedVariants))]
    public async Task The_service_started_as_in_the_image_keeps_the_service_contract_and_logs(string options)
    {
        var (repo, environment, record) = await TrainedAsync(options);

        await using var service = await ServiceProcess.StartAsync(repo.Root, environment);
        var failures = new List<string>();
        foreach (var contractCase in Contract)
        {
            var (status, body) = await service.PostAsync("/predict", contractCase.Body(record));
            if (status != contractCase.Status || (contractCase.Mentions is { } mention && !body.Contains(mention, StringComparison.Ordinal)))
            {
                failures.Add($"{contractCase.Name}: expected {(int)contractCase.Status}{(contractCase.Mentions is null ? "" : $" mentioning {contractCase.Mentions}")}, got {(int)status} {Shorten(body)}");
            }
        }

        using var health = await service.Client.GetAsync("/healthz");
        Assert.True(health.StatusCode == HttpStatusCode.OK, "the service stopped answering after the contract's requests");
        using var metadata = await service.Client.GetAsync("/metadata");
        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
        Assert.True(failures.Count == 0, $"{string.Join(Environment.NewLine, failures)}{Environment.NewLine}{service.Describe()}");
        // The package's own log records reach the server's output (uvicorn and gunicorn configure only their own loggers),
        // and each server process loaded the model once, not per request.
        var loads = service.Output.Split('\n').Count(line => line.Contains($"{GeneratedVariants.PackageName}.model_holder: loaded model", StringComparison.Ordinal));
        Assert.True(loads >= 1 && loads <= service.Processes, $"{loads} model loads by {service.Processes} process(es){Environment.NewLine}{service.Describe()}");
    }

    public static TheoryData<string, string, string> UnservableModels
    {
        get
        {
            var data = new TheoryData<string, string, string>();
            // Reading the model file is the holder's, shared by every framework: once. How a framework turns the
            // holder's refusal into 503s is each framework's own: for all three.
            data.Add("", "half-written", "not a readable model");
            foreach (var framework in Frameworks)
            {
                data.Add(framework, "features differ from the schema", "mean_weight");
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(UnservableModels))]
    public async Task The_service_stays_up_but_not_ready_while_its_model_cannot_be_served(string options, string model, string reason)
    {
        var (repo, trained, record) = await TrainedAsync(options);
        // A copy of the trained model, spoilt: the trained one stays intact for the other tests.
        var modelPath = Path.Combine(Directory.CreateDirectory(fixture.Pack.NewOutputDirectory("unservable")).FullName, "model.joblib");
        File.Copy(trained["MODEL_PATH"], modelPath);
        var environment = new Dictionary<string, string>(trained) { ["MODEL_PATH"] = modelPath };
        if (model == "half-written")
        {
            var bytes = await File.ReadAllBytesAsync(modelPath);
            await File.WriteAllBytesAsync(modelPath, bytes[..(bytes.Length / 2)]);
        }
        else
        {
            var script = $"import dataclasses, joblib, sys; b = joblib.load(sys.argv[1]); joblib.dump(dataclasses.replace(b, features=[*b.features[:-1], 'mean_weight']), sys.argv[1])";
            (await GeneratedVariants.RunPythonAsync(repo.Root, ["-c", script, modelPath], environment)).EnsureSuccess();
        }

        await using var service = await ServiceProcess.StartAsync(repo.Root, environment, untilReady: false);
        using var ready = await service.Client.GetAsync("/readyz");
        var readyBody = await ready.Content.ReadAsStringAsync();
        Assert.True(ready.StatusCode == HttpStatusCode.ServiceUnavailable && readyBody.Contains(reason, StringComparison.Ordinal), $"/readyz: {(int)ready.StatusCode} {readyBody}{Environment.NewLine}{service.Describe()}");
        var (status, body) = await service.PostAsync("/predict", Json(record));
        Assert.True(status == HttpStatusCode.ServiceUnavailable && body.Contains(reason, StringComparison.Ordinal), $"/predict: {(int)status} {body}");
        Assert.True(service.Output.Contains(reason, StringComparison.Ordinal), $"the reason is not in the log{Environment.NewLine}{service.Describe()}");
    }

    [Theory]
    [InlineData("--serving flask")]
    [InlineData("--serving django")]
    public async Task The_image_runs_gunicorn_without_its_control_socket_checked_statically_as_gunicorn_25_is_not_installed_here(string options)
    {
        // gunicorn 25.1+ creates a control socket under $XDG_RUNTIME_DIR or $HOME, which the image's user (no home,
        // read-only root) cannot write. Debian's gunicorn predates the setting, so only the configuration is checked.
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var command = ServiceProcess.LocalCommand(repo.ReadText("Dockerfile"), 8080);
        var config = Array.IndexOf(command, "--config");
        Assert.True(config > 0 && command[config + 1] == $"python:{GeneratedVariants.PackageName}.gunicorn_conf", string.Join(" ", command));
        var setting = await GeneratedVariants.RunPythonAsync(repo.Root, ["-c", $"import {GeneratedVariants.PackageName}.gunicorn_conf as c; print(c.control_socket_disable)"]);
        Assert.Equal("True", setting.EnsureSuccess().StandardOutput.Trim());
    }

    /// <summary>The variant, trained once per test run, with the environment that serves its model.</summary>
    private Task<(GeneratedRepository Repo, Dictionary<string, string> Environment, JsonObject Record)> TrainedAsync(string options) =>
        Trained.GetOrAdd(options, key => new Lazy<Task<(GeneratedRepository, Dictionary<string, string>, JsonObject)>>(() => TrainAsync(fixture.Pack, key))).Value;

    private static readonly ConcurrentDictionary<string, Lazy<Task<(GeneratedRepository, Dictionary<string, string>, JsonObject)>>> Trained = new();

    private static async Task<(GeneratedRepository, Dictionary<string, string>, JsonObject)> TrainAsync(TemplatePack pack, string options)
    {
        var repo = await GeneratedVariants.GetAsync(pack, options);
        var work = pack.NewOutputDirectory("service");
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

        return (repo, environment, FirstTestRecord(Path.Combine(work, "data", "processed", "test.csv")));
    }

    private static HttpContent Json(JsonObject value) => Text(value.ToJsonString(), "application/json");

    private static HttpContent Text(string text, string? contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        if (contentType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        return content;
    }

    /// <summary>The record as JSON text with one field's value replaced by a raw JSON literal (NaN, 1e400...).</summary>
    private static HttpContent WithLiteral(JsonObject record, string field, string literal)
    {
        var changed = (JsonObject)record.DeepClone();
        changed[field] = "@literal@";
        return Text(changed.ToJsonString().Replace("\"@literal@\"", literal, StringComparison.Ordinal), "application/json");
    }

    private static JsonObject Without(JsonObject record, string field)
    {
        var changed = (JsonObject)record.DeepClone();
        changed.Remove(field);
        return changed;
    }

    /// <summary>A valid record padded with whitespace past the byte limit: refused for its size, whatever it holds.</summary>
    private static HttpContent Oversized(JsonObject record, bool chunked)
    {
        var bytes = Encoding.UTF8.GetBytes(record.ToJsonString() + new string(' ', 2 * MaxBodyBytes));
        HttpContent content = chunked ? new StreamContent(new UnknownLengthStream(bytes)) : new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";

    /// <summary>The first record of a test CSV as the JSON object /predict takes (also used by the store tests).</summary>
    internal static JsonObject FirstTestRecord(string csv)
    {
        var lines = File.ReadLines(csv).Take(2).ToArray();
        var header = lines[0].Split(',');
        var values = lines[1].Split(',');
        var record = new JsonObject();
        for (var i = 0; i < header.Length; i++)
        {
            if (header[i].StartsWith("mean_", StringComparison.Ordinal))
            {
                record[header[i]] = double.Parse(values[i], CultureInfo.InvariantCulture);
            }
        }

        Assert.Equal(10, record.Count);
        return record;
    }

    /// <summary>A stream that does not tell its length, so that HttpClient sends it with chunked transfer encoding.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
