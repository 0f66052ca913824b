using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Ci;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Names;

/// <summary>
/// Google Cloud IDs are shorter than the 40-character DNS label: a service account ID has 6-30 characters and a
/// workload identity pool ID 4-32. Built from the project name plus a suffix (-deploy-prod, -vertex-prod), they take
/// the gcpName form, cut to 18 characters, so the longest project name still gives IDs the trust setup can create.
/// Checked against the stand-in gcloud of the trust tests, which refuses the IDs Google Cloud refuses.
/// </summary>
public sealed partial class GoogleCloudNameTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string LongName = "a-very-long-project-name-that-goes-on-and-on-well-past-the-sixty-three-character-limit";

    public static TheoryData<string> Stacks => new()
    {
        // Every account the managed platforms add: CI and deploy identities, the endpoints' and the pipeline runner's.
        "--ci github --cloud gcp --deploy vertex --orchestrator vertex --store postgres",
        // Every account GKE's workload identities add: training, serving, batch prediction, MLflow.
        "--ci gitlab --cloud gcp --deploy kubernetes --tracking mlflow --store postgres",
    };

    [SkippableTheory]
    [MemberData(nameof(Stacks))]
    public async Task A_long_name_gives_service_account_and_pool_ids_within_google_clouds_limits_and_the_trust_setup_creates_them(string options)
    {
        var repo = await fixture.Pack.GenerateAsync(LongName, options.Split(' '));
        var names = JsonNode.Parse(repo.ReadText(".mlops-template.json"))!["derivedNames"]!;
        Assert.Equal("a-very-long-projec", (string)names["googleCloud"]!);

        // cloud.env's IDs, as the user finds them.
        var cloud = CloudEnv.Parse(repo.ReadText("cloud.env"));
        var accounts = cloud.Where(kv => kv.Key.StartsWith("GCP_SA_", StringComparison.Ordinal) || kv.Key.EndsWith("_SERVICE_ACCOUNT", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(accounts);
        Assert.All(accounts, kv => Assert.Matches(ServiceAccountId(), kv.Value));
        Assert.InRange(cloud["GCP_WIF_POOL"].Length, 4, 32);

        // The trust setup creates every account (and the pool) against a gcloud that refuses what Google Cloud refuses.
        var root = TrustSetup.ScratchCopy(repo, repo.Option("ci"), "gcp");
        var run = await TrustSetup.RunAsync(root, "gcp", kubernetes: repo.Option("deploy") == "kubernetes");
        Assert.True(run.Result.ExitCode == 0, run.ToString());
        var created = run.CallsOf("gcloud", "iam", "service-accounts", "create").Select(c => c[4]).ToHashSet();
        Assert.All(accounts, kv => Assert.Contains(kv.Value, created));
        Assert.Single(run.CallsOf("gcloud", "iam", "workload-identity-pools", "create"), c => c[4] == cloud["GCP_WIF_POOL"]);
        // Custom roles (the Vertex AI model uploader and endpoint deployer, the pipeline submitter and runner) take the
        // name with underscores.
        Assert.Equal("a_very_long_projec", (string)names["googleCloudRole"]!);
        var roles = run.CallsOf("gcloud", "iam", "roles", "create").Select(c => c[4]).ToList();
        Assert.All(roles, role => Assert.Matches(RoleId(), role));
        Assert.All(roles, role => Assert.StartsWith("a_very_long_projec_", role, StringComparison.Ordinal));
        if (options.Contains("vertex", StringComparison.Ordinal))
        {
            Assert.Equal(4, roles.Count);
            // The Python package name with the same suffix is too long for a role ID: the stand-in refuses it as gcloud does.
            var longRole = $"{(string)names["pythonPackage"]!}_pipeline_submitter";
            var refusedRole = await Command.RunAsync(Path.Combine(root, ".stand-ins", "gcloud"), ["iam", "roles", "create", longRole], root,
                new Dictionary<string, string?> { ["STAND_IN_LOG"] = Path.Combine(root, ".stand-ins", "refused.log") });
            Assert.Equal(1, refusedRole.ExitCode);
            Assert.Contains("must be 3 to 64 characters", refusedRole.StandardError, StringComparison.Ordinal);
        }
        // The accounts the scripts name themselves (the pipeline runner, the endpoints' runtime) are the ones it created.
        var named = repo.Files.Where(f => f.StartsWith("infra/gcp/", StringComparison.Ordinal))
            .SelectMany(f => NamedAccount().Matches(repo.ReadText(f)).Select(m => m.Groups[1].Value.Replace("$environment", "dev", StringComparison.Ordinal)))
            .ToList();
        Assert.All(named, account => Assert.Contains(account, created));

        // The DNS label with the same suffix is too long: setup-trust refuses it in cloud.env before creating anything,
        // and the stand-in gcloud, which also sees the IDs the scripts name themselves, refuses it as gcloud does.
        var tooLong = $"{(string)names["kubernetes"]!}-deploy-prod";
        var cloudEnv = Path.Combine(root, "cloud.env");
        File.WriteAllText(cloudEnv, Regex.Replace(File.ReadAllText(cloudEnv), "(?m)^GCP_SA_DEPLOY_PROD=.*$", $"GCP_SA_DEPLOY_PROD={tooLong}"));
        var refused = await TrustSetup.RunAsync(root, "gcp", kubernetes: repo.Option("deploy") == "kubernetes");
        Assert.NotEqual(0, refused.Result.ExitCode);
        Assert.Contains($"GCP_SA_DEPLOY_PROD={tooLong}", refused.Result.StandardError, StringComparison.Ordinal);
        // The stand-ins log into the same file on every run: no call was added.
        Assert.Equal(run.Calls.Count, refused.Calls.Count);
        var standIn = await Command.RunAsync(Path.Combine(root, ".stand-ins", "gcloud"), ["iam", "service-accounts", "create", tooLong], root,
            new Dictionary<string, string?> { ["STAND_IN_LOG"] = Path.Combine(root, ".stand-ins", "refused.log") });
        Assert.Equal(2, standIn.ExitCode);
        Assert.Contains("Service account name must be between 6 and 30 characters", standIn.StandardError, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^[a-z][-a-z0-9]{4,28}[a-z0-9]$")]
    private static partial Regex ServiceAccountId();

    [GeneratedRegex(@"^[a-zA-Z0-9_.]{3,64}$")]
    private static partial Regex RoleId();

    [GeneratedRegex(@"([a-z][-a-z0-9]*(?:\$environment)?)@\$GCP_PROJECT_ID\.iam\.gserviceaccount\.com")]
    private static partial Regex NamedAccount();
}
