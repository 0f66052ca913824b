using System.Collections.Concurrent;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Kubernetes;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.Orchestrators;

/// <summary>
/// A repository generated with <c>--orchestrator argo</c>, its dev and prod overlays rendered by <c>kubectl kustomize</c>
/// as a user or CI would apply them (and k8s/bootstrap, as the administrator does), and the dev overlay as <c>k8s/deploy.sh render dev</c> pins the pushed image.
/// Generated and rendered once per row however many tests look at it.
/// </summary>
public sealed class ArgoRendering
{
    public const string ProjectName = "churn-model";

    public static readonly IReadOnlyDictionary<string, string?> PushedImage = new Dictionary<string, string?>
    {
        ["IMAGE_REPOSITORY"] = "registry.example.com/team/churn-model",
        ["IMAGE_TAG"] = "0123abcd",
    };

    private static readonly ConcurrentDictionary<string, Lazy<Task<ArgoRendering>>> Cache = new();

    private ArgoRendering(GeneratedRepository repository, string devFile, string dev, string prod, string deployed, string bootstrap)
    {
        Repository = repository;
        Bootstrap = KubeObject.Parse("k8s/bootstrap", bootstrap);
        DevFile = devFile;
        Dev = KubeObject.Parse("k8s/overlays/dev", dev);
        DevDocuments = dev.Split("\n---\n");
        Prod = KubeObject.Parse("k8s/overlays/prod", prod);
        Deployed = KubeObject.Parse(".deploy/dev", deployed);
    }

    public GeneratedRepository Repository { get; }

    /// <summary>The rendered dev overlay, as a file.</summary>
    public string DevFile { get; }

    public IReadOnlyList<KubeObject> Dev { get; }

    /// <summary>The rendered dev overlay's YAML documents, one object each.</summary>
    public IReadOnlyList<string> DevDocuments { get; }

    public IReadOnlyList<KubeObject> Prod { get; }

    /// <summary>k8s/bootstrap rendered: the administrator's objects (namespaces, the deployers' and the pods' rights).</summary>
    public IReadOnlyList<KubeObject> Bootstrap { get; }

    /// <summary>The dev overlay as k8s/deploy.sh renders it with <see cref="PushedImage"/> and a filled-in cloud.env.</summary>
    public IReadOnlyList<KubeObject> Deployed { get; }

    public KubeObject WorkflowTemplate => Dev.Single(o => o.Kind == "WorkflowTemplate");

    public KubeObject TrainingJob => Dev.Single(o => o.Kind == "Job" && o.Labels.GetValueOrDefault("app.kubernetes.io/component") == "training");

    public static Task<ArgoRendering> GetAsync(TemplatePack pack, string options) =>
        Cache.GetOrAdd(options, _ => new Lazy<Task<ArgoRendering>>(() => RenderAsync(pack, options))).Value;

    private static async Task<ArgoRendering> RenderAsync(TemplatePack pack, string options)
    {
        var repository = await pack.GenerateAsync(ProjectName, Combinations.CoveringSets.Arguments(options));
        var dev = await Validators.RenderKustomizationAsync(repository.PathOf("k8s/overlays/dev"));
        var devFile = repository.PathOf("rendered-dev.yaml");
        await File.WriteAllTextAsync(devFile, dev);
        var prod = await Validators.RenderKustomizationAsync(repository.PathOf("k8s/overlays/prod"));
        var bootstrap = await Validators.RenderKustomizationAsync(repository.PathOf("k8s/bootstrap"));

        var copy = CloudEnv.CopyWithSettings(repository, CloudEnv.FilledIn(OrchestratorRows.ValueOf(options, "cloud")));
        (await Command.RunAsync("bash", ["k8s/deploy.sh", "render", "dev"], copy, PushedImage)).EnsureSuccess();
        var deployed = await Validators.RenderKustomizationAsync(Path.Combine(copy, ".deploy", "dev"));
        return new ArgoRendering(repository, devFile, dev, prod, deployed, bootstrap);
    }
}
