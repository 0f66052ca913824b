using System.Text.Json.Nodes;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Kubernetes;
using MlopsTemplates.Tests.Validation;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Orchestrators;

/// <summary>
/// <c>--orchestrator vertex</c> (Google Cloud only) on the covering sets' vertex row. There is no Google Cloud project
/// here: the committed IR is parsed strictly as a <c>PipelineSpec</c> (as Kubeflow's), and infra/gcp/pipeline-run.sh
/// (make pipeline-run) runs with the installed gcloud and curl against a local stand-in of the aiplatform v1
/// pipelineJobs API (vertex-pipeline-under-stand-in.py, test code) that loads every request into the PipelineJob
/// message class bundled with google-cloud-cli, unknown fields rejected. Whether Vertex AI Pipelines runs the stages on
/// the real image (Cloud Storage FUSE paths, the runner's rights) is not tested here.
/// </summary>
public sealed class VertexPipelineTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string IrFile = "pipelines/vertex/pipeline.yaml";
    private const string Project = "churn-project";
    private const string MessagesFile = "/usr/lib/google-cloud-sdk/lib/googlecloudsdk/generated_clients/apis/aiplatform/v1/aiplatform_v1_messages.py";
    private static readonly string Digest = "sha256:" + new string('b', 64);
    private static readonly string Digests = $"model={Digest},web=sha256:{new string('c', 64)}";

    /// <summary>Loads a PipelineJob body (a file) into the bundled message class as the stand-in does: exit 1 naming an unknown field.</summary>
    private const string LoadPipelineJob = """
        import sys
        sys.path.insert(0, sys.argv[1])
        from vertex_stand_in import m, strict
        try:
            strict(m.GoogleCloudAiplatformV1PipelineJob, open(sys.argv[2]).read())
        except ValueError as error:
            print(error)
            sys.exit(1)
        """;

    public static TheoryData<string, string> Rows => OrchestratorRows.With("vertex");

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task The_ir_parses_strictly_as_a_pipeline_spec_without_any_Kubernetes_only_feature(string name, string options)
    {
        var repository = await GeneratedVariants.GetAsync(fixture.Pack, options);
        await OrchestratorValidators.KfpIr.AssertValidAsync(repository, IrFile);
        var text = repository.ReadText(IrFile);
        var ir = new YamlStream();
        ir.Load(new StringReader(text));
        // One document: the PipelineSpec. Kubeflow's second one (kfp-kubernetes' PlatformSpec) does not exist on Vertex AI.
        Assert.Single(ir.Documents);
        foreach (var kubernetesOnly in new[] { "platforms", "kubernetes", "secretAsEnv", "configMapAsEnv", "pvcMount", "nodeSelector", "emptyDirMounts", "podMetadata", "imagePullPolicy", "securityContext" })
        {
            Assert.False(text.Contains(kubernetesOnly, StringComparison.Ordinal), $"{name}: {IrFile} names {kubernetesOnly}");
        }

        Assert.True(repository.IsExecutable("infra/gcp/pipeline-run.sh"), name);
        (await Command.RunAsync("shellcheck", ["infra/gcp/pipeline-run.sh"], repository.Root)).EnsureSuccess();
        var dryRun = await Command.RunAsync("make", ["-n", "pipeline-run"], repository.Root);
        dryRun.EnsureSuccess();
        Assert.Contains("infra/gcp/pipeline-run.sh", dryRun.StandardOutput, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task The_pipeline_runs_dvc_yamls_stages_in_dvc_yamls_order(string name, string options)
    {
        var repository = await GeneratedVariants.GetAsync(fixture.Pack, options);
        Skip.If(!repository.Exists("dvc.yaml"), $"{name} has no dvc.yaml (--data none)");
        var ir = new YamlStream();
        ir.Load(new StringReader(repository.ReadText(IrFile)));
        var spec = (YamlMappingNode)ir.Documents[0].RootNode;
        var tasks = spec.Map("root", "dag", "tasks")!.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => kv.Value);
        var executors = spec.Map("deploymentSpec", "executors")!;
        var ordered = new List<OrchestratedStage>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        while (ordered.Count < tasks.Count)
        {
            var next = tasks.Where(t => !done.Contains(t.Key) && Strings(t.Value.Seq("dependentTasks")).All(done.Contains)).Select(t => t.Key).ToList();
            Assert.True(next.Count == 1, $"{name}: after [{string.Join(", ", done)}] {next.Count} tasks can start: the stages are not a chain");
            ordered.Add(new OrchestratedStage(next[0], Strings(tasks[next[0]].Seq("dependentTasks")).ToList(), Strings(executors.Seq($"exec-{next[0]}", "container", "command")).ToList()));
            done.Add(next[0]);
        }

        PipelineStageAssertions.AssertSameAsDvc(repository, ordered, $"{name} vertex");
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task Against_a_Vertex_AI_stand_in_the_run_submits_one_PipelineJob_polls_it_and_exits_with_its_outcome(string name, string options)
    {
        var repository = await ScratchRepositoryAsync(options);
        var env = new JsonObject { ["IMAGE_DIGESTS"] = Digests };
        var result = await RunStandInAsync(repository, new JsonArray(
            new JsonObject { ["env"] = env.DeepClone(), ["outcome"] = "succeed" },
            new JsonObject { ["env"] = env.DeepClone(), ["outcome"] = "fail" }));
        var succeeded = result["runs"]![0]!;
        var failed = result["runs"]![1]!;

        Assert.True((int)succeeded["exit"]! == 0, $"{name}: the run failed:\n{succeeded["stdout"]}\n{succeeded["stderr"]}");
        Assert.True((int)failed["exit"]! == 1, $"{name}: a failed job should exit 1:\n{failed["stdout"]}\n{failed["stderr"]}");
        Assert.Contains("PIPELINE_STATE_FAILED: The DAG failed because some tasks failed: evaluate", (string)failed["stderr"]!, StringComparison.Ordinal);
        foreach (var run in new[] { succeeded, failed })
        {
            var requests = run["requests"]!.AsArray();
            Assert.All(requests, r => Assert.Null(r!["rejected"]));
            // One create, then GETs of that job until it ends (the stand-in answers RUNNING first).
            Assert.Equal(["POST", "GET", "GET"], requests.Select(r => (string)r!["method"]!));
        }

        var create = succeeded["requests"]![0]!;
        var jobId = ((string)create["query"]!).Replace("pipelineJobId=", "", StringComparison.Ordinal);
        Assert.Matches("^churn-model-[0-9]{14}-bbbbbbbb-[0-9a-f]{4}$", jobId);
        Assert.Equal($"/v1/projects/{Project}/locations/europe-west1/pipelineJobs/{jobId}", (string)succeeded["requests"]![1]!["path"]!);
        var job = JsonNode.Parse((string)create["body"]!)!;
        Assert.Equal($"churn-model-pipeline@{Project}.iam.gserviceaccount.com", (string)job["serviceAccount"]!);
        Assert.Equal("gs://churn-model-models/pipeline-root", (string)job["runtimeConfig"]!["gcsOutputDirectory"]!);
        foreach (var (executor, spec) in job["pipelineSpec"]!["deploymentSpec"]!["executors"]!.AsObject())
        {
            var container = spec!["container"]!;
            Assert.Equal($"europe-west1-docker.pkg.dev/{Project}/churn-model/churn-model@{Digest}", (string)container["image"]!);
            var settings = container["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => (string)e!["value"]!);
            Assert.Equal($"/gcs/churn-model-models/pipeline-root/{jobId}/work/data", settings["DATA_DIR"]);
            Assert.Equal("gs://churn-model-models/models", settings["MODEL_STORE_URI"]);
            Assert.Equal(Project, settings["GOOGLE_CLOUD_PROJECT"]);
            Assert.Equal(executor == "exec-evaluate", settings.ContainsKey("MODEL_PUBLISH"));
        }

        // The body's pipelineSpec (a Struct to the API) parses strictly as a PipelineSpec too, and the body with one
        // field the API does not have is rejected by the same message class the stand-in uses.
        File.WriteAllText(Path.Combine(repository, "submitted-spec.yaml"), job["pipelineSpec"]!.ToJsonString());
        await OrchestratorValidators.KfpIr.AssertValidAsync(["submitted-spec.yaml"], repository);
        var platforms = Path.Combine(RepositoryPaths.Root, "tests", "MlopsTemplates.Tests", "Platforms");
        job["runtimeConfig"]!["gcsOutputDirectoryUri"] = "gs://churn-model-models/pipeline-root";
        File.WriteAllText(Path.Combine(repository, "broken-job.json"), job.ToJsonString());
        var broken = await Command.RunAsync(Validators.DebianPython, ["-c", LoadPipelineJob, platforms, "broken-job.json"], repository);
        Assert.True(broken.ExitCode == 1, broken.ToString());
        Assert.Contains("gcsOutputDirectoryUri", broken.StandardOutput, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task Bad_input_is_refused_with_exit_2_before_any_request(string name, string options)
    {
        var repository = await ScratchRepositoryAsync(options);
        var result = await RunStandInAsync(repository, new JsonArray(
            new JsonObject { ["env"] = new JsonObject { ["IMAGE_DIGESTS"] = null } },
            new JsonObject { ["env"] = new JsonObject { ["IMAGE_DIGESTS"] = "model=latest" } },
            new JsonObject { ["env"] = new JsonObject { ["IMAGE_DIGESTS"] = $"web=sha256:{new string('c', 64)}" } },
            new JsonObject { ["env"] = new JsonObject { ["IMAGE_DIGESTS"] = Digests, ["PIPELINE_RUN_TIMEOUT_SECONDS"] = "soon" } }));
        var expected = new[] { "IMAGE_DIGESTS is not set", "is not a list of VARIANT=sha256:DIGEST", "has no digest for the model image", "is not a number of seconds" };
        for (var i = 0; i < expected.Length; i++)
        {
            var run = result["runs"]![i]!;
            Assert.True((int)run["exit"]! == 2, $"{name} run {i}: {run["stderr"]}");
            Assert.Contains(expected[i], (string)run["stderr"]!, StringComparison.Ordinal);
            Assert.Empty(run["requests"]!.AsArray());
        }

        var cloudEnv = Path.Combine(repository, "cloud.env");
        File.WriteAllText(cloudEnv, File.ReadAllText(cloudEnv).Replace($"\nGCP_PROJECT_ID={Project}\n", "\nGCP_PROJECT_ID=\n", StringComparison.Ordinal));
        var empty = (await RunStandInAsync(repository, new JsonArray(new JsonObject { ["env"] = new JsonObject { ["IMAGE_DIGESTS"] = Digests } })))["runs"]![0]!;
        Assert.True((int)empty["exit"]! == 2, $"{name}: {empty["stderr"]}");
        Assert.Contains("GCP_PROJECT_ID is empty: set it in cloud.env", (string)empty["stderr"]!, StringComparison.Ordinal);
        Assert.Empty(empty["requests"]!.AsArray());
    }

    [SkippableFact]
    public async Task The_trust_setup_creates_the_runner_and_lets_ci_submit_jobs_act_as_it_only_with_real_gcloud_commands()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, "--cloud gcp --orchestrator vertex --ci github --deploy vertex");
        var root = Ci.TrustSetup.ScratchCopy(repo, "github", "gcp");
        var first = await Ci.TrustSetup.RunAsync(root, "gcp", kubernetes: false);
        var again = await Ci.TrustSetup.RunAsync(root, "gcp", kubernetes: false, everythingExists: true);
        Assert.True(first.Result.ExitCode == 0, first.ToString());
        Assert.True(again.Result.ExitCode == 0, again.ToString());
        foreach (var call in again.Calls.Where(c => c[0] == "gcloud"))
        {
            var path = Ci.TrustTests.GcloudCommand(call);
            var known = await Ci.TrustTests.GcloudFlagsAsync(path);
            var unknown = call.Skip(path.Count + 1).Where(a => a.StartsWith("--", StringComparison.Ordinal)).Select(a => a.Split('=')[0]).Where(f => !known.Contains(f)).ToList();
            Assert.True(unknown.Count == 0, $"gcloud {string.Join(" ", path)} has no {string.Join(", ", unknown)} (in: {string.Join(" ", call)})");
        }

        var project = Ci.TrustSetup.FilledCloud("gcp")["GCP_PROJECT_ID"];
        var runner = $"churn-model-pipeline@{project}.iam.gserviceaccount.com";
        Assert.Contains(first.CallsOf("gcloud", "iam", "service-accounts", "create"), c => c[4] == "churn-model-pipeline");
        // The roles: exactly the submit calls, the pipeline's own calls for the runner; no predefined Vertex AI role.
        var roles = first.CallsOf("gcloud", "iam", "roles", "create").ToDictionary(c => c[4], c => Ci.TrustRun.Flag(c, "--permissions")!.Split(',').Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(["aiplatform.metadataStores.get", "aiplatform.pipelineJobs.create", "aiplatform.pipelineJobs.get"], roles["churn_model_pipeline_submitter"]);
        Assert.DoesNotContain(roles["churn_model_pipeline_runner"], p => p.StartsWith("aiplatform.pipelineJobs", StringComparison.Ordinal) || p.StartsWith("iam.", StringComparison.Ordinal));
        var grants = first.CallsOf("gcloud", "projects", "add-iam-policy-binding").Select(c => (Member: Ci.TrustRun.Flag(c, "--member")!, Role: Ci.TrustRun.Flag(c, "--role")!)).ToList();
        // CI starts no pipeline run, so no CI identity may submit one or act as the runner (docs/pipeline-vertex.md
        // gives those two bindings for people).
        Assert.DoesNotContain(grants, g => g.Role.EndsWith("/roles/churn_model_pipeline_submitter", StringComparison.Ordinal));
        Assert.Contains(($"serviceAccount:{runner}", $"projects/{project}/roles/churn_model_pipeline_runner"), grants);
        Assert.DoesNotContain(grants, g => g.Role.StartsWith("roles/aiplatform", StringComparison.Ordinal) || g.Role == "roles/iam.serviceAccountUser");
        Assert.DoesNotContain(first.CallsOf("gcloud", "iam", "service-accounts", "add-iam-policy-binding"),
            c => c[4] == runner && Ci.TrustRun.Flag(c, "--role") == "roles/iam.serviceAccountUser");
        // The runner writes the model store's bucket but not the prod alias.
        var store = first.CallsOf("gcloud", "storage", "buckets", "add-iam-policy-binding").Where(c => Ci.TrustRun.Flag(c, "--member") == $"serviceAccount:{runner}").ToList();
        var write = Assert.Single(store);
        Assert.Equal("roles/storage.objectUser", Ci.TrustRun.Flag(write, "--role"));
        Assert.Contains("aliases/prod'", Ci.TrustRun.Flag(write, "--condition"), StringComparison.Ordinal);
        var agent = $"serviceAccount:service-{Ci.TrustSetup.GcpProjectNumber}@gcp-sa-aiplatform.iam.gserviceaccount.com";
        Assert.Contains(first.CallsOf("gcloud", "artifacts", "repositories", "add-iam-policy-binding"),
            c => Ci.TrustRun.Flag(c, "--member") == agent && Ci.TrustRun.Flag(c, "--role") == "roles/artifactregistry.reader");
    }

    private static IEnumerable<string> Strings(IEnumerable<YamlNode> nodes) => nodes.Select(n => ((YamlScalarNode)n).Value!);

    private static async Task<JsonNode> RunStandInAsync(string repository, JsonArray runs)
    {
        Skip.If(!File.Exists(MessagesFile), "google-cloud-cli (with its bundled aiplatform v1 messages) is not installed at /usr/lib/google-cloud-sdk");
        var runsFile = Path.Combine(repository, ".stand-in-runs.json");
        await File.WriteAllTextAsync(runsFile, runs.ToJsonString());
        var script = Path.Combine(RepositoryPaths.Root, "tests", "MlopsTemplates.Tests", "Orchestrators", "vertex-pipeline-under-stand-in.py");
        var result = await Command.RunAsync("python3", [script, repository, runsFile], repository, timeout: TimeSpan.FromMinutes(5));
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonNode.Parse(result.StandardOutput)!;
    }

    /// <summary>A private copy of the row's repository with cloud.env's project filled in as a user would.</summary>
    private async Task<string> ScratchRepositoryAsync(string options)
    {
        var repository = await GeneratedVariants.CopyAsync(fixture.Pack, options);
        var cloudEnv = Path.Combine(repository, "cloud.env");
        File.WriteAllText(cloudEnv, File.ReadAllText(cloudEnv).Replace("\nGCP_PROJECT_ID=\n", $"\nGCP_PROJECT_ID={Project}\n", StringComparison.Ordinal));
        return repository;
    }
}
