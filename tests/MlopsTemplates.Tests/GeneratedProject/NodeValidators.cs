using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.GeneratedProject;

/// <summary>
/// Validators from npm for the generated repository: ruff's WebAssembly build (PyPI's ruff cannot be installed
/// here) and dockerfile-utils. The packages are installed next to the runner scripts (node/) on first use.
/// </summary>
public static class NodeValidators
{
    private static readonly string Folder = Path.Combine(RepositoryPaths.Root, "tests", "MlopsTemplates.Tests", "GeneratedProject", "node");
    private static readonly Lazy<Task> Installed = new(InstallAsync);

    // ruff itself reads target-version from requires-python; the WebAssembly API takes settings as given.
    private const string RuffSettingsScript = """
        import json, tomllib
        project = tomllib.load(open("pyproject.toml", "rb"))
        ruff = project["tool"]["ruff"]
        ruff.pop("src", None)
        ruff["target-version"] = "py" + project["project"]["requires-python"].removeprefix(">=").replace(".", "")
        print(json.dumps(ruff))
        """;

    /// <summary>ruff over each repository with its own pyproject settings, in one node process (compiling the module is the slow part).</summary>
    public static async Task<CommandResult> RuffAsync(IEnumerable<string> repositories)
    {
        await Installed.Value;
        var arguments = new List<string> { Path.Combine(Folder, "ruff-check.mjs") };
        foreach (var repository in repositories)
        {
            var settings = await GeneratedVariants.RunPythonAsync(repository, ["-c", RuffSettingsScript]);
            settings.EnsureSuccess();
            arguments.AddRange([repository, settings.StandardOutput.Trim()]);
        }

        return await Command.RunAsync("node", arguments, Folder);
    }

    public static async Task<CommandResult> DockerfileAsync(IEnumerable<string> dockerfiles)
    {
        await Installed.Value;
        return await Command.RunAsync("node", [Path.Combine(Folder, "dockerfile-check.mjs"), .. dockerfiles], Folder);
    }

    private static async Task InstallAsync()
    {
        var packages = new[] { "@astral-sh/ruff-wasm-nodejs", "dockerfile-utils" };
        if (!packages.All(p => File.Exists(Path.Combine(Folder, "node_modules", p, "package.json"))))
        {
            (await Command.RunAsync("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock"], Folder)).EnsureSuccess();
        }
    }
}
