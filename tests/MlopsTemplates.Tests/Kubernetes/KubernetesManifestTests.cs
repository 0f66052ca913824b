using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.Kubernetes;

/// <summary>
/// The k8s/ kustomizations of generated repositories, rendered by kubectl and checked the way a cluster would:
/// schema validation (kubernetes-models), the Pod Security "restricted" profile, name rules, and the objects
/// each option promises.
/// </summary>
public sealed class KubernetesManifestTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    [SkippableTheory]
    [MemberData(nameof(KubernetesCase.All), MemberType = typeof(KubernetesCase))]
    public async Task Every_kustomization_renders_and_lints_and_every_object_passes_schema_validation(KubernetesCase @case)
    {
        var rendered = await RenderedKustomizations.GetAsync(fixture.Pack, @case);

        Assert.All(rendered.RenderedFiles.Keys, k => Assert.NotEmpty(rendered.In(k)));
        await Validators.KubernetesModels.AssertValidAsync(rendered.RenderedFiles.Values);

        // Unknown fields are errors too (kubeconform -strict): the API server would drop or refuse them.
        await Validators.KubernetesStrict.AssertValidAsync(rendered.RenderedFiles.Values);

        await Validators.Yamllint.AssertValidAsync(rendered.Repository, "k8s");
        var kustomizations = rendered.Repository.Files.Where(f => f.StartsWith("k8s/", StringComparison.Ordinal) && f.EndsWith("/kustomization.yaml", StringComparison.Ordinal)).ToArray();
        await Validators.Schema("kustomization").AssertValidAsync(rendered.Repository, kustomizations);
    }

    [SkippableTheory]
    [MemberData(nameof(KubernetesCase.All), MemberType = typeof(KubernetesCase))]
    public async Task Every_pod_template_meets_the_restricted_profile_with_resources_probes_and_pinned_images(KubernetesCase @case)
    {
        var rendered = await RenderedKustomizations.GetAsync(fixture.Pack, @case);

        var podMakers = rendered.Objects.Where(o => o.PodTemplate is not null).ToList();
        Assert.Contains(podMakers, o => o.Kind == "Job");
        Assert.Contains(podMakers, o => o.Kind == "CronJob");
        var violations = podMakers.SelectMany(ManifestRules.PodTemplateViolations).ToList();
        Assert.True(violations.Count == 0, $"{@case}:{Environment.NewLine}{string.Join(Environment.NewLine, violations)}");
    }

    [SkippableTheory]
    [MemberData(nameof(KubernetesCase.All), MemberType = typeof(KubernetesCase))]
    public async Task Every_object_name_and_label_value_is_one_the_api_server_accepts(KubernetesCase @case)
    {
        var rendered = await RenderedKustomizations.GetAsync(fixture.Pack, @case);

        var violations = rendered.Objects.SelectMany(ManifestRules.NameViolations).ToList();
        Assert.True(violations.Count == 0, $"{@case}:{Environment.NewLine}{string.Join(Environment.NewLine, violations)}");
    }

    [SkippableTheory]
    [MemberData(nameof(KubernetesCase.All), MemberType = typeof(KubernetesCase))]
    public async Task Overlays_get_their_own_restricted_namespace_and_the_service_objects_only_with_a_service(KubernetesCase @case)
    {
        var rendered = await RenderedKustomizations.GetAsync(fixture.Pack, @case);
        string[] serviceKinds = ["Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress", "NetworkPolicy"];
        var namespaces = rendered.In("k8s/bootstrap").Where(o => o.Kind == "Namespace").ToList();

        foreach (var (overlay, environment) in new[] { ("k8s/overlays/dev", "dev"), ("k8s/overlays/prod", "prod") })
        {
            var objects = rendered.In(overlay).ToList();
            // A namespace-scoped deployer (CI) gets 403 for a Namespace: the overlays must not hold one; the bootstrap does.
            Assert.DoesNotContain(objects, o => o.Kind is "Namespace" or "StorageClass");
            var namespaceName = objects.Select(o => o.Root.Scalar("metadata", "namespace")).Distinct().Single()!;
            var ns = Assert.Single(namespaces, n => n.Name == namespaceName);
            Assert.EndsWith("-" + environment, ns.Name, StringComparison.Ordinal);
            Assert.Equal("restricted", ns.Labels.GetValueOrDefault("pod-security.kubernetes.io/enforce"));

            var config = Assert.Single(objects, o => o.Kind == "ConfigMap" && o.Name.StartsWith(ns.Name[..^(environment.Length + 1)] + "-config-", StringComparison.Ordinal));
            Assert.Equal(environment, config.Root.Scalar("data", "APP_ENV"));

            var server = objects.Where(o => o.Labels.GetValueOrDefault("app.kubernetes.io/component") == "server").ToList();
            foreach (var kind in serviceKinds)
            {
                Assert.True(server.Any(o => o.Kind == kind) == @case.HasService, $"{@case}: {overlay} {(@case.HasService ? "lacks" : "has")} the model service's {kind}");
            }

            // A label transformer reaching into the DNS peer's selector would block name resolution.
            foreach (var policy in objects.Where(o => o.Kind == "NetworkPolicy"))
            {
                var peers = policy.Root.Seq("spec", "egress").SelectMany(rule => rule.Seq("to")).Where(p => p.Map("namespaceSelector") is not null).ToList();
                Assert.All(peers, dns => Assert.Equal(new Dictionary<string, string> { ["k8s-app"] = "kube-dns" }, dns.Map("podSelector", "matchLabels").ToStrings()));
            }

            string[] recommended = ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by"];
            foreach (var o in objects)
            {
                var labelSets = new List<(string What, IReadOnlyDictionary<string, string> Labels)> { ("metadata", o.Labels) };
                if (o.PodTemplate is { } template)
                {
                    labelSets.Add(("pod template", template.Map("metadata", "labels").ToStrings()));
                }

                if (o.Kind == "CronJob")
                {
                    labelSets.Add(("job template", o.Root.Map("spec", "jobTemplate", "metadata", "labels").ToStrings()));
                }

                foreach (var (what, labels) in labelSets)
                {
                    foreach (var label in recommended)
                    {
                        Assert.True(labels.ContainsKey(label) || (label == "app.kubernetes.io/component" && o.Kind is "ConfigMap" or "Secret"), $"{o}: {what} has no label {label}");
                    }

                    Assert.Equal(ns.Name, labels["app.kubernetes.io/instance"]);
                }
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(KubernetesCase.All), MemberType = typeof(KubernetesCase))]
    public async Task Each_deployer_may_apply_its_whole_overlay_and_the_bootstrap_grants_it_nothing_more(KubernetesCase @case)
    {
        var rendered = await RenderedKustomizations.GetAsync(fixture.Pack, @case);

        DeployerRights.Assert(rendered.Repository, rendered.In("k8s/bootstrap").ToList(), rendered.In("k8s/overlays/dev").ToList(), rendered.In("k8s/overlays/prod").ToList(), @case.ToString());
    }

    [SkippableTheory]
    [MemberData(nameof(KubernetesCase.WithService), MemberType = typeof(KubernetesCase))]
    public async Task The_service_objects_select_the_model_service_pods_and_prod_keeps_two_of_them(KubernetesCase @case)
    {
        var rendered = await RenderedKustomizations.GetAsync(fixture.Pack, @case);

        foreach (var overlay in new[] { "k8s/overlays/dev", "k8s/overlays/prod" })
        {
            var server = rendered.In(overlay).Where(o => o.Labels.GetValueOrDefault("app.kubernetes.io/component") == "server").ToList();
            var deployment = server.Single(o => o.Kind == "Deployment");
            var podLabels = deployment.PodTemplate.Map("metadata", "labels").ToStrings();
            bool Selects(IReadOnlyDictionary<string, string> selector) => selector.Count > 0 && selector.All(kv => podLabels.GetValueOrDefault(kv.Key) == kv.Value);

            var service = server.Single(o => o.Kind == "Service");
            Assert.True(Selects(service.Root.Map("spec", "selector").ToStrings()), $"{service} selects no model service pod");
            Assert.True(Selects(server.Single(o => o.Kind == "PodDisruptionBudget").Root.Map("spec", "selector", "matchLabels").ToStrings()), $"{overlay}: the PodDisruptionBudget selects no model service pod");
            Assert.True(Selects(server.Single(o => o.Kind == "NetworkPolicy").Root.Map("spec", "podSelector", "matchLabels").ToStrings()), $"{overlay}: the NetworkPolicy selects no model service pod");

            var containerPorts = deployment.PodTemplate.Seq("spec", "containers").SelectMany(c => c.Seq("ports")).Select(p => p.Scalar("name")).ToList();
            var servicePort = service.Root.Seq("spec", "ports").Single();
            Assert.Contains(servicePort.Scalar("targetPort"), containerPorts);
            var backend = server.Single(o => o.Kind == "Ingress").Root.Seq("spec", "rules").Single().Seq("http", "paths").Single().Map("backend", "service");
            Assert.Equal(service.Name, backend.Scalar("name"));
            Assert.Equal(servicePort.Scalar("name"), backend.Scalar("port", "name"));

            var autoscaler = server.Single(o => o.Kind == "HorizontalPodAutoscaler");
            Assert.Equal(deployment.Name, autoscaler.Root.Scalar("spec", "scaleTargetRef", "name"));
            // A replica count in the Deployment would undo the autoscaler's on every apply.
            Assert.Null(deployment.Root.At("spec", "replicas"));
            var minimum = int.Parse(autoscaler.Root.Scalar("spec", "minReplicas")!);
            Assert.InRange(minimum, overlay.EndsWith("prod", StringComparison.Ordinal) ? 2 : 1, int.Parse(autoscaler.Root.Scalar("spec", "maxReplicas")!));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(KubernetesCase.All), MemberType = typeof(KubernetesCase))]
    public async Task The_mlflow_tracking_component_runs_in_dev_on_its_volume_until_deploy_sets_the_cloud_store(KubernetesCase @case)
    {
        var rendered = await RenderedKustomizations.GetAsync(fixture.Pack, @case);

        var dev = rendered.In("k8s/overlays/dev").ToList();
        var tracking = dev.Where(o => o.Labels.GetValueOrDefault("app.kubernetes.io/component") == "tracking-server").ToList();
        Assert.Equal(@case.HasTracking, rendered.Repository.Exists("k8s/components/mlflow-tracking/kustomization.yaml"));
        Assert.DoesNotContain(rendered.In("k8s/overlays/prod"), o => o.Labels.GetValueOrDefault("app.kubernetes.io/component") == "tracking-server");
        if (!@case.HasTracking)
        {
            Assert.Empty(tracking);
            Assert.DoesNotContain(rendered.Objects, o => o.Kind == "ConfigMap" && o.Root.Map("data").ToStrings().Keys.Any(k => k.StartsWith("MLFLOW_", StringComparison.Ordinal)));
            return;
        }

        var deployment = Assert.Single(tracking, o => o.Kind == "Deployment");
        var service = Assert.Single(tracking, o => o.Kind == "Service");
        var container = deployment.PodTemplate.Seq("spec", "containers").Single();
        var backendStore = container.Seq("env").Single(e => e.Scalar("name") == "MLFLOW_BACKEND_STORE_URI");
        var secretName = backendStore.Scalar("valueFrom", "secretKeyRef", "name");
        Assert.Contains(dev, o => o.Kind == "Secret" && o.Name == secretName);

        var appConfig = dev.Single(o => o.Kind == "ConfigMap" && o.Root.Map("data").ToStrings().ContainsKey("MODEL_PATH"));
        Assert.Equal($"http://{service.Name}:{service.Root.Seq("spec", "ports").Single().Scalar("port")}", appConfig.Root.Scalar("data", "MLFLOW_TRACKING_URI"));

        var trackingConfig = dev.Single(o => o.Kind == "ConfigMap" && o.Root.Map("data").ToStrings().ContainsKey("MLFLOW_ARTIFACTS_DESTINATION"));
        var destination = trackingConfig.Root.Scalar("data", "MLFLOW_ARTIFACTS_DESTINATION")!;
        // The server's volume until `make deploy` sets the cloud store of cloud.env (DeploymentTests).
        Assert.StartsWith("/mlflow/", destination, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(KubernetesCase.All), MemberType = typeof(KubernetesCase))]
    public async Task Committed_manifests_carry_no_workload_identity_value_and_only_cloud_pods_opt_in(KubernetesCase @case)
    {
        // Account IDs and client IDs live in cloud.env; k8s/deploy.sh adds them (DeploymentTests), so the
        // committed base and overlays render and validate without them and hold no example identity.
        var rendered = await RenderedKustomizations.GetAsync(fixture.Pack, @case);

        foreach (var account in rendered.Objects.Where(o => o.Kind == "ServiceAccount"))
        {
            Assert.Equal("false", account.Root.Scalar("automountServiceAccountToken"));
            var identityKeys = account.Annotations.Keys.Where(k => k.StartsWith("eks.amazonaws.com/", StringComparison.Ordinal) || k.StartsWith("azure.workload.identity/", StringComparison.Ordinal) || k.StartsWith("iam.gke.io/", StringComparison.Ordinal)).ToList();
            Assert.Empty(identityKeys);
        }

        var dev = rendered.In("k8s/overlays/dev").ToList();
        foreach (var pod in dev.Where(o => o.PodTemplate is not null))
        {
            var label = pod.PodTemplate.Map("metadata", "labels").ToStrings().GetValueOrDefault("azure.workload.identity/use");
            // Every pod that reads or writes the model store (or MLflow's artifacts) has a cloud identity; MinIO (--cloud local) none.
            var accountName = pod.PodTemplate.Scalar("spec", "serviceAccountName");
            var account = dev.SingleOrDefault(o => o.Kind == "ServiceAccount" && o.Name == accountName);
            Assert.True(accountName is null == (pod.Labels.GetValueOrDefault("app.kubernetes.io/name") == "minio"), $"{pod}: ServiceAccount {accountName}");
            var needsCloud = account?.Labels.GetValueOrDefault("app.kubernetes.io/component") is "training" or "tracking-server" or "server" or "batch-prediction";
            Assert.True((label == "true") == (@case.Cloud == "azure" && needsCloud), $"{pod}: azure.workload.identity/use label is '{label}'");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(KubernetesCase.All), MemberType = typeof(KubernetesCase))]
    public async Task Every_path_the_settings_name_lies_on_a_volume_the_container_can_write(KubernetesCase @case)
    {
        var rendered = await RenderedKustomizations.GetAsync(fixture.Pack, @case);
        var dev = rendered.In("k8s/overlays/dev").ToList();
        string[] written = ["DATA_DIR", "REPORTS_DIR", "TRACKING_DIR", "MODEL_CACHE_DIR"];
        var project = rendered.Objects.First(o => o.Kind == "Job").Labels["app.kubernetes.io/name"];

        foreach (var obj in dev.Where(o => o.PodTemplate is not null && o.Labels.GetValueOrDefault("app.kubernetes.io/name") == project))
        {
            var spec = obj.PodTemplate.Map("spec");
            foreach (var container in spec.Seq("initContainers").Concat(spec.Seq("containers")))
            {
                var mounts = container.Seq("volumeMounts").Select(m => (Path: m.Scalar("mountPath")!, ReadOnly: m.Scalar("readOnly") == "true")).ToList();
                var settings = container.Seq("envFrom")
                    .Select(e => e.Scalar("configMapRef", "name"))
                    .OfType<string>()
                    .SelectMany(name => dev.Single(o => o.Kind == "ConfigMap" && o.Name == name).Root.Map("data").ToStrings())
                    .ToDictionary();
                var where = $"{obj} container {container.Scalar("name")}";
                bool Writable(string path) => mounts.Any(m => !m.ReadOnly && IsUnder(path, m.Path));

                Assert.True(Writable("/tmp/x"), $"{where}: /tmp is not writable");
                // The service downloads model versions (MODEL_CACHE_DIR); batch pods also write data, the candidate and reports.
                foreach (var key in obj.Kind == "Deployment" ? new[] { "MODEL_CACHE_DIR" } : written.Concat(["MODEL_PATH", "CANDIDATE_DIR"]))
                {
                    Assert.True(Writable(settings[key]), $"{where}: {key} {settings[key]} is not writable");
                }

                foreach (var path in container.Seq("command").Select(c => c.Scalar()!).Where(a => a.StartsWith('/')))
                {
                    Assert.True(Writable(path), $"{where}: argument {path} is on no writable volume");
                }
            }
        }
    }

    private static bool IsUnder(string path, string directory) =>
        path == directory || path.StartsWith(directory.TrimEnd('/') + "/", StringComparison.Ordinal);

    [Fact]
    public async Task Deploy_none_generates_no_kubernetes_files()
    {
        var repository = await fixture.Pack.GenerateAsync("churn-model", "--deploy", "none");

        Assert.DoesNotContain(repository.Files, f => f.StartsWith("k8s/", StringComparison.Ordinal));
        Assert.False(repository.Exists("docs/kubernetes.md"));
    }

    [Fact]
    public async Task Kubernetes_guide_documents_local_trial_ci_and_every_identity_setting()
    {
        var repository = await fixture.Pack.GenerateAsync("churn-model", "--cloud", "gcp");
        var guide = repository.ReadText("docs/kubernetes.md");

        Assert.Contains("kubectl apply -k k8s/overlays/dev", guide, StringComparison.Ordinal);
        Assert.Contains("kind load docker-image churn-model:", guide, StringComparison.Ordinal);
        Assert.Contains("make deploy OVERLAY=dev IMAGE_REPOSITORY=", guide, StringComparison.Ordinal);
        Assert.Contains("iam.gke.io/gcp-service-account", guide, StringComparison.Ordinal);
        Assert.Contains("`GCP_PROJECT_ID` and `GCP_TRAIN_SERVICE_ACCOUNT`", guide, StringComparison.Ordinal);
        Assert.Contains("gs://churn-model-mlflow/artifacts", guide, StringComparison.Ordinal);
        var baseKustomization = repository.ReadText("k8s/base/kustomization.yaml");
        var tag = System.Text.RegularExpressions.Regex.Match(baseKustomization, "newTag: \"?([^\"\\s]+)").Groups[1].Value;
        Assert.Contains($"docker build -t churn-model:{tag} .", guide, StringComparison.Ordinal);
    }
}
