using System.Collections.Concurrent;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.Kubernetes;

/// <summary>
/// A generated repository with each of its kustomizations rendered by <c>kubectl kustomize</c>, as a user or CI
/// would apply them. Generated and rendered once per (name, options) however many tests look at it.
/// </summary>
public sealed class RenderedKustomizations
{
    public static readonly string[] Kustomizations = ["k8s/bootstrap", "k8s/base", "k8s/overlays/dev", "k8s/overlays/prod"];

    private static readonly ConcurrentDictionary<string, Lazy<Task<RenderedKustomizations>>> Cache = new();

    private RenderedKustomizations(GeneratedRepository repository, IReadOnlyDictionary<string, string> renderedFiles, IReadOnlyList<KubeObject> objects)
    {
        Repository = repository;
        RenderedFiles = renderedFiles;
        Objects = objects;
    }

    public GeneratedRepository Repository { get; }

    /// <summary>Kustomization path to the file holding its rendered YAML.</summary>
    public IReadOnlyDictionary<string, string> RenderedFiles { get; }

    /// <summary>Every rendered object of every kustomization.</summary>
    public IReadOnlyList<KubeObject> Objects { get; }

    public IEnumerable<KubeObject> In(string kustomization) => Objects.Where(o => o.Source == kustomization);

    public static Task<RenderedKustomizations> GetAsync(TemplatePack pack, KubernetesCase @case) =>
        Cache.GetOrAdd(@case.ToString(), _ => new Lazy<Task<RenderedKustomizations>>(() => RenderAsync(pack, @case))).Value;

    private static async Task<RenderedKustomizations> RenderAsync(TemplatePack pack, KubernetesCase @case)
    {
        var repository = await pack.GenerateAsync(@case.Name, @case.Options);
        var files = new Dictionary<string, string>();
        var objects = new List<KubeObject>();
        foreach (var kustomization in Kustomizations)
        {
            var yaml = await Validators.RenderKustomizationAsync(repository.PathOf(kustomization));
            var file = repository.PathOf($"rendered-{kustomization.Replace('/', '-')}.yaml");
            await File.WriteAllTextAsync(file, yaml);
            files[kustomization] = file;
            objects.AddRange(KubeObject.Parse(kustomization, yaml));
        }

        return new RenderedKustomizations(repository, files, objects);
    }
}
