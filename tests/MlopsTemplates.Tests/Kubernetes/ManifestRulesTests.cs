namespace MlopsTemplates.Tests.Kubernetes;

/// <summary>The rules the manifest tests rely on catch what they claim to, on objects written to break them.</summary>
public sealed class ManifestRulesTests
{
    private const string HardenedJob = """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: churn-model-train
        spec:
          template:
            spec:
              automountServiceAccountToken: false
              securityContext:
                runAsNonRoot: true
                runAsUser: 10001
                seccompProfile:
                  type: RuntimeDefault
              containers:
                - name: train
                  image: churn-model:0.1.0
                  securityContext:
                    allowPrivilegeEscalation: false
                    readOnlyRootFilesystem: true
                    capabilities:
                      drop: [ALL]
                  resources:
                    requests: {cpu: 100m, memory: 128Mi}
                    limits: {cpu: "1", memory: 256Mi}
        """;

    [Fact]
    public void A_hardened_job_has_no_violations()
    {
        Assert.Empty(ManifestRules.PodTemplateViolations(Parse(HardenedJob)));
        Assert.Empty(ManifestRules.NameViolations(Parse(HardenedJob)));
    }

    [Theory]
    [InlineData("runAsNonRoot: true", "runAsNonRoot: false", "runAsNonRoot")]
    [InlineData("runAsUser: 10001", "runAsUser: app", "numeric")]
    [InlineData("type: RuntimeDefault", "type: Unconfined", "seccompProfile")]
    [InlineData("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", "allowPrivilegeEscalation")]
    [InlineData("drop: [ALL]", "drop: [NET_RAW]", "drop ALL")]
    [InlineData("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "read-only")]
    [InlineData("limits: {cpu: \"1\", memory: 256Mi}", "limits: {cpu: \"1\"}", "no memory limits")]
    [InlineData("image: churn-model:0.1.0", "image: churn-model", "no tag")]
    [InlineData("image: churn-model:0.1.0", "image: registry:5000/churn-model:latest", "latest")]
    [InlineData("automountServiceAccountToken: false", "automountServiceAccountToken: true", "token")]
    public void Each_missing_hardening_field_is_reported(string good, string bad, string expected)
    {
        var violations = ManifestRules.PodTemplateViolations(Parse(HardenedJob.Replace(good, bad, StringComparison.Ordinal))).ToList();

        Assert.Contains(violations, v => v.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_deployment_without_probes_is_reported()
    {
        var deployment = HardenedJob.Replace("apiVersion: batch/v1\nkind: Job", "apiVersion: apps/v1\nkind: Deployment", StringComparison.Ordinal);

        var violations = ManifestRules.PodTemplateViolations(Parse(deployment)).ToList();

        Assert.Equal(3, violations.Count(v => v.Contains("Probe", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("Job", "churn_model-train", "DNS-1123 subdomain")]
    [InlineData("Service", "3d-vision", "DNS-1035")]
    [InlineData("Deployment", "a-name-that-is-longer-than-sixty-three-characters-which-pods-cannot-use", "DNS-1123 label")]
    [InlineData("CronJob", "a-cronjob-name-of-fifty-three-characters-is-too-long1", "52")]
    public void Names_the_api_server_rejects_are_reported(string kind, string name, string expected)
    {
        var obj = Parse($"apiVersion: v1\nkind: {kind}\nmetadata:\n  name: {name}\n");

        Assert.Contains(ManifestRules.NameViolations(obj), v => v.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("churn-model:0.1.0", true)]
    [InlineData("ghcr.io/mlflow/mlflow:v3.12.0-full", true)]
    [InlineData("registry:5000/churn-model@sha256:0123abcd", true)]
    [InlineData("registry:5000/churn-model", false)]
    [InlineData("churn-model:latest", false)]
    [InlineData("churn-model:", false)]
    public void Pinned_images_are_told_apart_from_floating_ones(string image, bool pinned) =>
        Assert.Equal(pinned, ManifestRules.IsPinnedImage(image));

    private static KubeObject Parse(string yaml) => KubeObject.Parse("test", yaml.ReplaceLineEndings("\n")).Single();
}
