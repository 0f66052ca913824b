using System.Text.Json;
using System.Text.Json.Nodes;

namespace MlopsTemplates.Authoring;

/// <summary>A file copied into every generated repository as it is.</summary>
public sealed record StaticFile(string RelativePath, string FullPath, bool Executable);

/// <summary>
/// The authored template folder: <c>.template.config/</c> (manifest and host files), <c>.partials/</c>
/// (Scriban includes), <c>*.sbn</c> sources, and everything else as static content.
/// </summary>
public sealed class TemplateFolder
{
    public const string ConfigFolder = ".template.config";
    public const string PartialsFolder = ".partials";
    public const string SourceExtension = ".sbn";

    private TemplateFolder(string root, JsonObject manifest, OptionModel options, IReadOnlyList<ScribanSource> sources, IReadOnlyList<StaticFile> staticFiles)
    {
        Root = root;
        Manifest = manifest;
        Options = options;
        Sources = sources;
        StaticFiles = staticFiles;
    }

    public string Root { get; }

    public JsonObject Manifest { get; }

    public OptionModel Options { get; }

    public IReadOnlyList<ScribanSource> Sources { get; }

    public IReadOnlyList<StaticFile> StaticFiles { get; }

    public string ManifestPath => System.IO.Path.Combine(Root, ConfigFolder, "template.json");

    public string RulesPath => System.IO.Path.Combine(Root, ConfigFolder, OptionRule.FileName);

    /// <summary>Reads and parses the whole folder, reporting every broken source at once.</summary>
    public static TemplateFolder Load(string root)
    {
        root = System.IO.Path.GetFullPath(root);
        var manifestPath = System.IO.Path.Combine(root, ConfigFolder, "template.json");
        if (!File.Exists(manifestPath))
        {
            throw new AuthoringException(AuthoringDiagnostic.ForFile(manifestPath, DiagnosticCodes.TemplateManifest, "template.json not found"));
        }

        JsonObject manifest;
        try
        {
            manifest = JsonNode.Parse(File.ReadAllText(manifestPath), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        }
        catch (JsonException e)
        {
            throw new AuthoringException(new AuthoringDiagnostic(manifestPath, (int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1, DiagnosticCodes.TemplateManifest, e.Message));
        }

        var rulesPath = System.IO.Path.Combine(root, ConfigFolder, OptionRule.FileName);
        var plainOptions = OptionModel.FromManifest(manifest);
        var options = plainOptions.WithRules(OptionRule.Load(rulesPath, plainOptions));
        if (options.RuleProblems().ToList() is { Count: > 0 } ruleProblems)
        {
            throw new AuthoringException(ruleProblems.Select(p => AuthoringDiagnostic.ForFile(rulesPath, DiagnosticCodes.OptionRule, p)).ToList());
        }

        var partials = System.IO.Path.Combine(root, PartialsFolder);
        var sources = new List<ScribanSource>();
        var statics = new List<StaticFile>();
        var diagnostics = new List<AuthoringDiagnostic>();
        foreach (var (relative, full) in ContentFiles(root))
        {
            if (relative.EndsWith(SourceExtension, StringComparison.Ordinal))
            {
                try
                {
                    sources.Add(ScribanSource.Parse(File.ReadAllText(full), relative, options, Directory.Exists(partials) ? partials : null));
                }
                catch (AuthoringException e)
                {
                    diagnostics.AddRange(e.Diagnostics);
                }
            }
            else
            {
                statics.Add(new StaticFile(relative, full, IsExecutable(full)));
            }
        }

        if (diagnostics.Count > 0)
        {
            throw new AuthoringException(diagnostics);
        }

        return new TemplateFolder(root, manifest, options, sources, statics);
    }

    /// <summary>Every file that feeds the output, in a stable order (relative path with '/', full path).</summary>
    public static IEnumerable<(string Relative, string Full)> ContentFiles(string root) =>
        AllInputFiles(root).Where(f => !f.Relative.StartsWith(ConfigFolder + "/", StringComparison.Ordinal)
            && !f.Relative.StartsWith(PartialsFolder + "/", StringComparison.Ordinal));

    /// <summary>Every file authoring reads, including configuration and partials (for the up-to-date check).</summary>
    public static IEnumerable<(string Relative, string Full)> AllInputFiles(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(full => (Relative: System.IO.Path.GetRelativePath(root, full).Replace('\\', '/'), Full: full))
            .OrderBy(f => f.Relative, StringComparer.Ordinal);

    public static bool IsExecutable(string path) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0;
}
