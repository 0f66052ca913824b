using Xunit.Abstractions;

namespace MlopsTemplates.Tests.Kubernetes;

/// <summary>A project name and the options that matter to the manifests, serializable so xunit lists each case.</summary>
public sealed class KubernetesCase : IXunitSerializable
{
    public KubernetesCase()
    {
    }

    public KubernetesCase(string name, string serving, string tracking, string cloud)
    {
        Name = name;
        Serving = serving;
        Tracking = tracking;
        Cloud = cloud;
    }

    public string Name { get; private set; } = "";

    public string Serving { get; private set; } = "";

    public string Tracking { get; private set; } = "";

    public string Cloud { get; private set; } = "";

    public string[] Options => ["--serving", Serving, "--tracking", Tracking, "--cloud", Cloud];

    public bool HasService => Serving != "none";

    public bool HasTracking => Tracking == "mlflow";

    /// <summary>
    /// Every pair of serving and tracking values exactly once, every cloud with and without MLflow and with two
    /// frameworks, in 8 cases; three of them under project names that stress the DNS name derivation (over 63
    /// characters, a leading digit, non-ASCII letters), so the name checks run on every kind of object.
    /// </summary>
    private static readonly KubernetesCase[] Cases =
    [
        new("churn-model", "fastapi", "mlflow", "local"),
        new("Straße Prognose", "none", "none", "local"),
        new("Customer Lifetime Value Forecasting Model For The Retail Banking Division", "flask", "mlflow", "aws"),
        new("churn-model", "django", "none", "aws"),
        new("churn-model", "none", "mlflow", "azure"),
        new("churn-model", "fastapi", "none", "azure"),
        new("3d-vision", "django", "mlflow", "gcp"),
        new("churn-model", "flask", "none", "gcp"),
    ];

    public static TheoryData<KubernetesCase> All { get; } = new(Cases);

    /// <summary>The cases with a model service (Deployment, Service, HPA, PDB, Ingress).</summary>
    public static TheoryData<KubernetesCase> WithService { get; } = new(Cases.Where(c => c.HasService));

    /// <summary>The cases with an MLflow tracking server component.</summary>
    public static TheoryData<KubernetesCase> WithTracking { get; } = new(Cases.Where(c => c.HasTracking));

    public void Deserialize(IXunitSerializationInfo info)
    {
        Name = info.GetValue<string>(nameof(Name));
        Serving = info.GetValue<string>(nameof(Serving));
        Tracking = info.GetValue<string>(nameof(Tracking));
        Cloud = info.GetValue<string>(nameof(Cloud));
    }

    public void Serialize(IXunitSerializationInfo info)
    {
        info.AddValue(nameof(Name), Name);
        info.AddValue(nameof(Serving), Serving);
        info.AddValue(nameof(Tracking), Tracking);
        info.AddValue(nameof(Cloud), Cloud);
    }

    public override string ToString() => $"{Name} --serving {Serving} --tracking {Tracking} --cloud {Cloud}";
}
