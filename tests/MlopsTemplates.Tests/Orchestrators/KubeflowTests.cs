using System.Text.Json.Nodes;
using MlopsTemplates.Tests.Combinations;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Kubernetes;
using MlopsTemplates.Tests.Validation;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Orchestrators;

/// <summary>
/// <c>--orchestrator kubeflow</c> on one row per cloud of the covering sets. No Kubeflow and no kfp SDK here (no PyPI):
/// the committed IR is parsed strictly as a <c>PipelineSpec</c> with the pipeline spec's protobuf, its containers and
/// Kubernetes settings are compared with the training Job of the dev overlay, pipeline.py is linted and read back
/// (Python's ast) and must name the IR's commands, and the stages must be dvc.yaml's. That the IR is what the kfp
/// compiler writes for pipeline.py is checked by the generated CI (make pipeline-check), not here.
/// </summary>
public sealed class KubeflowTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string PipelineFile = "pipelines/kubeflow/pipeline.py";
    private const string IrFile = "pipelines/kubeflow/pipeline.yaml";

    /// <summary>The command list of every container component in pipeline.py, by function name, read with ast.</summary>
    private const string ReadComponents = """
        import ast, json, sys
        tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())
        found = {}
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and any(ast.unparse(d) == "dsl.container_component" for d in node.decorator_list):
                for call in ast.walk(node):
                    if isinstance(call, ast.Call) and ast.unparse(call.func) == "dsl.ContainerSpec":
                        found[node.name] = {kw.arg: ast.literal_eval(kw.value) if kw.arg != "image" else ast.unparse(kw.value) for kw in call.keywords}
        print(json.dumps(found))
        """;

    public static TheoryData<string, string> Rows => OrchestratorRows.With("kubeflow");

    public static TheoryData<string, string> RowsWithDvc => OrchestratorRows.With("kubeflow", o => OrchestratorRows.Has(o, "data", "dvc"));

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task The_ir_parses_strictly_as_a_pipeline_spec_and_pipeline_py_passes_ruff_and_compiles(string name, string options)
    {
        var kubeflow = await KubeflowRendering.GetAsync(fixture.Pack, options);

        await OrchestratorValidators.KfpIr.AssertValidAsync(kubeflow.Argo.Repository, IrFile);
        // With the generated pyproject.toml's ruff settings (the whole repository: ruff.mjs reads the settings of the folder it lints).
        await Validators.Ruff.AssertValidAsync(kubeflow.Argo.Repository, ".");
        (await Command.RunAsync(Validators.DebianPython, ["-m", "py_compile", PipelineFile], kubeflow.Argo.Repository.Root)).EnsureSuccess();
        Assert.True(kubeflow.Argo.Repository.Exists("pipelines/kubeflow/requirements.txt"), name);
        (await Command.RunAsync("make", ["-n", "pipeline-check"], kubeflow.Argo.Repository.Root)).EnsureSuccess();
        // The generated CI's Test stage recompiles and diffs the IR (GitLab CI cannot vary by orchestrator yet).
        var ci = OrchestratorRows.ValueOf(options, "ci");
        var pipelineFile = ci switch { "github" => ".github/workflows/ci.yml", "jenkins" => "Jenkinsfile", "azure" => "azure-pipelines.yml", _ => null };
        if (pipelineFile is not null)
        {
            Assert.Contains("make pipeline-check", kubeflow.Argo.Repository.ReadText(pipelineFile), StringComparison.Ordinal);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task Every_component_runs_the_training_jobs_container_and_pipeline_py_names_the_same_commands(string name, string options)
    {
        var kubeflow = await KubeflowRendering.GetAsync(fixture.Pack, options);
        var job = kubeflow.Argo.TrainingJob.PodTemplate!;
        var pod = job.Map("spec")!;
        var containers = pod.Seq("initContainers").Concat(pod.Seq("containers")).ToList();
        var executors = kubeflow.Spec.Map("deploymentSpec", "executors")!;
        var platform = kubeflow.Platform.Map("platforms", "kubernetes", "deploymentSpec", "executors")!;

        Assert.Equal(containers.Select(c => $"exec-{c.Scalar("name")}").Order(StringComparer.Ordinal), executors.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order(StringComparer.Ordinal));
        foreach (var container in containers)
        {
            var stage = container.Scalar("name")!;
            var where = $"{name} stage {stage}";
            var executor = executors.Map($"exec-{stage}", "container")!;
            Assert.True(Strings(executor.Seq("command")).SequenceEqual(Strings(container.Seq("command"))), $"{where}: command");
            Assert.Empty(executor.Seq("args"));
            Assert.Empty(container.Seq("args"));
            // k8s/base names the image with its tag; the committed IR holds that tag (make pipeline-compile sets the pushed one).
            Assert.Equal($"{kubeflow.Argo.Repository.Name}:{kubeflow.BaseTag}", executor.Scalar("image"));
            Assert.Equal($"{kubeflow.Argo.Repository.Name}:{kubeflow.BaseTag}", container.Scalar("image"));
            Assert.Equal(container.Scalar("resources", "requests", "cpu"), executor.Scalar("resources", "resourceCpuRequest"));
            Assert.Equal(container.Scalar("resources", "requests", "memory"), executor.Scalar("resources", "resourceMemoryRequest"));
            Assert.Equal(container.Scalar("resources", "limits", "cpu"), executor.Scalar("resources", "resourceCpuLimit"));
            Assert.Equal(container.Scalar("resources", "limits", "memory"), executor.Scalar("resources", "resourceMemoryLimit"));
            // The prediction log's Secret reaches the training Job's train step key by key (k8s/components/store), and
            // Kubeflow's through the platform config's secretAsEnv (below), not the container's env. The rest is equal.
            var log = $"{kubeflow.Argo.Repository.Name}-prediction-log";
            var jobEnv = container.Seq("env").Where(e => e.Scalar("valueFrom", "secretKeyRef", "name") != log);
            Assert.Equal(Canonical(jobEnv), Canonical(executor.Seq("env")));

            var settings = platform.Map($"exec-{stage}")!;
            Assert.Equal(pod.Scalar("securityContext", "runAsUser"), settings.Scalar("securityContext", "runAsUser"));
            Assert.Equal(pod.Scalar("securityContext", "runAsGroup"), settings.Scalar("securityContext", "runAsGroup"));
            Assert.Equal("true", settings.Scalar("securityContext", "runAsNonRoot"));
            Assert.Equal(container.Scalar("imagePullPolicy"), settings.Scalar("imagePullPolicy"));
            var mount = Assert.Single(settings.Seq("pvcMount"));
            Assert.Equal("/app/work", mount.Scalar("mountPath"));
            Assert.Contains(kubeflow.Argo.Dev, o => o.Kind == "PersistentVolumeClaim" && o.Name == mount.Scalar("constant"));
            Assert.Equal("/tmp", Assert.Single(settings.Seq("emptyDirMounts")).Scalar("mountPath"));
            var configMap = Assert.Single(settings.Seq("configMapAsEnv")).Scalar("configMapName");
            Assert.Contains(kubeflow.Argo.Dev, o => o.Kind == "ConfigMap" && o.Name == configMap);
            Assert.Contains(container.Seq("envFrom"), e => e.Scalar("configMapRef", "name") == configMap);
            // The MinIO keys reach the stages that read or write the model store, as in the training Job.
            var secretAsEnv = settings.Seq("secretAsEnv").ToList();
            var secrets = secretAsEnv.Select(s => s.Scalar("secretName")).Where(n => n != log).ToList();
            Assert.Equal(container.Seq("envFrom").Select(e => e.Scalar("secretRef", "name")).Where(n => n is not null).ToList(), secrets);
            // With a --store, the train step (feedback.include) gets the prediction log's keys as the Job's train container
            // has them: the same keys to the same variables, STORE_URL required and the others optional; no other stage.
            var jobKeys = container.Seq("env")
                .Where(e => e.Scalar("valueFrom", "secretKeyRef", "name") == log)
                .Select(e => $"{e.Scalar("name")}={e.Scalar("valueFrom", "secretKeyRef", "key")} optional={e.Scalar("valueFrom", "secretKeyRef", "optional") == "true"}")
                .Order(StringComparer.Ordinal).ToList();
            var kfpKeys = secretAsEnv.Where(s => s.Scalar("secretName") == log)
                .SelectMany(s => s.Seq("keyToEnv").Select(k => $"{k.Scalar("envVar")}={k.Scalar("secretKey")} optional={s.Scalar("optional") == "true"}"))
                .Order(StringComparer.Ordinal).ToList();
            Assert.Equal(jobKeys, kfpKeys);
            Assert.All(secretAsEnv.Where(s => s.Scalar("secretName") == log), s => Assert.Equal(log, s.Scalar("secretNameParameter", "runtimeValue", "constant")));
            var logged = CoveringSets.Arguments(options).Contains("--store") && !OrchestratorRows.Has(options, "store", "none");
            Assert.True((kfpKeys.Count > 0) == (logged && stage == "train"), $"{where}: prediction log keys [{string.Join(", ", kfpKeys)}]");
            if (kfpKeys.Count > 0)
            {
                Assert.Contains("STORE_URL=STORE_URL optional=False", kfpKeys);
            }
            foreach (var (label, value) in settings.Map("podMetadata", "labels").ToStrings())
            {
                Assert.Equal(job.Map("metadata", "labels").ToStrings()[label], value);
            }
        }

        // pipeline.py's components say what the IR says (the compile itself runs in the generated CI: make pipeline-check).
        var components = kubeflow.Components;
        Assert.Equal(containers.Select(c => c.Scalar("name")!).Order(StringComparer.Ordinal), components.Select(c => c.Key).Order(StringComparer.Ordinal));
        foreach (var (stage, component) in components)
        {
            Assert.Equal("IMAGE", (string?)component!["image"]);
            Assert.True(component["command"]!.AsArray().Select(c => (string)c!).SequenceEqual(Strings(executors.Seq($"exec-{stage}", "container", "command"))), $"{name} {stage}: pipeline.py's command");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task The_stages_read_every_setting_deploy_renders_and_no_stage_is_cached(string name, string options)
    {
        var kubeflow = await KubeflowRendering.GetAsync(fixture.Pack, options);
        var deployedSettings = kubeflow.Argo.Deployed.Single(o => o.Kind == "ConfigMap" && o.Name == $"{kubeflow.Argo.Repository.Name}-config");
        var keys = deployedSettings.Root.Map("data").ToStrings().Keys.ToHashSet(StringComparer.Ordinal);
        var platform = kubeflow.Platform.Map("platforms", "kubernetes", "deploymentSpec", "executors")!;

        foreach (var (executor, settings) in platform.Children)
        {
            var mapped = Assert.Single(settings.Seq("configMapAsEnv")).Seq("keyToEnv").Select(k => (Key: k.Scalar("configMapKey")!, Env: k.Scalar("envVar")!)).ToList();
            Assert.All(mapped, m => Assert.Equal(m.Key, m.Env));
            var missing = keys.Except(mapped.Select(m => m.Key)).ToList();
            Assert.True(missing.Count == 0, $"{name} {executor}: settings deploy.sh renders that the stage does not read: {string.Join(", ", missing)}");
        }

        var executors = kubeflow.Spec.Map("deploymentSpec", "executors")!;
        foreach (var (task, spec) in kubeflow.Spec.Map("root", "dag", "tasks")!.Children)
        {
            Assert.True(spec.Map("cachingOptions") is { Children.Count: 0 }, $"{name} {task}: cached (cachingOptions {spec.Map("cachingOptions")})");
            // A refusal of the gate (the stage that moves the alias) is final; every other stage gets one retry.
            var gate = executors.Seq($"exec-{((YamlScalarNode)task).Value}", "container", "env").Any(e => e.Scalar("name") == "MODEL_PROMOTE_ALIAS");
            Assert.Equal(gate ? null : "1", spec.Scalar("retryPolicy", "maxRetryCount"));
        }

        Assert.DoesNotContain(kubeflow.Argo.Dev, o => o.Kind == "CronJob" && o.Labels.GetValueOrDefault("app.kubernetes.io/component") == "training");
        Assert.DoesNotContain(kubeflow.Argo.Prod, o => o.Name.EndsWith("-pipeline-work", StringComparison.Ordinal));
    }

    [SkippableTheory]
    [MemberData(nameof(RowsWithDvc))]
    public async Task The_pipeline_runs_dvc_yamls_stages_in_dvc_yamls_order(string name, string options)
    {
        var kubeflow = await KubeflowRendering.GetAsync(fixture.Pack, options);
        var tasks = kubeflow.Spec.Map("root", "dag", "tasks")!.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => kv.Value);
        var executors = kubeflow.Spec.Map("deploymentSpec", "executors")!;

        // The IR lists tasks by name: follow dependentTasks from the one that waits for none.
        var ordered = new List<OrchestratedStage>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        while (ordered.Count < tasks.Count)
        {
            var next = tasks.Where(t => !done.Contains(t.Key) && Strings(t.Value.Seq("dependentTasks")).All(done.Contains)).Select(t => t.Key).Order(StringComparer.Ordinal).ToList();
            Assert.True(next.Count == 1, $"{name}: after [{string.Join(", ", done)}] {next.Count} tasks can start: the stages are not a chain");
            var id = next[0];
            var component = tasks[id].Scalar("componentRef", "name")!;
            Assert.Equal($"comp-{id}", component);
            ordered.Add(new OrchestratedStage(id, Strings(tasks[id].Seq("dependentTasks")).ToList(), Strings(executors.Seq($"exec-{id}", "container", "command")).ToList()));
            done.Add(id);
        }

        PipelineStageAssertions.AssertSameAsDvc(kubeflow.Argo.Repository, ordered, $"{name} kubeflow");
    }

    private static IEnumerable<string> Strings(IEnumerable<YamlNode> nodes) => nodes.Select(n => ((YamlScalarNode)n).Value!);

    private static string Canonical(IEnumerable<YamlNode> sequence) => ArgoTests.Canonical(new YamlSequenceNode(sequence));

    /// <summary>The generated repository and its overlays (shared with the Argo tests' rendering), the IR's two documents and pipeline.py read back.</summary>
    private sealed class KubeflowRendering
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<KubeflowRendering>>> Cache = new();

        private KubeflowRendering(ArgoRendering argo, YamlMappingNode spec, YamlMappingNode platform, JsonObject components, string baseTag)
        {
            Argo = argo;
            Spec = spec;
            Platform = platform;
            Components = components;
            BaseTag = baseTag;
        }

        /// <summary>The repository, its dev and prod overlays and deploy.sh's render (the same steps as for Argo).</summary>
        public ArgoRendering Argo { get; }

        /// <summary>The IR's first document, the PipelineSpec.</summary>
        public YamlMappingNode Spec { get; }

        /// <summary>The IR's second document, kfp-kubernetes' PlatformSpec.</summary>
        public YamlMappingNode Platform { get; }

        public JsonObject Components { get; }

        /// <summary>The image tag k8s/base names.</summary>
        public string BaseTag { get; }

        public static Task<KubeflowRendering> GetAsync(TemplatePack pack, string options) =>
            Cache.GetOrAdd(options, _ => new Lazy<Task<KubeflowRendering>>(() => RenderAsync(pack, options))).Value;

        private static async Task<KubeflowRendering> RenderAsync(TemplatePack pack, string options)
        {
            var argo = await ArgoRendering.GetAsync(pack, options);
            var ir = new YamlStream();
            ir.Load(new StringReader(argo.Repository.ReadText(IrFile)));
            Assert.Equal(2, ir.Documents.Count);
            var read = await Command.RunAsync(Validators.DebianPython, ["-c", ReadComponents, PipelineFile], argo.Repository.Root);
            read.EnsureSuccess();
            var baseImage = argo.Dev.Single(o => o.Kind == "Job" && o.Labels.GetValueOrDefault("app.kubernetes.io/component") == "training")
                .PodTemplate!.Map("spec")!.Seq("containers").Single().Scalar("image")!;
            return new KubeflowRendering(argo, (YamlMappingNode)ir.Documents[0].RootNode, (YamlMappingNode)ir.Documents[1].RootNode, JsonNode.Parse(read.StandardOutput)!.AsObject(), baseImage[(baseImage.LastIndexOf(':') + 1)..]);
        }
    }
}
