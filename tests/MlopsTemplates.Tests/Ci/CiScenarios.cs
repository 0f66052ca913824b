using System.Collections.Concurrent;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Ci;

/// <summary>One generated configuration: the CI system plus the options that change what its pipeline does.</summary>
public sealed record CiScenario(string Ci, string Cloud, string Data, string Deploy, string Tracking, string Serving, string Python)
{
    public string[] Arguments =>
        ["--ci", Ci, "--cloud", Cloud, "--data", Data, "--deploy", Deploy, "--tracking", Tracking, "--serving", Serving, "--python", Python];

    public CiScenario WithCi(string ci) => this with { Ci = ci };

    public override string ToString() => string.Join(" ", Arguments);
}

/// <summary>
/// A covering set rather than all combinations: every CI system meets every cloud once, and within each CI
/// system both values of --data, --deploy and --tracking occur, with the serving and Python choices rotating.
/// </summary>
public static class CiScenarios
{
    public static readonly string[] CiSystems = ["github", "gitlab", "jenkins", "azure"];

    public static readonly string[] Clouds = ["local", "aws", "azure", "gcp"];

    private static readonly string[] Servings = ["fastapi", "flask", "none"];

    private static readonly string[] Pythons = ["3.11", "3.12", "3.13", "3.14"];

    private static readonly ConcurrentDictionary<string, Lazy<Task<GeneratedRepository>>> Generated = new();

    public static IReadOnlyList<CiScenario> Covering { get; } =
        [.. CiSystems.SelectMany((ci, i) => Clouds.Select((cloud, j) => new CiScenario(
            ci,
            cloud,
            Data: (i + j) % 2 == 0 ? "dvc" : "none",
            Deploy: (i + j / 2) % 2 == 0 ? "kubernetes" : "none",
            Tracking: j % 2 == 0 ? "mlflow" : "none",
            Serving: Servings[(i + j) % Servings.Length],
            Python: Pythons[(i + 2 * j) % Pythons.Length])))];

    public static TheoryData<CiScenario> For(string ci) => new(Covering.Where(s => s.Ci == ci));

    public static TheoryData<CiScenario> All => new(Covering);

    public static TheoryData<CiScenario> Deploying => new(Covering.Where(s => s.Deploy == "kubernetes"));

    /// <summary>
    /// Every CI system with every cloud, deploying with DVC and MLflow: for the questions that depend on the pair
    /// (identities, logins, the production gate), where the covering set meets each pair only once and not always deploying.
    /// </summary>
    public static IReadOnlyList<CiScenario> EveryPair { get; } =
        [.. CiSystems.SelectMany(ci => Clouds.Select(cloud => new CiScenario(ci, cloud, "dvc", "kubernetes", "mlflow", "fastapi", "3.12")))];

    public static TheoryData<CiScenario> Pairs(string? ci = null, bool? inACloud = null) =>
        new(EveryPair.Where(s => (ci is null || s.Ci == ci) && (inACloud is null || (s.Cloud != "local") == inACloud)));

    /// <summary>Generates each scenario once per test run, however many tests read it.</summary>
    public static Task<GeneratedRepository> GenerateAsync(TemplatePack pack, CiScenario scenario) =>
        Generated.GetOrAdd(scenario.ToString(), _ => new(() => pack.GenerateAsync("churn-model", scenario.Arguments))).Value;
}
