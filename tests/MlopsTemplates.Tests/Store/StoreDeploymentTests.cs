using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Ci;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Kubernetes;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.Store;

/// <summary>
/// How a <c>--store</c> with a database server is deployed and configured, checked statically (no cluster here): the
/// k8s/components/store component in both overlays rendered by <c>kubectl kustomize</c> and validated like every other
/// manifest (kubernetes-models, unknown fields rejected, the restricted profile, names), the Secret's keys reaching the
/// pods that record, the database port the only new egress, the monitoring CronJob; k8s/deploy.sh against a stand-in
/// kubectl stopping while the Secret is missing; every STORE_* setting the code reads documented in .env.example, and in
/// cloud.env where the pods get them; the keyless database login set up by infra/ under stand-ins for the cloud CLIs; the
/// db extra installed only with a store. The repositories are the ones <see cref="StoreVariantTests"/> generates.
/// </summary>
public sealed partial class StoreDeploymentTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string Project = GeneratedVariants.ProjectName;
    private const string Secret = $"{Project}-prediction-log";

    public static TheoryData<string, int> Servers => new()
    {
        { "--store postgres", 5432 },
        { "--store mongodb", 27017 },
        { "--store cosmosdb --cloud azure --serving flask", 10260 },
    };

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task Static_both_overlays_with_the_store_component_pass_the_manifest_checks_and_give_the_secret_to_the_pods_that_record(string options, int port)
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var folder = Directory.CreateDirectory(fixture.Pack.NewOutputDirectory("store-k8s")).FullName;
        foreach (var overlay in new[] { "dev", "prod" })
        {
            Assert.Contains("- ../../components/store", repo.ReadText($"k8s/overlays/{overlay}/kustomization.yaml"));
            var yaml = await Validators.RenderKustomizationAsync(repo.PathOf($"k8s/overlays/{overlay}"));
            var file = Path.Combine(folder, $"{overlay}.yaml");
            await File.WriteAllTextAsync(file, yaml);
            await Validators.KubernetesModels.AssertValidAsync([file]);
            await Validators.KubernetesStrict.AssertValidAsync([file]);
            var objects = KubeObject.Parse($"k8s/overlays/{overlay}", yaml);
            Assert.All(objects, o => Assert.Empty(ManifestRules.NameViolations(o)));

            // The monitoring CronJob: restricted, its own token-less ServiceAccount, the monitoring stage after the data
            // step, and a threshold verdict (exit 1) failing the Job without retries.
            var monitor = Assert.Single(objects, o => o.Kind == "CronJob" && o.Name == $"{Project}-monitor");
            Assert.Empty(ManifestRules.PodTemplateViolations(monitor));
            var pod = monitor.PodTemplate.Map("spec")!;
            Assert.Equal($"{Project}-monitor", pod.Scalar("serviceAccountName"));
            var account = Assert.Single(objects, o => o.Kind == "ServiceAccount" && o.Name == $"{Project}-monitor");
            Assert.Equal("false", account.Root.Scalar("automountServiceAccountToken"));
            Assert.Equal(["prepare-data"], pod.Seq("initContainers").Select(c => c.Scalar("name")));
            var container = Assert.Single(pod.Seq("containers"));
            Assert.Equal($"{GeneratedVariants.PackageName}.monitor", container.Seq("command").Last().ToString());
            Assert.Equal(pod.Seq("initContainers").Single().Scalar("image"), container.Scalar("image"));
            Assert.Equal("churn-model:0.1.0", container.Scalar("image"));
            var rule = Assert.Single(monitor.Root.Seq("spec", "jobTemplate", "spec", "podFailurePolicy", "rules"));
            Assert.Equal(("FailJob", "monitor", "1"), (rule.Scalar("action"), rule.Scalar("onExitCodes", "containerName"), rule.Seq("onExitCodes", "values").Single().ToString()));
            Assert.Equal(repo.Option("cloud") == "azure", monitor.PodTemplate.Map("metadata", "labels").ToStrings().ContainsKey("azure.workload.identity/use"));

            // STORE_URL (required) and STORE_AUTH from the Secret, in every container that records or reads the log, and
            // in training's train step for feedback.include (dev only: production trains nowhere), its init containers
            // still in the pipeline's order.
            var recorders = new List<(KubeObject Owner, string Container)> { (Assert.Single(objects, o => o.Kind == "CronJob" && o.Name == $"{Project}-predict"), "predict"), (monitor, "monitor") };
            if (repo.Option("serving") != "none")
            {
                recorders.Add((Assert.Single(objects, o => o.Kind == "Deployment" && o.Name == Project), "server"));
            }

            var training = objects.Where(o => (o.Kind, o.Name) == ("Job", $"{Project}-train") || (o.Kind, o.Name) == ("CronJob", $"{Project}-retrain")).ToList();
            Assert.Equal(overlay == "dev" ? 2 : 0, training.Count);
            foreach (var owner in training)
            {
                Assert.Equal(["ingest", "prepare", "train"], owner.PodTemplate.Seq("spec", "initContainers").Select(c => c.Scalar("name")));
                recorders.Add((owner, "train"));
            }

            foreach (var (owner, name) in recorders)
            {
                var env = owner.PodTemplate.Seq("spec", "containers").Concat(owner.PodTemplate.Seq("spec", "initContainers")).Single(c => c.Scalar("name") == name).Seq("env").ToList();
                var url = Assert.Single(env, e => e.Scalar("name") == "STORE_URL");
                Assert.Equal((Secret, "STORE_URL", null), (url.Scalar("valueFrom", "secretKeyRef", "name"), url.Scalar("valueFrom", "secretKeyRef", "key"), url.Scalar("valueFrom", "secretKeyRef", "optional")));
                Assert.Equal("true", env.Single(e => e.Scalar("name") == "STORE_AUTH").Scalar("valueFrom", "secretKeyRef", "optional"));
            }

            // The database's port is the one egress the component adds, for those pods only.
            var database = Assert.Single(objects, o => o.Kind == "NetworkPolicy" && o.Name == $"{Project}-database");
            Assert.Equal(["Egress"], database.Root.Seq("spec", "policyTypes").Select(p => p.ToString()));
            var components = database.Root.Seq("spec", "podSelector", "matchExpressions").Single(e => e.Scalar("key") == "app.kubernetes.io/component").Seq("values").Select(v => v.ToString());
            Assert.Equal(["server", "batch-prediction", "monitoring", "training"], components);
            var ports = database.Root.Seq("spec", "egress").SelectMany(e => e.Seq("ports")).ToList();
            Assert.Equal([(port.ToString(System.Globalization.CultureInfo.InvariantCulture), "TCP")], ports.Select(p => (p.Scalar("port"), p.Scalar("protocol"))));
            var own = Assert.Single(objects, o => o.Kind == "NetworkPolicy" && o.Name == $"{Project}-monitor");
            Assert.Empty(own.Root.Seq("spec", "ingress"));
            Assert.Equal("monitoring", own.Root.Scalar("spec", "podSelector", "matchLabels", "app.kubernetes.io/component"));
        }

        // The strict validator is what would catch a misspelt field of the component: shown on a broken copy.
        var broken = Path.Combine(folder, "broken.yaml");
        await File.WriteAllTextAsync(broken, (await File.ReadAllTextAsync(Path.Combine(folder, "prod.yaml"))).Replace("secretKeyRef:", "secretKeyReference:", StringComparison.Ordinal));
        await Validators.KubernetesStrict.AssertInvalidAsync([broken], expectedFragments: ["secretKeyReference"]);
    }

    private const string FakeKubectl = """
        #!/usr/bin/env bash
        # Records the call; `get secret` fails while FAKE_SECRET=missing, as kubectl does for an absent Secret.
        printf '%s\n' "$*" >> "$FAKE_KUBECTL_LOG"
        case "$*" in
          *"get secret"*) [ "$FAKE_SECRET" != missing ] || { echo 'Error from server (NotFound): secrets not found' >&2; exit 1; } ;;
          *"get job"*) echo Complete ;;
          *"get --raw"*) printf 'ok' ;;
        esac
        """;

    [Fact]
    public async Task Deploy_stops_before_changing_anything_while_the_secret_is_missing_naming_it_and_the_command_that_creates_it()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, "--store postgres");
        var copy = CloudEnv.CopyWithSettings(repo, CloudEnv.FilledIn("local"));
        var bin = Directory.CreateTempSubdirectory("fake-kubectl-").FullName;
        File.WriteAllText(Path.Combine(bin, "kubectl"), FakeKubectl.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(Path.Combine(bin, "kubectl"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var log = Path.Combine(bin, "calls.log");

        async Task<(CommandResult Result, string[] Calls)> Apply(string secret)
        {
            File.Delete(log);
            var environment = new Dictionary<string, string?>
            {
                ["PATH"] = $"{bin}{Path.PathSeparator}{Environment.GetEnvironmentVariable("PATH")}",
                ["FAKE_KUBECTL_LOG"] = log,
                ["FAKE_SECRET"] = secret,
                ["IMAGE_REPOSITORY"] = "registry.example.com/team/churn-model",
                ["IMAGE_TAG"] = "0123abcd",
            };
            var result = await Command.RunAsync("bash", ["k8s/deploy.sh", "apply", "prod"], copy, environment);
            return (result, File.Exists(log) ? File.ReadAllLines(log) : []);
        }

        var (missing, missingCalls) = await Apply("missing");
        Assert.True(missing.ExitCode == 1, missing.ToString());
        Assert.Contains($"the Secret {Secret} (the prediction log's database settings) is missing in {Project}-prod", missing.StandardError);
        Assert.Contains($"kubectl -n {Project}-prod create secret generic {Secret} --from-literal=STORE_URL=", missing.StandardError);
        Assert.Equal([$"-n {Project}-prod get secret {Secret}"], missingCalls);

        var (present, presentCalls) = await Apply("present");
        present.EnsureSuccess();
        Assert.Equal([$"-n {Project}-prod get secret {Secret}", $"apply -k .deploy/prod"], presentCalls.Take(2));
    }

    [Fact]
    public async Task Deploy_gives_the_monitoring_account_a_cloud_identity_of_its_own()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, "--store cosmosdb --cloud azure --serving flask");
        var settings = CloudEnv.FilledIn("azure");
        var copy = CloudEnv.CopyWithSettings(repo, settings);

        (await Command.RunAsync("bash", ["k8s/deploy.sh", "render", "dev"], copy, new Dictionary<string, string?> { ["IMAGE_REPOSITORY"] = "churnregistry.azurecr.io/churn-model", ["IMAGE_TAG"] = "0123abcd" })).EnsureSuccess();
        var objects = KubeObject.Parse(".deploy/dev", await Validators.RenderKustomizationAsync(Path.Combine(copy, ".deploy", "dev")));

        var monitor = Assert.Single(objects, o => o.Kind == "ServiceAccount" && o.Name == $"{Project}-monitor");
        Assert.Equal(settings["AZURE_MONITOR_CLIENT_ID"], monitor.Annotations["azure.workload.identity/client-id"]);
        Assert.NotEqual(settings["AZURE_PREDICT_CLIENT_ID"], settings["AZURE_MONITOR_CLIENT_ID"]);
        var cronJob = Assert.Single(objects, o => o.Kind == "CronJob" && o.Name == $"{Project}-monitor");
        Assert.Equal("churnregistry.azurecr.io/churn-model:0123abcd", cronJob.PodTemplate.Seq("spec", "containers").Single().Scalar("image"));
    }

    public static TheoryData<string> KeylessClouds => new()
    {
        "--store postgres --cloud aws",
        "--store postgres --cloud gcp",
        "--store cosmosdb --cloud azure --serving flask",
    };

    /// <summary>
    /// infra/CLOUD/setup-trust.sh against the stand-ins of <see cref="TrustSetup"/> (no cloud account here; the AWS stack
    /// built by CloudFormation under moto, the template through cfn-lint): the monitoring ServiceAccount has an identity
    /// of its own, trusting its exact subject in both namespaces, and every other identity trusts only its own
    /// ServiceAccount; the database login goes to the workloads that use the log and nowhere else. Its read of the lake's
    /// train split is <see cref="DataEngineering.LakeAccessTests"/>'s.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(KeylessClouds))]
    public async Task Infra_under_stand_ins_gives_the_monitoring_account_its_own_identity_and_grants_the_database_login_only_to_the_log_users(string options)
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var cloud = repo.Option("cloud");
        Assert.Contains($"K8S_SA_MONITOR={Project}-monitor", repo.ReadText("infra/workload-identities.env"), StringComparison.Ordinal);
        var root = TrustSetup.ScratchCopy(repo, repo.Option("ci"), cloud);
        string[] namespaces = [$"{Project}-dev", $"{Project}-prod"];
        string[] own(string account) => [.. namespaces.Select(n => $"system:serviceaccount:{n}:{Project}-{account}")];

        if (cloud == "aws")
        {
            await Validators.CfnLint.AssertValidAsync(repo, ["infra/aws/workload-identity.yaml"]);
            const string database = "db-ABCDEFGHIJKLMNOPQRSTUVWXY0";
            foreach (var resourceId in new[] { database, "" })
            {
                SetSetting(root, "AWS_RDS_RESOURCE_ID", resourceId);
                var run = await TrustSetup.RunAsync(root, "aws", kubernetes: true, everythingExists: true);
                Assert.True(run.Result.ExitCode == 0, run.ToString());
                var stack = run.CallsOf("aws", "cloudformation", "deploy").Last(c => TrustRun.Flag(c, "--stack-name") == $"{Project}-workload-identity");
                var roles = await TrustTests.UnderMotoAsync(root, stack);

                // An IAM condition on :sub with a list would match any of its values: each role names one subject per namespace.
                static IEnumerable<string> Subjects(JsonNode role) => role["trust"]!["Statement"]!.AsArray()
                    .Select(s => s!["Condition"]!["StringEquals"]!.AsObject().Single(kv => kv.Key.EndsWith(":sub", StringComparison.Ordinal)).Value!)
                    .SelectMany(v => v is JsonArray many ? many.Select(x => (string)x!) : [(string)v!]);
                foreach (var account in new[] { "predict", "monitor", "server", "train", "mlflow" })
                {
                    Assert.Equal(own(account), Subjects(roles[$"{Project}-{account}"]!));
                }

                // rds-db:connect as exactly STORE_URL's user of that database, for the roles that read or write the log.
                var logins = roles.Where(r => r.Value!["policies"]!["prediction-log"] is not null).ToDictionary(r => r.Key, r => r.Value!["policies"]!["prediction-log"]!);
                string[] users = resourceId == "" ? [] : [$"{Project}-monitor", $"{Project}-predict", $"{Project}-server", $"{Project}-train"];
                // The monitoring role reads nothing of the model store.
                Assert.Null(roles[$"{Project}-monitor"]!["policies"]!["model-store"]);
                Assert.Equal(users, logins.Keys.Order());
                foreach (var login in logins.Values)
                {
                    var statement = Assert.Single(login["Statement"]!.AsArray())!;
                    Assert.Equal(("Allow", "rds-db:connect", $"arn:aws:rds-db:eu-west-1:210987654321:dbuser:{database}/{GeneratedVariants.PackageName}"), ((string?)statement["Effect"], (string?)statement["Action"], (string?)statement["Resource"]));
                }

                Assert.Equal(resourceId == "", run.Result.StandardError.Contains("AWS_RDS_RESOURCE_ID is empty in cloud.env", StringComparison.Ordinal));
            }
        }
        else if (cloud == "azure")
        {
            var run = await TrustSetup.RunAsync(root, "azure", kubernetes: true);
            Assert.True(run.Result.ExitCode == 0, run.ToString());
            var subjects = run.CallsOf("az", "identity", "federated-credential", "create")
                .GroupBy(c => TrustRun.Flag(c, "--identity-name")!, c => TrustRun.Flag(c, "--subject")!)
                .ToDictionary(g => g.Key, g => g.Order().ToArray());
            Assert.Equal(own("predict"), subjects[$"{Project}-predict"]);
            Assert.Equal(own("monitor"), subjects[$"{Project}-monitor"]);
            Assert.Equal(own("server"), subjects[$"{Project}-server"]);
            // The monitoring identity gets no role on the model store (without a lake, no role at all).
            Assert.DoesNotContain(run.CallsOf("az", "role", "assignment", "create"), c => TrustRun.Flag(c, "--assignee-object-id") == $"principal-{Project}-monitor");
            Assert.Equal(own("train"), subjects[$"{Project}-train"]);
            Assert.Contains("registered as Microsoft Entra users in its database", run.Result.StandardOutput, StringComparison.Ordinal);
        }
        else
        {
            SetSetting(root, "GCP_SQL_INSTANCE", "churn-log");
            var run = await TrustSetup.RunAsync(root, "gcp", kubernetes: true);
            Assert.True(run.Result.ExitCode == 0, run.ToString());
            var project = CloudEnv.FilledIn("gcp")["GCP_PROJECT_ID"];
            var impersonators = run.CallsOf("gcloud", "iam", "service-accounts", "add-iam-policy-binding")
                .GroupBy(c => c[4].Split('@')[0], c => TrustRun.Flag(c, "--member")!)
                .ToDictionary(g => g.Key, g => g.Order().ToArray());
            string[] workload(params string[] accounts) => [.. namespaces.SelectMany(n => accounts.Select(a => $"serviceAccount:{project}.svc.id.goog[{n}/{Project}-{a}]")).Order()];
            Assert.Equal(workload("predict"), impersonators[$"{Project}-predict"]);
            Assert.Equal(workload("monitor"), impersonators[$"{Project}-monitor"]);
            Assert.Equal(workload("server"), impersonators[$"{Project}-server"]);
            Assert.DoesNotContain(run.CallsOf("gcloud", "storage", "buckets", "add-iam-policy-binding"), c => TrustRun.Flag(c, "--member")!.Contains($"{Project}-monitor@", StringComparison.Ordinal));

            // roles/cloudsql.instanceUser on that one instance (an IAM condition), for the log's users only.
            var logins = run.CallsOf("gcloud", "projects", "add-iam-policy-binding").Where(c => TrustRun.Flag(c, "--role") == "roles/cloudsql.instanceUser").ToList();
            Assert.Equal(new[] { "monitor", "predict", "server", "train" }.Select(a => $"serviceAccount:{Project}-{a}@{project}.iam.gserviceaccount.com"), logins.Select(c => TrustRun.Flag(c, "--member")).Order());
            Assert.All(logins, c => Assert.Equal($"expression=resource.name == 'projects/{project}/instances/churn-log' && resource.type == 'sqladmin.googleapis.com/Instance',title=prediction-log-login", TrustRun.Flag(c, "--condition")));
        }
    }

    /// <summary>Sets KEY=VALUE in the scratch copy's cloud.env (the line exists: the generated file has the key).</summary>
    private static void SetSetting(string root, string key, string value)
    {
        var file = Path.Combine(root, "cloud.env");
        var lines = File.ReadAllLines(file);
        Assert.Contains(lines, l => l.StartsWith(key + "=", StringComparison.Ordinal));
        File.WriteAllLines(file, lines.Select(l => l.StartsWith(key + "=", StringComparison.Ordinal) ? $"{key}={value}" : l));
    }

    [Theory]
    [InlineData("--store sqlite --deploy none --serving flask")]
    [InlineData("--store postgres")]
    [InlineData("--store postgres --cloud aws")]
    [InlineData("--store postgres --cloud gcp")]
    [InlineData("--store mongodb")]
    [InlineData("--store cosmosdb --cloud azure --serving flask")]
    public async Task Every_store_setting_the_code_reads_is_documented_in_env_example_and_cloud_env_says_where_the_pods_get_them_without_holding_one(string options)
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);

        var read = repo.Files.Where(f => f.StartsWith($"src/{GeneratedVariants.PackageName}/", StringComparison.Ordinal) && f.EndsWith(".py", StringComparison.Ordinal))
            .SelectMany(f => SettingRead().Matches(repo.ReadText(f)).Select(m => m.Groups[1].Value))
            .ToHashSet();
        var documented = EnvLine().Matches(repo.ReadText(".env.example")).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

        Assert.Contains("STORE_URL", read);
        Assert.True(read.Count >= 9, $"only {string.Join(", ", read)} read: the grep lost the settings");
        Assert.All(read, name => Assert.True(documented.ContainsKey(name), $"{name} is read by the store code but not in .env.example"));
        Assert.All(documented.Keys.Where(k => k.StartsWith("STORE_", StringComparison.Ordinal)), name => Assert.Contains(name, read));
        Assert.Equal("", documented["STORE_URL"]);
        Assert.Contains($"STORE_AUTH={(repo.Option("store") == "cosmosdb" ? "azure-entra" : "password")}", repo.ReadText(".env.example"));

        // cloud.env is committed and exported to every make target: it holds no STORE_* value, names the Secret and
        // every key of it the deployed pods read, and shows the login of the chosen cloud.
        var cloudEnv = repo.ReadText("cloud.env");
        Assert.DoesNotContain(CloudEnv.Parse(cloudEnv).Keys, k => k.StartsWith("STORE_", StringComparison.Ordinal));
        Assert.Contains("docs/store.md", cloudEnv, StringComparison.Ordinal);
        if (repo.Exists("k8s/components/store/kustomization.yaml"))
        {
            var fromSecret = SecretKey().Matches(repo.ReadText("k8s/components/store/kustomization.yaml")).Select(m => m.Groups[1].Value).ToHashSet();
            Assert.Contains("STORE_URL", fromSecret);
            Assert.Contains($"from the Secret {Secret}", cloudEnv, StringComparison.Ordinal);
            Assert.All(fromSecret, key => Assert.Contains(key, cloudEnv, StringComparison.Ordinal));
        }

        var login = (repo.Option("store"), repo.Option("cloud")) switch
        {
            ("postgres", "aws") => "aws-iam",
            ("postgres", "gcp") => "gcp-iam",
            ("postgres", "azure") or ("cosmosdb", _) => "azure-entra",
            ("sqlite", _) => null,
            _ => "password",
        };
        if (login is not null)
        {
            Assert.Contains($"STORE_AUTH={login}", cloudEnv, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_db_extra_is_installed_by_make_install_and_the_image_only_with_a_store()
    {
        foreach (var (options, withDb) in new[] { ("--store postgres", true), ("", false) })
        {
            var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
            var install = (await Command.RunAsync("make", ["-n", "install"], repo.Root)).EnsureSuccess();
            var pip = install.StandardOutput.Split('\n').Single(l => l.Contains("pip install -c constraints.txt -e", StringComparison.Ordinal));
            var extras = Regex.Match(pip, @"\.\[([^\]]*)\]").Groups[1].Value.Split(',');
            Assert.Equal(withDb, extras.Contains("db"));
            var image = Regex.Match(repo.ReadText("Dockerfile"), @"pip install --constraint constraints.txt ""\.\[([^$\]]*)").Groups[1].Value.Split(',');
            Assert.Equal(withDb, image.Contains("db"));
            Assert.Contains("store", image);
        }
    }

    [GeneratedRegex(@"[""'](STORE_[A-Z_]+)[""']")]
    private static partial Regex SettingRead();

    [GeneratedRegex(@"(?m)^([A-Z][A-Z0-9_]*)=(.*)$")]
    private static partial Regex EnvLine();

    [GeneratedRegex(@"key: (STORE_[A-Z_]+)")]
    private static partial Regex SecretKey();
}
