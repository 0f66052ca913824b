using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.Orchestrators;

/// <summary>The validators of tests/validators for the orchestrators' files.</summary>
public static class OrchestratorValidators
{
    /// <summary>
    /// Argo objects against Argo's JSON schema from shared/schemas with every object schema closed, and against
    /// @kubernetes-models/argo-workflows (tests/validators/bin/argo.mjs).
    /// </summary>
    public static Validator Argo { get; } = new(
        "argo",
        "node",
        [Path.Combine(RepositoryPaths.Validators, "bin", "argo.mjs"), "--shared", RepositoryPaths.SharedSchemas],
        [
            new Requirement("node", () => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "node")))),
            new Requirement("npm package @kubernetes-models/argo-workflows in tests/validators/node_modules", () => File.Exists(Path.Combine(RepositoryPaths.Validators, "node_modules", "@kubernetes-models", "argo-workflows", "package.json"))),
            new Requirement($"the Argo schema in {RepositoryPaths.SharedSchemas}", () => File.Exists(Path.Combine(RepositoryPaths.SharedSchemas, "argo-workflows", "schema.json"))),
        ],
        r => r.ExitCode switch { 0 => Verdict.Valid, 1 => Verdict.Invalid, _ => Verdict.Error });

    /// <summary>Airflow DAG files through ruff's Airflow rules (AIR) plus E, F, W, I, B, UP (tests/validators/bin/airflow-dag.mjs).</summary>
    public static Validator AirflowDag { get; } = new(
        "airflow-dag",
        "node",
        [Path.Combine(RepositoryPaths.Validators, "bin", "airflow-dag.mjs")],
        [
            new Requirement("node", () => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "node")))),
            new Requirement("npm package @astral-sh/ruff-wasm-nodejs in tests/validators/node_modules", () => File.Exists(Path.Combine(RepositoryPaths.Validators, "node_modules", "@astral-sh", "ruff-wasm-nodejs", "package.json"))),
        ],
        r => r.ExitCode switch { 0 => Verdict.Valid, 1 => Verdict.Invalid, _ => Verdict.Error });

    /// <summary>
    /// Kubeflow Pipelines IR files parsed strictly as ml_pipelines.PipelineSpec (and PlatformSpec) with the pipeline
    /// spec's protobuf from shared/schemas, compiled by Debian's protoc, read by python3-protobuf (tests/validators/bin/kfp-ir.py).
    /// </summary>
    public static Validator KfpIr { get; } = new(
        "kfp-ir",
        Validators.DebianPython,
        [Path.Combine(RepositoryPaths.Validators, "bin", "kfp-ir.py"), "--shared", RepositoryPaths.SharedSchemas],
        [
            new Requirement("protoc (Debian's protobuf-compiler)", () => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "protoc")))),
            new Requirement($"{Validators.DebianPython} with python3-protobuf and python3-yaml", () => Directory.Exists("/usr/lib/python3/dist-packages/google/protobuf") && Directory.Exists("/usr/lib/python3/dist-packages/yaml")),
            new Requirement($"pipeline_spec.proto in {RepositoryPaths.SharedSchemas}", () => File.Exists(Path.Combine(RepositoryPaths.SharedSchemas, "kfp", "pipeline_spec.proto"))),
        ],
        r => r.ExitCode switch { 0 => Verdict.Valid, 1 => Verdict.Invalid, _ => Verdict.Error });
}
