namespace MlopsTemplates.Tests.Infrastructure;

/// <summary>
/// The generated cloud.env (KEY=VALUE lines) and the values a user would fill in, for tests that deploy or
/// build with real-looking settings without touching the shared generated repository.
/// </summary>
public static class CloudEnv
{
    private const string AwsAccount = "210987654321";
    private const string GcpProject = "churn-prod-4821";
    private const string AzureTrainClient = "6f1c2a9e-3b7d-4e05-9a8c-1d2e3f405162";
    private const string AzureMlflowClient = "0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b";
    private const string AzureServerClient = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
    private const string AzurePredictClient = "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d";
    private const string AzureMonitorClient = "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b";
    private const string AzureStorage = "churnstore";

    public static IReadOnlyDictionary<string, string> Read(GeneratedRepository repo) =>
        Parse(repo.ReadText("cloud.env"));

    public static IReadOnlyDictionary<string, string> Parse(string text) =>
        text.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");

    /// <summary>
    /// Values for the keys that cannot be derived from the project name (empty in the generated file); with
    /// <paramref name="monitor"/> false, less the monitoring identity's, which only a --store with a database server has.
    /// </summary>
    public static IReadOnlyDictionary<string, string> FilledIn(string cloud, bool monitor = true) =>
        AllFilledIn(cloud).Where(s => monitor || s.Key != "AZURE_MONITOR_CLIENT_ID").ToDictionary();

    private static IReadOnlyDictionary<string, string> AllFilledIn(string cloud) => cloud switch
    {
        "aws" => new Dictionary<string, string> { ["AWS_ACCOUNT_ID"] = AwsAccount },
        "azure" => new Dictionary<string, string>
        {
            ["AZURE_TRAIN_CLIENT_ID"] = AzureTrainClient,
            ["AZURE_MLFLOW_CLIENT_ID"] = AzureMlflowClient,
            ["AZURE_SERVER_CLIENT_ID"] = AzureServerClient,
            ["AZURE_PREDICT_CLIENT_ID"] = AzurePredictClient,
            ["AZURE_MONITOR_CLIENT_ID"] = AzureMonitorClient,
            ["AZURE_STORAGE_ACCOUNT"] = AzureStorage,
            ["AZURE_SUBSCRIPTION_ID"] = "2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5e7a",
            ["AZURE_TENANT_ID"] = "8a6c4e2f-0b1d-4f3a-9c5e-7b9d1f3a5c7e",
            ["ACR_NAME"] = "churnregistry",
            // Written by infra/azure/setup-trust.sh once it has created the identities.
            ["AZURE_CLIENT_ID_PR"] = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
            ["AZURE_CLIENT_ID_MAIN"] = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
            ["AZURE_CLIENT_ID_DEPLOY_DEV"] = "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f",
            ["AZURE_CLIENT_ID_DEPLOY_PROD"] = "4d5e6f7a-8b9c-4d0e-9f2a-3b4c5d6e7f8a",
        },
        "gcp" => new Dictionary<string, string> { ["GCP_PROJECT_ID"] = GcpProject, ["GCP_PROJECT_NUMBER"] = "123456789012" },
        _ => new Dictionary<string, string>(),
    };

    /// <summary>The first key a deploy of the generated cloud.env needs and finds empty.</summary>
    public static string FirstKeyDeployNeeds(string cloud) => cloud switch
    {
        "aws" => "AWS_ACCOUNT_ID",
        "azure" => "AZURE_STORAGE_ACCOUNT",
        "gcp" => "GCP_PROJECT_ID",
        _ => throw new ArgumentOutOfRangeException(nameof(cloud), cloud, "no identity to fill in"),
    };

    /// <summary>
    /// ServiceAccount name to the workload identity annotation a deploy with <see cref="FilledIn"/> gives it: batch
    /// prediction always, the model server with a service, training in dev only, MLflow where its server runs, the
    /// monitoring CronJob with a --store that has one.
    /// </summary>
    public static IReadOnlyDictionary<string, (string Annotation, string Value)> ExpectedIdentities(string cloud, bool mlflow, bool train = true, bool server = true, bool monitor = false)
    {
        if (cloud == "local")
        {
            return new Dictionary<string, (string, string)>();
        }

        var accounts = new[] { ("predict", true), ("server", server), ("train", train), ("mlflow", mlflow), ("monitor", monitor) }.Where(a => a.Item2).Select(a => a.Item1);
        return accounts.ToDictionary(a => $"churn-model-{a}", a => cloud switch
        {
            "aws" => ("eks.amazonaws.com/role-arn", $"arn:aws:iam::{AwsAccount}:role/churn-model-{a}"),
            "azure" => ("azure.workload.identity/client-id", a switch { "train" => AzureTrainClient, "server" => AzureServerClient, "predict" => AzurePredictClient, "monitor" => AzureMonitorClient, _ => AzureMlflowClient }),
            "gcp" => ("iam.gke.io/gcp-service-account", $"churn-model-{a}@{GcpProject}.iam.gserviceaccount.com"),
            _ => throw new ArgumentOutOfRangeException(nameof(cloud), cloud, "unknown cloud"),
        });
    }

    public static string ExpectedArtifacts(string cloud) => cloud switch
    {
        "aws" => "s3://churn-model-mlflow/artifacts",
        "azure" => $"wasbs://mlflow@{AzureStorage}.blob.core.windows.net/churn-model",
        "gcp" => "gs://churn-model-mlflow/artifacts",
        _ => "/mlflow/artifacts",
    };

    /// <summary>A scratch copy of k8s/ and cloud.env with <paramref name="values"/> filled in; returns its root.</summary>
    public static string CopyWithSettings(GeneratedRepository repo, IReadOnlyDictionary<string, string> values)
    {
        var root = Directory.CreateTempSubdirectory("cloud-env-").FullName;
        var manifests = repo.PathOf("k8s");
        var files = Directory.Exists(manifests) ? Directory.EnumerateFiles(manifests, "*", SearchOption.AllDirectories) : [];
        foreach (var file in files)
        {
            var target = Path.Combine(root, Path.GetRelativePath(repo.Root, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var lines = repo.ReadText("cloud.env").Split('\n')
            .Select(l => l.Split('=', 2) is [var key, ""] && values.TryGetValue(key, out var value) ? $"{key}={value}" : l);
        File.WriteAllText(Path.Combine(root, "cloud.env"), string.Join('\n', lines));
        return root;
    }
}
