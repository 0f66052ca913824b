using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Kubernetes;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.DataEngineering;

/// <summary>
/// --prepare spark with --deploy kubernetes and a --store, both overlays as kubectl kustomize renders them (statically:
/// no cluster here): the settings ConfigMap of the dev overlay names the data lake, yet only training writes it. Batch
/// prediction's data step prepares its own folder (DATA_URI emptied for it), where it would otherwise overwrite the
/// lake's raw zone with the sample data under an identity that may not; the monitoring CronJob reads the lake's train
/// split, the one training learnt from, in production too (whose ConfigMap has no lake), with the object store's
/// credentials where the lake is the in-cluster MinIO.
/// </summary>
public sealed class LakeInTheClusterTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string Project = GeneratedVariants.ProjectName;

    [Theory]
    [InlineData("local")]
    [InlineData("aws")]
    public async Task Static_only_training_writes_the_lake_and_monitoring_reads_its_train_split_in_both_overlays(string cloud)
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, $"--deploy kubernetes --prepare spark --data none --store postgres --cloud {cloud}");
        var dev = KubeObject.Parse("k8s/overlays/dev", await Validators.RenderKustomizationAsync(repo.PathOf("k8s/overlays/dev")));
        var lake = dev.Single(o => o.Kind == "ConfigMap" && o.Name.StartsWith($"{Project}-config", StringComparison.Ordinal)).Root.Scalar("data", "DATA_URI");
        Assert.StartsWith("s3://", lake);

        foreach (var overlay in new[] { "dev", "prod" })
        {
            var yaml = await Validators.RenderKustomizationAsync(repo.PathOf($"k8s/overlays/{overlay}"));
            // kubernetes-models knows no Spark operator kind: SparkOnKubernetesTests checks those against their CRDs.
            await Validators.KubernetesModels.AssertValidAsync(["-"], standardInput: string.Join("\n---\n", yaml.Split("\n---\n").Where(d => !d.Contains("apiVersion: sparkoperator.k8s.io/", StringComparison.Ordinal))));
            var objects = KubeObject.Parse($"k8s/overlays/{overlay}", yaml);

            var predict = objects.Single(o => o.Kind == "CronJob" && o.Name == $"{Project}-predict").PodTemplate.Map("spec");
            var data = Assert.Single(predict.Seq("initContainers"), c => c.Scalar("name") == "prepare-data");
            Assert.Equal([("DATA_URI", "")], data.Seq("env").Select(e => (e.Scalar("name"), e.Scalar("value"))));

            var monitor = objects.Single(o => o.Kind == "CronJob" && o.Name == $"{Project}-monitor");
            Assert.Empty(ManifestRules.PodTemplateViolations(monitor));
            var pod = monitor.PodTemplate.Map("spec");
            Assert.Empty(pod.Seq("initContainers"));
            var container = Assert.Single(pod.Seq("containers"));
            Assert.Equal(lake, container.Seq("env").Single(e => e.Scalar("name") == "DATA_URI").Scalar("value"));
            // The store's Secret still reaches it after the lake's setting.
            Assert.Contains(container.Seq("env"), e => e.Scalar("name") == "STORE_URL");
            // (The dev overlay generates that Secret, so its name carries a content hash there.)
            var secrets = container.Seq("envFrom").Select(e => e.Scalar("secretRef", "name")).OfType<string>().ToList();
            Assert.Equal(cloud == "local" ? 1 : 0, secrets.Count(n => n.StartsWith($"{Project}-store-credentials", StringComparison.Ordinal)));
            Assert.Equal(secrets.Count(n => n.StartsWith($"{Project}-store-credentials", StringComparison.Ordinal)), secrets.Count);
        }
    }
}
