using System.Collections.Concurrent;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Validation;

/// <summary>
/// Checks every generated repository needs whatever its options: each YAML file passes yamllint and each shell script
/// passes shellcheck, for the defaults and combinations that switch most files in or out.
/// </summary>
public sealed class GeneratedFilesLintTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private static readonly Dictionary<string, string[]> Scenarios = new()
    {
        ["defaults"] = [],
        ["gitlab-gcp-no-dvc"] = ["--ci", "gitlab", "--cloud", "gcp", "--data", "none"],
        ["azure-flask-no-mlflow"] = ["--ci", "azure", "--cloud", "azure", "--serving", "flask", "--tracking", "none"],
        ["jenkins-aws-batch-only"] = ["--ci", "jenkins", "--cloud", "aws", "--serving", "none", "--deploy", "none", "--python", "3.10"],
        ["everything-none"] = ["--ci", "none", "--serving", "none", "--deploy", "none", "--tracking", "none", "--data", "none"],
    };

    private static readonly ConcurrentDictionary<string, Lazy<Task<GeneratedRepository>>> Generated = new();

    private static readonly string[] ShellInterpreters = ["sh", "bash", "dash", "ksh"];

    public static TheoryData<string> ScenarioNames => new(Scenarios.Keys);

    [SkippableTheory]
    [MemberData(nameof(ScenarioNames))]
    public async Task Every_generated_yaml_file_passes_yamllint(string scenario)
    {
        var repo = await GenerateAsync(scenario);
        var yaml = repo.Files.Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal)).ToList();
        Skip.If(yaml.Count == 0, $"{repo} has no YAML file yet");

        await Validators.Yamllint.AssertValidAsync(repo, [.. yaml]);
    }

    [SkippableTheory]
    [MemberData(nameof(ScenarioNames))]
    public async Task Every_generated_shell_script_passes_shellcheck(string scenario)
    {
        var repo = await GenerateAsync(scenario);
        var scripts = repo.Files.Where(f => IsShellScript(repo, f)).ToList();
        Skip.If(scripts.Count == 0, $"{repo} has no shell script yet");

        await Validators.Shellcheck.AssertValidAsync(repo, [.. scripts]);
    }

    private Task<GeneratedRepository> GenerateAsync(string scenario) =>
        Generated.GetOrAdd(scenario, s => new(() => fixture.Pack.InstantiateAsync("churn-model", Scenarios[s]))).Value;

    /// <summary>A *.sh file, or any file whose shebang names a POSIX shell or bash (Makefile recipes are not scripts).</summary>
    private static bool IsShellScript(GeneratedRepository repo, string file)
    {
        if (file.EndsWith(".sh", StringComparison.Ordinal) || file.EndsWith(".bash", StringComparison.Ordinal))
        {
            return true;
        }

        using var reader = new StreamReader(repo.PathOf(file));
        var first = reader.ReadLine() ?? "";
        if (!first.StartsWith("#!", StringComparison.Ordinal))
        {
            return false;
        }

        var words = first[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var interpreter = words.Length > 1 && Path.GetFileName(words[0]) == "env" ? words[1] : words.FirstOrDefault() ?? "";
        return ShellInterpreters.Contains(Path.GetFileName(interpreter));
    }
}
