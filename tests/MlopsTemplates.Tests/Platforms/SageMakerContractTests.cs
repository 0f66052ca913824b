using System.Net;
using System.Text.Json.Nodes;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.Platforms;

/// <summary>
/// The image's SageMaker contract, run for real with Debian's Python (no SageMaker here: /opt/ml is a folder named by
/// SAGEMAKER_OPT_ML): <c>train</c> reads the channels under input/data and writes the bundle to model/ or the reason to
/// output/failure; <c>serve</c> answers GET /ping and POST /invocations on the port SageMaker gives.
/// </summary>
public sealed class SageMakerContractTests(PlatformImages images) : IClassFixture<PlatformImages>
{
    private static readonly string Package = GeneratedVariants.PackageName;

    [Fact]
    public void Train_writes_the_bundle_to_opt_ml_model_and_the_metrics_to_the_output_data()
    {
        images.Training.EnsureSuccess();
        var root = images.TrainedOptMl;
        Assert.True(File.Exists(Path.Combine(root, "model", "model.joblib")), images.Training.ToString());
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "model", "manifest.json")))!;
        Assert.Matches("^[0-9a-f]{12,}$", manifest["model_version"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(root, "output", "data", "metrics.json")));
        Assert.False(File.Exists(Path.Combine(root, "output", "failure")));
    }

    [Fact]
    public async Task Train_reads_the_processed_channel_and_reports_a_bad_one_in_opt_ml_output_failure()
    {
        var processed = Path.Combine(images.TrainedOptMl, "input", "data", "processed");
        var lines = File.ReadAllLines(Path.Combine(processed, "train.csv"));

        // A channel holding the first 200 training rows: the job trains on exactly those.
        var channelRoot = Path.Combine(images.Pack.NewOutputDirectory("sagemaker-channel"), "opt", "ml");
        var channel = Directory.CreateDirectory(Path.Combine(channelRoot, "input", "data", "processed")).FullName;
        File.WriteAllLines(Path.Combine(channel, "train.csv"), lines.Take(201));
        File.Copy(Path.Combine(processed, "test.csv"), Path.Combine(channel, "test.csv"));
        (await images.TrainAsync(channelRoot)).EnsureSuccess();
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(channelRoot, "model", "manifest.json")))!;
        Assert.Equal(200, manifest["metrics"]!["train_rows"]!.GetValue<int>());

        // A channel whose training data lacks a column: the job fails, saying why where SageMaker looks.
        var badRoot = Path.Combine(images.Pack.NewOutputDirectory("sagemaker-bad-channel"), "opt", "ml");
        var bad = Directory.CreateDirectory(Path.Combine(badRoot, "input", "data", "processed")).FullName;
        var radius = Array.IndexOf(lines[0].Split(','), "mean_radius");
        File.WriteAllLines(Path.Combine(bad, "train.csv"), lines.Select(l => string.Join(',', l.Split(',').Where((_, i) => i != radius))));
        File.Copy(Path.Combine(processed, "test.csv"), Path.Combine(bad, "test.csv"));
        var failed = await images.TrainAsync(badRoot);
        Assert.NotEqual(0, failed.ExitCode);
        var failure = Path.Combine(badRoot, "output", "failure");
        Assert.True(File.Exists(failure), failed.ToString());
        Assert.Contains("missing column(s): mean_radius", File.ReadAllText(failure), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(badRoot, "model", "model.joblib")));
    }

    [Fact]
    public async Task Serve_answers_ping_and_invocations_on_sagemakers_port_once_the_model_is_in_opt_ml_model()
    {
        images.Training.EnsureSuccess();
        var root = Path.Combine(images.Pack.NewOutputDirectory("sagemaker-endpoint"), "opt", "ml");
        var port = ServiceProcess.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["SAGEMAKER_OPT_ML"] = root,
            ["SAGEMAKER_BIND_TO_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var server = await PlatformServer.StartAsync(images.SageMaker.Root, "platform_sagemaker", environment, port, "/ping", untilReady: false);

        // Up, but no model yet: /ping says not ready, so SageMaker does not route traffic to it.
        var (status, body) = await server.SendAsync(HttpMethod.Get, "/ping");
        Assert.True(status == HttpStatusCode.ServiceUnavailable, $"{(int)status} {body}{Environment.NewLine}{server.Output}");

        // SageMaker extracts model.tar.gz into /opt/ml/model: the same files training wrote there.
        var model = Directory.CreateDirectory(Path.Combine(root, "model")).FullName;
        foreach (var file in new[] { "model.joblib", "manifest.json" })
        {
            File.Copy(Path.Combine(images.TrainedOptMl, "model", file), Path.Combine(model, file));
        }

        (status, body) = await server.SendAsync(HttpMethod.Get, "/ping");
        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {body}{Environment.NewLine}{server.Output}");
        (status, body) = await server.SendAsync(HttpMethod.Post, "/invocations", images.Record.ToJsonString());
        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {body}");
        Assert.Contains("malignant_probability", body, StringComparison.Ordinal);
        var batch = new JsonObject { ["records"] = new JsonArray(images.Record.DeepClone(), images.Record.DeepClone()) };
        (status, body) = await server.SendAsync(HttpMethod.Post, "/invocations", batch.ToJsonString());
        Assert.Equal(2, JsonNode.Parse(body)!["predictions"]!.AsArray().Count);

        // The service's validation holds on SageMaker's route too.
        var outOfRange = (JsonObject)images.Record.DeepClone();
        outOfRange["mean_radius"] = -1;
        (status, body) = await server.SendAsync(HttpMethod.Post, "/invocations", outOfRange.ToJsonString());
        Assert.True(status == HttpStatusCode.UnprocessableEntity && body.Contains("mean_radius", StringComparison.Ordinal), $"{(int)status} {body}");
        (status, _) = await server.SendAsync(HttpMethod.Post, "/invocations", images.Record.ToJsonString(), "text/csv");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
    }

    [Fact]
    public async Task The_sagemaker_image_is_the_non_root_image_with_root_and_the_train_serve_entrypoint_only()
    {
        var dockerfile = images.SageMaker.ReadText("docker/sagemaker.Dockerfile").Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        Assert.Equal(
            ["ARG BASE_IMAGE=churn-model:latest", "FROM ${BASE_IMAGE}", "USER 0:0", $"ENTRYPOINT [\"python\", \"-m\", \"{Package}.platform_sagemaker\"]", "CMD [\"serve\"]"],
            dockerfile);
        // The service image itself stays non-root, and the Makefile builds the SageMaker image on it.
        Assert.Matches("(?m)^USER 10001:10001$", images.SageMaker.ReadText("Dockerfile"));
        var build = await Command.RunAsync("make", ["--dry-run", "docker-build", "IMAGE=registry.example/churn", "TAG=abc123"], images.SageMaker.Root);
        Assert.Contains("docker build --tag registry.example/churn:abc123-sagemaker --build-arg BASE_IMAGE=registry.example/churn:abc123 --file docker/sagemaker.Dockerfile .", build.EnsureSuccess().StandardOutput, StringComparison.Ordinal);
        Assert.False(images.Vertex.Exists("docker/sagemaker.Dockerfile"));
        Assert.False(images.Vertex.Exists("infra/aws/sagemaker-endpoint.yaml"));
        Assert.False(images.Vertex.Exists($"src/{Package}/platform_sagemaker.py"));
    }

    [SkippableFact]
    public async Task Dockerfile_utils_accepts_the_sagemaker_dockerfile() =>
        await Validators.Dockerfile.AssertValidAsync(images.SageMaker, "Dockerfile", "docker/sagemaker.Dockerfile");
}
