using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Kubernetes;

/// <summary>
/// What CI's deploy identities may apply, read from the rendered kustomizations as the API server's authorizer would:
/// each has <c>edit</c> in its own namespace (the EKS edit policy, AKS RBAC Writer, GKE's edit binding), which covers
/// Kubernetes' own namespaced kinds and never RBAC objects, cluster-scoped objects or custom resources. Everything
/// beyond that comes from k8s/bootstrap, which an administrator applies: the deployer ClusterRole of each environment,
/// aggregated from the per-component ClusterRoles labelled for it, and the Roles of the pods that call the API.
/// No API server runs here: the aggregation and the bindings are evaluated by these assertions, not by Kubernetes.
/// </summary>
public static class DeployerRights
{
    /// <summary>The API groups whose namespaced kinds <c>edit</c> covers.</summary>
    private static readonly HashSet<string> EditGroups = ["", "apps", "batch", "autoscaling", "policy", "networking.k8s.io"];

    /// <summary>Kinds of those groups that <c>edit</c> may not write (cluster-scoped, or rights and quotas).</summary>
    private static readonly HashSet<string> BeyondEdit = ["Namespace", "PersistentVolume", "ResourceQuota", "LimitRange", "Node"];

    /// <summary>The verbs the deploy needs on what it applies: kubectl apply (get, create, patch) and waiting on it.</summary>
    private static readonly string[] ApplyVerbs = ["get", "create", "patch", "list", "watch"];

    public static void Assert(GeneratedRepository repository, IReadOnlyList<KubeObject> bootstrap, IReadOnlyList<KubeObject> dev, IReadOnlyList<KubeObject> prod, string context)
    {
        // The project's Kubernetes name, from the dev overlay's namespace (<name>-dev).
        var app = dev.Select(o => o.Root.Scalar("metadata", "namespace")).First(n => n is not null)![..^"-dev".Length];
        var overlays = new[] { ("dev", dev), ("prod", prod) };
        foreach (var (environment, objects) in overlays)
        {
            var namespaceName = $"{app}-{environment}";
            var forbidden = objects.Where(o => (EditGroups.Contains(Group(o)) && BeyondEdit.Contains(o.Kind)) || Group(o) is "rbac.authorization.k8s.io" or "storage.k8s.io" or "apiextensions.k8s.io").ToList();
            Xunit.Assert.True(forbidden.Count == 0, $"{context}: the {environment} overlay holds what its namespace-scoped deployer may not create: {string.Join(", ", forbidden)}");

            // The environment's deployer ClusterRole aggregates the ClusterRoles labelled for it.
            var deployer = Xunit.Assert.Single(bootstrap, o => o.Kind == "ClusterRole" && o.Name == $"{app}-deployer-{environment}");
            var selector = Xunit.Assert.Single(deployer.Root.Seq("aggregationRule", "clusterRoleSelectors")).Map("matchLabels").ToStrings();
            var rules = bootstrap.Where(o => o.Kind == "ClusterRole" && o != deployer && selector.All(l => o.Labels.GetValueOrDefault(l.Key) == l.Value))
                .SelectMany(o => o.Root.Seq("rules")).ToList();

            var custom = objects.Where(o => !EditGroups.Contains(Group(o))).Select(o => (Group: Group(o), Resource: Plural(o.Kind))).Distinct().ToList();
            foreach (var (group, resource) in custom)
            {
                var verbs = rules.Where(r => Scalars(r.Seq("apiGroups")).Contains(group) && Scalars(r.Seq("resources")).Contains(resource)).SelectMany(r => Scalars(r.Seq("verbs"))).ToHashSet();
                var missing = ApplyVerbs.Where(v => !verbs.Contains(v)).ToList();
                Xunit.Assert.True(missing.Count == 0, $"{context}: the {environment} deployer may not {string.Join(", ", missing)} {resource}.{group}, which its overlay applies");
            }

            // No more than that: what the deployer may touch beyond edit is what its overlay applies, and the Workflow
            // CI's Argo run creates from the deployed template.
            var granted = rules.SelectMany(r => Scalars(r.Seq("apiGroups")).SelectMany(g => Scalars(r.Seq("resources")).Select(s => (Group: g, Resource: s)))).ToHashSet();
            var runs = environment == "dev" && repository.Exists("k8s/components/argo/workflow-run.yaml") ? new[] { ("argoproj.io", "workflows") } : [];
            var extra = granted.Where(g => !custom.Contains(g) && !runs.Contains(g)).ToList();
            Xunit.Assert.True(extra.Count == 0, $"{context}: the {environment} deployer may touch {string.Join(", ", extra.Select(e => $"{e.Resource}.{e.Group}"))}, which its overlay never applies");

            // On AWS the bootstrap binds it to the group the environment's deploy role carries (EKS access entry).
            if (repository.Exists("infra/aws/ci-trust.yaml"))
            {
                var binding = Xunit.Assert.Single(bootstrap, o => o.Kind == "RoleBinding" && o.Root.Scalar("roleRef", "name") == deployer.Name);
                Xunit.Assert.Equal(namespaceName, binding.Root.Scalar("metadata", "namespace"));
                var subject = Xunit.Assert.Single(binding.Root.Seq("subjects"));
                Xunit.Assert.Equal("Group", subject.Scalar("kind"));
                var entry = repository.ReadText("infra/aws/ci-trust.yaml").Split($"Deploy{char.ToUpperInvariant(environment[0])}{environment[1..]}AccessEntry:")[1].Split("\n\n")[0];
                Xunit.Assert.Contains($"KubernetesGroups:\n        - {subject.Scalar("name")}\n", entry, StringComparison.Ordinal);
            }
        }

        // The training pods' Roles are bound to accounts that exist in the namespace (or to Airflow's, outside it).
        foreach (var binding in bootstrap.Where(o => o.Kind == "RoleBinding"))
        {
            var namespaceName = binding.Root.Scalar("metadata", "namespace")!;
            var objects = namespaceName.EndsWith("-dev", StringComparison.Ordinal) ? dev : prod;
            foreach (var subject in binding.Root.Seq("subjects").Where(s => s.Scalar("kind") == "ServiceAccount" && s.Scalar("namespace") == namespaceName))
            {
                Xunit.Assert.True(objects.Any(o => o.Kind == "ServiceAccount" && o.Name == subject.Scalar("name")), $"{context}: {binding} binds {subject.Scalar("name")}, an account {namespaceName} does not hold");
            }

            var role = binding.Root.Scalar("roleRef", "name");
            Xunit.Assert.True(bootstrap.Any(o => o.Kind is "Role" or "ClusterRole" && o.Name == role), $"{context}: {binding} binds {role}, which the bootstrap does not define");
        }
    }

    /// <summary>The API group of an object's apiVersion ("" for the core group).</summary>
    private static string Group(KubeObject o) => o.Root.Scalar("apiVersion") is { } v && v.Contains('/') ? v[..v.IndexOf('/')] : "";

    /// <summary>The resource name of the custom kinds the overlays use (their CRDs' plural: the kind, lowercased, with s).</summary>
    private static string Plural(string kind) => kind.ToLowerInvariant() + "s";

    private static IEnumerable<string> Scalars(IEnumerable<YamlDotNet.RepresentationModel.YamlNode> nodes) =>
        nodes.OfType<YamlDotNet.RepresentationModel.YamlScalarNode>().Select(n => n.Value!);
}
