using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Ci;
using MlopsTemplates.Tests.Combinations;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;

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

    /// <summary>
    /// The covering row that puts a --store beside --deploy sagemaker (the pairwise set pairs them), so that these
    /// checks add no engine run: its repository is the one the covering-set tests generate.
    /// </summary>
    private static string LoggedOptions => string.Join(" ", TemplateOptions.ToArguments(
        CoveringSets.AllSet.First(c => c.Values["deploy"] == "sagemaker" && c.Values["store"] != "none").Values));

    private const string Subnet = "subnet-0123456789abcdef0";
    private const string Group = "sg-0123456789abcdef0";

    [SkippableFact]
    public async Task Under_moto_with_a_store_the_endpoint_container_gets_its_environments_secret_which_only_that_execution_role_may_read()
    {
        var repository = await ScratchRepositoryAsync(LoggedOptions, $"AWS_SAGEMAKER_SUBNET_IDS={Subnet}", $"AWS_SAGEMAKER_SECURITY_GROUP_IDS={Group}");
        var script = Path.Combine(RepositoryPaths.Root, "tests", "MlopsTemplates.Tests", "Platforms", "deploy-endpoint-under-moto.py");
        // As the administrator would have it: each environment's secret, created out of Git (docs/store.md), and one
        // holding a key the store does not read.
        const string prodUrl = "postgresql://churn_model@prod-log.example:5432/churn_model";
        var environment = new JsonObject
        {
            ["MODEL_VERSION"] = Version,
            ["IMAGE_DIGESTS"] = Digests,
            ["SECRETS"] = new JsonObject
            {
                ["churn-model-prod-prediction-log"] = new JsonObject { ["STORE_URL"] = prodUrl, ["STORE_AUTH"] = "password" }.ToJsonString(),
                ["churn-model-dev-prediction-log"] = new JsonObject { ["STORE_URL"] = "postgresql://churn_model@dev-log.example/churn_model" }.ToJsonString(),
                ["churn-model-broken-prediction-log"] = new JsonObject { ["STORE_URL"] = prodUrl, ["PASSWORD"] = "x" }.ToJsonString(),
            },
            // infra/aws/setup-trust.sh passes this when cloud.env names the subnets.
            ["ROLE_PARAMETERS"] = new JsonObject { ["EndpointsInVpc"] = "true" },
            ["READS"] = new JsonArray(
                "MODEL",
                $"arn:aws:secretsmanager:eu-west-1:{Account}:secret:churn-model-broken-prediction-log",
                $"arn:aws:secretsmanager:eu-west-1:{Account}:secret:churn-model-missing-prediction-log"),
        };
        var result = await Command.RunAsync("python3", [script, repository, "prod", environment.ToJsonString()], repository);
        Assert.True(result.ExitCode == 0, result.ToString());
        var run = JsonNode.Parse(result.StandardOutput)!;
        Assert.True((int)run["exit"]! == 0, $"deploy-endpoint.sh failed:\n{run["stdout"]}\n{run["stderr"]}");
        var endpoint = Assert.Single(run["endpoints"]!.AsArray())!;
        Assert.Equal("InService", (string)endpoint["status"]!);

        // The container's environment names the prod secret, never a setting's value, and the Model runs in the VPC.
        var secret = $"arn:aws:secretsmanager:eu-west-1:{Account}:secret:churn-model-prod-prediction-log";
        var variables = endpoint["environment"]!.AsObject().ToDictionary(kv => kv.Key, kv => (string)kv.Value!);
        Assert.Equal(secret, variables["STORE_SECRET"]);
        Assert.Equal("prod", variables["APP_ENV"]);
        Assert.DoesNotContain(variables.Keys, k => k is "STORE_URL" or "STORE_AUTH" or "STORE_DATABASE");
        Assert.Equal([Subnet], endpoint["vpc"]!["Subnets"]!.AsArray().Select(n => (string)n!));
        Assert.Equal([Group], endpoint["vpc"]!["SecurityGroupIds"]!.AsArray().Select(n => (string)n!));
        var template = File.ReadAllText(Path.Combine(repository, "infra/aws/sagemaker-endpoint.yaml"));
        Assert.Contains("EnableNetworkIsolation: false", template, StringComparison.Ordinal);

        // The generated store/settings.py, started as the container starts, reads the prod secret through moto; a secret
        // with another key, or one that does not exist, stops the start naming it.
        var reads = run["reads"]!.AsArray();
        Assert.True(reads[0]!["error"] is null, $"the container could not read its settings: {reads[0]}");
        Assert.Equal((prodUrl, "password"), ((string)reads[0]!["url"]!, (string)reads[0]!["auth"]!));
        Assert.Contains("holds keys the store does not read: PASSWORD", (string)reads[1]!["error"]!, StringComparison.Ordinal);
        Assert.Contains("cannot read the prediction log's settings from STORE_SECRET=", (string)reads[2]!["error"]!, StringComparison.Ordinal);

        // Each execution role may read its own environment's secret (its ARN with the six characters Secrets Manager
        // appends) and no other: evaluated here with IAM's wildcards, since moto does not enforce policies.
        var arns = run["secrets"]!.AsObject().ToDictionary(kv => kv.Key, kv => (string)kv.Value!);
        foreach (var env in new[] { "dev", "prod" })
        {
            var policies = run["roles"]![$"churn-model-sagemaker-{env}"]!.AsObject();
            var readable = policies.SelectMany(p => Statements(p.Value!))
                .Where(st => Strings(st["Action"]).Any(a => a.StartsWith("secretsmanager:", StringComparison.Ordinal)))
                .ToList();
            var statement = Assert.Single(readable);
            Assert.Equal(["secretsmanager:GetSecretValue"], Strings(statement["Action"]));
            var patterns = Strings(statement["Resource"]).ToList();
            Assert.Equal([$"churn-model-{env}-prediction-log"], arns.Keys.Where(name => patterns.Any(p => IamMatch(p, arns[name]))));
            // In the VPC, the network interfaces SageMaker creates for the container.
            Assert.Contains(policies, p => Statements(p.Value!).Any(st => Strings(st["Action"]).Contains("ec2:CreateNetworkInterface")));
        }
    }

    [Theory]
    [InlineData("only subnets", $"AWS_SAGEMAKER_SUBNET_IDS={Subnet}", "go together: set both or neither")]
    [InlineData("only security groups", $"AWS_SAGEMAKER_SECURITY_GROUP_IDS={Group}", "go together: set both or neither")]
    [InlineData("a malformed subnet", "AWS_SAGEMAKER_SUBNET_IDS=subnet-A1", "is not a comma-separated list of subnet IDs")]
    public async Task With_a_store_the_deploy_script_refuses_a_half_or_malformed_vpc_before_any_aws_call(string what, string setting, string message)
    {
        var (result, log) = await DeployWithRecordingAwsAsync(await ScratchRepositoryAsync(LoggedOptions, setting), Version, Digests);

        Assert.True(result.ExitCode == 2, $"{what}: {result}");
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(log), $"{what}: aws was called");
    }

    [SkippableFact]
    public async Task With_a_store_the_templates_pass_cfn_lint_and_the_trust_setup_passes_the_roles_stack_only_parameters_it_has()
    {
        var row = CoveringSets.AllSet.First(c => c.Values["deploy"] == "sagemaker" && c.Values["store"] != "none");
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, LoggedOptions);
        await Validators.CfnLint.AssertValidAsync(repo, ["infra/aws/sagemaker-roles.yaml", "infra/aws/sagemaker-endpoint.yaml"]);
        var template = repo.ReadText("infra/aws/sagemaker-roles.yaml");
        var parameters = Regex.Matches(template[..template.IndexOf("\nResources:", StringComparison.Ordinal)], @"^  (\w+):\n    Type:", RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("EndpointsInVpc", parameters);

        var root = TrustSetup.ScratchCopy(repo, row.Values["ci"], "aws");
        foreach (var subnets in new[] { Subnet, "" })
        {
            var cloudEnv = Path.Combine(root, "cloud.env");
            var lines = File.ReadAllLines(cloudEnv);
            Assert.Contains(lines, l => l.StartsWith("AWS_SAGEMAKER_SUBNET_IDS=", StringComparison.Ordinal));
            File.WriteAllLines(cloudEnv, lines.Select(l => l.StartsWith("AWS_SAGEMAKER_SUBNET_IDS=", StringComparison.Ordinal) ? $"AWS_SAGEMAKER_SUBNET_IDS={subnets}" : l));
            var run = await TrustSetup.RunAsync(root, "aws", kubernetes: false, everythingExists: true);
            Assert.True(run.Result.ExitCode == 0, run.ToString());
            // Both runs log to the same file: this run's call is the last.
            var stack = run.CallsOf("aws", "cloudformation", "deploy").Last(c => TrustRun.Flag(c, "--stack-name") == "churn-model-sagemaker-roles");
            var passed = stack.SkipWhile(a => a != "--parameter-overrides").Skip(1).Select(a => a.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
            Assert.All(passed.Keys, key => Assert.Contains(key, parameters));
            Assert.Equal(subnets == "" ? "false" : "true", passed["EndpointsInVpc"]);
            Assert.Equal(row.Values["store"] == "postgres", passed.ContainsKey("RdsDbUser"));
        }
    }

    private static IEnumerable<JsonNode> Statements(JsonNode policy) =>
        policy["Statement"] is JsonArray many ? many.Select(s => s!) : [policy["Statement"]!];

    private static IEnumerable<string> Strings(JsonNode? node) =>
        node is JsonArray many ? many.Select(n => (string)n!) : node is null ? [] : [(string)node!];

    /// <summary>IAM's resource wildcards: <c>*</c> any run of characters, <c>?</c> exactly one.</summary>
    private static bool IamMatch(string pattern, string arn) =>
        Regex.IsMatch(arn, "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$");

    [Fact]
    public void Iam_wildcards_as_evaluated_here_match_one_character_per_question_mark()
    {
        const string pattern = "arn:aws:secretsmanager:eu-west-1:1:secret:churn-model-dev-prediction-log-??????";
        Assert.True(IamMatch(pattern, "arn:aws:secretsmanager:eu-west-1:1:secret:churn-model-dev-prediction-log-AbC123"));
        Assert.False(IamMatch(pattern, "arn:aws:secretsmanager:eu-west-1:1:secret:churn-model-dev-prediction-log-AbC1234"));
        Assert.False(IamMatch(pattern, "arn:aws:secretsmanager:eu-west-1:1:secret:churn-model-prod-prediction-log-AbC123"));
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
        var (result, log) = await DeployWithRecordingAwsAsync(await ScratchRepositoryAsync(), version, digests);

        Assert.True(result.ExitCode == exitCode, $"{what}: {result}");
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        var calls = File.Exists(log) ? File.ReadAllLines(log) : [];
        Assert.All(calls, c => Assert.StartsWith("s3api head-object", c, StringComparison.Ordinal));
        Assert.Equal(exitCode == 2 ? 0 : 1, calls.Length);
    }

    /// <summary>
    /// Runs <c>infra/aws/deploy-endpoint.sh dev</c> with a stand-in aws first on PATH that records each call (in the
    /// returned log) and answers head-object as for a missing object (there is no AWS here).
    /// </summary>
    private static async Task<(CommandResult Result, string Log)> DeployWithRecordingAwsAsync(string repository, string? version, string? digests)
    {
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
        return (await Command.RunAsync("bash", ["infra/aws/deploy-endpoint.sh", "dev"], repository, environment), log);
    }

    /// <summary>
    /// A private copy of the SageMaker repository (of <paramref name="options"/>) with cloud.env filled in as a user would
    /// (moto's account), and each KEY=VALUE of <paramref name="settings"/> set in it (the key exists in the file).
    /// </summary>
    private async Task<string> ScratchRepositoryAsync(string options = PlatformImages.SageMakerOptions, params string[] settings)
    {
        var repository = await GeneratedVariants.CopyAsync(fixture.Pack, options);
        var cloudEnv = Path.Combine(repository, "cloud.env");
        var text = File.ReadAllText(cloudEnv).Replace("\nAWS_ACCOUNT_ID=\n", $"\nAWS_ACCOUNT_ID={Account}\n", StringComparison.Ordinal);
        foreach (var setting in settings)
        {
            var key = setting[..(setting.IndexOf('=') + 1)];
            Assert.Contains($"\n{key}\n", text, StringComparison.Ordinal);
            text = text.Replace($"\n{key}\n", $"\n{setting}\n", StringComparison.Ordinal);
        }

        File.WriteAllText(cloudEnv, text);
        return repository;
    }
}
