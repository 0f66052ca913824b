using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Kubernetes;

/// <summary>One object of a rendered kustomization, read with YamlDotNet, with the overlay it came from.</summary>
public sealed class KubeObject(string source, YamlMappingNode root)
{
    /// <summary>The kustomization that rendered it, e.g. <c>k8s/overlays/dev</c>.</summary>
    public string Source { get; } = source;

    public YamlMappingNode Root { get; } = root;

    public string Kind => Root.Scalar("kind") ?? "";

    public string Name => Root.Scalar("metadata", "name") ?? "";

    public override string ToString() => $"{Source}: {Kind}/{Name}";

    public IReadOnlyDictionary<string, string> Labels => Root.Map("metadata", "labels").ToStrings();

    public IReadOnlyDictionary<string, string> Annotations => Root.Map("metadata", "annotations").ToStrings();

    /// <summary>The pod template of a Deployment, Job or CronJob; null for objects that create no pods.</summary>
    public YamlMappingNode? PodTemplate => Kind switch
    {
        "Deployment" or "Job" => Root.Map("spec", "template"),
        "CronJob" => Root.Map("spec", "jobTemplate", "spec", "template"),
        _ => null,
    };

    /// <summary>Parses the multi-document YAML that <c>kubectl kustomize</c> printed.</summary>
    public static IReadOnlyList<KubeObject> Parse(string source, string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents
            .Select(d => d.RootNode)
            .OfType<YamlMappingNode>()
            .Select(root => new KubeObject(source, root))
            .ToList();
    }
}

/// <summary>Path navigation over YamlDotNet's representation model; a missing step gives null.</summary>
public static class YamlPaths
{
    public static YamlNode? At(this YamlNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out node))
            {
                return null;
            }
        }

        return node;
    }

    public static YamlMappingNode? Map(this YamlNode? node, params string[] path) => node.At(path) as YamlMappingNode;

    public static IEnumerable<YamlNode> Seq(this YamlNode? node, params string[] path) =>
        node.At(path) is YamlSequenceNode seq ? seq.Children : [];

    public static string? Scalar(this YamlNode? node, params string[] path) => (node.At(path) as YamlScalarNode)?.Value;

    public static IReadOnlyDictionary<string, string> ToStrings(this YamlMappingNode? map) =>
        map?.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => (kv.Value as YamlScalarNode)?.Value ?? "")
        ?? new Dictionary<string, string>();
}
