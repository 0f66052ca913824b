using System.Text.RegularExpressions;

namespace MlopsTemplates.Tests.Infrastructure;

/// <summary>
/// The template package built and installed once per test run into an isolated template hive, shared by every
/// test class (take it through <see cref="TemplatePackFixture"/>). Instantiation goes through the real
/// <c>dotnet new</c> CLI, as a user's would.
/// </summary>
public sealed partial class TemplatePack
{
    public const string ShortName = "mlops-project";

    private static readonly Lazy<Task<TemplatePack>> Shared = new(CreateAsync);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<(string Root, CommandResult Result)>>> generated = new();

    private readonly Lazy<Task<InProcessEngine>> engine;

    private int outputCounter;

    private TemplatePack(string workDirectory, string packagePath, string hive, CommandResult install)
    {
        WorkDirectory = workDirectory;
        PackagePath = packagePath;
        Hive = hive;
        Install = install;
        engine = new(() => InProcessEngine.CreateAsync(hive, ShortName));
    }

    /// <summary>A scratch folder for this test run (outputs, hive, package); removed when the run ends.</summary>
    public string WorkDirectory { get; }

    public string PackagePath { get; }

    /// <summary>The package version, which is also the template version recorded in generated repositories.</summary>
    public string Version => Path.GetFileNameWithoutExtension(PackagePath)["MlopsTemplates.".Length..];

    /// <summary>The isolated template hive (an absolute path: relative ones break nupkg installs).</summary>
    public string Hive { get; }

    public CommandResult Install { get; }

    public static Task<TemplatePack> GetAsync() => Shared.Value;

    /// <summary>Runs <c>dotnet new</c> against this run's hive; the caller checks the exit code.</summary>
    public Task<CommandResult> DotnetNewAsync(IEnumerable<string> arguments, string? workingDirectory = null) =>
        Command.RunAsync("dotnet", ["new", .. arguments, "--debug:custom-hive", Hive], workingDirectory ?? WorkDirectory, DotnetEnvironment);

    /// <summary>
    /// Generates a repository with the given project name and options through the real <c>dotnet new</c>, as a user
    /// would; fails the test if generation fails. The engine runs once per (name, options) in a test run, into a folder
    /// no test sees; every caller gets its own copy of it (with file modes), which it may change freely. The engine is
    /// deterministic, and a <c>dotnet new</c> costs about 2.5 s of CPU against a few milliseconds for a copy: many test
    /// classes generate the same combination. For the CLI tests: what the user runs and what it prints.
    /// </summary>
    public Task<GeneratedRepository> InstantiateAsync(string name, params string[] options) => GenerateAsync(Route.Cli, name, options);

    /// <summary>
    /// Generates a repository for a component test: a covering-set row (which PairwiseCliTests generates through the CLI
    /// anyway) and any command line that is not plain option values come from <c>dotnet new</c>, every other
    /// combination from <see cref="InProcessEngine"/>, the same engine loaded into this process, at a third of the CPU.
    /// </summary>
    public Task<GeneratedRepository> GenerateAsync(string name, params string[] options) =>
        GenerateAsync(CacheKey(name, options) is var key && (key.StartsWith(AsGiven, StringComparison.Ordinal) || CoveringRows.Value.Contains(key)) ? Route.Cli : Route.InProcess, name, options);

    private async Task<GeneratedRepository> GenerateAsync(Route route, string name, string[] options)
    {
        var pristine = await generated.GetOrAdd(
            $"{route}\u0000{CacheKey(name, options)}",
            _ => new Lazy<Task<(string Root, CommandResult Result)>>(async () =>
            {
                var root = Path.Combine(WorkDirectory, "generated", $"{Interlocked.Increment(ref outputCounter):D3}");
                var result = route == Route.Cli
                    ? (await DotnetNewAsync([ShortName, "-n", name, "-o", root, "--no-update-check", .. options])).EnsureSuccess()
                    : await InProcessAsync(name, root, options);
                Log($"generated {name} [{string.Join(" ", options)}] ({route})");
                return (root, result);
            })).Value;
        var output = NewOutputDirectory(name);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        (await Command.RunAsync("cp", ["-a", pristine.Root, output], WorkDirectory)).EnsureSuccess();
        Log($"copied {name} [{string.Join(" ", options)}]");
        return new GeneratedRepository(output, name, options, pristine.Result);
    }

    /// <summary>The in-process engine over this run's hive, loaded on first use.</summary>
    public Task<InProcessEngine> Engine => engine.Value;

    private async Task<CommandResult> InProcessAsync(string name, string root, string[] options)
    {
        var (status, error) = await (await Engine).InstantiateAsync(name, root, InProcessEngine.Parameters(options));
        var result = new CommandResult($"(in-process engine) {ShortName} -n {name} -o {root} {string.Join(" ", options)}", status == Microsoft.TemplateEngine.Edge.Template.CreationResultStatus.Success ? 0 : 1, "", $"{status}: {error}");
        return result.EnsureSuccess();
    }

    private enum Route
    {
        Cli,
        InProcess,
    }

    private const string AsGiven = "as-given";

    /// <summary>The keys of the covering-set rows under the component tests' project name (the CLI generates these).</summary>
    private static readonly Lazy<HashSet<string>> CoveringRows = new(() =>
        [.. Combinations.CoveringSets.AllSet.Select(c => CacheKey(GeneratedProject.GeneratedVariants.ProjectName, TemplateOptions.ToArguments(c.Values)))]);

    /// <summary>
    /// What identifies an output: the name and the value of every option, defaults filled in, so that the same
    /// combination spelt in another order or with a default written out runs the engine once (the output records every
    /// option's value, never how it was given). Anything else on the command line keeps the arguments as they are.
    /// </summary>
    private static string CacheKey(string name, string[] options)
    {
        var values = TemplateOptions.Model.Options.ToDictionary(o => o.Name, o => o.DefaultValue, StringComparer.Ordinal);
        for (var i = 0; i < options.Length; i += 2)
        {
            if (i + 1 >= options.Length || !options[i].StartsWith("--", StringComparison.Ordinal) || !values.ContainsKey(options[i][2..]))
            {
                return string.Join("\u0000", [AsGiven, name, .. options]);
            }

            values[options[i][2..]] = options[i + 1];
        }

        return string.Join("\u0000", [name, .. values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")]);
    }

    /// <summary>With <c>MLOPS_INSTANTIATION_LOG=FILE</c>, each run of the engine appends a line to FILE (to see how often
    /// the suite generates, when it grows slower).</summary>
    private static void Log(string line)
    {
        if (Environment.GetEnvironmentVariable("MLOPS_INSTANTIATION_LOG") is { Length: > 0 } file)
        {
            lock (Shared)
            {
                File.AppendAllText(file, line + Environment.NewLine);
            }
        }
    }

    /// <summary>A fresh, not yet existing folder under this run's work directory.</summary>
    public string NewOutputDirectory(string hint)
    {
        var safe = SafeFolderName().Replace(hint, "_").Trim('_');
        return Path.Combine(WorkDirectory, "out", $"{Interlocked.Increment(ref outputCounter):D3}-{(safe.Length > 30 ? safe[..30] : safe)}");
    }

    /// <summary>Keeps the CLI quiet and offline: no telemetry, no first-run banner, no update checks.</summary>
    public static IReadOnlyDictionary<string, string?> DotnetEnvironment { get; } = new Dictionary<string, string?>
    {
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
        ["DOTNET_GENERATE_ASPNET_CERTIFICATE"] = "false",
    };

    private static async Task<TemplatePack> CreateAsync()
    {
        var work = Path.Combine(Path.GetTempPath(), $"mlops-tests-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(work);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(work);

        var packageDirectory = Path.Combine(work, "package");
        var pack = await Command.RunAsync(
            "dotnet",
            ["pack", RepositoryPaths.PackageProject, "-c", "Release", "-o", packageDirectory, "-nologo"],
            RepositoryPaths.Root,
            DotnetEnvironment,
            timeout: TimeSpan.FromMinutes(10));
        pack.EnsureSuccess();
        var package = Directory.GetFiles(packageDirectory, "MlopsTemplates.*.nupkg").Single();

        var hive = Path.Combine(work, "hive");
        var install = await Command.RunAsync("dotnet", ["new", "install", package, "--debug:custom-hive", hive], work, DotnetEnvironment);
        install.EnsureSuccess();

        // The engine reports template validation problems but still exits 0: they must fail the run here.
        var problems = EngineProblemLine().Matches(install.Output).Select(m => m.Value).ToList();
        Assert.True(problems.Count == 0, $"dotnet new install reported problems:{Environment.NewLine}{install}");
        return new TemplatePack(work, package, hive, install);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open at exit only leaves temp data behind.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [GeneratedRegex(@"^.*\[(Error|Warning)\].*$", RegexOptions.Multiline)]
    private static partial Regex EngineProblemLine();

    [GeneratedRegex("[^A-Za-z0-9_.-]+")]
    private static partial Regex SafeFolderName();
}

/// <summary>Gives a test class the shared <see cref="TemplatePack"/>; the pack happens once per run however many classes use it.</summary>
public sealed class TemplatePackFixture : IAsyncLifetime
{
    public TemplatePack Pack { get; private set; } = null!;

    public async Task InitializeAsync() => Pack = await TemplatePack.GetAsync();

    public Task DisposeAsync() => Task.CompletedTask;
}
