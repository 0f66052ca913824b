using System.Collections.Concurrent;
using MlopsTemplates.Tests.Combinations;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Kubernetes;
using MlopsTemplates.Tests.Validation;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Platforms;

/// <summary>
/// <c>--deploy kserve</c> on the covering rows that choose it: every kustomization rendered by <c>kubectl kustomize</c>,
/// the InferenceService against KServe v0.20's CRD closed (unknown fields are errors), every other object through
/// <c>k8s-strict</c>, the predictor's pod against the restricted-profile rules the Kubernetes tests apply to Deployments,
/// the model from the environment's alias in the model store; k8s/deploy.sh against a stand-in <c>kubectl</c> (no
/// cluster and no KServe controller run here); the CI pipeline's deploy stages; and the rules that refuse what KServe
/// cannot serve.
/// </summary>
public sealed class KServeTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string Crd = "kserve/serving.kserve.io_inferenceservices.yaml";

    private static readonly string[] Kustomizations = ["k8s/bootstrap", "k8s/base", "k8s/overlays/dev", "k8s/overlays/prod"];

    private static readonly ConcurrentDictionary<string, Lazy<Task<(GeneratedRepository Repository, Dictionary<string, IReadOnlyList<KubeObject>> Objects)>>> Rendered = new();

    /// <summary>The KServe InferenceService CRD of shared/schemas, every object schema closed (tests/validators/bin/crd-schema.mjs).</summary>
    private static Validator InferenceServiceSchema { get; } = new(
        "crd-schema:InferenceService",
        "node",
        [Path.Combine(RepositoryPaths.Validators, "bin", "crd-schema.mjs"), "--crd", Path.Combine(RepositoryPaths.SharedSchemas, Crd)],
        [new Requirement($"{Crd} in {RepositoryPaths.SharedSchemas}", () => File.Exists(Path.Combine(RepositoryPaths.SharedSchemas, Crd)))],
        result => result.ExitCode switch { 0 => Verdict.Valid, 1 => Verdict.Invalid, _ => Verdict.Error });

    /// <summary>The covering rows with --deploy kserve: the golden stack that puts it in one, and at most one pairwise row.</summary>
    public static TheoryData<string, string> Rows
    {
        get
        {
            var rows = new TheoryData<string, string>();
            var kserve = CoveringSets.AllSet.Where(c => c.Values["deploy"] == "kserve").ToList();
            foreach (var combination in kserve.Take(1).Concat(kserve.Skip(1).Where(c => c.Values["cloud"] != kserve[0].Values["cloud"]).Take(1)))
            {
                rows.Add(combination.Name, string.Join(" ", TemplateOptions.ToArguments(combination.Values)));
            }

            return rows;
        }
    }

    private Task<(GeneratedRepository Repository, Dictionary<string, IReadOnlyList<KubeObject>> Objects)> RenderAsync(string options) =>
        Rendered.GetOrAdd(options, _ => new(async () =>
        {
            var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
            var objects = new Dictionary<string, IReadOnlyList<KubeObject>>();
            foreach (var kustomization in Kustomizations)
            {
                objects[kustomization] = KubeObject.Parse(kustomization, await Validators.RenderKustomizationAsync(repo.PathOf(kustomization)));
            }

            return (repo, objects);
        })).Value;

    private static string Yaml(IEnumerable<KubeObject> objects) =>
        string.Join("---\n", objects.Select(o =>
        {
            var writer = new StringWriter();
            new YamlStream(new YamlDocument(o.Root)).Save(writer, assignAnchors: false);
            return writer.ToString().Replace("\n...\n", "\n", StringComparison.Ordinal);
        }));

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task Each_overlay_serves_one_inference_service_valid_against_the_closed_crd_and_every_other_object_is_strict(string name, string options)
    {
        var (repo, rendered) = await RenderAsync(options);
        await InferenceServiceSchema.AssertValidAsync(repo, "k8s/components/kserve/inferenceservice.yaml");

        // KServe makes the server's Deployment, Service and autoscaler: the base has none of them.
        static bool IsServer(KubeObject o) => o.Name == "churn-model" && o.Kind is "Deployment" or "Service" or "HorizontalPodAutoscaler" or "Ingress";
        Assert.DoesNotContain(rendered["k8s/base"], o => IsServer(o) || o.Kind == "InferenceService");
        foreach (var overlay in new[] { "k8s/overlays/dev", "k8s/overlays/prod" })
        {
            var objects = rendered[overlay];
            var service = Assert.Single(objects, o => o.Kind == "InferenceService");
            Assert.DoesNotContain(objects, IsServer);
            await InferenceServiceSchema.AssertValidAsync(["-"], standardInput: Yaml([service]));
            // A --prepare spark row's SparkApplication (the dev overlay's training schedule) and, without an
            // orchestrator, its weekly ScheduledSparkApplication have CRDs of their own.
            foreach (var (kind, schema) in new[] { ("SparkApplication", DataEngineering.DataValidators.SparkApplication), ("ScheduledSparkApplication", DataEngineering.DataValidators.ScheduledSparkApplication) })
            {
                if (objects.Where(o => o.Kind == kind).ToList() is { Count: > 0 } spark)
                {
                    await schema.AssertValidAsync(["-"], standardInput: Yaml(spark));
                }
            }

            await Validators.KubernetesStrict.AssertValidAsync(["-"], standardInput: Yaml(objects.Where(o => o.Kind is not ("InferenceService" or "SparkApplication" or "ScheduledSparkApplication"))));
        }

        await Validators.KubernetesStrict.AssertValidAsync(["-"], standardInput: Yaml(rendered["k8s/bootstrap"].Concat(rendered["k8s/base"])));
        // Both deployers may apply and wait for the InferenceService: edit covers no custom resource, the bootstrap does.
        DeployerRights.Assert(repo, rendered["k8s/bootstrap"], rendered["k8s/overlays/dev"], rendered["k8s/overlays/prod"], name);
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task The_predictor_is_the_image_in_raw_mode_on_the_restricted_profile_reading_the_environments_alias(string name, string options)
    {
        _ = name;
        var (_, rendered) = await RenderAsync(options);
        foreach (var (overlay, alias) in new[] { ("k8s/overlays/dev", "dev"), ("k8s/overlays/prod", "prod") })
        {
            var objects = rendered[overlay];
            var service = objects.Single(o => o.Kind == "InferenceService");
            Assert.Equal("Standard", service.Annotations["serving.kserve.io/deploymentMode"]);
            var predictor = service.Root.Map("spec", "predictor")!;
            Assert.Equal("churn-model-server", predictor.Scalar("serviceAccountName"));
            Assert.Null(predictor.Map("sklearn"));
            Assert.Null(predictor.Map("model"));

            // The Kubernetes tests' rules for a Deployment's pod, applied to the predictor's pod spec.
            var asDeployment = new KubeObject(overlay, new YamlMappingNode(
                "kind", "Deployment",
                "metadata", new YamlMappingNode("name", service.Name),
                "spec", new YamlMappingNode("template", new YamlMappingNode("spec", predictor))));
            Assert.Empty(ManifestRules.PodTemplateViolations(asDeployment));

            // The same image as the batch CronJob (deploy.sh pins both to the pushed digest), and the settings
            // ConfigMap with its content hash, whose MODEL_URI is the environment's alias in the model store.
            var container = Assert.Single(predictor.Seq("containers"));
            var batch = objects.Single(o => o.Kind == "CronJob" && o.Name == "churn-model-predict").PodTemplate!.Seq("spec", "containers").First(c => c.Scalar("name") == "predict");
            Assert.Equal(batch.Scalar("image"), container.Scalar("image"));
            Assert.True(ManifestRules.IsPinnedImage(container.Scalar("image")!));
            var configMapName = container.Seq("envFrom").Select(e => e.Scalar("configMapRef", "name")).Single(n => n is not null);
            var configMap = Assert.Single(objects, o => o.Kind == "ConfigMap" && o.Name == configMapName);
            Assert.Equal($"store://{alias}", configMap.Root.Scalar("data", "MODEL_URI"));
            Assert.Equal("server", service.Root.Scalar("spec", "predictor", "labels", "app.kubernetes.io/component"));
            Assert.Contains(objects, o => o.Kind == "NetworkPolicy" && o.Root.Scalar("spec", "podSelector", "matchLabels", "app.kubernetes.io/component") == "server");
        }

        var prod = rendered["k8s/overlays/prod"].Single(o => o.Kind == "InferenceService").Root.Map("spec", "predictor")!;
        Assert.Equal(("2", "10"), (prod.Scalar("minReplicas"), prod.Scalar("maxReplicas")));
        Assert.Equal("500m", prod.Seq("containers").Single().Scalar("resources", "requests", "cpu"));
        Assert.Equal("/readyz", prod.Seq("containers").Single().Scalar("readinessProbe", "httpGet", "path"));
    }

    [SkippableFact]
    public async Task A_broken_inference_service_is_rejected_by_the_crd_and_by_the_restricted_profile_rules()
    {
        var (repo, rendered) = await RenderAsync(Rows.First()[1].ToString()!);
        var source = repo.ReadText("k8s/components/kserve/inferenceservice.yaml");
        await InferenceServiceSchema.AssertInvalidAsync(["-"], standardInput: source.Replace("    minReplicas:", "    minReplica:", StringComparison.Ordinal), expectedFragments: ["minReplica"]);
        await InferenceServiceSchema.AssertInvalidAsync(["-"], standardInput: source.Replace("scaleTarget: 70", "scaleTarget: high", StringComparison.Ordinal), expectedFragments: ["scaleTarget"]);

        var predictor = (YamlMappingNode)rendered["k8s/overlays/dev"].Single(o => o.Kind == "InferenceService").Root.Map("spec", "predictor")!;
        var broken = new YamlMappingNode(predictor.Children.Where(c => c.Key.ToString() != "securityContext"));
        var asDeployment = new KubeObject("broken", new YamlMappingNode(
            "kind", "Deployment", "metadata", new YamlMappingNode("name", "x"),
            "spec", new YamlMappingNode("template", new YamlMappingNode("spec", broken))));
        Assert.Contains(ManifestRules.PodTemplateViolations(asDeployment), v => v.Contains("runAsNonRoot", StringComparison.Ordinal));
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task Ci_deploys_it_as_it_deploys_kubernetes_and_deploy_sh_waits_for_the_inference_service_to_be_ready(string name, string options)
    {
        _ = name;
        var (repo, _) = await RenderAsync(options);
        if (repo.Option("ci") == "github")
        {
            var workflow = repo.ReadText(".github/workflows/ci.yml");
            Assert.Contains("deploy-dev:", workflow, StringComparison.Ordinal);
            Assert.Contains("deploy-production:", workflow, StringComparison.Ordinal);
            Assert.Contains("environment: production", workflow, StringComparison.Ordinal);
        }

        Assert.Contains("k8s/deploy.sh apply", repo.ReadText("Makefile"), StringComparison.Ordinal);
        await Validators.Shellcheck.AssertValidAsync(repo, "k8s/deploy.sh");

        var bin = Directory.CreateTempSubdirectory("kserve-kubectl-").FullName;
        var log = Path.Combine(bin, "calls.log");
        // Records each call; API discovery lists no InferenceService when FAKE_NO_KSERVE is set (the others exist), `get job` answers
        // Complete and a --prepare spark row's SparkApplication COMPLETED.
        File.WriteAllText(Path.Combine(bin, "kubectl"), """
            #!/usr/bin/env bash
            printf '%s\n' "$*" >> "$FAKE_KUBECTL_LOG"
            case "$*" in
              "api-resources --api-group=serving.kserve.io -o name") [ -n "${FAKE_NO_KSERVE:-}" ] || echo inferenceservices.serving.kserve.io ;;
              "api-resources --api-group=sparkoperator.k8s.io -o name") echo sparkapplications.sparkoperator.k8s.io ;;
              *"get sparkapplication"*) echo COMPLETED ;;
              *"get job"*) echo Complete ;;
              *"get --raw"*) printf 'ok' ;;
            esac

            """.ReplaceLineEndings("\n"));
        File.SetUnixFileMode(Path.Combine(bin, "kubectl"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // A copy of k8s/ and cloud.env with the account settings a user fills in (the generated file leaves them empty).
        var root = CloudEnv.CopyWithSettings(repo, CloudEnv.FilledIn(repo.Option("cloud")));
        async Task<(CommandResult Result, string[] Calls)> Run(bool kserveInstalled)
        {
            File.Delete(log);
            var environment = new Dictionary<string, string?>
            {
                ["PATH"] = $"{bin}{Path.PathSeparator}{Environment.GetEnvironmentVariable("PATH")}",
                ["FAKE_KUBECTL_LOG"] = log,
                ["FAKE_NO_KSERVE"] = kserveInstalled ? null : "1",
                ["IMAGE_REPOSITORY"] = "registry.example.com/churn-model",
                ["IMAGE_TAG"] = "0123abcd",
            };
            var result = await Command.RunAsync("bash", [Path.Combine(root, "k8s", "deploy.sh"), "apply", "dev"], root, environment);
            return (result, File.Exists(log) ? File.ReadAllLines(log) : []);
        }

        var (ok, calls) = await Run(kserveInstalled: true);
        ok.EnsureSuccess();
        // Whether KServe is installed, from API discovery (a namespace-scoped deployer may not read CRDs), before any change.
        Assert.Contains("api-resources --api-group=serving.kserve.io -o name", calls);
        Assert.DoesNotContain(calls, c => c.StartsWith("get crd", StringComparison.Ordinal));
        Assert.All(calls.TakeWhile(c => !c.Contains("--api-group=serving.kserve.io", StringComparison.Ordinal)), c => Assert.StartsWith("api-resources", c, StringComparison.Ordinal));
        Assert.Contains("apply -k .deploy/dev", calls);
        Assert.Contains("-n churn-model-dev wait --for=condition=Ready inferenceservice/churn-model --timeout=15m", calls);
        Assert.Equal("-n churn-model-dev get --raw /api/v1/namespaces/churn-model-dev/services/http:churn-model-predictor:http/proxy/readyz", calls[^1]);
        var deployed = KubeObject.Parse(".deploy/dev", await Validators.RenderKustomizationAsync(Path.Combine(root, ".deploy", "dev")));
        Assert.Equal("registry.example.com/churn-model:0123abcd", deployed.Single(o => o.Kind == "InferenceService").Root.Seq("spec", "predictor", "containers").Single().Scalar("image"));

        var (missing, missingCalls) = await Run(kserveInstalled: false);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("KServe is not installed", missing.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(missingCalls, c => c.StartsWith("apply", StringComparison.Ordinal) || c.Contains("delete", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--serving none", "--deploy-kserve-requires-serving-")]
    [InlineData("--ui react", "--deploy-kserve-requires-ui-none")]
    public async Task What_kserve_cannot_serve_is_refused_and_nothing_is_written(string options, string rule)
    {
        var output = fixture.Pack.NewOutputDirectory("kserve-refused");
        var result = await fixture.Pack.DotnetNewAsync([TemplatePack.ShortName, "-n", "churn-model", "-o", output, "--deploy", "kserve", .. GeneratedVariants.Split(options)]);
        Assert.Equal(102, result.ExitCode);
        Assert.Contains(rule, result.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any());
    }
}
