using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Platforms;

/// <summary>
/// infra/aws/deploy-endpoint.sh, what <c>make deploy ENVIRONMENT=dev|prod</c> and CI's deploy stages run with
/// --deploy sagemaker: run under moto, a library standing in for AWS (there is no AWS account here), it deploys the
/// endpoint stack to InService with the image pinned to the sagemaker digest of IMAGE_DIGESTS and the published version;
/// with a missing or malformed digest or version it stops with exit code 2 before its first AWS call.
/// </summary>
public sealed class SageMakerDeployTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string Account = "123456789012";
    private const string Version = "ab9ce0e14e4e";
    private static readonly string ModelDigest = "sha256:" + new string('b', 64);
    private static readonly string SageMakerDigest = "sha256:" + new string('a', 64);
    private static readonly string Digests = $"model={ModelDigest},sagemaker={SageMakerDigest}";

    [SkippableFact]
    public async Task Under_moto_standing_in_for_AWS_the_deploy_script_takes_the_endpoint_InService_on_the_pushed_sagemaker_digest()
    {
        var repository = await ScratchRepositoryAsync();
        var script = Path.Combine(RepositoryPaths.Root, "tests", "MlopsTemplates.Tests", "Platforms", "deploy-endpoint-under-moto.py");
        var environment = new Dictionary<string, string> { ["MODEL_VERSION"] = Version, ["IMAGE_DIGESTS"] = Digests };
        var result = await Command.RunAsync("python3", [script, repository, "prod", JsonSerializer.Serialize(environment)], repository);
        Assert.True(result.ExitCode == 0, result.ToString());
        var run = JsonNode.Parse(result.StandardOutput)!;

        Assert.True((int)run["exit"]! == 0, $"deploy-endpoint.sh failed:\n{run["stdout"]}\n{run["stderr"]}");
        Assert.Equal("CREATE_COMPLETE", (string)run["stacks"]!["churn-model-prod-endpoint"]!);
        var endpoint = Assert.Single(run["endpoints"]!.AsArray())!;
        Assert.Equal("InService", (string)endpoint["status"]!);
        // The SageMaker image by its pushed digest, never the model image's digest nor a tag.
        Assert.Equal($"{Account}.dkr.ecr.eu-west-1.amazonaws.com/churn-model@{SageMakerDigest}", (string)endpoint["image"]!);
        Assert.Equal($"s3://churn-model-models/models/{Version}/", (string)endpoint["data"]!);
        Assert.Equal($"arn:aws:iam::{Account}:role/churn-model-sagemaker-prod", (string)endpoint["role"]!);
        Assert.Contains("endpoint churn-model-prod is InService", (string)run["stdout"]!, StringComparison.Ordinal);
    }

    public static TheoryData<string, string?, string?, int, string> BadInputs => new()
    {
        { "no digests", Version, null, 2, "IMAGE_DIGESTS is not set" },
        { "a malformed digest", Version, "model=sha256:abc,sagemaker=sha256:abc", 2, "is not a list of VARIANT=sha256:DIGEST" },
        { "a tag for a digest", Version, "sagemaker=latest", 2, "is not a list of VARIANT=sha256:DIGEST" },
        { "no sagemaker digest", Version, $"model={ModelDigest}", 2, "no digest for the sagemaker image" },
        { "no version", null, Digests, 2, "MODEL_VERSION is not set" },
        { "a malformed version", "prod", Digests, 2, "is not a published model version" },
        // Well-formed but never published: refused after the one read (head-object), before any stack change.
        { "an unpublished version", "0123456789ab", Digests, 1, "is not in the model store" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task The_deploy_script_refuses_bad_input_with_a_clear_error_and_changes_nothing(
        string what, string? version, string? digests, int exitCode, string message)
    {
        var repository = await ScratchRepositoryAsync();
        // A stand-in aws that records each call and answers head-object as for a missing object (there is no AWS here).
        var bin = Directory.CreateDirectory(Path.Combine(repository, ".stand-in-bin")).FullName;
        var log = Path.Combine(repository, "aws-calls.log");
        var aws = Path.Combine(bin, "aws");
        File.WriteAllText(aws, $"#!/usr/bin/env bash\nprintf '%s\\n' \"$*\" >> '{log}'\necho 'An error occurred (404) when calling the HeadObject operation: Not Found' >&2\nexit 255\n");
        File.SetUnixFileMode(aws, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var environment = new Dictionary<string, string?>
        {
            ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["MODEL_VERSION"] = version,
            ["IMAGE_DIGESTS"] = digests,
        };

        var result = await Command.RunAsync("bash", ["infra/aws/deploy-endpoint.sh", "dev"], repository, environment);

        Assert.True(result.ExitCode == exitCode, $"{what}: {result}");
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        var calls = File.Exists(log) ? File.ReadAllLines(log) : [];
        Assert.All(calls, c => Assert.StartsWith("s3api head-object", c, StringComparison.Ordinal));
        Assert.Equal(exitCode == 2 ? 0 : 1, calls.Length);
    }

    /// <summary>A private copy of the SageMaker repository with cloud.env filled in as a user would (moto's account).</summary>
    private async Task<string> ScratchRepositoryAsync()
    {
        var repository = await GeneratedVariants.CopyAsync(fixture.Pack, PlatformImages.SageMakerOptions);
        var cloudEnv = Path.Combine(repository, "cloud.env");
        File.WriteAllText(cloudEnv, File.ReadAllText(cloudEnv).Replace("\nAWS_ACCOUNT_ID=\n", $"\nAWS_ACCOUNT_ID={Account}\n", StringComparison.Ordinal));
        return repository;
    }
}
