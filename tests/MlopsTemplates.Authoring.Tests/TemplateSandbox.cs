using System.Text.Json.Nodes;

namespace MlopsTemplates.Authoring.Tests;

/// <summary>A throwaway authored template folder with two small options, for tests to add sources to.</summary>
public sealed class TemplateSandbox : IDisposable
{
    public TemplateSandbox()
    {
        Directory.CreateDirectory(Path.Combine(TemplateDirectory, TemplateFolder.ConfigFolder));
        WriteManifest(DefaultManifest());
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "mlops-authoring-" + Guid.NewGuid().ToString("N")[..12]);

    public string TemplateDirectory => Path.Combine(Root, "sample");

    public string StagingDirectory => Path.Combine(Root, "staging");

    public string StagedDirectory => Path.Combine(StagingDirectory, "sample");

    public static JsonObject DefaultManifest() => new()
    {
        ["identity"] = "Sandbox.Sample",
        ["name"] = "Sandbox sample",
        ["shortName"] = "sandbox-sample",
        ["symbols"] = new JsonObject
        {
            ["ci"] = Choice("github", "github", "gitlab", "none"),
            ["cloud"] = Choice("local", "local", "aws"),
            ["projectToken"] = new JsonObject
            {
                ["type"] = "derived", ["valueSource"] = "name", ["valueTransform"] = "lower", ["replaces"] = "sandbox_token", ["fileRename"] = "sandbox_token",
            },
        },
        ["forms"] = new JsonObject { ["lower"] = new JsonObject { ["identifier"] = "lowerCaseInvariant" } },
    };

    public static JsonObject Choice(string defaultValue, params string[] values) => new()
    {
        ["type"] = "parameter",
        ["datatype"] = "choice",
        ["description"] = "An option.",
        ["defaultValue"] = defaultValue,
        ["choices"] = new JsonArray(values.Select(v => (JsonNode)new JsonObject { ["choice"] = v, ["description"] = $"The {v} choice." }).ToArray()),
    };

    public void WriteManifest(JsonObject manifest) =>
        File.WriteAllText(Path.Combine(TemplateDirectory, TemplateFolder.ConfigFolder, "template.json"), manifest.ToJsonString());

    /// <summary>The sandbox's one rule: <c>--ci gitlab</c> needs <c>--cloud aws</c>.</summary>
    public const string GitlabNeedsAws =
        """{ "rules": [ { "when": { "ci": ["gitlab"] }, "requires": { "cloud": "aws" }, "message": "GitLab runners here are on AWS: choose --cloud aws, or --ci github" } ] }""";

    public void WriteRules(string json) => Write(Path.Combine(TemplateFolder.ConfigFolder, OptionRule.FileName), json);

    public string Write(string relativePath, string text, bool executable = false)
    {
        var path = Path.Combine(TemplateDirectory, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        if (executable && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute);
        }

        return path;
    }

    public OptionModel Options => OptionModel.FromManifest(DefaultManifest());

    public AuthoringResult Author(string version = "1.2.3") => TemplateAuthor.Author(TemplateDirectory, StagingDirectory, version);

    public JsonObject StagedManifest() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(StagedDirectory, TemplateFolder.ConfigFolder, "template.json")))!.AsObject();

    /// <summary>The staged files (source folder and name) the sources rename to <paramref name="outputPath"/>, one per variant term.</summary>
    public IReadOnlyList<string> StagedFilesFor(string outputPath) =>
        StagedManifest()["sources"]!.AsArray()
            .SelectMany(s => s!["rename"]!.AsObject().Where(r => (string?)r.Value == outputPath).Select(r => (string)s["source"]! + r.Key))
            .ToList();

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
