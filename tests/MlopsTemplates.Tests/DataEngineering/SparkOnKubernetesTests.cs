using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Kubernetes;
using MlopsTemplates.Tests.Validation;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.DataEngineering;

/// <summary>
/// --prepare spark with --deploy kubernetes, on the covering rows that pair them (one per cloud): the dev overlay
/// as kubectl kustomize renders it runs ingest and prepare as one SparkApplication (closed spark-operator CRD,
/// restricted security, the training image and generated settings reaching its ingest init container) and holds the
/// training Job suspended with train and evaluate only; prod runs neither; the Spark release is pyspark's pin; and
/// k8s/deploy.sh, run against a stand-in kubectl (no cluster and no Spark operator here), runs the SparkApplication
/// before it lets the Job start, and stops with the driver's log when it fails.
/// </summary>
public sealed class SparkOnKubernetesTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<(GeneratedRepository Repo, string Dev, string Prod, string Bootstrap)>>> Renders = new();

    private static Task<(GeneratedRepository Repo, string Dev, string Prod, string Bootstrap)> RenderAsync(TemplatePack pack, string options) =>
        Renders.GetOrAdd(options, _ => new Lazy<Task<(GeneratedRepository, string, string, string)>>(async () =>
        {
            var repo = await GeneratedVariants.GetAsync(pack, options);
            var dev = await Validators.RenderKustomizationAsync(repo.PathOf("k8s/overlays/dev"));
            var prod = await Validators.RenderKustomizationAsync(repo.PathOf("k8s/overlays/prod"));
            var bootstrap = await Validators.RenderKustomizationAsync(repo.PathOf("k8s/bootstrap"));
            return (repo, dev, prod, bootstrap);
        })).Value;

    [SkippableTheory]
    [MemberData(nameof(DataEngineeringCases.SparkOnKubernetes), MemberType = typeof(DataEngineeringCases))]
    public async Task The_dev_overlay_runs_ingest_and_prepare_as_a_spark_application_and_holds_the_training_job_for_it(string name, string options)
    {
        var (repo, dev, prod, bootstrap) = await RenderAsync(fixture.Pack, options);
        var documents = dev.Split("\n---\n");
        // The document whose own kind is SparkApplication: Argo's WorkflowTemplate embeds one as its prepare step's manifest.
        var sparkDocument = Assert.Single(documents, d => Regex.IsMatch(d, "^kind: SparkApplication$", RegexOptions.Multiline));
        await DataValidators.SparkApplication.AssertValidAsync(["-"], standardInput: sparkDocument);
        await Validators.KubernetesModels.AssertValidAsync(["-"], standardInput: string.Join("\n---\n", documents.Where(d => !Regex.IsMatch(d, "^apiVersion: (sparkoperator\\.k8s\\.io|argoproj\\.io)/", RegexOptions.Multiline))));

        var objects = KubeObject.Parse("k8s/overlays/dev", dev);
        var job = objects.Single(o => o.Kind == "Job" && o.Name == "churn-model-train");
        var spark = objects.Single(o => o.Kind == "SparkApplication").Root.Map("spec")!;
        // The Job starts suspended, without the stages the SparkApplication runs.
        Assert.Equal("true", job.Root.Scalar("spec", "suspend"));
        var jobSpec = job.PodTemplate.Map("spec");
        var jobContainers = jobSpec.Seq("initContainers").Concat(jobSpec.Seq("containers")).ToList();
        Assert.Equal(["train", "evaluate"], jobContainers.Select(c => c.Scalar("name")));

        // The driver pod runs the ingest stage first, on the training image with the training Job's settings.
        var ingest = Assert.Single(spark.Seq("driver", "template", "spec", "initContainers"));
        Assert.Equal("ingest", ingest.Scalar("name"));
        Assert.Equal(["python", "-m", "churn_model.data", "ingest"], ingest.Seq("command").Select(c => ((YamlScalarNode)c).Value));
        var evaluate = jobContainers[^1];
        Assert.Equal(evaluate.Scalar("image"), ingest.Scalar("image"));
        var settings = evaluate.Seq("envFrom").Select(e => e.Scalar("configMapRef", "name")).Single(n => n is not null);
        Assert.Contains(objects, o => o.Kind == "ConfigMap" && o.Name == settings);
        foreach (var envFrom in new[] { ingest.Seq("envFrom"), spark.Seq("driver", "envFrom"), spark.Seq("executor", "envFrom") })
        {
            Assert.Contains(settings, envFrom.Select(e => e.Scalar("configMapRef", "name")));
        }

        // Restricted: the ingest container as the Job's are, the driver and executors as far as Spark lets them.
        Assert.Equal("false", ingest.Scalar("securityContext", "allowPrivilegeEscalation"));
        Assert.Equal("true", ingest.Scalar("securityContext", "readOnlyRootFilesystem"));
        Assert.Equal(["ALL"], ingest.Seq("securityContext", "capabilities", "drop").Select(c => ((YamlScalarNode)c).Value));
        Assert.NotNull(ingest.Scalar("resources", "limits", "memory"));
        foreach (var role in new[] { "driver", "executor" })
        {
            var pod = spark.Map(role)!;
            Assert.Equal("churn-model-train", pod.Scalar("serviceAccount"));
            Assert.Equal("true", pod.Scalar("podSecurityContext", "runAsNonRoot"));
            Assert.True(int.Parse(pod.Scalar("podSecurityContext", "runAsUser")!) > 0, $"{name}: the {role} runs as root");
            Assert.Equal("RuntimeDefault", pod.Scalar("podSecurityContext", "seccompProfile", "type"));
            Assert.Equal("false", pod.Scalar("securityContext", "allowPrivilegeEscalation"));
            Assert.Equal(["ALL"], pod.Seq("securityContext", "capabilities", "drop").Select(c => ((YamlScalarNode)c).Value));
            Assert.NotNull(pod.Scalar("coreLimit"));
        }

        // The Spark release is the one the job is tested with: constraints.txt's pyspark.
        var pyspark = Regex.Match(repo.ReadText("constraints.txt"), @"^pyspark==(\S+)$", RegexOptions.Multiline).Groups[1].Value;
        Assert.Equal(pyspark, spark.Scalar("sparkVersion"));
        Assert.Contains($"ARG SPARK_IMAGE=apache/spark:{pyspark}-", repo.ReadText("spark/Dockerfile"), StringComparison.Ordinal);

        if (repo.Option("orchestrator") == "argo")
        {
            // Argo's objects beside the SparkApplication pass Argo's closed schema; its DAG still runs every stage.
            var file = Path.Combine(Path.GetTempPath(), $"spark-dev-{Guid.NewGuid():N}.yaml");
            await File.WriteAllTextAsync(file, dev);
            try
            {
                await Orchestrators.OrchestratorValidators.Argo.AssertValidAsync([file]);
            }
            finally
            {
                File.Delete(file);
            }

            // Its DAG still runs every stage; prepare as a SparkApplication (Argo_creates_..._and_waits_for_it below).
            var workflow = objects.Single(o => o.Kind == "WorkflowTemplate").Root;
            var pipeline = workflow.Seq("spec", "templates").Single(t => t.Scalar("name") == workflow.Scalar("spec", "entrypoint"));
            Assert.Equal(["ingest", "prepare", "train", "evaluate"], pipeline.Seq("dag", "tasks").Select(t => t.Scalar("name")));
            Assert.Equal(["ingest", "train", "evaluate"], workflow.Seq("spec", "templates").Where(t => t.Map("container") is not null).Select(t => t.Scalar("name")));
        }

        // Production trains nothing: no SparkApplication, no training Job.
        var prodObjects = KubeObject.Parse("k8s/overlays/prod", prod);
        Assert.DoesNotContain(prodObjects, o => o.Kind is "SparkApplication" or "Job");

        // The dev deployer may apply, follow and delete the SparkApplication, and the driver may start its executors: both
        // granted by the administrator's bootstrap (the deployer's edit covers no custom resource and grants no rights).
        await Validators.KubernetesStrict.AssertValidAsync(["-"], standardInput: bootstrap);
        var administrator = KubeObject.Parse("k8s/bootstrap", bootstrap);
        DeployerRights.Assert(repo, administrator, objects, prodObjects, name);
        var driver = administrator.Single(o => o.Kind == "RoleBinding" && o.Name == "churn-model-spark-driver");
        Assert.Equal(spark.Scalar("driver", "serviceAccount"), Assert.Single(driver.Root.Seq("subjects")).Scalar("name"));
    }

    private const string FakeKubectl = """
        #!/usr/bin/env bash
        # Records the call; answers as a cluster with the CRDs ($FAKE_CRDS) whose SparkApplication ends in $FAKE_SPARK_STATE.
        printf '%s\n' "$*" >> "$FAKE_KUBECTL_LOG"
        case "$*" in
          "api-resources --api-group=sparkoperator.k8s.io -o name") [ "$FAKE_CRDS" != yes ] || echo sparkapplications.sparkoperator.k8s.io ;;
          "api-resources --api-group=argoproj.io -o name") printf 'workflowtemplates.argoproj.io\ncronworkflows.argoproj.io\n' ;;
          *"get sparkapplication"*) printf '%s' "$FAKE_SPARK_STATE" ;;
          *"get job"*) printf 'Complete\n' ;;
          *" logs "*) echo "[pod/churn-model-prepare-driver/spark-kubernetes-driver] RuntimeError: the test split is empty" ;;
          *"get --raw"*) printf 'ok' ;;
        esac
        """;

    private async Task<(CommandResult Result, string[] Calls)> DeployAsync(string options, string crds, string sparkState)
    {
        var (repo, _, _, _) = await RenderAsync(fixture.Pack, options);
        var copy = CloudEnv.CopyWithSettings(repo, CloudEnv.FilledIn(repo.Option("cloud")));
        var bin = Directory.CreateTempSubdirectory("fake-kubectl-").FullName;
        File.WriteAllText(Path.Combine(bin, "kubectl"), FakeKubectl.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(Path.Combine(bin, "kubectl"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var log = Path.Combine(bin, "calls.log");
        var environment = new Dictionary<string, string?>
        {
            ["PATH"] = $"{bin}{Path.PathSeparator}{Environment.GetEnvironmentVariable("PATH")}",
            ["FAKE_KUBECTL_LOG"] = log,
            ["FAKE_CRDS"] = crds,
            ["FAKE_SPARK_STATE"] = sparkState,
            ["IMAGE_REPOSITORY"] = "registry.example.com/team/churn-model",
            ["IMAGE_TAG"] = "0123abcd",
        };
        var result = await Command.RunAsync("bash", ["k8s/deploy.sh", "apply", "dev"], copy, environment);
        var calls = File.Exists(log) ? File.ReadAllLines(log) : [];
        if (sparkState == "COMPLETED" && crds == "yes")
        {
            // The Spark image the SparkApplication runs is the pushed one, beside the training image.
            var deployed = await Validators.RenderKustomizationAsync(Path.Combine(copy, ".deploy", "dev"));
            Assert.Contains("  image: registry.example.com/team/churn-model:0123abcd-spark\n", deployed, StringComparison.Ordinal);
        }

        return (result, calls);
    }

    public static TheoryData<string, string> OneRow
    {
        get
        {
            var first = DataEngineeringCases.SparkOnKubernetes.First();
            return new TheoryData<string, string> { { (string)first[0], (string)first[1] } };
        }
    }

    [SkippableTheory]
    [MemberData(nameof(OneRow))]
    public async Task Deploy_runs_the_spark_application_anew_then_resumes_the_training_job_and_stops_with_the_driver_log_on_failure(string name, string options)
    {
        _ = name;
        var (result, calls) = await DeployAsync(options, "yes", "COMPLETED");
        result.EnsureSuccess();
        int At(string call) => Array.FindIndex(calls, c => c.Contains(call, StringComparison.Ordinal));
        Assert.True(At("delete sparkapplication churn-model-prepare --ignore-not-found --wait") >= 0, string.Join("\n", calls));
        Assert.True(At("delete sparkapplication") < At("apply -k .deploy/dev"), string.Join("\n", calls));
        Assert.True(At("apply -k .deploy/dev") < At("get sparkapplication churn-model-prepare"), string.Join("\n", calls));
        Assert.True(At("get sparkapplication") < At("patch job churn-model-train --type=merge -p {\"spec\": {\"suspend\": false} }"), string.Join("\n", calls));
        Assert.True(At("patch job") < At("get job churn-model-train"), string.Join("\n", calls));

        var (failed, failedCalls) = await DeployAsync(options, "yes", "FAILED");
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("SparkApplication churn-model-prepare did not complete (state: FAILED)", failed.StandardError, StringComparison.Ordinal);
        Assert.Contains("the test split is empty", failed.StandardError, StringComparison.Ordinal);
        Assert.Contains(failedCalls, c => c.StartsWith("-n churn-model-dev logs pod/churn-model-prepare-driver --all-containers", StringComparison.Ordinal));
        Assert.DoesNotContain(failedCalls, c => c.Contains("patch job", StringComparison.Ordinal));

        var (missing, missingCalls) = await DeployAsync(options, "no", "");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("the Spark operator is not installed in this cluster", missing.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(missingCalls, c => c.Contains("delete", StringComparison.Ordinal) || c.StartsWith("apply", StringComparison.Ordinal));
    }

    /// <summary>
    /// Without an orchestrator, or with Kubeflow's, the weekly retrain gets fresh data from a ScheduledSparkApplication
    /// (closed CRD) an hour before it, whose template is the deploy's SparkApplication spec as kustomize resolves it
    /// (images, generated settings); the retrain CronJob or Kubeflow's pipeline (its compiled IR) keeps train and
    /// evaluate (the training image runs no Spark); the Spark
    /// NetworkPolicy selects every run's driver and executors by the labels the spec gives them (a run's own name is
    /// generated); the dev deployer may apply it; production schedules neither.
    /// </summary>
    [SkippableTheory]
    [InlineData("gcp", "none")]
    [InlineData("local", "none")]
    [InlineData("aws", "kubeflow")]
    public async Task Static_the_weekly_retrain_trains_on_the_splits_of_a_scheduled_spark_application_an_hour_before(string cloud, string orchestrator)
    {
        var (repo, dev, prod, bootstrap) = await RenderAsync(fixture.Pack, $"--deploy kubernetes --prepare spark --data none --orchestrator {orchestrator} --cloud {cloud}");
        var scheduledDocument = Assert.Single(dev.Split("\n---\n"), d => Regex.IsMatch(d, "^kind: ScheduledSparkApplication$", RegexOptions.Multiline));
        await DataValidators.ScheduledSparkApplication.AssertValidAsync(["-"], standardInput: scheduledDocument);

        var objects = KubeObject.Parse("k8s/overlays/dev", dev);
        var scheduled = objects.Single(o => o.Kind == "ScheduledSparkApplication").Root.Map("spec")!;
        var spark = objects.Single(o => o.Kind == "SparkApplication").Root.Map("spec")!;
        Assert.Equal(spark.ToString(), scheduled.Map("template")!.ToString());
        Assert.Equal(("0 2 * * 1", "Etc/UTC", "Forbid"), (scheduled.Scalar("schedule"), scheduled.Scalar("timeZone"), scheduled.Scalar("concurrencyPolicy")));

        if (orchestrator == "none")
        {
            var retrain = objects.Single(o => o.Kind == "CronJob" && o.Name == "churn-model-retrain");
            Assert.Equal("0 3 * * 1", retrain.Root.Scalar("spec", "schedule"));
            var pod = retrain.PodTemplate.Map("spec");
            Assert.Equal(["train", "evaluate"], pod.Seq("initContainers").Concat(pod.Seq("containers")).Select(c => c.Scalar("name")));
        }
        else
        {
            // The recurring run of docs/pipeline-kubeflow.md (Mondays 03:00) runs the compiled pipeline's tasks only.
            Assert.Contains("cron_expression=\"0 0 3 * * 1\"", repo.ReadText("docs/pipeline-kubeflow.md"), StringComparison.Ordinal);
            var pipeline = new YamlStream();
            pipeline.Load(new StringReader(repo.ReadText("pipelines/kubeflow/pipeline.yaml")));
            var tasks = pipeline.Documents[0].RootNode.Map("root", "dag", "tasks")!;
            Assert.Equal(["evaluate", "train"], tasks.Children.Keys.Select(k => k.ToString()));
            Assert.Empty(tasks.Map("train").Seq("dependentTasks"));
            Assert.Equal(["train"], tasks.Map("evaluate").Seq("dependentTasks").Select(t => t.ToString()));
            Assert.DoesNotContain(objects, o => o.Kind == "CronJob" && o.Name == "churn-model-retrain");
        }

        var selector = objects.Single(o => o.Kind == "NetworkPolicy" && o.Name == "churn-model-spark").Root.Map("spec", "podSelector", "matchLabels").ToStrings();
        Assert.NotEmpty(selector);
        foreach (var role in new[] { "driver", "executor" })
        {
            var labels = scheduled.Map("template", role, "labels").ToStrings();
            Assert.All(selector, pair => Assert.Equal(pair.Value, labels.GetValueOrDefault(pair.Key)));
        }

        var prodObjects = KubeObject.Parse("k8s/overlays/prod", prod);
        Assert.DoesNotContain(prodObjects, o => o.Kind is "ScheduledSparkApplication" or "SparkApplication" || (o.Kind == "CronJob" && o.Name.EndsWith("retrain", StringComparison.Ordinal)));
        DeployerRights.Assert(repo, KubeObject.Parse("k8s/bootstrap", bootstrap), objects, prodObjects, cloud);
    }

    /// <summary>The first covering row with --prepare spark and --orchestrator argo.</summary>
    public static TheoryData<string, string> ArgoRow
    {
        get
        {
            var row = Combinations.CoveringSets.AllSet.First(r => r.Values["prepare"] == "spark" && r.Values["orchestrator"] == "argo");
            return new TheoryData<string, string> { { row.Name, string.Join(" ", TemplateOptions.ToArguments(row.Values)) } };
        }
    }

    /// <summary>The values of a WorkflowTemplate's workflow parameters.</summary>
    private static Dictionary<string, string> WorkflowParameters(YamlMappingNode workflowTemplate) =>
        workflowTemplate.Seq("spec", "arguments", "parameters").ToDictionary(p => p.Scalar("name")!, p => p.Scalar("value")!);

    /// <summary>A resource step's manifest as Argo's controller gives it to the executor: every workflow parameter substituted.</summary>
    private static string Substituted(string manifest, IReadOnlyDictionary<string, string> parameters) =>
        Regex.Replace(manifest, @"\{\{workflow\.parameters\.([a-z-]+)\}\}", m => parameters[m.Groups[1].Value]);

    [SkippableTheory]
    [MemberData(nameof(ArgoRow))]
    public async Task Argo_creates_the_components_spark_application_as_its_prepare_step_and_waits_for_it_checked_offline(string name, string options)
    {
        // Offline: Argo's closed schema and the closed spark-operator CRD; no Argo controller or Spark operator runs here.
        var argo = await Orchestrators.ArgoRendering.GetAsync(fixture.Pack, options);
        await Orchestrators.OrchestratorValidators.Argo.AssertValidAsync([argo.DevFile]);
        var workflow = argo.WorkflowTemplate.Root;
        var prepare = workflow.Seq("spec", "templates").Single(t => t.Scalar("name") == "prepare");
        Assert.Null(prepare.Map("container"));
        Assert.Equal("create", prepare.Scalar("resource", "action"));
        Assert.Equal("true", prepare.Scalar("resource", "setOwnerReference"));
        Assert.Equal("status.applicationState.state == COMPLETED", prepare.Scalar("resource", "successCondition"));
        Assert.Equal("status.applicationState.state == FAILED", prepare.Scalar("resource", "failureCondition"));
        // The operator retries a failed application (restartPolicy); an Argo retry on top would run the job again.
        Assert.Null(prepare.Map("retryStrategy"));
        Assert.NotNull(KubeObject.Parse("manifest", prepare.Scalar("resource", "manifest")!).Single().Root.Map("spec", "restartPolicy"));

        // The manifest, its parameters substituted, passes the closed CRD; with a field the CRD does not know, it does not.
        var parameters = WorkflowParameters(workflow);
        var manifest = Substituted(prepare.Scalar("resource", "manifest")!, parameters);
        await DataValidators.SparkApplication.AssertValidAsync(["-"], standardInput: manifest);
        await DataValidators.SparkApplication.AssertInvalidAsync(["-"], standardInput: manifest.Replace("\n  driver:\n", "\n  driver:\n    sideCar: {}\n", StringComparison.Ordinal));

        // It is k8s/components/spark's SparkApplication under a generated name, less its driver's ingest init container
        // (the DAG's ingest step runs before it), once Argo substitutes the WorkflowTemplate's own parameters.
        var component = KubeObject.Parse("component", argo.Repository.ReadText("k8s/components/spark/sparkapplication.yaml")).Single().Root;
        Assert.True(component.Map("spec", "driver")!.Children.Remove(new YamlScalarNode("template")), $"{name}: the component's driver has no pod template");
        var metadata = component.Map("metadata")!;
        var componentName = metadata.Scalar("name")!;
        metadata.Children.Remove(new YamlScalarNode("name"));
        metadata.Add("generateName", componentName + "-");
        var source = KubeObject.Parse("workflowtemplate", argo.Repository.ReadText("k8s/components/argo/workflowtemplate.yaml")).Single().Root;
        var sourceManifest = source.Seq("spec", "templates").Single(t => t.Scalar("name") == "prepare").Scalar("resource", "manifest")!;
        var created = KubeObject.Parse("argo", Substituted(sourceManifest, WorkflowParameters(source))).Single().Root;
        Assert.Equal(Orchestrators.ArgoTests.Canonical(component), Orchestrators.ArgoTests.Canonical(created));

        // kustomize reaches the parameters: the settings are the overlay's generated ConfigMap (its content-hash name),
        // and k8s/deploy.sh pins the pushed Spark image, the spark variant of the training image's tag.
        Assert.Contains(argo.Dev, o => o.Kind == "ConfigMap" && o.Name == parameters["settings"]);
        Assert.NotEqual("churn-model-config", parameters["settings"]);
        var deployed = WorkflowParameters(argo.Deployed.Single(o => o.Kind == "WorkflowTemplate").Root);
        var pushed = $"{Orchestrators.ArgoRendering.PushedImage["IMAGE_REPOSITORY"]}:{Orchestrators.ArgoRendering.PushedImage["IMAGE_TAG"]}-spark";
        Assert.Equal(pushed, deployed["spark-image"]);
        Assert.Contains(argo.Deployed, o => o.Kind == "ConfigMap" && o.Name == deployed["settings"]);

        // The step's executor is an account of its own that may create and read SparkApplications and report the step, nothing
        // more; the other stages' executor and the stage containers get no such right.
        var account = prepare.Scalar("executor", "serviceAccountName")!;
        Assert.NotEqual(workflow.Scalar("spec", "executor", "serviceAccountName"), account);
        Assert.NotEqual(workflow.Scalar("spec", "serviceAccountName"), account);
        Assert.Contains(argo.Dev, o => o.Kind == "ServiceAccount" && o.Name == account);
        var token = argo.Dev.Single(o => o.Kind == "Secret" && o.Name == $"{account}.service-account-token");
        Assert.Equal(account, token.Annotations["kubernetes.io/service-account.name"]);
        var binding = argo.Bootstrap.Single(o => o.Kind == "RoleBinding" && o.Root.Seq("subjects").Any(s => s.Scalar("name") == account));
        Assert.Equal(("churn-model-dev", "churn-model-dev"), (binding.Root.Scalar("metadata", "namespace"), Assert.Single(binding.Root.Seq("subjects")).Scalar("namespace")));
        var role = argo.Bootstrap.Single(o => o.Kind == "Role" && o.Name == binding.Root.Scalar("roleRef", "name"));
        static string Values(YamlNode rule, string key) => string.Join(",", rule.Seq(key).Select(v => ((YamlScalarNode)v).Value));
        Assert.Equal(
            ["sparkoperator.k8s.io sparkapplications create,get", "argoproj.io workflowtaskresults create,patch"],
            role.Root.Seq("rules").Select(r => $"{Values(r, "apiGroups")} {Values(r, "resources")} {Values(r, "verbs")}"));
        var others = argo.Bootstrap.Where(o => o.Kind == "RoleBinding" && o.Root.Seq("subjects").Any(s => s.Scalar("name") == workflow.Scalar("spec", "executor", "serviceAccountName")));
        Assert.DoesNotContain(others.Select(b => b.Root.Scalar("roleRef", "name")), r => r == role.Name);
    }

    /// <summary>The first covering row with --prepare spark and --orchestrator airflow.</summary>
    public static TheoryData<string, string> AirflowRow
    {
        get
        {
            var row = Combinations.CoveringSets.AllSet.First(r => r.Values["prepare"] == "spark" && r.Values["orchestrator"] == "airflow");
            return new TheoryData<string, string> { { row.Name, string.Join(" ", TemplateOptions.ToArguments(row.Values)) } };
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AirflowRow))]
    public async Task Airflow_submits_the_prepare_stage_as_the_components_spark_application_between_ingest_and_train(string name, string options)
    {
        var (repo, dev, _, bootstrap) = await RenderAsync(fixture.Pack, options);
        const string application = "pipelines/airflow/dags/churn_model_prepare.yaml";
        await DataValidators.SparkApplication.AssertValidAsync(repo, application);
        // The component's SparkApplication, less the ingest init container of its driver (the DAG has an ingest task).
        var component = KubeObject.Parse("component", repo.ReadText("k8s/components/spark/sparkapplication.yaml")).Single().Root;
        var driver = component.Map("spec", "driver")!;
        Assert.True(driver.Children.Remove(new YamlScalarNode("template")), $"{name}: the component's driver has no pod template");
        var submitted = KubeObject.Parse("dag", repo.ReadText(application)).Single().Root;
        Assert.Equal(Orchestrators.ArgoTests.Canonical(component), Orchestrators.ArgoTests.Canonical(submitted));
        // Airflow names ConfigMaps as they are: the settings it names exist under that name.
        var settings = submitted.Seq("spec", "driver", "envFrom").Select(e => e.Scalar("configMapRef", "name")).Single(n => n is not null);
        Assert.Contains(KubeObject.Parse("dev", dev), o => o.Kind == "ConfigMap" && o.Name == settings);

        var dag = repo.ReadText("pipelines/airflow/dags/churn_model_training.py");
        var facts = await DataEngineeringCases.PythonAsync(repo, """
            import ast, json
            tree = ast.parse(open("pipelines/airflow/dags/churn_model_training.py", encoding="utf-8").read())
            calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
            spark = [{kw.arg: ast.unparse(kw.value) for kw in c.keywords} for c in calls if c.func.id == "SparkKubernetesOperator"]
            stages = [n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "STAGES"][0]
            print(json.dumps({"spark": spark, "pods": [e.values[0].value for e in stages.value.elts]}))
            """);
        using var json = System.Text.Json.JsonDocument.Parse(facts);
        var call = Assert.Single(json.RootElement.GetProperty("spark").EnumerateArray().ToList());
        Assert.Equal("'prepare'", call.GetProperty("task_id").GetString());
        Assert.Equal("SPARK_APPLICATION", call.GetProperty("application_file").GetString());
        Assert.Equal("NAMESPACE", call.GetProperty("namespace").GetString());
        Assert.Equal("SPARK_IMAGE", call.GetProperty("image").GetString());
        Assert.Contains("SPARK_APPLICATION = \"churn_model_prepare.yaml\"", dag, StringComparison.Ordinal);
        // The pods are the other stages; prepare follows ingest and precedes train.
        Assert.Equal(["ingest", "train", "evaluate"], json.RootElement.GetProperty("pods").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("if stage[\"id\"] == \"ingest\":\n            # data: prepare runs on Spark between this stage and the next.\n            spark = prepare_task()\n            previous >> spark\n            previous = spark", dag, StringComparison.Ordinal);

        // The Spark image follows the training image's tag; a digest-pinned or untagged TRAINING_IMAGE has no variant beside it, so the
        // DAG refuses to import naming SPARK_IMAGE rather than running a name that does not exist.
        var images = await DataEngineeringCases.PythonAsync(repo, """
            import ast
            tree = ast.parse(open("pipelines/airflow/dags/churn_model_training.py", encoding="utf-8").read())
            exec(compile(ast.Module([n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "variant_image"], []), "dag", "exec"))
            print(variant_image("registry.example.com:5000/team/churn-model:0123abcd", "spark"))
            for image in ["registry.example.com/team/churn-model@sha256:" + "0" * 64, "registry.example.com:5000/team/churn-model"]:
                try:
                    variant_image(image, "spark")
                except ValueError as e:
                    print(e)
            """);
        var lines = images.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("registry.example.com:5000/team/churn-model:0123abcd-spark", lines[0]);
        Assert.Equal(2, lines.Count(l => l.Contains("set SPARK_IMAGE too", StringComparison.Ordinal)));

        // Airflow's workers may create and follow SparkApplications in the namespace, nothing more.
        var role = KubeObject.Parse("k8s/bootstrap", bootstrap).Single(o => o.Kind == "Role" && o.Name == "churn-model-airflow-spark");
        var rule = Assert.Single(role.Root.Seq("rules"));
        Assert.Equal(["sparkoperator.k8s.io"], rule.Seq("apiGroups").Select(g => ((YamlScalarNode)g).Value));
        Assert.Equal(["sparkapplications", "sparkapplications/status"], rule.Seq("resources").Select(r => ((YamlScalarNode)r).Value));
    }
}
