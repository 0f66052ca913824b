using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Ci;

/// <summary>Secure by default: keyless cloud login, least-privilege GitHub jobs, pinned dependencies.</summary>
public sealed partial class PipelineSecurityTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    /// <summary>Ways pipelines commonly reference long-lived cloud keys (access keys, client secrets, key files).</summary>
    private static readonly string[] LongLivedCredentials =
    [
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "aws-access-key-id", "aws-secret-access-key", "AmazonWebServicesCredentialsBinding",
        "AZURE_CLIENT_SECRET", "client-secret", "clientSecret", "AZURE_CREDENTIALS", "creds:", "--password ", "--password=",
        "credentials_json", "GOOGLE_CREDENTIALS", "GCP_SA_KEY", "service_account_key", "--key-file", "private_key",
    ];

    private static readonly string[] CloudLoginActions = ["aws-actions/configure-aws-credentials", "azure/login", "google-github-actions/auth"];

    public static TheoryData<CiScenario> All => CiScenarios.All;

    public static TheoryData<CiScenario> GitHub => CiScenarios.For("github");

    [Theory]
    [MemberData(nameof(All))]
    public async Task No_long_lived_cloud_credential_is_referenced_and_clouds_use_keyless_login(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var pipeline = PipelineFiles.Read(repo);

        foreach (var credential in LongLivedCredentials)
        {
            Assert.False(pipeline.Contains(credential, StringComparison.OrdinalIgnoreCase), $"{scenario}: the pipeline references '{credential}'");
        }

        if (scenario.Cloud != "local")
        {
            var keyless = scenario.Ci switch
            {
                "github" => "id-token: write",
                "gitlab" => "id_tokens:",
                "jenkins" => "file(credentialsId: 'cloud-oidc-token'",
                _ => scenario.Cloud == "azure" ? "task: AzureCLI@2" : "addSpnToEnvironment: true",
            };
            Assert.True(pipeline.Contains(keyless, StringComparison.Ordinal), $"{scenario}: no keyless login ('{keyless}') in the pipeline");
        }
    }

    [Theory]
    [MemberData(nameof(GitHub))]
    public async Task Every_GitHub_job_has_least_privilege_permissions(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var workflow = PipelineFiles.Yaml(repo.ReadText(".github/workflows/ci.yml"));

        var top = workflow.Node("permissions");
        Assert.True(top is YamlMappingNode m && m.Children.All(kv => ((YamlScalarNode)kv.Value).Value is "read" or "none"),
            $"{scenario}: top-level permissions must be empty or read-only");

        foreach (var (key, node) in workflow.Mapping("jobs")!.Children)
        {
            var job = (YamlMappingNode)node;
            var name = ((YamlScalarNode)key).Value;
            var permissions = job.Mapping("permissions");
            Assert.True(permissions is not null, $"{scenario}: job {name} does not declare its permissions");
            var steps = job.Node("steps")!.AllText();
            var logsIn = CloudLoginActions.Any(a => steps.Contains(a, StringComparison.Ordinal));
            var pushesToGhcr = steps.Contains("docker login ghcr.io", StringComparison.Ordinal);

            foreach (var (scope, level) in permissions!.Children.Select(kv => (((YamlScalarNode)kv.Key).Value, ((YamlScalarNode)kv.Value).Value)))
            {
                var allowed = (scope, level) switch
                {
                    (_, "read" or "none") => true,
                    ("id-token", "write") => logsIn,
                    ("packages", "write") => pushesToGhcr,
                    _ => false,
                };
                Assert.True(allowed, $"{scenario}: job {name} is granted {scope}: {level} without needing it");
            }

            Assert.True(!logsIn || permissions.Scalar("id-token") == "write", $"{scenario}: job {name} logs in to the cloud without id-token: write");
        }
    }

    [Theory]
    [MemberData(nameof(All))]
    public async Task Actions_are_pinned_to_commit_shas_and_images_to_versions(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var pipeline = PipelineFiles.Read(repo);

        Assert.DoesNotContain(":latest", pipeline, StringComparison.Ordinal);
        foreach (Match uses in UsesLine().Matches(pipeline))
        {
            Assert.True(PinnedUses().IsMatch(uses.Value), $"{scenario}: '{uses.Value.Trim()}' is not pinned to a full commit SHA with its version in a comment");
        }

        foreach (var image in PipelineFiles.ReadWithIncludes(repo).SelectMany(text => Images(scenario.Ci, text)))
        {
            Assert.True(VersionedImage().IsMatch(image), $"{scenario}: image '{image}' has no exact version tag");
        }
    }

    /// <summary>Container images the pipeline runs: GitLab image/services, and images started with docker run.</summary>
    private static IEnumerable<string> Images(string ci, string pipeline)
    {
        foreach (Match run in DockerRunImage().Matches(pipeline))
        {
            yield return run.Groups[1].Value;
        }

        if (ci != "gitlab")
        {
            yield break;
        }

        foreach (var (_, node) in PipelineFiles.Yaml(pipeline).Children)
        {
            if (node is not YamlMappingNode job)
            {
                continue;
            }

            var image = job.Node("image");
            var name = image is YamlMappingNode named ? named.Scalar("name") : (image as YamlScalarNode)?.Value;
            if (name is not null)
            {
                yield return name;
            }

            if (job.Node("services") is YamlSequenceNode services)
            {
                foreach (var service in services.Children)
                {
                    yield return service is YamlMappingNode s ? s.Scalar("name")! : ((YamlScalarNode)service).Value!;
                }
            }
        }
    }

    [GeneratedRegex(@"uses: .*")]
    private static partial Regex UsesLine();

    [GeneratedRegex(@"^uses: [\w.-]+/[\w./-]+@[0-9a-f]{40}  # v\d+\.\d+\.\d+$")]
    private static partial Regex PinnedUses();

    [GeneratedRegex(@"docker run (?:--?[\w-]+(?: ""[^""]*""| [^-\s]\S*)? )*([a-z0-9.-]+/[\w./-]+:[\w.-]+)")]
    private static partial Regex DockerRunImage();

    [GeneratedRegex(@":\d+(\.\d+){1,2}(-[a-z0-9.-]+)?$")]
    private static partial Regex VersionedImage();
}
