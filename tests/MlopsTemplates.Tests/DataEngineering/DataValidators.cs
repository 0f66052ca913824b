using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.DataEngineering;

/// <summary>
/// The validators of the data engineering files (tests/validators/README.md): two independent SQL grammars per
/// dialect (dt-sql-parser's ANTLR ports of the engines' grammars, Debian's sqlfluff), the spark-operator CRD closed
/// against unknown fields, and the NiFi flow checks (no NiFi validator exists offline).
/// </summary>
public static class DataValidators
{
    private static string Folder => RepositoryPaths.Validators;

    public const string SparkApplicationCrd = "spark-operator/sparkoperator.k8s.io_sparkapplications.yaml";

    public const string ScheduledSparkApplicationCrd = "spark-operator/sparkoperator.k8s.io_scheduledsparkapplications.yaml";

    /// <summary>dt-sql-parser's grammar of a dialect (spark, hive); the input files hold statements separated by ';'.</summary>
    public static Validator DtSqlParser(string dialect) => new(
        $"dt-sql-parser:{dialect}",
        "node",
        ["--import", Path.Combine(Folder, "lib", "register-extensionless.mjs"), Path.Combine(Folder, "bin", "sql.mjs"), "--dialect", dialect],
        [OnPath("node"), Package("dt-sql-parser")],
        ByContract);

    /// <summary>Debian's sqlfluff parser of a dialect (hive, sparksql), with Debian's Python.</summary>
    public static Validator Sqlfluff(string dialect) => new(
        $"sqlfluff:{dialect}",
        Validators.DebianPython,
        [Path.Combine(Folder, "sqlfluff-parse.py"), "--dialect", dialect],
        [new Requirement("Debian package sqlfluff", () => Directory.Exists("/usr/lib/python3/dist-packages/sqlfluff"))],
        ByContract);

    /// <summary>SparkApplications against the spark-operator CRD of shared/schemas, every object schema closed.</summary>
    public static Validator SparkApplication { get; } = SparkOperatorKind("SparkApplication", SparkApplicationCrd);

    /// <summary>ScheduledSparkApplications (the weekly prepare run) against their spark-operator CRD, closed.</summary>
    public static Validator ScheduledSparkApplication { get; } = SparkOperatorKind("ScheduledSparkApplication", ScheduledSparkApplicationCrd);

    private static Validator SparkOperatorKind(string kind, string crd) => new(
        $"crd-schema:{kind}",
        "node",
        [Path.Combine(Folder, "bin", "crd-schema.mjs"), "--crd", Path.Combine(RepositoryPaths.SharedSchemas, crd)],
        [OnPath("node"), Package("ajv-draft-04"), new Requirement($"{crd} in {RepositoryPaths.SharedSchemas}", () => File.Exists(Path.Combine(RepositoryPaths.SharedSchemas, crd)))],
        ByContract);

    /// <summary>The NiFi flow checks; with a raw zone, that the flow writes exactly there.</summary>
    public static Validator NifiFlow(string? rawZone = null) => new(
        "nifi-flow-check",
        Validators.DebianPython,
        [Path.Combine(Folder, "nifi-flow-check.py"), .. rawZone is null ? Array.Empty<string>() : ["--raw-zone", rawZone]],
        [new Requirement(Validators.DebianPython, () => File.Exists(Validators.DebianPython))],
        ByContract);

    private static Verdict ByContract(CommandResult result) =>
        result.ExitCode switch { 0 => Verdict.Valid, 1 => Verdict.Invalid, _ => Verdict.Error };

    private static Requirement Package(string package) =>
        new($"npm package {package} in tests/validators/node_modules", () => File.Exists(Path.Combine(Folder, "node_modules", package, "package.json")));

    private static Requirement OnPath(string program) =>
        new(program, () => (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program))));
}
