using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.Ci;

/// <summary>
/// The cloud-side trust as code (infra/): every identity of a trust boundary trusts exactly the subject its CI jobs
/// present and nothing else, the AWS templates pass cfn-lint, and every setup script runs against stand-ins for the
/// cloud CLIs (no cloud account here), stopping with a clear message when a value or a tool is missing.
/// </summary>
public sealed partial class TrustTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string AwsAccount = "210987654321";

    private static readonly ConcurrentDictionary<string, Lazy<Task<HashSet<string>>>> GcloudFlags = new();

    public static TheoryData<CiScenario> Aws => TrustSetup.For(s => s.Cloud == "aws");

    public static TheoryData<CiScenario> Gcp => TrustSetup.For(s => s.Cloud == "gcp");

    public static TheoryData<CiScenario> Azure => TrustSetup.For(s => s.Cloud == "azure");

    public static TheoryData<CiScenario> All => TrustSetup.For(_ => true);

    [SkippableTheory]
    [MemberData(nameof(Aws))]
    public async Task Every_AWS_trust_template_passes_cfn_lint_with_no_error_or_warning(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var templates = repo.Files.Where(f => f.StartsWith("infra/aws/", StringComparison.Ordinal) && f.EndsWith(".yaml", StringComparison.Ordinal)).ToArray();

        var expected = new List<string>();
        if (scenario.Ci != "none")
        {
            expected.Add("infra/aws/ci-trust.yaml");
        }

        if (scenario.Deploy == "kubernetes")
        {
            expected.Add("infra/aws/workload-identity.yaml");
        }

        Assert.Equal(expected, templates);
        await Validators.CfnLint.AssertValidAsync(repo, templates);
    }

    [SkippableTheory]
    [MemberData(nameof(Aws))]
    public async Task AWS_roles_built_by_CloudFormation_under_moto_trust_exactly_their_boundary_and_are_scoped(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var root = TrustSetup.ScratchCopy(repo, scenario.Ci, "aws");
        var run = await TrustSetup.RunAsync(root, "aws", scenario.Deploy == "kubernetes", everythingExists: true);
        Assert.True(run.Result.ExitCode == 0, $"{scenario}: {run}");
        var cloud = CloudEnv.Parse(File.ReadAllText(Path.Combine(root, "cloud.env")));
        var store = cloud["MODEL_STORE_URI"]["s3://".Length..];
        var stacks = run.CallsOf("aws", "cloudformation", "deploy").ToDictionary(c => TrustRun.Flag(c, "--stack-name")!);

        if (scenario.Ci != "none")
        {
            var roles = await UnderMotoAsync(root, stacks["churn-model-ci-trust"]);
            var issuer = TrustSetup.Issuer(scenario.Ci)["https://".Length..];
            var audience = scenario.Ci == "azure" ? "api://AzureADTokenExchange" : "sts.amazonaws.com";
            var boundaries = scenario.Deploy == "kubernetes" ? TrustSetup.Boundaries : TrustSetup.Boundaries[..2];
            Assert.Equal(boundaries.Select(b => cloud[$"AWS_ROLE_{b}"]).Order(), roles.Select(r => r.Key).Where(n => n.Contains("-ci-") || n.Contains("-deploy-")).Order());
            foreach (var boundary in boundaries)
            {
                var role = roles[cloud[$"AWS_ROLE_{boundary}"]]!;
                var statement = Assert.Single(role["trust"]!["Statement"]!.AsArray())!;
                Assert.Equal($"arn:aws:iam::{AwsAccount}:oidc-provider/{issuer}", (string?)statement["Principal"]!["Federated"]);
                Assert.Equal("sts:AssumeRoleWithWebIdentity", (string?)statement["Action"]);
                var condition = statement["Condition"]!;
                Assert.Equal(audience, (string?)condition["StringEquals"]![$"{issuer}:aud"]);
                // A subject with a wildcard needs StringLike; the others are compared exactly.
                var op = boundary == "PR" ? "StringLike" : "StringEquals";
                Assert.Equal(TrustSetup.Subjects(scenario.Ci)[boundary], (string?)condition[op]![$"{issuer}:sub"]);
            }

            var pr = Actions(roles[cloud["AWS_ROLE_PR"]]!);
            Assert.All(pr, a => Assert.Contains(a, new[] { "s3:GetObject", "s3:ListBucket" }));
            Assert.Equal(scenario.Data == "dvc", pr.Count > 0);
            var main = roles[cloud["AWS_ROLE_MAIN"]]!;
            Assert.Contains("ecr:PutImage", Actions(main));
            Assert.Contains(Statements(main), s => (string?)s["Effect"] == "Deny" && Resources(s).Contains($"arn:aws:s3:::{store}/aliases/*"));
            if (scenario.Deploy == "kubernetes")
            {
                foreach (var (boundary, alias) in new[] { ("DEPLOY_DEV", "dev"), ("DEPLOY_PROD", "prod") })
                {
                    var put = Statements(roles[cloud[$"AWS_ROLE_{boundary}"]]!).Where(s => ActionsOf(s).Contains("s3:PutObject")).SelectMany(Resources);
                    Assert.Equal([$"arn:aws:s3:::{store}/aliases/{alias}"], put);
                }
            }
        }

        if (scenario.Deploy == "kubernetes")
        {
            var roles = await UnderMotoAsync(root, stacks["churn-model-workload-identity"]);
            var accounts = new Dictionary<string, string> { ["AWS_TRAIN_ROLE_NAME"] = "train", ["AWS_PREDICT_ROLE_NAME"] = "predict" };
            if (scenario.Serving != "none")
            {
                accounts["AWS_SERVER_ROLE_NAME"] = "server";
            }

            if (scenario.Tracking == "mlflow")
            {
                accounts["AWS_MLFLOW_ROLE_NAME"] = "mlflow";
            }

            Assert.Equal(accounts.Keys.Select(k => cloud[k]).Order(), roles.Select(r => r.Key).Order());
            foreach (var (key, account) in accounts)
            {
                var subjects = roles[cloud[key]]!["trust"]!["Statement"]!.AsArray()
                    .Select(s => s!["Condition"]!["StringEquals"]!.AsObject().Single(kv => kv.Key.EndsWith(":sub", StringComparison.Ordinal)))
                    .Select(kv => $"{kv.Key.Split("/id/")[1]} {kv.Value}");
                Assert.Equal([$"dev0123456789ABCDEF:sub system:serviceaccount:churn-model-dev:churn-model-{account}", $"prod0123456789ABCDEF:sub system:serviceaccount:churn-model-prod:churn-model-{account}"], subjects);
            }

            var train = roles[cloud["AWS_TRAIN_ROLE_NAME"]]!;
            Assert.Contains(Statements(train), s => (string?)s["Effect"] == "Deny" && Resources(s).SequenceEqual([$"arn:aws:s3:::{store}/aliases/prod"]));
            Assert.DoesNotContain("s3:PutObject", Actions(roles[cloud["AWS_PREDICT_ROLE_NAME"]]!));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Gcp))]
    public async Task GCP_setup_uses_real_gcloud_commands_and_flags_and_binds_exactly_each_boundary(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var root = TrustSetup.ScratchCopy(repo, scenario.Ci, "gcp");
        var kubernetes = scenario.Deploy == "kubernetes";
        var first = await TrustSetup.RunAsync(root, "gcp", kubernetes);
        var again = await TrustSetup.RunAsync(root, "gcp", kubernetes, everythingExists: true);
        Assert.True(first.Result.ExitCode == 0, $"{scenario}: {first}");
        Assert.True(again.Result.ExitCode == 0, $"{scenario}, second run: {again}");

        var gcloud = first.Calls.Concat(again.Calls).Where(c => c[0] == "gcloud").ToList();
        foreach (var call in gcloud)
        {
            var path = GcloudCommand(call);
            var known = await GcloudFlagsAsync(path);
            var unknown = call.Skip(path.Count + 1).Where(a => a.StartsWith("--", StringComparison.Ordinal)).Select(a => a.Split('=')[0]).Where(f => !known.Contains(f)).ToList();
            Assert.True(unknown.Count == 0, $"{scenario}: gcloud {string.Join(" ", path)} has no {string.Join(", ", unknown)} (in: {string.Join(" ", call)})");
        }

        // The second run finds the provider and updates it to the data file's values instead of failing on "exists".
        Assert.Equal(scenario.Ci != "none", again.CallsOf("gcloud", "iam", "workload-identity-pools", "providers", "update-oidc").Any());
        var members = first.CallsOf("gcloud", "iam", "service-accounts", "add-iam-policy-binding")
            .GroupBy(c => c[4], c => TrustRun.Flag(c, "--member")!)
            .ToDictionary(g => g.Key.Split('@')[0], g => g.Order().ToArray());
        if (scenario.Ci != "none")
        {
            var provider = Assert.Single(first.CallsOf("gcloud", "iam", "workload-identity-pools", "providers", "create-oidc"));
            Assert.Equal(TrustSetup.Issuer(scenario.Ci), TrustRun.Flag(provider, "--issuer-uri"));
            var pool = $"projects/{TrustSetup.GcpProjectNumber}/locations/global/workloadIdentityPools/churn-model-ci";
            if (scenario.Ci == "gitlab")
            {
                // GitLab names the audience of its ID tokens in .gitlab-ci.yml: the provider must allow exactly that one.
                var requested = PipelineFiles.Yaml(repo.ReadText(".gitlab-ci.yml")).AllNodes.OfType<YamlDotNet.RepresentationModel.YamlMappingNode>()
                    .Where(n => n.Children.ContainsKey("aud")).Select(n => n["aud"].ToString()).Distinct().ToList();
                Assert.Equal([TrustRun.Flag(provider, "--allowed-audiences")!], requested);
            }

            foreach (var boundary in kubernetes ? TrustSetup.Boundaries : TrustSetup.Boundaries[..2])
            {
                // google.subject is the boundary's label (the first boundary presenting the same subject).
                var subject = TrustSetup.Subjects(scenario.Ci)[boundary];
                var label = TrustSetup.Boundaries.First(b => TrustSetup.Subjects(scenario.Ci)[b] == subject).ToLowerInvariant().Replace('_', '-');
                var expected = $"principal://iam.googleapis.com/{pool}/subject/{label}";
                Assert.Contains($"'{label}'", TrustRun.Flag(provider, "--attribute-mapping"), StringComparison.Ordinal);
                var account = boundary is "PR" or "MAIN" ? $"churn-model-ci-{boundary.ToLowerInvariant()}" : $"churn-model-{boundary.ToLowerInvariant().Replace('_', '-')}";
                Assert.Equal([expected], members[account]);
                Assert.Contains(subject.TrimEnd('*'), TrustRun.Flag(provider, "--attribute-condition"), StringComparison.Ordinal);
            }

            // A prefix tested first would label main's tokens (which GitLab's pull-request prefix matches) as pr.
            var mapping = TrustRun.Flag(provider, "--attribute-mapping")!;
            Assert.True(!mapping.Contains("startsWith(", StringComparison.Ordinal) || mapping.LastIndexOf(" == '", StringComparison.Ordinal) < mapping.IndexOf("startsWith(", StringComparison.Ordinal), $"{scenario}: {mapping}");
        }

        if (kubernetes)
        {
            foreach (var account in new[] { "train", "predict" }.Concat(scenario.Serving != "none" ? ["server"] : []).Concat(scenario.Tracking == "mlflow" ? ["mlflow"] : []))
            {
                Assert.Equal(
                    [$"serviceAccount:churn-prod-4821.svc.id.goog[churn-model-dev/churn-model-{account}]", $"serviceAccount:churn-prod-4821.svc.id.goog[churn-model-prod/churn-model-{account}]"],
                    members[$"churn-model-{account}"]);
            }

            // Each deployer gets edit and the custom resources of its overlay (k8s/bootstrap/rbac-deployer.yaml), in
            // its namespace only, as the Kubernetes user of its service account.
            if (scenario.Ci != "none")
            {
                var bindings = first.CallsOf("kubectl", "create", "rolebinding").Select(c => (Name: c[3], Namespace: TrustRun.Flag(c, "--namespace"), Role: TrustRun.Flag(c, "--clusterrole"), User: TrustRun.Flag(c, "--user"))).ToList();
                foreach (var environment in new[] { "dev", "prod" })
                {
                    var user = $"churn-model-deploy-{environment}@churn-prod-4821.iam.gserviceaccount.com";
                    Assert.Contains(("churn-model-deployer", $"churn-model-{environment}", "edit", user), bindings);
                    Assert.Contains(($"churn-model-deployer-{environment}", $"churn-model-{environment}", $"churn-model-deployer-{environment}", user), bindings);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Azure))]
    public async Task Azure_setup_federates_each_identity_with_exactly_its_subject_and_records_the_client_ids(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var root = TrustSetup.ScratchCopy(repo, scenario.Ci, "azure");
        var kubernetes = scenario.Deploy == "kubernetes";
        var run = await TrustSetup.RunAsync(root, "azure", kubernetes);
        Assert.True(run.Result.ExitCode == 0, $"{scenario}: {run}");
        var credentials = run.CallsOf("az", "identity", "federated-credential", "create")
            .GroupBy(c => TrustRun.Flag(c, "--identity-name")!, c => $"{TrustRun.Flag(c, "--issuer")} {TrustRun.Flag(c, "--subject")}")
            .ToDictionary(g => g.Key, g => g.Order().ToArray());
        var cloud = CloudEnv.Parse(File.ReadAllText(Path.Combine(root, "cloud.env")));

        if (scenario.Ci != "none")
        {
            foreach (var boundary in kubernetes ? TrustSetup.Boundaries : TrustSetup.Boundaries[..2])
            {
                var identity = boundary is "PR" or "MAIN" ? $"churn-model-ci-{boundary.ToLowerInvariant()}" : $"churn-model-{boundary.ToLowerInvariant().Replace('_', '-')}";
                var subject = TrustSetup.Subjects(scenario.Ci)[boundary];
                Assert.Equal($"client-{identity}", cloud[$"AZURE_CLIENT_ID_{boundary}"]);
                if (subject.EndsWith('*'))
                {
                    // Entra ID matches subjects exactly: a prefix gets no credential, and the script says so.
                    Assert.False(credentials.ContainsKey(identity), $"{scenario}: {identity} was federated with a prefix");
                    Assert.Contains($"{identity} has no federated credential", run.Result.StandardError, StringComparison.Ordinal);
                }
                else
                {
                    Assert.Equal([$"{TrustSetup.Issuer(scenario.Ci)} {subject}"], credentials[identity]);
                }
            }
        }

        if (kubernetes)
        {
            foreach (var account in new[] { "train", "predict" }.Concat(scenario.Serving != "none" ? ["server"] : []).Concat(scenario.Tracking == "mlflow" ? ["mlflow"] : []))
            {
                Assert.Equal(
                    [$"https://westeurope.oic.prod-aks.azure.com/t/aks-dev/ system:serviceaccount:churn-model-dev:churn-model-{account}", $"https://westeurope.oic.prod-aks.azure.com/t/aks-prod/ system:serviceaccount:churn-model-prod:churn-model-{account}"],
                    credentials[$"churn-model-{account}"]);
                Assert.Equal($"client-churn-model-{account}", cloud[$"AZURE_{account.ToUpperInvariant()}_CLIENT_ID"]);
            }

            // Azure RBAC covers no custom resource: the script prints, per environment, the RoleBinding an administrator
            // creates to the deployer ClusterRole of k8s/bootstrap, for that environment's deploy identity.
            if (scenario.Ci != "none")
            {
                foreach (var environment in new[] { "dev", "prod" })
                {
                    Assert.Contains($"kubectl create rolebinding churn-model-deployer-{environment} --namespace=churn-model-{environment} --clusterrole=churn-model-deployer-{environment} --user=principal-churn-model-deploy-{environment}", run.Result.StandardError, StringComparison.Ordinal);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(All))]
    public async Task A_setup_script_stops_before_any_change_naming_an_empty_setting_or_a_missing_tool(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var kubernetes = scenario.Deploy == "kubernetes";
        var unfilled = Directory.CreateTempSubdirectory("trust-unfilled-").FullName;
        foreach (var file in repo.Files.Where(f => f == "cloud.env" || f.StartsWith("infra/", StringComparison.Ordinal)))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(unfilled, file))!);
            File.Copy(repo.PathOf(file), Path.Combine(unfilled, file));
        }

        var empty = await TrustSetup.RunAsync(unfilled, scenario.Cloud, kubernetes);
        Assert.True(empty.Result.ExitCode == 1, $"{scenario}: {empty}");
        Assert.Matches(EmptySetting(), empty.Result.StandardError);
        Assert.Empty(empty.Calls);

        var noTool = await TrustSetup.RunAsync(TrustSetup.ScratchCopy(repo, scenario.Ci, scenario.Cloud), scenario.Cloud, kubernetes, withStandIns: false);
        var tool = scenario.Cloud switch { "aws" => "aws", "azure" => "az", _ => "gcloud" };
        Assert.True(noTool.Result.ExitCode == 1, $"{scenario}: {noTool}");
        Assert.StartsWith($"setup-trust.sh: {tool} is not on PATH: install", noTool.Result.StandardError, StringComparison.Ordinal);

        if (kubernetes)
        {
            var noArguments = await Command.RunAsync("/bin/bash", [$"infra/{scenario.Cloud}/setup-trust.sh"], TrustSetup.ScratchCopy(repo, scenario.Ci, scenario.Cloud));
            var needsClusters = scenario.Cloud != "gcp" || scenario.Ci != "none";
            Assert.Equal(needsClusters, noArguments.StandardError.Contains("usage: setup-trust.sh DEV_CLUSTER PROD_CLUSTER", StringComparison.Ordinal));
        }
    }

    /// <summary>Runs the moto stand-in over one recorded <c>aws cloudformation deploy</c>; returns the IAM roles it made.</summary>
    internal static async Task<JsonObject> UnderMotoAsync(string root, IReadOnlyList<string> deploy)
    {
        var template = TrustRun.Flag(deploy, "--template-file")!;
        var overrides = deploy.SkipWhile(a => a != "--parameter-overrides").Skip(1).Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        // moto cannot create IAM OIDC providers from a template: the account's existing provider is referenced instead.
        if (overrides.ContainsKey("CreateOidcProvider"))
        {
            overrides["CreateOidcProvider"] = "false";
        }

        var script = Path.Combine(RepositoryPaths.Root, "tests", "MlopsTemplates.Tests", "Ci", "cloudformation-under-moto.py");
        var result = await Command.RunAsync("python3", [script, template, JsonSerializer.Serialize(overrides)], root,
            new Dictionary<string, string?> { ["AWS_ACCOUNT_ID"] = AwsAccount, ["MOTO_ACCOUNT_ID"] = AwsAccount });
        Assert.True(result.ExitCode == 0, $"CloudFormation under moto failed for {template}:{Environment.NewLine}{result}");
        return JsonNode.Parse(result.StandardOutput)!.AsObject();
    }

    private static IEnumerable<JsonNode> Statements(JsonNode role) =>
        role["policies"]!.AsObject().SelectMany(p => p.Value!["Statement"]!.AsArray()).Select(s => s!);

    private static List<string> ActionsOf(JsonNode statement) =>
        statement["Action"] is JsonArray many ? many.Select(a => (string)a!).ToList() : [(string)statement["Action"]!];

    private static List<string> Resources(JsonNode statement) =>
        statement["Resource"] is JsonArray many ? many.Select(a => (string)a!).ToList() : [(string)statement["Resource"]!];

    private static List<string> Actions(JsonNode role) =>
        Statements(role).Where(s => (string?)s["Effect"] == "Allow").SelectMany(ActionsOf).Distinct().ToList();

    /// <summary>The command words of a gcloud call (a release track first, if any): the longest prefix that is a group or command of the installed CLI's surface.</summary>
    internal static List<string> GcloudCommand(IReadOnlyList<string> call)
    {
        var surface = GcloudSurface();
        var path = new List<string>();
        var dir = surface;
        foreach (var (word, i) in call.Skip(1).TakeWhile(w => !w.StartsWith('-')).Select((w, i) => (w, i)))
        {
            // A release track (gcloud beta services identity create) is no folder of the surface: its commands are.
            if (i == 0 && word is "alpha" or "beta")
            {
                path.Add(word);
                continue;
            }

            var name = word.Replace('-', '_');
            if (File.Exists(Path.Combine(dir, name + ".py")) || File.Exists(Path.Combine(dir, name + ".yaml")))
            {
                path.Add(word);
                return path;
            }

            if (!Directory.Exists(Path.Combine(dir, name)))
            {
                break;
            }

            dir = Path.Combine(dir, name);
            path.Add(word);
        }

        Assert.Fail($"not a command of the installed gcloud: {string.Join(" ", call)}");
        return path;
    }

    private static string GcloudSurface()
    {
        var gcloud = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "gcloud")).FirstOrDefault(File.Exists);
        Skip.If(gcloud is null, $"gcloud is not on PATH; {Validator.InstallHint}");
        var real = new FileInfo(gcloud).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? gcloud;
        return Path.GetFullPath(Path.Combine(Path.GetDirectoryName(real)!, "..", "lib", "surface"));
    }

    /// <summary>The flags <c>gcloud COMMAND --help</c> lists (offline), once per command per test run.</summary>
    internal static Task<HashSet<string>> GcloudFlagsAsync(IReadOnlyList<string> path) =>
        GcloudFlags.GetOrAdd(string.Join(" ", path), _ => new(async () =>
        {
            var help = await Command.RunAsync("gcloud", [.. path, "--help"], environment: new Dictionary<string, string?> { ["PAGER"] = "cat", ["CLOUDSDK_CORE_DISABLE_PROMPTS"] = "1" });
            help.EnsureSuccess();
            return HelpFlag().Matches(help.StandardOutput).Select(m => m.Value).ToHashSet();
        })).Value;

    [GeneratedRegex(@"--[a-z][a-z0-9-]*")]
    private static partial Regex HelpFlag();

    [GeneratedRegex(@"^setup-trust\.sh: [A-Z][A-Z0-9_]*: is empty: set it in (cloud\.env|infra/trust-subjects\.env|infra/workload-identities\.env)\n$")]
    private static partial Regex EmptySetting();
}
