using System.Text.Json.Nodes;
using MlopsTemplates.Authoring;
using MlopsTemplates.Tests.Ci;
using MlopsTemplates.Tests.Combinations;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Platforms;

/// <summary>
/// infra/gcp/deploy-endpoint.sh, what <c>make deploy ENVIRONMENT=dev|prod</c> and CI's deploy stages run with
/// --deploy vertex. There is no Google Cloud project here: the installed gcloud runs against a local stand-in
/// (vertex-deploy-under-stand-in.py, test code) that answers the aiplatform v1 and Cloud Storage REST calls, polls
/// included, and loads every request body into the aiplatform v1 message classes bundled with google-cloud-cli,
/// unknown fields rejected. Whether the real Vertex AI accepts the container and routes to it is not tested here.
/// </summary>
public sealed class VertexDeployTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string Project = "churn-project";
    private const string Version = "ab9ce0e14e4e";
    private static readonly string ModelDigest = "sha256:" + new string('b', 64);
    private static readonly string Digests = $"model={ModelDigest},web=sha256:{new string('c', 64)}";
    private static readonly string Image = $"europe-west1-docker.pkg.dev/{Project}/churn-model/churn-model@{ModelDigest}";
    private static readonly string ModelId = $"m-{Version}-{new string('b', 28)}";
    private const string OldImage = $"europe-west1-docker.pkg.dev/{Project}/churn-model/churn-model@sha256:0000";

    [SkippableFact]
    public async Task Against_a_Vertex_AI_stand_in_the_deploy_uploads_the_Model_once_moves_all_traffic_to_it_and_only_then_undeploys_the_old_one()
    {
        var repository = await ScratchRepositoryAsync();
        var state = new JsonObject
        {
            ["project"] = Project,
            ["region"] = "europe-west1",
            // prod serves an older version (deployed model 111 with all the traffic); dev has nothing deployed yet.
            ["endpoints"] = new JsonObject { ["churn-model-prod"] = new JsonArray(new JsonArray("111", "m-old")), ["churn-model-dev"] = new JsonArray() },
            ["models"] = new JsonObject { ["m-old"] = new JsonArray(OldImage, "gs://churn-model-models/models/000000000000") },
            ["objects"] = new JsonArray($"churn-model-models/models/{Version}/manifest.json"),
        };
        var env = new JsonObject { ["MODEL_VERSION"] = Version, ["IMAGE_DIGESTS"] = Digests };
        var runs = new JsonArray(
            new JsonObject { ["environment"] = "prod", ["env"] = env.DeepClone() },
            // The same version and digest to dev: the Model is reused, not uploaded again.
            new JsonObject { ["environment"] = "dev", ["env"] = env.DeepClone() },
            // A well-formed version that was never published: refused after reads only.
            new JsonObject { ["environment"] = "dev", ["env"] = new JsonObject { ["MODEL_VERSION"] = "0123456789ab", ["IMAGE_DIGESTS"] = Digests } },
            // prod again (a re-run): the deployed model is there, so it only gets all the traffic again.
            new JsonObject { ["environment"] = "prod", ["env"] = env.DeepClone() });
        var result = await RunStandInAsync(repository, state, runs);
        var prod = result["runs"]![0]!;
        var dev = result["runs"]![1]!;
        var unpublished = result["runs"]![2]!;
        var rerun = result["runs"]![3]!;

        Assert.True((int)prod["exit"]! == 0, $"prod deploy failed:\n{prod["stdout"]}\n{prod["stderr"]}");
        Assert.True((int)dev["exit"]! == 0, $"dev deploy failed:\n{dev["stdout"]}\n{dev["stderr"]}");
        foreach (var run in new[] { prod, dev, unpublished, rerun })
        {
            Assert.All(run["requests"]!.AsArray(), r => Assert.Null(r!["rejected"]));
        }

        // One upload, with the container spec: the model image by digest, the platform command, routes, port, artifacts.
        var uploads = Requests(prod, "POST", ":upload");
        var upload = JsonNode.Parse((string)Assert.Single(uploads)["body"]!)!;
        Assert.Equal(ModelId, (string)upload["modelId"]!);
        var spec = upload["model"]!["containerSpec"]!;
        Assert.Equal(Image, (string)spec["imageUri"]!);
        Assert.Equal(["python"], spec["command"]!.AsArray().Select(a => (string)a!));
        Assert.Equal(["-m", "churn_model.platform_vertex", "serve"], spec["args"]!.AsArray().Select(a => (string)a!));
        Assert.Equal("/health", (string)spec["healthRoute"]!);
        Assert.Equal("/predict-instances", (string)spec["predictRoute"]!);
        Assert.Equal(8080, (int)spec["ports"]![0]!["containerPort"]!);
        Assert.Equal($"gs://churn-model-models/models/{Version}", (string)upload["model"]!["artifactUri"]!);
        Assert.Empty(Requests(dev, "POST", ":upload"));
        Assert.Contains($"reusing Model {ModelId}", (string)dev["stdout"]!, StringComparison.Ordinal);

        // deploy-model with all traffic to the new deployed model, on dedicated machines of cloud.env.
        var deploy = JsonNode.Parse((string)Assert.Single(Requests(prod, "POST", ":deployModel"))["body"]!)!;
        Assert.Equal(100, (int)deploy["trafficSplit"]!["0"]!);
        Assert.EndsWith($"/models/{ModelId}", (string)deploy["deployedModel"]!["model"]!, StringComparison.Ordinal);
        Assert.Equal("n2-standard-2", (string)deploy["deployedModel"]!["dedicatedResources"]!["machineSpec"]!["machineType"]!);

        // The old deployed model goes only after the traffic was read back on the new one.
        var sequence = prod["requests"]!.AsArray().Select(r => $"{r!["method"]} {r["path"]}").ToList();
        var deployAt = sequence.FindIndex(s => s.EndsWith(":deployModel", StringComparison.Ordinal));
        var undeployAt = sequence.FindIndex(s => s.EndsWith(":undeployModel", StringComparison.Ordinal));
        Assert.True(deployAt >= 0 && undeployAt > deployAt, string.Join("\n", sequence));
        Assert.Contains(sequence.Skip(deployAt + 1).Take(undeployAt - deployAt - 1), s => s == "GET /v1/projects/churn-project/locations/europe-west1/endpoints/churn-model-prod");
        Assert.Equal("111", (string)JsonNode.Parse((string)Requests(prod, "POST", ":undeployModel").Single()["body"]!)!["deployedModelId"]!);

        foreach (var name in new[] { "churn-model-prod", "churn-model-dev" })
        {
            var endpoint = result["endpoints"]![name]!;
            var deployed = Assert.Single(endpoint["deployed"]!.AsArray())!;
            Assert.Equal(ModelId, (string)deployed["model"]!);
            Assert.Equal(100, (int)endpoint["traffic"]![(string)deployed["id"]!]!);
        }
        Assert.Equal(Image, (string)result["models"]![ModelId]!["image"]!);
        Assert.Contains("endpoint churn-model-prod sends all traffic to deployed model", (string)prod["stdout"]!, StringComparison.Ordinal);

        Assert.Equal(1, (int)unpublished["exit"]!);
        Assert.Contains("is not in the model store", (string)unpublished["stderr"]!, StringComparison.Ordinal);
        Assert.All(unpublished["requests"]!.AsArray(), r => Assert.Equal("GET", (string)r!["method"]!));

        Assert.True((int)rerun["exit"]! == 0, $"prod re-run failed:\n{rerun["stdout"]}\n{rerun["stderr"]}");
        Assert.Empty(Requests(rerun, "POST", ":upload"));
        Assert.Empty(Requests(rerun, "POST", ":deployModel"));
        Assert.Empty(Requests(rerun, "POST", ":undeployModel"));
        var patch = Assert.Single(Requests(rerun, "PATCH", "/endpoints/churn-model-prod"));
        Assert.Contains("trafficSplit", (string)patch["body"]!, StringComparison.Ordinal);
    }

    /// <summary>
    /// The covering row that puts a --store beside --deploy vertex with a CI (so that infra/gcp/setup-trust.sh exists):
    /// its repository is the one the covering-set tests generate, so these checks add no engine run.
    /// </summary>
    private static NamedCombination LoggedRow => CoveringSets.AllSet.First(c => c.Values["deploy"] == "vertex" && c.Values["store"] != "none" && c.Values["ci"] != "none");

    private static string LoggedOptions => string.Join(" ", TemplateOptions.ToArguments(LoggedRow.Values));

    [SkippableFact]
    public async Task Against_a_Vertex_AI_stand_in_with_a_store_the_Model_names_its_environments_secret_and_runs_as_that_environments_account()
    {
        var repository = await ScratchRepositoryAsync(LoggedOptions);
        var digest = new string('b', 24);
        var prodModel = $"m-prod-{Version}-{digest}";
        var state = new JsonObject
        {
            ["project"] = Project,
            ["region"] = "europe-west1",
            ["endpoints"] = new JsonObject { ["churn-model-prod"] = new JsonArray(), ["churn-model-dev"] = new JsonArray() },
            ["models"] = new JsonObject(),
            ["objects"] = new JsonArray($"churn-model-models/models/{Version}/manifest.json"),
        };
        var env = new JsonObject { ["MODEL_VERSION"] = Version, ["IMAGE_DIGESTS"] = Digests };
        var runs = new JsonArray(
            new JsonObject { ["environment"] = "prod", ["env"] = env.DeepClone() },
            // The same version and digest to dev: a Model of its own, since the container's variables belong to the Model.
            new JsonObject { ["environment"] = "dev", ["env"] = env.DeepClone() });
        var result = await RunStandInAsync(repository, state, runs);

        foreach (var (run, environment) in new[] { (result["runs"]![0]!, "prod"), (result["runs"]![1]!, "dev") })
        {
            Assert.True((int)run["exit"]! == 0, $"{environment} deploy failed:\n{run["stdout"]}\n{run["stderr"]}");
            Assert.All(run["requests"]!.AsArray(), r => Assert.Null(r!["rejected"]));
            var upload = JsonNode.Parse((string)Assert.Single(Requests(run, "POST", ":upload"))["body"]!)!;
            Assert.Equal($"m-{environment}-{Version}-{digest}", (string)upload["modelId"]!);
            // The container's env: the name of its environment's secret only, never a setting's value.
            var variables = upload["model"]!["containerSpec"]!["env"]!.AsArray().ToDictionary(v => (string)v!["name"]!, v => (string)v!["value"]!);
            Assert.Equal(new Dictionary<string, string> { ["STORE_SECRET"] = $"projects/{Project}/secrets/churn-model-{environment}-prediction-log/versions/latest" }, variables);
            var deploy = JsonNode.Parse((string)Assert.Single(Requests(run, "POST", ":deployModel"))["body"]!)!;
            Assert.Equal($"churn-model-vertex-{environment}@{Project}.iam.gserviceaccount.com", (string)deploy["deployedModel"]!["serviceAccount"]!);
            Assert.EndsWith($"/models/m-{environment}-{Version}-{digest}", (string)deploy["deployedModel"]!["model"]!, StringComparison.Ordinal);
        }

        Assert.Equal(Image, (string)result["models"]![prodModel]!["image"]!);
    }

    [SkippableFact]
    public async Task The_trust_setup_gives_each_environments_endpoint_account_its_own_secret_only_and_its_deploy_identity_that_account_only()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, LoggedOptions);
        var root = TrustSetup.ScratchCopy(repo, LoggedRow.Values["ci"], "gcp");
        var run = await TrustSetup.RunAsync(root, "gcp", kubernetes: false);
        Assert.True(run.Result.ExitCode == 0, run.ToString());
        var project = TrustSetup.FilledCloud("gcp")["GCP_PROJECT_ID"];
        foreach (var call in run.Calls.Where(c => c[0] == "gcloud" && c.Count > 1 && c[1] == "secrets"))
        {
            var path = TrustTests.GcloudCommand(call);
            var known = await TrustTests.GcloudFlagsAsync(path);
            var unknown = call.Skip(path.Count + 1).Where(a => a.StartsWith("--", StringComparison.Ordinal)).Select(a => a.Split('=')[0]).Where(f => !known.Contains(f)).ToList();
            Assert.True(unknown.Count == 0, $"gcloud {string.Join(" ", path)} has no {string.Join(", ", unknown)} (in: {string.Join(" ", call)})");
        }

        // Both secrets created (empty: their values are added out of Git), each readable by its environment's account only.
        Assert.Equal(["churn-model-dev-prediction-log", "churn-model-prod-prediction-log"], run.CallsOf("gcloud", "secrets", "create").Select(c => c[3]).Order(StringComparer.Ordinal));
        var readers = run.CallsOf("gcloud", "secrets", "add-iam-policy-binding").Select(c => (Secret: c[3], Member: TrustRun.Flag(c, "--member"), Role: TrustRun.Flag(c, "--role"))).ToList();
        Assert.Equal(
            new[] { "dev", "prod" }.Select(e => ($"churn-model-{e}-prediction-log", (string?)$"serviceAccount:churn-model-vertex-{e}@{project}.iam.gserviceaccount.com", (string?)"roles/secretmanager.secretAccessor")),
            readers.OrderBy(r => r.Secret, StringComparer.Ordinal));

        // Each deploy identity may act as its own environment's endpoint account, and as no other service account.
        var actAs = run.CallsOf("gcloud", "iam", "service-accounts", "add-iam-policy-binding")
            .Where(c => TrustRun.Flag(c, "--role") == "roles/iam.serviceAccountUser")
            .Select(c => (Account: c[4], Member: TrustRun.Flag(c, "--member")!)).ToList();
        Assert.Equal(["dev", "prod"], actAs.Select(a => a.Account.Split('@')[0]["churn-model-vertex-".Length..]).Order(StringComparer.Ordinal));
        Assert.All(actAs, a => Assert.Contains($"churn-model-deploy-{a.Account.Split('@')[0]["churn-model-vertex-".Length..]}", a.Member, StringComparison.Ordinal));
    }

    public static TheoryData<string, string?, string?, int, string> BadInputs => new()
    {
        { "no digests", Version, null, 2, "IMAGE_DIGESTS is not set" },
        { "a malformed digest", Version, "model=sha256:abc", 2, "is not a list of VARIANT=sha256:DIGEST" },
        { "a tag for a digest", Version, "model=latest", 2, "is not a list of VARIANT=sha256:DIGEST" },
        { "no model digest", Version, $"web=sha256:{new string('c', 64)}", 2, "no digest for the model image" },
        { "no version", null, Digests, 2, "MODEL_VERSION is not set" },
        { "a malformed version", "prod", Digests, 2, "is not a published model version" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task The_deploy_script_refuses_bad_input_before_any_gcloud_call(
        string what, string? version, string? digests, int exitCode, string message)
    {
        var repository = await ScratchRepositoryAsync();
        var (bin, log) = RecordingGcloud(repository);
        var environment = new Dictionary<string, string?>
        {
            ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["MODEL_VERSION"] = version,
            ["IMAGE_DIGESTS"] = digests,
        };

        var result = await Command.RunAsync("bash", ["infra/gcp/deploy-endpoint.sh", "dev"], repository, environment);

        Assert.True(result.ExitCode == exitCode, $"{what}: {result}");
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(log), $"{what}: gcloud was called:\n{(File.Exists(log) ? File.ReadAllText(log) : "")}");
    }

    [Fact]
    public async Task An_empty_project_or_another_image_repository_is_refused_before_any_gcloud_call()
    {
        var repository = await ScratchRepositoryAsync();
        var (bin, log) = RecordingGcloud(repository);
        var path = bin + ":" + Environment.GetEnvironmentVariable("PATH");

        var other = await Command.RunAsync("bash", ["infra/gcp/deploy-endpoint.sh", "prod"], repository, new Dictionary<string, string?>
        {
            ["PATH"] = path, ["MODEL_VERSION"] = Version, ["IMAGE_DIGESTS"] = Digests, ["IMAGE_REPOSITORY"] = "docker.io/someone/churn-model",
        });
        Assert.True(other.ExitCode == 2, other.ToString());
        Assert.Contains("is not the Artifact Registry repository", other.StandardError, StringComparison.Ordinal);

        var cloudEnv = Path.Combine(repository, "cloud.env");
        File.WriteAllText(cloudEnv, File.ReadAllText(cloudEnv).Replace($"\nGCP_PROJECT_ID={Project}\n", "\nGCP_PROJECT_ID=\n", StringComparison.Ordinal));
        var empty = await Command.RunAsync("bash", ["infra/gcp/deploy-endpoint.sh", "prod"], repository, new Dictionary<string, string?>
        {
            ["PATH"] = path, ["MODEL_VERSION"] = Version, ["IMAGE_DIGESTS"] = Digests,
        });
        Assert.True(empty.ExitCode == 2, empty.ToString());
        Assert.Contains("GCP_PROJECT_ID is empty: set it in cloud.env", empty.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(log), "gcloud was called");
    }

    [Fact]
    public async Task The_deploy_script_passes_shellcheck()
    {
        var repository = await ScratchRepositoryAsync();
        var result = await Command.RunAsync("shellcheck", ["infra/gcp/deploy-endpoint.sh"], repository);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private static List<JsonNode> Requests(JsonNode run, string method, string suffix) =>
        [.. run["requests"]!.AsArray().Where(r => (string)r!["method"]! == method && ((string)r["path"]!).EndsWith(suffix, StringComparison.Ordinal)).Select(r => r!)];

    /// <summary>A stand-in gcloud on PATH that only records that it was called (there is no Google Cloud here).</summary>
    private static (string Bin, string Log) RecordingGcloud(string repository)
    {
        var bin = Directory.CreateDirectory(Path.Combine(repository, ".stand-in-bin")).FullName;
        var log = Path.Combine(repository, "gcloud-calls.log");
        var gcloud = Path.Combine(bin, "gcloud");
        File.WriteAllText(gcloud, $"#!/usr/bin/env bash\nprintf '%s\\n' \"$*\" >> '{log}'\nexit 1\n");
        File.SetUnixFileMode(gcloud, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return (bin, log);
    }

    private static async Task<JsonNode> RunStandInAsync(string repository, JsonObject state, JsonArray runs)
    {
        Skip.If(!File.Exists("/usr/lib/google-cloud-sdk/lib/googlecloudsdk/generated_clients/apis/aiplatform/v1/aiplatform_v1_messages.py"),
            "google-cloud-cli (with its bundled aiplatform v1 messages) is not installed at /usr/lib/google-cloud-sdk");
        var stateFile = Path.Combine(repository, ".stand-in-state.json");
        var runsFile = Path.Combine(repository, ".stand-in-runs.json");
        await File.WriteAllTextAsync(stateFile, state.ToJsonString());
        await File.WriteAllTextAsync(runsFile, runs.ToJsonString());
        var script = Path.Combine(RepositoryPaths.Root, "tests", "MlopsTemplates.Tests", "Platforms", "vertex-deploy-under-stand-in.py");
        var result = await Command.RunAsync("python3", [script, repository, stateFile, runsFile], repository, timeout: TimeSpan.FromMinutes(8));
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonNode.Parse(result.StandardOutput)!;
    }

    /// <summary>A private copy of the Vertex AI repository (of <paramref name="options"/>) with cloud.env filled in as a user would.</summary>
    private async Task<string> ScratchRepositoryAsync(string options = PlatformImages.VertexOptions)
    {
        var repository = await GeneratedVariants.CopyAsync(fixture.Pack, options);
        var cloudEnv = Path.Combine(repository, "cloud.env");
        File.WriteAllText(cloudEnv, File.ReadAllText(cloudEnv).Replace("\nGCP_PROJECT_ID=\n", $"\nGCP_PROJECT_ID={Project}\n", StringComparison.Ordinal));
        return repository;
    }
}
