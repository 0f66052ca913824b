using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.WebUi;

/// <summary>
/// Everything the web UI tests look at, done once per serving framework (a class fixture): a private copy of the
/// generated repository with <c>--ui react</c>; <c>npm ci</c> of ui/ and gateway/ from the npm registry (through the
/// user's npm cache, shared by every run, so that a warm machine downloads nothing); the UI's typecheck, eslint,
/// vitest, its drift test run against a spoilt copy of the types, and <c>vite build</c>; the gateway's eslint and
/// tests; then the real service (trained model, the image's command), the real gateway and Debian's Chromium
/// filling in the form, and the same page once the service is gone. The UI chain, the gateway chain and the
/// training run side by side. ui/ and gateway/ do not depend on the serving framework: runs whose ui/ and gateway/
/// files are identical (compared by content) share one front-end build (<see cref="FrontEndRepository"/>), and each
/// run trains, checks the API document against and browses through its own service.
/// </summary>
public abstract class WebUiRun : IAsyncLifetime
{
    /// <summary>The step that must fail: vitest with the committed types spoilt.</summary>
    public const string DriftStep = "ui vitest with drifted types";

    private static readonly ConcurrentDictionary<string, Lazy<Task<FrontEnd>>> FrontEnds = new(StringComparer.Ordinal);

    private readonly Dictionary<string, CommandResult> steps = new(StringComparer.Ordinal);

    /// <summary>The dotnet new options of the repository (always with <c>--ui react</c>).</summary>
    protected abstract string Options { get; }

    public string Repository { get; private set; } = "";

    /// <summary>The copy whose ui/ and gateway/ were installed, tested and built (this run's or an identical one's).</summary>
    public string FrontEndRepository { get; private set; } = "";

    /// <summary>The first held-out record, as the form is filled with it.</summary>
    public JsonObject Record { get; private set; } = new();

    /// <summary>The service's own answer to <see cref="Record"/>, asked directly.</summary>
    public JsonObject DirectAnswer { get; private set; } = new();

    /// <summary>What Chromium showed with the service up, and with it gone.</summary>
    public JsonObject Served { get; private set; } = new();

    public JsonObject Unreachable { get; private set; } = new();

    public string ServedScreenshot { get; private set; } = "";

    public string UnreachableScreenshot { get; private set; } = "";

    public string ServiceLog { get; private set; } = "";

    public string GatewayLog { get; private set; } = "";

    /// <summary>How long the whole run took (npm, builds, tests, browser), for the suite's time budget.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>A step's result; a step that did not run because an earlier one failed fails the test, naming it.</summary>
    public CommandResult Step(string name)
    {
        lock (steps)
        {
            Assert.True(steps.TryGetValue(name, out var result), $"step '{name}' did not run; the steps that ran: {string.Join(Environment.NewLine, steps.Values)}");
            return result;
        }
    }

    public async Task InitializeAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var pack = await TemplatePack.GetAsync();
        Repository = await GeneratedVariants.CopyAsync(pack, Options);
        var work = pack.NewOutputDirectory("web-ui-model");
        var model = new Dictionary<string, string>
        {
            ["DATA_DIR"] = Path.Combine(work, "data"),
            ["MODEL_PATH"] = Path.Combine(work, "models", "model.joblib"),
            ["CANDIDATE_DIR"] = Path.Combine(work, "models", "candidate"),
            ["REPORTS_DIR"] = Path.Combine(work, "reports"),
            ["TRACKING_DIR"] = Path.Combine(work, "runs"),
        };

        var frontEnd = FrontEnds.GetOrAdd(FrontEndKey(Repository), _ => new(() => BuildFrontEndAsync(Repository))).Value;
        await Task.WhenAll(frontEnd, TrainAsync(model));
        FrontEndRepository = frontEnd.Result.Repository;
        foreach (var (name, result) in frontEnd.Result.Steps)
        {
            Save(name, result);
        }

        if (steps.Where(s => s.Key != DriftStep).All(s => s.Value.ExitCode == 0))
        {
            Record = GeneratedServiceTests.FirstTestRecord(Path.Combine(work, "data", "processed", "test.csv"));
            await BrowseAsync(model);
        }

        Elapsed = clock.Elapsed;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>What identifies a front end: every file of ui/ and gateway/, by path and content.</summary>
    private static string FrontEndKey(string repository)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in new[] { "ui", "gateway" }.SelectMany(d => Directory.GetFiles(Path.Combine(repository, d), "*", SearchOption.AllDirectories)).Order(StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(repository, file) + "\0"));
            hash.AppendData(File.ReadAllBytes(file));
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static async Task<FrontEnd> BuildFrontEndAsync(string repository)
    {
        var frontEnd = new FrontEnd(repository, new Dictionary<string, CommandResult>(StringComparer.Ordinal));
        await Task.WhenAll(UiChainAsync(frontEnd), GatewayChainAsync(frontEnd));
        return frontEnd;
    }

    private static async Task UiChainAsync(FrontEnd frontEnd)
    {
        var ui = Path.Combine(frontEnd.Repository, "ui");
        Task<bool> RunAsync(string step, params string[] command) => frontEnd.RunAsync(step, ui, command[0], command[1..]);
        if (!await RunAsync("ui npm ci", "npm", "ci", "--prefer-offline", "--no-audit", "--no-fund")
            || !await RunAsync("ui typecheck", "npm", "run", "typecheck")
            || !await RunAsync("ui lint", "npm", "run", "lint")
            || !await RunAsync("ui vitest", "npm", "test"))
        {
            return;
        }

        // The drift test must fail once the committed types no longer match the OpenAPI document.
        var types = Path.Combine(ui, "src", "api", "schema.d.ts");
        var committed = await File.ReadAllTextAsync(types);
        await File.WriteAllTextAsync(types, committed.Replace("malignant_probability: number;", "malignant_probability: string;", StringComparison.Ordinal));
        await RunAsync(DriftStep, "npx", "vitest", "run", "src/api/schema.test.ts");
        await File.WriteAllTextAsync(types, committed);
        await RunAsync("ui build", "npm", "run", "build");
    }

    private static async Task GatewayChainAsync(FrontEnd frontEnd)
    {
        var gateway = Path.Combine(frontEnd.Repository, "gateway");
        Task<bool> RunAsync(string step, params string[] command) => frontEnd.RunAsync(step, gateway, command[0], command[1..]);
        _ = await RunAsync("gateway npm ci", "npm", "ci", "--prefer-offline", "--no-audit", "--no-fund")
            && await RunAsync("gateway lint", "npm", "run", "lint")
            && await RunAsync("gateway tests", "npm", "test");
    }

    private async Task TrainAsync(Dictionary<string, string> model)
    {
        foreach (var step in new[] { "train", "evaluate" })
        {
            var result = await GeneratedVariants.RunPythonAsync(Repository, ["-m", $"{GeneratedVariants.PackageName}.{step}"], model);
            Save(step, result);
            if (result.ExitCode != 0)
            {
                return;
            }
        }

        await RunAsync("api document check", Repository, GeneratedVariants.Python, "-m", $"{GeneratedVariants.PackageName}.api_schema", "--check", "ui/src/api/openapi.json");
        await RunAsync("api document pytest", Repository, GeneratedVariants.Python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_api_schema.py");
    }

    private async Task BrowseAsync(Dictionary<string, string> model)
    {
        var results = Directory.CreateDirectory(Path.Combine(RepositoryPaths.Root, "TestResults", "web-ui")).FullName;
        var name = GetType().Name;
        ServedScreenshot = Path.Combine(results, $"{name}-prediction.png");
        UnreachableScreenshot = Path.Combine(results, $"{name}-service-unreachable.png");
        var service = await ServiceProcess.StartAsync(Repository, model);
        await using var gateway = await GatewayProcess.StartAsync(FrontEndRepository, $"http://127.0.0.1:{service.Port}");
        try
        {
            var (_, direct) = await service.PostAsync("/predict", new StringContent(Record.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
            DirectAnswer = JsonNode.Parse(direct)!.AsObject();
            Served = await BrowserAsync("browser with the service", gateway.Url, ServedScreenshot);
        }
        finally
        {
            ServiceLog = service.Describe();
            await service.DisposeAsync();
        }

        Unreachable = await BrowserAsync("browser without the service", gateway.Url, UnreachableScreenshot);
        GatewayLog = gateway.Output;
    }

    private async Task<JsonObject> BrowserAsync(string step, string url, string screenshot)
    {
        var script = Path.Combine(RepositoryPaths.Root, "tests", "MlopsTemplates.Tests", "WebUi", "browser-check.mjs");
        return await RunAsync(step, Repository, "node", script, url, Record.ToJsonString(), screenshot)
            ? JsonNode.Parse(Step(step).StandardOutput)!.AsObject()
            : new JsonObject();
    }

    private async Task<bool> RunAsync(string step, string directory, string program, params string[] arguments)
    {
        var result = await RunInAsync(Repository, directory, program, arguments);
        Save(step, result);
        return result.ExitCode == 0;
    }

    private static Task<CommandResult> RunInAsync(string repository, string directory, string program, string[] arguments) =>
        Command.RunAsync(program, arguments, directory, new Dictionary<string, string?>
        {
            ["PYTHONPATH"] = Path.Combine(repository, "src"),
            ["PYTHONDONTWRITEBYTECODE"] = "1",
            ["CI"] = "true",
            ["NO_COLOR"] = "1",
        }, timeout: TimeSpan.FromMinutes(5));

    private void Save(string step, CommandResult result)
    {
        lock (steps)
        {
            steps[step] = result;
        }
    }

    /// <summary>One front-end build: the repository copy it ran in and its steps' results.</summary>
    private sealed record FrontEnd(string Repository, Dictionary<string, CommandResult> Steps)
    {
        public async Task<bool> RunAsync(string step, string directory, string program, string[] arguments)
        {
            var result = await RunInAsync(Repository, directory, program, arguments);
            lock (Steps)
            {
                Steps[step] = result;
            }

            return result.ExitCode == 0;
        }
    }
}

/// <summary>The web UI in front of the FastAPI service.</summary>
public sealed class FastApiWebUiRun : WebUiRun
{
    protected override string Options => "--ui react";
}

/// <summary>The web UI in front of the Django service.</summary>
public sealed class DjangoWebUiRun : WebUiRun
{
    protected override string Options => "--ui react --serving django";
}
