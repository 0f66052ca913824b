using System.Collections.Concurrent;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.GeneratedProject;

/// <summary>
/// One generated repository per option set, created on first use and shared by every test of the run, so that
/// each variant costs one <c>dotnet new</c>. Tests that write into a repository take a <see cref="CopyAsync"/>.
/// </summary>
public static class GeneratedVariants
{
    public const string ProjectName = "churn-model";
    public const string PackageName = "churn_model";

    /// <summary>Debian's interpreter: it sees the Debian packages (scikit-learn, FastAPI, Flask...).</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>The option sets whose repositories are run: defaults, each serving, no tracking, no DVC. Django's suite
    /// runs with MLflow, its service (<see cref="Serving"/>) without. Every run uses Debian's 3.11, and a --python value
    /// changes only the interpreter pins, no file these runs read (GeneratedLayoutTests shows it), so the default's run
    /// stands for every --python value.</summary>
    public static TheoryData<string> Tested => new()
    {
        "",
        "--serving flask",
        "--serving django",
        "--serving none",
        "--tracking none",
        "--data none",
    };

    /// <summary>The tested option sets that have a service.</summary>
    public static TheoryData<string> Serving => new()
    {
        "",
        "--serving flask",
        "--serving django --tracking none",
        "--tracking none",
        "--data none",
    };

    private static readonly ConcurrentDictionary<string, Lazy<Task<GeneratedRepository>>> Repositories = new();

    public static Task<GeneratedRepository> GetAsync(TemplatePack pack, string options) =>
        Repositories.GetOrAdd(
            options,
            key => new Lazy<Task<GeneratedRepository>>(() => pack.GenerateAsync(ProjectName, Split(key)))).Value;

    /// <summary>A private copy of a variant, for tests that run steps writing data, models or reports.</summary>
    public static async Task<string> CopyAsync(TemplatePack pack, string options)
    {
        var source = await GetAsync(pack, options);
        var target = pack.NewOutputDirectory("copy");
        foreach (var file in source.Files)
        {
            var destination = Path.Combine(target, file);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(source.PathOf(file), destination);
        }

        return target;
    }

    public static string[] Split(string options) => options.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// How the generated repository's code runs here: from its src folder (no pip install; PyPI is unreachable),
    /// without writing bytecode into the shared checkout.
    /// </summary>
    public static Dictionary<string, string?> PythonEnvironment(string repository, IReadOnlyDictionary<string, string>? extra = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["PYTHONPATH"] = Path.Combine(repository, "src"),
            ["PYTHONDONTWRITEBYTECODE"] = "1",
            ["APP_ENV"] = null,
            ["MLFLOW_TRACKING_URI"] = null,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return environment;
    }

    public static Task<CommandResult> RunPythonAsync(string repository, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        Command.RunAsync(Python, arguments, repository, PythonEnvironment(repository, environment), timeout: TimeSpan.FromMinutes(3));
}
