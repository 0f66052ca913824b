using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Kubernetes;
using MlopsTemplates.Tests.Validation;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Orchestrators;

/// <summary>
/// <c>--orchestrator argo</c> on every row of the covering sets that chooses it: the Argo objects of the dev overlay
/// through Argo's own schema (closed) and models, every other object through the Kubernetes validators, the stage pods
/// Argo creates held to the restricted profile and to the training Job's containers, the stages to dvc.yaml's.
/// No Argo controller runs here: what the controller does with these objects is not executed.
/// </summary>
public sealed class ArgoTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    public static TheoryData<string, string> Rows => OrchestratorRows.With("argo");

    public static TheoryData<string, string> RowsWithDvc => OrchestratorRows.With("argo", o => OrchestratorRows.Has(o, "data", "dvc"));

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task Argo_objects_pass_the_closed_Argo_schema_and_models_and_every_other_object_the_strict_Kubernetes_checks(string name, string options)
    {
        var argo = await ArgoRendering.GetAsync(fixture.Pack, options);

        Assert.Equal(["CronWorkflow", "WorkflowTemplate"], argo.Dev.Where(IsArgo).Select(o => o.Kind).Order());
        await OrchestratorValidators.Argo.AssertValidAsync([argo.DevFile]);
        // data: a --prepare spark overlay's SparkApplication is checked against the closed spark-operator CRD (SparkOnKubernetesTests).
        var kubernetesObjects = string.Join("\n---\n", argo.DevDocuments.Where(d => !d.Contains("apiVersion: argoproj.io/", StringComparison.Ordinal) && !d.Contains("apiVersion: sparkoperator.k8s.io/", StringComparison.Ordinal)));
        await Validators.KubernetesModels.AssertValidAsync(["-"], standardInput: kubernetesObjects);
        await Validators.KubernetesStrict.AssertValidAsync(["-"], standardInput: kubernetesObjects);
        await Validators.Yamllint.AssertValidAsync(argo.Repository, "k8s/components/argo", "k8s/components/training-schedule", "k8s/bootstrap");
        var violations = argo.Dev.Concat(argo.Bootstrap).SelectMany(ManifestRules.NameViolations).ToList();
        Assert.True(violations.Count == 0, $"{name}:{Environment.NewLine}{string.Join(Environment.NewLine, violations)}");

        // The deployer may apply the Argo objects (edit covers no custom resource) through the administrator's bootstrap,
        // whose objects the Argo run's test validates strictly (OrchestratorCiTests).
        DeployerRights.Assert(argo.Repository, argo.Bootstrap, argo.Dev, argo.Prod, name);
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task Every_stage_pod_meets_the_restricted_profile_and_runs_the_training_jobs_container(string name, string options)
    {
        var argo = await ArgoRendering.GetAsync(fixture.Pack, options);
        var workflow = argo.WorkflowTemplate.Root.Map("spec")!;
        var job = argo.TrainingJob.PodTemplate!.Map("spec")!;
        var jobContainers = job.Seq("initContainers").Concat(job.Seq("containers")).ToDictionary(c => c.Scalar("name")!);

        Assert.Equal(job.Scalar("serviceAccountName"), workflow.Scalar("serviceAccountName"));
        Assert.Equal("false", workflow.Scalar("automountServiceAccountToken"));
        Assert.Equal(Canonical(job.Map("securityContext")), Canonical(workflow.Map("securityContext")));
        foreach (var (stage, container) in StageContainers(argo.WorkflowTemplate))
        {
            // The pod the controller creates for the stage, as a Job-shaped object for the checks the Kubernetes tests make.
            var pod = StagePod(argo.WorkflowTemplate, stage, container);
            var violations = ManifestRules.PodTemplateViolations(pod).Concat(ManifestRules.NameViolations(pod)).ToList();
            Assert.True(violations.Count == 0, $"{name}:{Environment.NewLine}{string.Join(Environment.NewLine, violations)}");
            // data: with --prepare spark the training Job leaves ingest and prepare to its SparkApplication.
            if (!jobContainers.ContainsKey(stage) && OrchestratorRows.Has(options, "prepare", "spark") && stage is "ingest" or "prepare")
            {
                continue;
            }

            Assert.True(jobContainers.ContainsKey(stage), $"{name}: stage {stage} is not a container of the training Job");
            Assert.Equal(Canonical(jobContainers[stage], "name"), Canonical(container, "name"));
        }

        Assert.Subset(StageContainers(argo.WorkflowTemplate).Select(s => s.Stage).ToHashSet(), jobContainers.Keys.ToHashSet());
    }

    [SkippableTheory]
    [MemberData(nameof(RowsWithDvc))]
    public async Task The_dag_runs_dvc_yamls_stages_in_dvc_yamls_order(string name, string options)
    {
        var argo = await ArgoRendering.GetAsync(fixture.Pack, options);
        var spec = argo.WorkflowTemplate.Root.Map("spec")!;
        var entry = spec.Seq("templates").Single(t => t.Scalar("name") == spec.Scalar("entrypoint"));
        var containers = StageContainers(argo.WorkflowTemplate).ToDictionary(s => s.Stage, s => s.Container);

        var stages = entry.Seq("dag", "tasks").Select(task => new OrchestratedStage(
            task.Scalar("name")!,
            task.Scalar("depends") is { } depends ? depends.Split("&&", StringSplitOptions.TrimEntries) : [],
            containers[task.Scalar("template")!].Seq("command").Select(c => ((YamlScalarNode)c).Value!).ToList())).ToList();

        PipelineStageAssertions.AssertSameAsDvc(argo.Repository, stages, $"{name} argo");
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task The_cron_workflow_replaces_the_retrain_cronjob_forbids_overlapping_runs_and_prod_trains_nothing(string name, string options)
    {
        var argo = await ArgoRendering.GetAsync(fixture.Pack, options);

        var cron = argo.Dev.Single(o => o.Kind == "CronWorkflow").Root.Map("spec")!;
        Assert.NotEmpty(cron.Seq("schedules"));
        Assert.Equal("Forbid", cron.Scalar("concurrencyPolicy"));
        Assert.Equal(argo.WorkflowTemplate.Name, cron.Scalar("workflowSpec", "workflowTemplateRef", "name"));
        Assert.DoesNotContain(argo.Dev, o => o.Kind == "CronJob" && o.Labels.GetValueOrDefault("app.kubernetes.io/component") == "training");
        Assert.False(argo.Repository.Exists("k8s/components/training-schedule/cronjob-retrain.yaml"), $"{name}: the retrain CronJob is generated beside Argo");

        // A failed gate (exit 1) is final; anything else gets one retry.
        var gate = argo.WorkflowTemplate.Root.Map("spec")!.Seq("templates").Single(t => t.Scalar("name") == "evaluate");
        Assert.Contains("asInt(lastRetry.exitCode) != 1", gate.Scalar("retryStrategy", "expression"), StringComparison.Ordinal);
        var spec = argo.WorkflowTemplate.Root.Map("spec")!;
        Assert.NotNull(spec.Scalar("podGC", "strategy"));
        Assert.NotNull(spec.Scalar("ttlStrategy", "secondsAfterSuccess"));

        Assert.DoesNotContain(argo.Prod, o => IsArgo(o) || o.Name.EndsWith("-argo-executor", StringComparison.Ordinal));
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task The_executor_may_only_report_results_and_its_token_reaches_no_stage_container(string name, string options)
    {
        var argo = await ArgoRendering.GetAsync(fixture.Pack, options);
        var executor = argo.WorkflowTemplate.Root.Scalar("spec", "executor", "serviceAccountName");

        // Its Role is the administrator's (k8s/bootstrap): the deployer has edit in the namespace, which grants no rights.
        var role = argo.Bootstrap.Single(o => o.Kind == "Role" && o.Name == executor);
        Assert.Equal("churn-model-dev", role.Root.Scalar("metadata", "namespace"));
        var rule = Assert.Single(role.Root.Seq("rules"));
        Assert.Equal(["argoproj.io"], rule.Seq("apiGroups").Select(Value));
        Assert.Equal(["workflowtaskresults"], rule.Seq("resources").Select(Value));
        Assert.Equal(["create", "patch"], rule.Seq("verbs").Select(Value).Order());
        var binding = argo.Bootstrap.Single(o => o.Kind == "RoleBinding" && o.Root.Scalar("roleRef", "name") == executor);
        Assert.Equal((executor, "churn-model-dev"), (Assert.Single(binding.Root.Seq("subjects")).Scalar("name"), Assert.Single(binding.Root.Seq("subjects")).Scalar("namespace")));
        Assert.Contains(argo.Dev, o => o.Kind == "ServiceAccount" && o.Name == executor);
        // The controller mounts the executor's token from the Secret named after the account (its convention).
        var token = argo.Dev.Single(o => o.Kind == "Secret" && o.Name == $"{executor}.service-account-token");
        Assert.Equal("kubernetes.io/service-account-token", token.Root.Scalar("type"));
        Assert.Equal(executor, token.Annotations["kubernetes.io/service-account.name"]);
        Assert.True(executor != argo.WorkflowTemplate.Root.Scalar("spec", "serviceAccountName"), $"{name}: the stage containers run as the executor");
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task Deploy_render_gives_every_stage_the_pushed_image_and_the_generated_settings(string name, string options)
    {
        var argo = await ArgoRendering.GetAsync(fixture.Pack, options);
        var pushed = $"{ArgoRendering.PushedImage["IMAGE_REPOSITORY"]}:{ArgoRendering.PushedImage["IMAGE_TAG"]}";
        var deployedJob = argo.Deployed.Single(o => o.Kind == "Job" && o.Labels.GetValueOrDefault("app.kubernetes.io/component") == "training");
        var config = deployedJob.PodTemplate!.Map("spec")!.Seq("containers").Single().Seq("envFrom").Select(e => e.Scalar("configMapRef", "name")).Single(n => n is not null);

        var stages = StageContainers(argo.Deployed.Single(o => o.Kind == "WorkflowTemplate")).ToList();
        Assert.NotEmpty(stages);
        foreach (var (stage, container) in stages)
        {
            Assert.True(container.Scalar("image") == pushed, $"{name}: stage {stage} runs {container.Scalar("image")}, not {pushed}");
            // The settings ConfigMap carries a content hash: the stage must name the one the overlay generated.
            Assert.Contains(config, container.Seq("envFrom").Select(e => e.Scalar("configMapRef", "name")));
            Assert.Contains(argo.Deployed, o => o.Kind == "ConfigMap" && o.Name == config);
        }
    }

    private static bool IsArgo(KubeObject o) => o.Root.Scalar("apiVersion")?.StartsWith("argoproj.io/", StringComparison.Ordinal) == true;

    private static string Value(YamlNode node) => ((YamlScalarNode)node).Value!;

    /// <summary>The container templates of a WorkflowTemplate, by template name.</summary>
    private static IEnumerable<(string Stage, YamlMappingNode Container)> StageContainers(KubeObject workflowTemplate) =>
        workflowTemplate.Root.Map("spec")!.Seq("templates")
            .Where(t => t.Map("container") is not null)
            .Select(t => (t.Scalar("name")!, t.Map("container")!));

    private static KubeObject StagePod(KubeObject workflowTemplate, string stage, YamlMappingNode container)
    {
        var spec = workflowTemplate.Root.Map("spec")!;
        var podSpec = new YamlMappingNode
        {
            { "serviceAccountName", spec.Scalar("serviceAccountName") ?? "" },
            { "automountServiceAccountToken", spec.Scalar("automountServiceAccountToken") ?? "" },
            { "securityContext", spec.Map("securityContext") ?? new YamlMappingNode() },
            { "containers", new YamlSequenceNode(container) },
        };
        var template = new YamlMappingNode
        {
            { "metadata", new YamlMappingNode { { "labels", spec.Map("podMetadata", "labels") ?? new YamlMappingNode() } } },
            { "spec", podSpec },
        };
        var job = new YamlMappingNode
        {
            { "kind", "Job" },
            { "metadata", new YamlMappingNode { { "name", $"{workflowTemplate.Name}-{stage}" } } },
            { "spec", new YamlMappingNode { { "template", template } } },
        };
        return new KubeObject($"{workflowTemplate.Source} (stage {stage})", job);
    }

    /// <summary>A node as text with mapping keys sorted (and some keys left out), for comparing two objects field by field.</summary>
    public static string Canonical(YamlNode? node, params string[] without) => node switch
    {
        YamlMappingNode map => "{" + string.Join(",", map.Children
            .Select(kv => (Key: ((YamlScalarNode)kv.Key).Value!, kv.Value))
            .Where(kv => !without.Contains(kv.Key))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{kv.Key}:{Canonical(kv.Value)}")) + "}",
        YamlSequenceNode seq => "[" + string.Join(",", seq.Children.Select(c => Canonical(c))) + "]",
        YamlScalarNode scalar => System.Text.Json.JsonSerializer.Serialize(scalar.Value),
        _ => "null",
    };
}
