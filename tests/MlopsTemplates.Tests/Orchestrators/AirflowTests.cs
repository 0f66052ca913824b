using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Kubernetes;
using MlopsTemplates.Tests.Validation;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Orchestrators;

/// <summary>
/// <c>--orchestrator airflow</c> on one row per cloud of the covering sets. Airflow cannot be installed here (no PyPI), so
/// the DAG is checked as source: ruff's Airflow rules, a compile pass, and its operators read back (Python's ast, no
/// Airflow needed) and compared with the Kubernetes training Job of the dev overlay: image, command, ServiceAccount,
/// resources, security contexts, settings. The DAG integrity test (tests/test_airflow_dag.py) runs in the generated CI only.
/// </summary>
public sealed class AirflowTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string DagFile = "pipelines/airflow/dags/churn_model_training.py";

    /// <summary>The DAG file's top-level constants and the keywords of its operator and decorator, read with ast.</summary>
    private const string ReadDag = """
        import ast, json, sys
        tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())
        def value(node):
            if isinstance(node, ast.Call) and not node.args:
                return {kw.arg: value(kw.value) for kw in node.keywords}
            if isinstance(node, ast.List):
                return [value(e) for e in node.elts]
            if isinstance(node, ast.Dict):
                return {value(k): value(v) for k, v in zip(node.keys, node.values)}
            if isinstance(node, ast.Constant):
                return node.value
            return {"$expr": ast.unparse(node)}
        facts = {t.id: value(n.value) for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
        facts["operator"] = {kw.arg: ast.unparse(kw.value) for c in calls if c.func.id == "KubernetesPodOperator" for kw in c.keywords}
        facts["dag"] = {kw.arg: ast.unparse(kw.value) for c in calls if c.func.id == "dag" for kw in c.keywords}
        print(json.dumps(facts))
        """;

    public static TheoryData<string, string> Rows => OrchestratorRows.With("airflow");

    public static TheoryData<string, string> RowsWithDvc => OrchestratorRows.With("airflow", o => OrchestratorRows.Has(o, "data", "dvc"));

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task The_dag_passes_ruffs_airflow_rules_and_compiles(string name, string options)
    {
        var airflow = await AirflowRendering.GetAsync(fixture.Pack, options);

        await OrchestratorValidators.AirflowDag.AssertValidAsync(airflow.Repository, DagFile, "tests/test_airflow_dag.py");
        (await Command.RunAsync(Validators.DebianPython, ["-m", "py_compile", DagFile], airflow.Repository.Root)).EnsureSuccess();
        Assert.True(airflow.Repository.Exists("pipelines/airflow/requirements.txt"), name);
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task Every_operator_runs_the_training_jobs_container_as_its_service_account_with_its_resources_and_security(string name, string options)
    {
        var airflow = await AirflowRendering.GetAsync(fixture.Pack, options);
        var dag = airflow.Dag;
        var job = airflow.TrainingJob.PodTemplate!;
        var pod = job.Map("spec")!;
        var containers = pod.Seq("initContainers").Concat(pod.Seq("containers")).ToList();
        var stages = dag["STAGES"]!.AsArray();

        // data: with --prepare spark the Job holds train and evaluate only (a SparkApplication runs ingest and prepare
        // before it), and the DAG's pods are the other stages: every container of the Job is a pod of the DAG.
        var byId = stages.ToDictionary(s => (string)s!["id"]!);
        Assert.Subset(byId.Keys.ToHashSet(), containers.Select(c => c.Scalar("name")!).ToHashSet());
        Assert.Equal(pod.Scalar("serviceAccountName"), (string?)dag["SERVICE_ACCOUNT"]);
        Assert.Equal(ArgoTests.Canonical(pod.Map("securityContext")), Canonical(dag["POD_SECURITY_CONTEXT"]));
        // The image k8s/base names (k8s/deploy.sh and TRAINING_IMAGE set the pushed one).
        Assert.Contains($"'{containers[0].Scalar("image")}')", (string)dag["IMAGE"]!["$expr"]!, StringComparison.Ordinal);
        var settings = (string?)dag["SETTINGS"]!["config_map_ref"]!["name"];
        Assert.Contains(airflow.Dev, o => o.Kind == "ConfigMap" && o.Name == settings);
        Assert.Contains(airflow.Dev, o => o.Kind == "PersistentVolumeClaim" && o.Name == (string?)dag["WORK_CLAIM"]);
        foreach (var (label, value) in dag["POD_LABELS"]!.AsObject())
        {
            Assert.Equal(job.Map("metadata", "labels").ToStrings()[label], (string?)value);
        }

        foreach (var container in containers)
        {
            var stage = byId[container.Scalar("name")!];
            var where = $"{name} stage {stage!["id"]}";
            Assert.True(container.Seq("command").Select(c => ((YamlScalarNode)c).Value).SequenceEqual(stage["command"]!.AsArray().Select(c => (string?)c)), $"{where}: command");
            Assert.Equal(ArgoTests.Canonical(container.Map("resources", "requests")), Canonical(stage["requests"]));
            Assert.Equal(ArgoTests.Canonical(container.Map("resources", "limits")), Canonical(stage["limits"]));
            Assert.Equal(ArgoTests.Canonical(container.Map("securityContext")), Canonical(dag["CONTAINER_SECURITY_CONTEXT"]));
            var envFrom = container.Seq("envFrom").ToList();
            Assert.Contains(envFrom, e => e.Scalar("configMapRef", "name") == settings);
            Assert.Equal(envFrom.Any(e => e.Map("secretRef") is not null), (bool)stage["store"]! && dag["STORE_CREDENTIALS"] is not null);
            Assert.Equal(container.Seq("env").Any(e => e.Scalar("name") == "MODEL_PROMOTE_ALIAS" && e.Scalar("value") == "dev"), (bool)stage["gate"]!);
            // store: the stage that reads the labelled predictions (feedback.include) gets the prediction log's settings
            // key by key from its Secret, as the Job's container does; no other stage gets them.
            var fromSecret = container.Seq("env").Select(e => e.Map("valueFrom", "secretKeyRef")).Where(r => r is not null)
                .Select(r => $"{r.Scalar("name")}/{r.Scalar("key")}{(r.Scalar("optional") == "true" ? "?" : "")}").ToList();
            var expected = (bool)stage["feedback"]! && dag["PREDICTION_LOG_KEYS"] is JsonObject keys
                ? keys.Select(k => $"{(string?)dag["PREDICTION_LOG"]}/{k.Key}{((bool)k.Value! ? "?" : "")}").ToList()
                : [];
            Assert.Equal(expected, fromSecret);
        }

        Assert.Equal(OrchestratorRows.ValueOf(options, "store") != "none", dag["PREDICTION_LOG_KEYS"] is not null);

        var kpo = dag["operator"]!.AsObject();
        Assert.Equal("SERVICE_ACCOUNT", (string?)kpo["service_account_name"]);
        Assert.Equal("IMAGE", (string?)kpo["image"]);
        Assert.Equal("stage['command']", (string?)kpo["cmds"]);
        Assert.Equal("POD_SECURITY_CONTEXT", (string?)kpo["security_context"]);
        Assert.Equal("CONTAINER_SECURITY_CONTEXT", (string?)kpo["container_security_context"]);
        Assert.Equal("k8s.V1ResourceRequirements(requests=stage['requests'], limits=stage['limits'])", (string?)kpo["container_resources"]);
        Assert.Equal("False", (string?)kpo["do_xcom_push"]);
        Assert.Equal("False", (string?)kpo["automount_service_account_token"]);
        Assert.Equal("POD_LABELS", (string?)kpo["labels"]);
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task The_dag_is_scheduled_once_at_a_time_without_catchup_and_replaces_the_retrain_cronjob(string name, string options)
    {
        var airflow = await AirflowRendering.GetAsync(fixture.Pack, options);
        var decorator = airflow.Dag["dag"]!.AsObject();

        Assert.Matches("^'[^']+'$", (string?)decorator["schedule"]);
        Assert.Equal("False", (string?)decorator["catchup"]);
        Assert.Equal("1", (string?)decorator["max_active_runs"]);
        Assert.DoesNotContain(airflow.Dev, o => o.Kind == "CronJob" && o.Labels.GetValueOrDefault("app.kubernetes.io/component") == "training");
        // What Airflow's workers may do in the namespace: pods, their logs and events, nothing else (the administrator's
        // bootstrap grants it: the deployer's edit grants no rights).
        DeployerRights.Assert(airflow.Repository, airflow.Bootstrap, airflow.Dev, airflow.Prod, name);
        var role = airflow.Bootstrap.Single(o => o.Kind == "Role" && o.Name.EndsWith("-airflow-pods", StringComparison.Ordinal));
        Assert.Equal(["events", "pods", "pods/log"], role.Root.Seq("rules").SelectMany(r => r.Seq("resources")).Select(r => ((YamlScalarNode)r).Value).Order());
        Assert.All(role.Root.Seq("rules"), r => Assert.Equal([""], r.Seq("apiGroups").Select(g => ((YamlScalarNode)g).Value)));
        Assert.True(airflow.Prod.All(o => !o.Name.Contains("airflow", StringComparison.Ordinal) && !o.Name.EndsWith("-pipeline-work", StringComparison.Ordinal)), $"{name}: prod trains nothing");
    }

    [SkippableTheory]
    [MemberData(nameof(RowsWithDvc))]
    public async Task The_tasks_run_dvc_yamls_stages_in_dvc_yamls_order(string name, string options)
    {
        var airflow = await AirflowRendering.GetAsync(fixture.Pack, options);
        var stages = airflow.Dag["STAGES"]!.AsArray().Select((s, i) => new OrchestratedStage(
            (string)s!["id"]!,
            // The DAG chains each task after the one before it (`previous >> task`).
            i == 0 ? [] : [(string)airflow.Dag["STAGES"]![i - 1]!["id"]!],
            s["command"]!.AsArray().Select(c => (string)c!).ToList())).ToList();
        Assert.Contains("previous >> task", airflow.Repository.ReadText(DagFile), StringComparison.Ordinal);

        PipelineStageAssertions.AssertSameAsDvc(airflow.Repository, stages, $"{name} airflow");
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task The_workers_service_account_is_set_once_in_airflow_install_and_reaches_their_rolebindings_only(string name, string options)
    {
        var airflow = await AirflowRendering.GetAsync(fixture.Pack, options);
        const string install = "k8s/bootstrap/airflow-install.yaml";
        var settings = KubeObject.Parse(install, airflow.Repository.ReadText(install)).Single().Root.Map("data").ToStrings();

        var bindings = airflow.Bootstrap.Where(o => o.Kind == "RoleBinding" && o.Name.Contains("-airflow-", StringComparison.Ordinal)).ToList();
        Assert.Equal(OrchestratorRows.Has(options, "prepare", "spark") ? 2 : 1, bindings.Count);
        Assert.All(bindings, b => Assert.Equal(("ServiceAccount", settings["serviceAccount"], settings["namespace"]), (Assert.Single(b.Root.Seq("subjects")).Scalar("kind"), b.Root.Seq("subjects").Single().Scalar("name"), b.Root.Seq("subjects").Single().Scalar("namespace"))));
        Assert.True(airflow.Bootstrap.Concat(airflow.Dev).All(o => o.Name != "airflow-install"), $"{name}: the local-config settings reach the cluster");

        // A user's own install: change the one file, and the rendered subject follows.
        var copy = CloudEnv.CopyWithSettings(airflow.Repository, new Dictionary<string, string>());
        var file = Path.Combine(copy, install);
        File.WriteAllText(file, File.ReadAllText(file).Replace($"namespace: {settings["namespace"]}", "namespace: data-platform", StringComparison.Ordinal).Replace($"serviceAccount: {settings["serviceAccount"]}", "serviceAccount: orchestrator-worker", StringComparison.Ordinal));
        var bootstrap = KubeObject.Parse("k8s/bootstrap", await Validators.RenderKustomizationAsync(Path.Combine(copy, "k8s", "bootstrap")));
        var changed = Assert.Single(bootstrap.Single(o => o.Kind == "RoleBinding" && o.Name.EndsWith("-airflow-pods", StringComparison.Ordinal)).Root.Seq("subjects"));
        Assert.Equal(("orchestrator-worker", "data-platform"), (changed.Scalar("name"), changed.Scalar("namespace")));
    }

    /// <summary>A node of the DAG's constants (snake_case Kubernetes client fields) in <see cref="ArgoTests.Canonical"/>'s form.</summary>
    private static string Canonical(JsonNode? node)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(JsonSerializer.Serialize(Camel(node))));
        return ArgoTests.Canonical(yaml.Documents[0].RootNode);
    }

    private static JsonNode? Camel(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(CamelCase(kv.Key), Camel(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(Camel).ToArray()),
        JsonValue v when v.TryGetValue<bool>(out var b) => JsonValue.Create(b ? "true" : "false"),
        JsonValue v when v.TryGetValue<long>(out var n) => JsonValue.Create(n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        _ => node?.DeepClone(),
    };

    private static string CamelCase(string snake)
    {
        var parts = snake.Split('_');
        return parts[0] + string.Concat(parts.Skip(1).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
    }

    /// <summary>The generated repository, its dev and prod overlays rendered, and the DAG read back, once per row.</summary>
    private sealed class AirflowRendering
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<AirflowRendering>>> Cache = new();

        private AirflowRendering(GeneratedRepository repository, IReadOnlyList<KubeObject> dev, IReadOnlyList<KubeObject> prod, IReadOnlyList<KubeObject> bootstrap, JsonObject dag)
        {
            Repository = repository;
            Bootstrap = bootstrap;
            Dev = dev;
            Prod = prod;
            Dag = dag;
        }

        public GeneratedRepository Repository { get; }

        public IReadOnlyList<KubeObject> Dev { get; }

        public IReadOnlyList<KubeObject> Prod { get; }

        /// <summary>k8s/bootstrap rendered: the administrator's objects, among them the Role of Airflow's workers.</summary>
        public IReadOnlyList<KubeObject> Bootstrap { get; }

        public JsonObject Dag { get; }

        public KubeObject TrainingJob => Dev.Single(o => o.Kind == "Job" && o.Labels.GetValueOrDefault("app.kubernetes.io/component") == "training");

        public static Task<AirflowRendering> GetAsync(TemplatePack pack, string options) =>
            Cache.GetOrAdd(options, _ => new Lazy<Task<AirflowRendering>>(() => RenderAsync(pack, options))).Value;

        private static async Task<AirflowRendering> RenderAsync(TemplatePack pack, string options)
        {
            var repository = await pack.GenerateAsync(ArgoRendering.ProjectName, Combinations.CoveringSets.Arguments(options));
            var dev = KubeObject.Parse("k8s/overlays/dev", await Validators.RenderKustomizationAsync(repository.PathOf("k8s/overlays/dev")));
            var prod = KubeObject.Parse("k8s/overlays/prod", await Validators.RenderKustomizationAsync(repository.PathOf("k8s/overlays/prod")));
            var bootstrap = KubeObject.Parse("k8s/bootstrap", await Validators.RenderKustomizationAsync(repository.PathOf("k8s/bootstrap")));
            var read = await Command.RunAsync(Validators.DebianPython, ["-c", ReadDag, DagFile], repository.Root);
            read.EnsureSuccess();
            return new AirflowRendering(repository, dev, prod, bootstrap, JsonNode.Parse(read.StandardOutput)!.AsObject());
        }
    }
}
