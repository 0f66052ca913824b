using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Kubernetes;

/// <summary>
/// What the API server, the Pod Security "restricted" profile and our conventions require of every rendered
/// object. Each rule returns the violations it found, so that tests can show all of them at once and so that
/// the rules themselves can be tested against objects that break them.
/// </summary>
public static partial class ManifestRules
{
    /// <summary>Restricted profile, resources, pinned images for every container (init containers too); probes for long-running ones.</summary>
    public static IEnumerable<string> PodTemplateViolations(KubeObject obj)
    {
        var template = obj.PodTemplate;
        if (template is null)
        {
            yield break;
        }

        var spec = template.Map("spec");
        var pod = spec.Map("securityContext");
        if (pod.Scalar("runAsNonRoot") != "true")
        {
            yield return $"{obj}: pod securityContext.runAsNonRoot is not true";
        }

        if (!int.TryParse(pod.Scalar("runAsUser"), out var uid) || uid <= 0)
        {
            yield return $"{obj}: pod securityContext.runAsUser is not a numeric non-root UID";
        }

        if (pod.Scalar("seccompProfile", "type") != "RuntimeDefault")
        {
            yield return $"{obj}: pod seccompProfile is not RuntimeDefault";
        }

        if (spec.Scalar("automountServiceAccountToken") != "false")
        {
            yield return $"{obj}: the pod mounts a Kubernetes API token it does not need";
        }

        var containers = spec.Seq("containers").ToList();
        if (containers.Count == 0)
        {
            yield return $"{obj}: no containers";
        }

        foreach (var (container, isInit) in spec.Seq("initContainers").Select(c => (c, true)).Concat(containers.Select(c => (c, false))))
        {
            var where = $"{obj} container {container.Scalar("name")}";
            var security = container.Map("securityContext");
            if (security.Scalar("allowPrivilegeEscalation") != "false")
            {
                yield return $"{where}: allowPrivilegeEscalation is not false";
            }

            if (!security.Seq("capabilities", "drop").Any(c => (c as YamlScalarNode)?.Value == "ALL"))
            {
                yield return $"{where}: capabilities do not drop ALL";
            }

            if (security.Scalar("readOnlyRootFilesystem") != "true")
            {
                yield return $"{where}: root filesystem is not read-only";
            }

            if (security.Scalar("privileged") == "true" || security.Scalar("runAsUser") == "0")
            {
                yield return $"{where}: runs privileged or as root";
            }

            foreach (var part in new[] { "requests", "limits" })
            {
                foreach (var resource in new[] { "cpu", "memory" })
                {
                    if (string.IsNullOrEmpty(container.Scalar("resources", part, resource)))
                    {
                        yield return $"{where}: no {resource} {part}";
                    }
                }
            }

            var image = container.Scalar("image") ?? "";
            if (!IsPinnedImage(image))
            {
                yield return $"{where}: image '{image}' has no tag, or the tag is latest";
            }

            if (obj.Kind == "Deployment" && !isInit)
            {
                foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
                {
                    if (container.Map(probe) is null)
                    {
                        yield return $"{where}: no {probe}";
                    }
                }
            }
        }
    }

    /// <summary>An image reference with a digest, or with a tag other than latest.</summary>
    public static bool IsPinnedImage(string image)
    {
        if (image.Contains("@sha256:", StringComparison.Ordinal))
        {
            return true;
        }

        var lastSegment = image[(image.LastIndexOf('/') + 1)..];
        var colon = lastSegment.IndexOf(':');
        return colon > 0 && colon < lastSegment.Length - 1 && lastSegment[(colon + 1)..] != "latest";
    }

    /// <summary>Name rules of the API server (apimachinery validation) for the kinds we render, and label value rules.</summary>
    public static IEnumerable<string> NameViolations(KubeObject obj)
    {
        var name = obj.Name;
        if (name.Length > 253 || !Dns1123Subdomain().IsMatch(name))
        {
            yield return $"{obj}: name is not a DNS-1123 subdomain";
        }

        // Names that become pod names, host names or DNS labels must be DNS-1123 labels.
        if (obj.Kind is "Namespace" or "Service" or "Deployment" or "Job" or "CronJob" && (name.Length > 63 || !Dns1123Label().IsMatch(name)))
        {
            yield return $"{obj}: name is not a DNS-1123 label (at most 63 characters)";
        }

        if (obj.Kind == "Service" && !Dns1035Label().IsMatch(name))
        {
            yield return $"{obj}: Service name is not a DNS-1035 label (must start with a letter)";
        }

        // The CronJob controller appends an 11-character suffix to name its Jobs.
        if (obj.Kind == "CronJob" && name.Length > 52)
        {
            yield return $"{obj}: CronJob name is longer than 52 characters";
        }

        var labelSets = new[] { obj.Labels, obj.PodTemplate.Map("metadata", "labels").ToStrings() };
        foreach (var (key, value) in labelSets.SelectMany(l => l))
        {
            if (value.Length > 63 || !LabelValue().IsMatch(value))
            {
                yield return $"{obj}: label {key} has an invalid value '{value}'";
            }
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();
}
