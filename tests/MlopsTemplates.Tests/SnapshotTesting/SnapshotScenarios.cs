namespace MlopsTemplates.Tests.SnapshotTesting;

/// <summary>A named generation whose whole output is kept as a reviewable snapshot.</summary>
public sealed record SnapshotScenario(string Name, string ProjectName, string[] Options)
{
    public override string ToString() => Name;
}

/// <summary>The scenarios, as data: adding one is adding a line (then accepting its snapshot).</summary>
public static class SnapshotScenarios
{
    public static readonly IReadOnlyList<SnapshotScenario> All =
    [
        new("defaults", "churn-model", []),
        new("jenkins-flask-aws", "churn-model", ["--ci", "jenkins", "--serving", "flask", "--cloud", "aws"]),
        new("gitlab-gcp-no-dvc", "churn-model", ["--ci", "gitlab", "--cloud", "gcp", "--data", "none"]),
        new("azure-azure-no-mlflow", "churn-model", ["--ci", "azure", "--cloud", "azure", "--tracking", "none"]),
        new("everything-none", "churn-model", ["--ci", "none", "--serving", "none", "--deploy", "none", "--tracking", "none", "--data", "none"]),
        new("odd-name", "2 Churn-Model Prod", []),
    ];

    public static TheoryData<string> Names => new(All.Select(s => s.Name));

    public static SnapshotScenario Get(string name) => All.Single(s => s.Name == name);
}
