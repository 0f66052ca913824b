using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Platforms;

/// <summary>
/// infra/aws/sagemaker-endpoint.yaml, the endpoint of one environment: cfn-lint accepts it (and rejects it broken), and
/// the stack created under moto (a stand-in: there is no AWS account here) ends with an endpoint InService serving the
/// SageMaker image with the published version folder of the model store, as SageMaker's role and nothing wider.
/// infra/aws/deploy-endpoint.sh (make deploy, which CI runs) is run for real against moto's server: it takes the
/// endpoint to InService on the pushed sagemaker digest, and refuses bad input before any call to AWS.
/// </summary>
public sealed class SageMakerEndpointTests(PlatformImages images) : IClassFixture<PlatformImages>
{
    private const string Template = "infra/aws/sagemaker-endpoint.yaml";
    private const string Roles = "infra/aws/sagemaker-roles.yaml";
    private const string Image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn-model@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [SkippableFact]
    public async Task Cfn_lint_accepts_the_endpoint_template_and_rejects_it_with_a_misspelt_property()
    {
        await Validators.CfnLint.AssertValidAsync(images.SageMaker, Template, Roles);

        var broken = Path.Combine(Directory.CreateDirectory(images.Pack.NewOutputDirectory("broken-endpoint")).FullName, "sagemaker-endpoint.yaml");
        File.WriteAllText(broken, images.SageMaker.ReadText(Template).Replace("ProductionVariants:", "ProductionVariant:", StringComparison.Ordinal));
        await Validators.CfnLint.AssertInvalidAsync([broken], expectedFragments: ["ProductionVariant"]);
    }

    [SkippableFact]
    public async Task Under_moto_the_stack_brings_an_endpoint_in_service_on_the_published_version_of_the_model_store()
    {
        var parameters = new Dictionary<string, string>
        {
            ["Environment"] = "prod",
            ["ImageUri"] = Image,
            ["ModelVersion"] = "ab9ce0e14e4e",
            ["ModelStoreBucket"] = "churn-model-models",
            ["ModelStorePrefix"] = "models",
        };
        var script = Path.Combine(RepositoryPaths.Root, "tests", "MlopsTemplates.Tests", "Platforms", "sagemaker-endpoint-under-moto.py");
        var result = await Command.RunAsync("python3", [script, images.SageMaker.PathOf(Template), JsonSerializer.Serialize(parameters)], images.SageMaker.Root);
        Assert.True(result.ExitCode == 0, result.ToString());
        var created = JsonNode.Parse(result.StandardOutput)!;

        Assert.Equal("CREATE_COMPLETE", (string)created["stack"]!);
        var endpoint = Assert.Single(created["endpoints"]!.AsArray())!;
        Assert.Equal("InService", (string)endpoint["status"]!);
        Assert.Equal(Image, (string)endpoint["container"]!["Image"]!);
        var data = endpoint["container"]!["ModelDataSource"]!["S3DataSource"]!;
        Assert.Equal("s3://churn-model-models/models/ab9ce0e14e4e/", (string)data["S3Uri"]!);
        Assert.Equal("None", (string)data["CompressionType"]!);
        Assert.Equal("prod", (string)endpoint["container"]!["Environment"]!["APP_ENV"]!);
        var trust = Assert.Single(endpoint["trust"]!["Statement"]!.AsArray())!;
        Assert.Equal("sagemaker.amazonaws.com", (string)trust["Principal"]!["Service"]!);
    }

    [Fact]
    public void The_endpoint_scales_on_invocations_between_its_bounds_and_its_role_reads_only_the_model_store_prefix()
    {
        // Read from the template: moto skips Application Auto Scaling resources.
        var stream = new YamlStream();
        stream.Load(new StringReader(images.SageMaker.ReadText(Template).Replace("!Ref ", "", StringComparison.Ordinal)
            .Replace("!Sub ", "", StringComparison.Ordinal).Replace("!GetAtt ", "", StringComparison.Ordinal)));
        var resources = (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["Resources"];
        string At(string resource, params string[] path) =>
            path.Aggregate((YamlNode)((YamlMappingNode)resources[resource])["Properties"], (n, k) => ((YamlMappingNode)n)[k]).ToString();

        Assert.Equal("endpoint/${Endpoint.EndpointName}/variant/main", At("ScalableTarget", "ResourceId"));
        Assert.Equal("MinInstances", At("ScalableTarget", "MinCapacity"));
        Assert.Equal("MaxInstances", At("ScalableTarget", "MaxCapacity"));
        Assert.Equal("SageMakerVariantInvocationsPerInstance", At("ScalingPolicy", "TargetTrackingScalingPolicyConfiguration", "PredefinedMetricSpecification", "PredefinedMetricType"));
        Assert.Equal("true", At("Model", "EnableNetworkIsolation"));
        // The execution role lives in the administrator's one-time stack: the endpoint stack creates no IAM at all.
        Assert.DoesNotContain("AWS::IAM::", images.SageMaker.ReadText(Template), StringComparison.Ordinal);
        var roles = images.SageMaker.ReadText(Roles);
        Assert.Contains("s3:::${ModelStoreBucket}/${ModelStorePrefix}/*", roles, StringComparison.Ordinal);
        Assert.DoesNotContain("s3:PutObject", roles, StringComparison.Ordinal);
    }
}
