using System.Text.Json.Nodes;
using MlopsTemplates.Tests.Ci;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.DataEngineering;

/// <summary>
/// With --deploy kubernetes and a Spark or Hive prepare step, the training identity (the Job's ingest, the
/// SparkApplication's driver and executors) reads and writes the data lake of data-lake.env, and only its zones, and
/// the monitoring identity of a --store reads its train split:
/// infra/CLOUD/setup-trust.sh run against the stand-in cloud CLIs of the trust tests (AWS: the workload identity stack
/// created under moto, a library standing in for AWS that does not evaluate policies, so the test reads them).
/// </summary>
public sealed class LakeAccessTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    public static TheoryData<string, string> Rows => new()
    {
        { "aws", "spark" },
        { "gcp", "spark" },
        { "azure", "hive" },
    };

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task The_training_identity_may_write_the_lakes_zones_and_nothing_else_of_it(string cloud, string prepare)
    {
        var (root, lake, bucket, prefix, run, settings) = await SetUpTrustAsync(cloud, ["--prepare", prepare]);
        switch (cloud)
        {
            case "aws":
                var deploy = run.CallsOf("aws", "cloudformation", "deploy").Single(c => c.Contains("churn-model-workload-identity"));
                Assert.Contains($"LakeBucket={bucket}", deploy);
                Assert.Contains($"LakePrefix={prefix}", deploy);
                var roles = await TrustTests.UnderMotoAsync(root, deploy);
                var train = roles[settings["AWS_TRAIN_ROLE_NAME"]]!["policies"]!["data-lake"]!["Statement"]!.AsArray();
                var writes = train.Single(s => Actions(s!).Contains("s3:PutObject"))!;
                Assert.Equal([$"arn:aws:s3:::{bucket}/{prefix}/raw/*", $"arn:aws:s3:::{bucket}/{prefix}/processed/*"], Strings(writes["Resource"]!));
                Assert.Equal($"arn:aws:s3:::{bucket}/{prefix}/*", (string)train.Single(s => Actions(s!).SequenceEqual(["s3:GetObject"]))!["Resource"]!);
                // Batch prediction and the model server never touch the lake.
                Assert.All(roles.Where(r => r.Key != settings["AWS_TRAIN_ROLE_NAME"]), r => Assert.Null(r.Value!["policies"]!["data-lake"]));
                break;
            case "gcp":
                var bindings = run.CallsOf("gcloud", "storage", "buckets", "add-iam-policy-binding", $"gs://{bucket}").ToList();
                var binding = Assert.Single(bindings);
                Assert.Equal($"serviceAccount:{settings["GCP_TRAIN_SERVICE_ACCOUNT"]}@{settings["GCP_PROJECT_ID"]}.iam.gserviceaccount.com", TrustRun.Flag(binding, "--member"));
                Assert.Equal("roles/storage.objectUser", TrustRun.Flag(binding, "--role"));
                var objects = $"projects/_/buckets/{bucket}/objects/{prefix}";
                Assert.Equal($"expression=resource.type == 'storage.googleapis.com/Bucket' || resource.name.startsWith('{objects}/raw/') || resource.name.startsWith('{objects}/processed/'),title=data-lake-zones", TrustRun.Flag(binding, "--condition"));
                break;
            default:
                var assignment = Assert.Single(run.CallsOf("az", "role", "assignment", "create"), c => TrustRun.Flag(c, "--scope")!.EndsWith($"/containers/{bucket}", StringComparison.Ordinal));
                Assert.Equal("principal-churn-model-train", TrustRun.Flag(assignment, "--assignee-object-id"));
                Assert.Equal("Storage Blob Data Contributor", TrustRun.Flag(assignment, "--role"));
                Assert.Contains($"@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringLike '{prefix}/*'", TrustRun.Flag(assignment, "--condition"), StringComparison.Ordinal);
                break;
        }

        // A lake on another cloud's store is refused, naming the setting, and nothing is granted on it.
        var lakeFile = Path.Combine(root, "data-lake.env");
        File.WriteAllText(lakeFile, File.ReadAllText(lakeFile).Replace($"DATA_URI={lake}", "DATA_URI=hdfs://namenode/lake", StringComparison.Ordinal));
        var refused = await TrustSetup.RunAsync(root, cloud, kubernetes: true);
        Assert.NotEqual(0, refused.Result.ExitCode);
        Assert.Contains("DATA_URI=hdfs://namenode/lake in data-lake.env", refused.Result.StandardError, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> MonitoredRows => new()
    {
        { "aws", "--store postgres" },
        { "gcp", "--store mongodb" },
        { "azure", "--store cosmosdb --serving flask" },
    };

    /// <summary>
    /// The monitoring CronJob of a --store reads the lake's train split, its drift reference, under an identity of its
    /// own, and nothing else of the lake (GCS and Azure still list blob names, as the training identity's grants do).
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(MonitoredRows))]
    public async Task The_monitoring_identity_may_read_the_lakes_train_split_and_nothing_else_of_it(string cloud, string store)
    {
        var (root, _, bucket, prefix, run, settings) = await SetUpTrustAsync(cloud, ["--prepare", "spark", .. store.Split(' ')]);
        switch (cloud)
        {
            case "aws":
                var deploy = run.CallsOf("aws", "cloudformation", "deploy").Single(c => c.Contains("churn-model-workload-identity"));
                var roles = await TrustTests.UnderMotoAsync(root, deploy);
                var monitor = roles[settings["AWS_MONITOR_ROLE_NAME"]]!["policies"]!;
                Assert.Null(monitor["data-lake"]);
                var reads = monitor["data-lake-train-split"]!["Statement"]!.AsArray();
                Assert.Equal(["s3:GetObject", "s3:ListBucket"], reads.SelectMany(r => Actions(r!)).Order());
                Assert.Equal($"arn:aws:s3:::{bucket}/{prefix}/processed/split=train/*", (string)reads.Single(r => Actions(r!).SequenceEqual(["s3:GetObject"]))!["Resource"]!);
                Assert.Equal($"{prefix}/processed/split=train/*", (string)reads.Single(r => Actions(r!).SequenceEqual(["s3:ListBucket"]))!["Condition"]!["StringLike"]!["s3:prefix"]!);
                // Batch prediction and the model server still never touch the lake.
                Assert.All(roles.Where(r => r.Key != settings["AWS_TRAIN_ROLE_NAME"] && r.Key != settings["AWS_MONITOR_ROLE_NAME"]), r => Assert.DoesNotContain(r.Value!["policies"]!.AsObject(), p => p.Key.StartsWith("data-lake", StringComparison.Ordinal)));
                break;
            case "gcp":
                var member = $"serviceAccount:{settings["GCP_MONITOR_SERVICE_ACCOUNT"]}@{settings["GCP_PROJECT_ID"]}.iam.gserviceaccount.com";
                var binding = Assert.Single(run.CallsOf("gcloud", "storage", "buckets", "add-iam-policy-binding"), c => TrustRun.Flag(c, "--member") == member);
                Assert.Equal($"gs://{bucket}", binding[4]);
                Assert.Equal("roles/storage.objectViewer", TrustRun.Flag(binding, "--role"));
                Assert.Equal($"expression=resource.type == 'storage.googleapis.com/Bucket' || resource.name.startsWith('projects/_/buckets/{bucket}/objects/{prefix}/processed/split=train/'),title=data-lake-train-split", TrustRun.Flag(binding, "--condition"));
                break;
            default:
                var assignment = Assert.Single(run.CallsOf("az", "role", "assignment", "create"), c => TrustRun.Flag(c, "--assignee-object-id") == "principal-churn-model-monitor");
                Assert.EndsWith($"/containers/{bucket}", TrustRun.Flag(assignment, "--scope"), StringComparison.Ordinal);
                Assert.Equal("Storage Blob Data Reader", TrustRun.Flag(assignment, "--role"));
                Assert.Contains($"@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith '{prefix}/processed/split=train/'", TrustRun.Flag(assignment, "--condition"), StringComparison.Ordinal);
                break;
        }
    }

    /// <summary>
    /// A --deploy kubernetes repository with a lake (GitHub Actions CI), infra/CLOUD/setup-trust.sh run once under the
    /// stand-ins (it must succeed): its scratch root, the lake's DATA_URI split into bucket (or container) and prefix,
    /// the run and the cloud.env it left.
    /// </summary>
    private async Task<(string Root, string Lake, string Bucket, string Prefix, TrustRun Run, IReadOnlyDictionary<string, string> Settings)> SetUpTrustAsync(string cloud, string[] options)
    {
        var repo = await fixture.Pack.GenerateAsync("churn-model", ["--ci", "github", "--cloud", cloud, "--deploy", "kubernetes", "--data", "none", .. options]);
        var root = TrustSetup.ScratchCopy(repo, "github", cloud);
        var lake = DataEngineeringCases.Setting(repo, "data-lake.env", "DATA_URI");
        var location = lake.Split("://")[1].Split('/', 2);
        var run = await TrustSetup.RunAsync(root, cloud, kubernetes: true);
        Assert.True(run.Result.ExitCode == 0, run.ToString());
        return (root, lake, location[0], location[1], run, CloudEnv.Parse(File.ReadAllText(Path.Combine(root, "cloud.env"))));
    }

    private static List<string> Actions(JsonNode statement) => Strings(statement["Action"]!);

    private static List<string> Strings(JsonNode node) => node is JsonArray many ? many.Select(a => (string)a!).ToList() : [(string)node!];
}
