using System.Text.Json;
using Microsoft.Extensions.FileSystemGlobbing;
using Microsoft.TemplateEngine.Abstractions;
using Microsoft.TemplateEngine.Edge;
using Microsoft.TemplateEngine.Edge.Settings;
using Microsoft.TemplateEngine.Edge.Template;

namespace MlopsTemplates.Tests.Infrastructure;

/// <summary>
/// The template engine that <c>dotnet new</c> runs, loaded into the test process: the same assemblies of the same SDK
/// (referenced from the SDK folder by the test project), the same components and the same template package from the
/// same hive. The CLI spends about 2.5 s of CPU per repository, most of it starting and loading itself; in-process a
/// repository costs under 1 s. Component tests generate through it; the CLI tests keep the real <c>dotnet new</c>, and
/// <c>InProcessEngineTests</c> shows both write the same files with the same modes and refuse the same combinations.
/// </summary>
public sealed class InProcessEngine
{
    /// <summary>The CLI host's chmod post action: the engine returns post actions, the host runs them.</summary>
    private static readonly Guid ChmodAction = new("cb9a6cf3-4f5c-4860-b9d2-03a574959774");

    /// <summary>One instantiation at a time: the engine's settings and caches are not documented as thread-safe.</summary>
    private readonly SemaphoreSlim gate = new(1, 1);

    private readonly EngineEnvironmentSettings settings;

    private readonly ITemplateInfo template;

    private InProcessEngine(EngineEnvironmentSettings settings, ITemplateInfo template)
    {
        this.settings = settings;
        this.template = template;
    }

    /// <summary>The engine over the hive the CLI installed the package into, with the CLI's host identifier (so the same
    /// host files apply) and a host version of its own, so that its template cache never races the CLI's.</summary>
    public static async Task<InProcessEngine> CreateAsync(string hive, string shortName)
    {
        var components = new List<(Type, IIdentifiedComponent)>();
        components.AddRange(Microsoft.TemplateEngine.Orchestrator.RunnableProjects.Components.AllComponents);
        components.AddRange(Microsoft.TemplateEngine.Edge.Components.AllComponents);
        var host = new DefaultTemplateEngineHost("dotnetcli", "tests-in-process", new Dictionary<string, string>(), components, ["dotnetcli"]);
        var settings = new EngineEnvironmentSettings(host, settingsLocation: hive);
        var templates = await new TemplatePackageManager(settings).GetTemplatesAsync(CancellationToken.None);
        var template = templates.Single(t => t.ShortNameList.Contains(shortName));
        return new InProcessEngine(settings, template);
    }

    /// <summary>
    /// Writes the repository for a name and option values into <paramref name="outputPath"/>, then applies the chmod
    /// post actions as the CLI host does. Returns the engine's status and message; anything but success wrote nothing.
    /// </summary>
    public async Task<(CreationResultStatus Status, string? Error)> InstantiateAsync(
        string name, string outputPath, IReadOnlyDictionary<string, string?> parameters)
    {
        await gate.WaitAsync();
        try
        {
            var result = await new TemplateCreator(settings).InstantiateAsync(
                template, name, fallbackName: null, outputPath, parameters, forceCreation: false, baselineName: null, dryRun: false, CancellationToken.None);
            if (result.Status == CreationResultStatus.Success)
            {
                foreach (var action in result.CreationResult?.PostActions.Where(a => a.ActionId == ChmodAction) ?? [])
                {
                    ApplyChmod(outputPath, action.Args);
                }
            }

            return (result.Status, result.ErrorMessage);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Command-line option values (<c>--ci jenkins --cloud aws</c>) as the engine's parameters.</summary>
    public static Dictionary<string, string?> Parameters(IReadOnlyList<string> options) =>
        Enumerable.Range(0, options.Count / 2).ToDictionary(i => options[2 * i][2..], i => (string?)options[(2 * i) + 1], StringComparer.Ordinal);

    /// <summary>Each argument is a mode (only <c>+x</c> here) over a path or a JSON list of paths, relative to the output;
    /// a path may hold <c>*</c> where the engine renamed a name token.</summary>
    private static void ApplyChmod(string outputPath, IReadOnlyDictionary<string, string> arguments)
    {
        foreach (var (mode, value) in arguments)
        {
            if (mode != "+x")
            {
                throw new NotSupportedException($"chmod {mode}: the template only adds execute permission");
            }

            var patterns = value.TrimStart().StartsWith('[') ? JsonSerializer.Deserialize<string[]>(value)! : [value];
            var matcher = new Matcher(StringComparison.Ordinal);
            matcher.AddIncludePatterns(patterns);
            var files = matcher.GetResultsInFullPath(outputPath).ToList();
            if (files.Count == 0)
            {
                throw new InvalidOperationException($"chmod {mode} {value} matched no file under {outputPath}");
            }

            foreach (var file in files)
            {
                File.SetUnixFileMode(file, File.GetUnixFileMode(file) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
        }
    }
}
