using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Kubernetes;

/// <summary>
/// What a real cluster does with the rendered objects, decided on the objects themselves (no cluster runs here):
/// how the model gets from training to the service, which volumes bind, what the network lets through, which
/// identity each workload runs as, and what the MLflow server is started with.
/// </summary>
public sealed class ClusterBehaviourTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private static readonly string[] Overlays = ["k8s/overlays/dev", "k8s/overlays/prod"];

    private static string EnvironmentOf(string overlay) => overlay[(overlay.LastIndexOf('/') + 1)..];

    [SkippableTheory]
    [MemberData(nameof(KubernetesCase.All), MemberType = typeof(KubernetesCase))]
    public async Task No_volume_is_shared_between_workloads_and_every_claim_has_one_single_pod_writer(KubernetesCase @case)
    {
        // A ReadWriteOnce claim mounted by pods on two nodes leaves one of them in ContainerCreating (Multi-Attach).
        var rendered = await RenderedKustomizations.GetAsync(fixture.Pack, @case);

        foreach (var overlay in Overlays)
        {
            var objects = rendered.In(overlay).ToList();
            var claimsByWorkload = objects.Where(o => o.PodTemplate is not null)
                .SelectMany(o => o.PodTemplate.Seq("spec", "volumes").Select(v => v.Scalar("persistentVolumeClaim", "claimName")).OfType<string>().Select(c => (Claim: c, Workload: o)))
                .GroupBy(x => x.Claim)
                .ToList();
            foreach (var claim in objects.Where(o => o.Kind == "PersistentVolumeClaim"))
            {
                var users = claimsByWorkload.SingleOrDefault(g => g.Key == claim.Name)?.Select(x => x.Workload).ToList() ?? [];
                var user = Assert.Single(users);
                Assert.Equal(["ReadWriteOnce"], claim.Root.Seq("spec", "accessModes").Select(m => m.Scalar()));
                // One pod at a time: a single replica replaced by Recreate, or a CronJob that forbids overlapping runs.
                var onePod = user.Kind switch
                {
                    "Deployment" => user.Root.Scalar("spec", "replicas") == "1" && user.Root.Scalar("spec", "strategy", "type") == "Recreate",
                    "CronJob" => user.Root.Scalar("spec", "concurrencyPolicy") == "Forbid",
                    _ => false,
                };
                Assert.True(onePod, $"{claim} is mounted by {user}, which can run more than one pod at a time");
            }

            Assert.DoesNotContain(objects, o => o.Kind is "Deployment" or "Job" or "CronJob"
                && o.Labels.GetValueOrDefault("app.kubernetes.io/component") is "server" or "training"
                && o.PodTemplate.Seq("spec", "volumes").Any(v => v.Map("persistentVolumeClaim") is not null));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(KubernetesCase.All), MemberType = typeof(KubernetesCase))]
    public async Task Service_and_prediction_follow_their_environment_alias_and_only_dev_trains_moving_only_dev(KubernetesCase @case)
    {
        var rendered = await RenderedKustomizations.GetAsync(fixture.Pack, @case);

        foreach (var overlay in Overlays)
        {
            var objects = rendered.In(overlay).ToList();
            var config = objects.Single(o => o.Kind == "ConfigMap" && o.Root.Map("data").ToStrings().ContainsKey("MODEL_URI")).Root.Map("data").ToStrings();
            Assert.Equal($"store://{EnvironmentOf(overlay)}", config["MODEL_URI"]);
            Assert.True(int.Parse(config["MODEL_REFRESH_SECONDS"]) > 0, $"{overlay}: the service never re-resolves its alias");
            if (@case.Cloud == "local")
            {
                Assert.StartsWith("s3://", config["MODEL_STORE_URI"], StringComparison.Ordinal);
                Assert.Contains(objects, o => o.Kind == "Service" && config["AWS_ENDPOINT_URL"].StartsWith($"http://{o.Name}:", StringComparison.Ordinal) || overlay.EndsWith("prod", StringComparison.Ordinal));
            }
            else
            {
                // The cloud's store comes from cloud.env through k8s/deploy.sh (DeployScriptTests).
                Assert.False(config.ContainsKey("MODEL_STORE_URI"));
            }

            var training = objects.Where(o => o.Kind is "Job" or "CronJob" && o.Labels["app.kubernetes.io/component"] == "training").ToList();
            if (overlay.EndsWith("prod", StringComparison.Ordinal))
            {
                // `prod` moves only through the approved production deploy, never from inside the cluster.
                Assert.Empty(training);
                Assert.DoesNotContain(objects, o => o.Kind == "ServiceAccount" && o.Name.EndsWith("-train", StringComparison.Ordinal));
                continue;
            }

            Assert.Equal(["CronJob", "Job"], training.Select(o => o.Kind).Order());
            foreach (var run in training)
            {
                var spec = run.PodTemplate.Map("spec");
                var steps = spec.Seq("initContainers").Concat(spec.Seq("containers")).Select(c => c.Scalar("name")).ToList();
                // The stages of the pipeline stage model, in dvc.yaml's order (Orchestrators/ compares the orchestrators with it).
                Assert.Equal(["ingest", "prepare", "train", "evaluate"], steps);
                var gate = spec.Seq("containers").Single();
                var alias = gate.Seq("env").Single(e => e.Scalar("name") == "MODEL_PROMOTE_ALIAS");
                Assert.Equal("dev", alias.Scalar("value"));
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(KubernetesCase.All), MemberType = typeof(KubernetesCase))]
    public async Task A_refused_model_fails_the_training_job_at_once_and_is_not_retrained(KubernetesCase @case)
    {
        var rendered = await RenderedKustomizations.GetAsync(fixture.Pack, @case);

        foreach (var run in rendered.In("k8s/overlays/dev").Where(o => o.Labels.GetValueOrDefault("app.kubernetes.io/component") == "training" && o.Kind is "Job" or "CronJob"))
        {
            var jobSpec = run.Kind == "Job" ? run.Root.Map("spec") : run.Root.Map("spec", "jobTemplate", "spec");
            Assert.InRange(int.Parse(jobSpec.Scalar("backoffLimit")!), 0, 1);
            var rules = jobSpec.Seq("podFailurePolicy", "rules").ToList();
            var refusal = Assert.Single(rules, r => r.Scalar("action") == "FailJob");
            Assert.Equal("evaluate", refusal.Scalar("onExitCodes", "containerName"));
            Assert.Equal("In", refusal.Scalar("onExitCodes", "operator"));
            // The gate's exit code for a model below evaluate.min_roc_auc (mlops_project_pkg.evaluate).
            Assert.Equal(["1"], refusal.Seq("onExitCodes", "values").Select(v => v.Scalar()));
            Assert.Equal("Never", run.PodTemplate.Scalar("spec", "restartPolicy"));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(KubernetesCase.All), MemberType = typeof(KubernetesCase))]
    public async Task Every_claim_binds_on_its_cloud_and_volumes_keep_their_ownership_for_uid_10001(KubernetesCase @case)
    {
        var rendered = await RenderedKustomizations.GetAsync(fixture.Pack, @case);
        var bootstrapClasses = rendered.In("k8s/bootstrap").Where(o => o.Kind == "StorageClass").ToDictionary(o => o.Name);

        foreach (var claim in rendered.Objects.Where(o => o.Kind == "PersistentVolumeClaim" && o.Source != "k8s/base"))
        {
            var storageClass = claim.Root.Scalar("spec", "storageClassName");
            switch (@case.Cloud)
            {
                case "aws":
                    // EKS 1.30+ has no default class: the claim names the gp3 EBS class that k8s/bootstrap creates.
                    Assert.NotNull(storageClass);
                    var defined = Assert.Contains(storageClass, bootstrapClasses);
                    Assert.Equal("ebs.csi.aws.com", defined.Root.Scalar("provisioner"));
                    Assert.Equal("gp3", defined.Root.Scalar("parameters", "type"));
                    Assert.Equal("WaitForFirstConsumer", defined.Root.Scalar("volumeBindingMode"));
                    break;
                case "azure":
                    Assert.Equal("managed-csi", storageClass);
                    break;
                case "gcp":
                    // Block storage, never Filestore (root-owned, fsGroup not applied, 1 TiB minimum).
                    Assert.Equal("standard-rwo", storageClass);
                    break;
                default:
                    Assert.Null(storageClass);
                    break;
            }

            Assert.True(int.Parse(claim.Root.Scalar("spec", "resources", "requests", "storage")!.TrimEnd('G', 'i')) <= 10, $"{claim} asks for more than 10Gi");
        }

        Assert.Equal(@case.Cloud == "aws", bootstrapClasses.Count == 1);
        foreach (var pod in rendered.Objects.Where(o => o.PodTemplate is not null && o.Source != "k8s/base"))
        {
            var security = pod.PodTemplate.Map("spec", "securityContext");
            Assert.Equal("10001", security.Scalar("fsGroup"));
            Assert.True(security.Scalar("fsGroupChangePolicy") == "OnRootMismatch", $"{pod}: fsGroupChangePolicy is not OnRootMismatch");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(KubernetesCase.All), MemberType = typeof(KubernetesCase))]
    public async Task Traffic_is_denied_by_default_and_each_pod_gets_dns_and_the_store_it_needs(KubernetesCase @case)
    {
        var rendered = await RenderedKustomizations.GetAsync(fixture.Pack, @case);

        foreach (var overlay in Overlays)
        {
            var objects = rendered.In(overlay).ToList();
            var policies = objects.Where(o => o.Kind == "NetworkPolicy").ToList();
            var deny = Assert.Single(policies, p => p.Root.Map("spec", "podSelector") is { Children.Count: 0 });
            Assert.Equal(["Egress", "Ingress"], deny.Root.Seq("spec", "policyTypes").Select(t => t.Scalar()).Order());
            Assert.Empty(deny.Root.Seq("spec", "ingress"));
            Assert.Empty(deny.Root.Seq("spec", "egress"));

            foreach (var pod in objects.Where(o => o.PodTemplate is not null))
            {
                var labels = pod.PodTemplate.Map("metadata", "labels").ToStrings();
                var mine = policies.Where(p => p != deny && Selects(p.Root.Map("spec", "podSelector")!, labels)).ToList();
                Assert.True(mine.Count > 0, $"{pod}: no NetworkPolicy allows it anything beside the default deny");
                var egress = mine.SelectMany(p => p.Root.Seq("spec", "egress")).ToList();
                if (labels["app.kubernetes.io/name"] == "minio")
                {
                    Assert.Empty(egress);
                    continue;
                }

                Assert.Contains(egress, rule => rule.Seq("ports").Any(p => p.Scalar("port") == "53" && p.Scalar("protocol") == "UDP"));
                if (@case.Cloud == "local")
                {
                    Assert.Contains(egress, rule => rule.Seq("ports").Any(p => p.Scalar("port") == "9000"));
                }
                else
                {
                    Assert.Contains(egress, rule => rule.Seq("ports").Any(p => p.Scalar("port") == "443"));
                }
            }

            if (@case.HasService)
            {
                var ingress = objects.Single(o => o.Kind == "Ingress");
                Assert.Equal(@case.Cloud switch { "aws" => "alb", "azure" => "webapprouting.kubernetes.azure.com", "gcp" => "gce", _ => "traefik" }, ingress.Root.Scalar("spec", "ingressClassName"));
            }
        }
    }

    private static bool Selects(YamlDotNet.RepresentationModel.YamlMappingNode selector, IReadOnlyDictionary<string, string> labels) =>
        selector.Map("matchLabels").ToStrings().All(kv => labels.GetValueOrDefault(kv.Key) == kv.Value)
        && selector.Seq("matchExpressions").All(e => e.Scalar("operator") == "In" && e.Seq("values").Any(v => v.Scalar() == labels.GetValueOrDefault(e.Scalar("key")!)));

    [SkippableTheory]
    [MemberData(nameof(KubernetesCase.All), MemberType = typeof(KubernetesCase))]
    public async Task Each_workload_runs_as_its_own_service_account(KubernetesCase @case)
    {
        var rendered = await RenderedKustomizations.GetAsync(fixture.Pack, @case);
        var dev = rendered.In("k8s/overlays/dev").ToList();
        string AccountOf(string kind, string component) =>
            dev.Single(o => o.Kind == kind && o.Labels.GetValueOrDefault("app.kubernetes.io/component") == component).PodTemplate.Scalar("spec", "serviceAccountName")!;

        var dns = dev.First(o => o.Kind == "Job").Labels["app.kubernetes.io/name"];
        Assert.Equal($"{dns}-train", AccountOf("Job", "training"));
        Assert.Equal($"{dns}-train", AccountOf("CronJob", "training"));
        Assert.Equal($"{dns}-predict", AccountOf("CronJob", "batch-prediction"));
        if (@case.HasService)
        {
            Assert.Equal($"{dns}-server", AccountOf("Deployment", "server"));
        }

        if (@case.HasTracking)
        {
            Assert.Equal($"{dns}-mlflow", AccountOf("Deployment", "tracking-server"));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(KubernetesCase.WithTracking), MemberType = typeof(KubernetesCase))]
    public async Task The_mlflow_server_runs_one_worker_without_telemetry_on_the_pinned_release(KubernetesCase @case)
    {
        var rendered = await RenderedKustomizations.GetAsync(fixture.Pack, @case);

        var server = rendered.In("k8s/overlays/dev").Single(o => o.Kind == "Deployment" && o.Labels.GetValueOrDefault("app.kubernetes.io/component") == "tracking-server");
        var container = server.PodTemplate.Seq("spec", "containers").Single();
        var command = container.Seq("command").Select(c => c.Scalar()).ToList();
        // Several workers on SQLite end in "database is locked".
        Assert.Contains("--workers=1", command);
        Assert.DoesNotContain(command, c => c!.StartsWith("--workers=", StringComparison.Ordinal) && c != "--workers=1");
        var env = container.Seq("env").ToDictionary(e => e.Scalar("name")!, e => e.Scalar("value"));
        Assert.Equal("true", env["MLFLOW_DISABLE_TELEMETRY"]);
        Assert.Equal("true", env["DO_NOT_TRACK"]);
        Assert.Equal($"ghcr.io/mlflow/mlflow:v{MlflowVersion}-full", container.Scalar("image"));
    }

    [Theory]
    [InlineData("aws", "aws eks create-addon --cluster-name CLUSTER --addon-name metrics-server")]
    [InlineData("aws", "aws-ebs-csi-driver")]
    [InlineData("azure", "AKS runs metrics-server itself")]
    [InlineData("gcp", "GKE runs metrics-server itself")]
    [InlineData("gcp", "never Filestore")]
    [InlineData("local", "minikube addons enable metrics-server")]
    public async Task The_guide_says_what_to_create_once_per_cloud(string cloud, string expected)
    {
        var repo = await fixture.Pack.GenerateAsync("churn-model", "--cloud", cloud);
        var guide = repo.ReadText("docs/kubernetes.md");

        Assert.Contains("## Once per cluster", guide, StringComparison.Ordinal);
        Assert.Contains("k8s/deploy.sh bootstrap", guide, StringComparison.Ordinal);
        Assert.Contains(expected, guide, StringComparison.Ordinal);
    }

    /// <summary>The MLflow release of the client pin, compose and Kubernetes (contract 1).</summary>
    public const string MlflowVersion = "3.18.0";
}
