using System.Text.Json;
using System.Text.Json.Nodes;

namespace MlopsTemplates.Authoring;

/// <summary>
/// Writes the staged template: static files as they are, each rendered variant in its own folder, and a template.json
/// with one conditioned modifier per variant, so that <c>dotnet new</c> only selects files.
/// </summary>
public static class StagedTemplateWriter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(TemplatePlan plan, string outputDirectory)
    {
        if (Directory.Exists(outputDirectory))
        {
            Directory.Delete(outputDirectory, recursive: true);
        }

        Directory.CreateDirectory(outputDirectory);
        var modifiers = new JsonArray();
        var index = 0;
        foreach (var file in plan.Files)
        {
            if (file.Static is { } staticFile)
            {
                Copy(staticFile.FullPath, Path.Combine(outputDirectory, file.OutputPath));
                continue;
            }

            // One flat folder of numbered files: the engine pays per directory as well as per file, and a
            // fixed-width number keeps each rename key from being a substring of another.
            var staged = $"{EngineConventions.VariantsFolder}/{++index:D5}";
            var target = Path.Combine(outputDirectory, staged);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, file.Variant!.Content);
            var modifier = new JsonObject();
            if (file.Condition.ToEngineExpression(plan.Folder.Options) is { } condition)
            {
                modifier["condition"] = condition;
            }

            modifier["include"] = new JsonArray(staged);
            modifier["rename"] = new JsonObject { [staged] = file.OutputPath };
            modifiers.Add(modifier);
        }

        var configDirectory = Path.Combine(outputDirectory, TemplateFolder.ConfigFolder);
        Directory.CreateDirectory(configDirectory);
        WriteJson(Path.Combine(configDirectory, "template.json"), StagedManifest(plan, modifiers));
        WriteJson(Path.Combine(configDirectory, "dotnetcli.host.json"), HostFiles.CompleteCliHost(ReadOptional(plan.Folder, "dotnetcli.host.json"), plan.Folder.Options));
        WriteJson(Path.Combine(configDirectory, "ide.host.json"), HostFiles.CompleteIdeHost(ReadOptional(plan.Folder, "ide.host.json"), plan.Folder.Options));
        foreach (var extra in Directory.EnumerateFiles(Path.Combine(plan.Folder.Root, TemplateFolder.ConfigFolder))
                     .Where(f => Path.GetFileName(f) is not ("template.json" or "dotnetcli.host.json" or "ide.host.json")))
        {
            Copy(extra, Path.Combine(configDirectory, Path.GetFileName(extra)));
        }
    }

    private static JsonObject StagedManifest(TemplatePlan plan, JsonArray modifiers)
    {
        var manifest = plan.Folder.Manifest.DeepClone().AsObject();
        var exclude = new JsonArray(EngineConventions.DefaultExcludes.Select(e => (JsonNode)e!).ToArray());
        exclude.Add($"{EngineConventions.VariantsFolder}/*");
        manifest["sources"] = new JsonArray(new JsonObject
        {
            ["source"] = "./",
            ["target"] = "./",
            ["exclude"] = exclude,
            ["modifiers"] = modifiers,
        });
        manifest["specialCustomOperations"] = EngineConventions.SpecialCustomOperations();

        var postActions = manifest["postActions"]?.AsArray() ?? [];
        manifest.Remove("postActions");
        var executables = plan.Files.Where(f => f.Executable).Select(f => ChmodPattern(f.OutputPath, manifest)).Distinct().OrderBy(p => p, StringComparer.Ordinal).ToList();
        if (executables.Count > 0)
        {
            postActions.Insert(0, new JsonObject
            {
                ["id"] = "make-scripts-executable",
                ["description"] = "Restores the executable bit on scripts (lost in NuGet packages).",
                ["actionId"] = EngineConventions.ChmodActionId.ToUpperInvariant(),
                ["continueOnError"] = true,
                ["args"] = new JsonObject { ["+x"] = new JsonArray(executables.Select(p => (JsonNode)p!).ToArray()) },
                ["manualInstructions"] = new JsonArray(new JsonObject { ["text"] = $"Run 'chmod +x {string.Join(" ", executables)}'" }),
            });
        }

        manifest["postActions"] = postActions;
        return manifest;
    }

    /// <summary>
    /// The chmod action sees final paths, after the engine renamed name tokens in them, and it does not rename its
    /// own arguments: each token becomes a glob.
    /// </summary>
    private static string ChmodPattern(string outputPath, JsonObject manifest)
    {
        var tokens = (manifest["symbols"] as JsonObject ?? [])
            .Select(s => (string?)s.Value?["fileRename"])
            .OfType<string>()
            .ToList();
        return tokens.Aggregate(outputPath, (path, token) => path.Replace(token, "*", StringComparison.Ordinal));
    }

    private static JsonObject? ReadOptional(TemplateFolder folder, string fileName)
    {
        var path = Path.Combine(folder.Root, TemplateFolder.ConfigFolder, fileName);
        return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path))!.AsObject() : null;
    }

    private static void WriteJson(string path, JsonObject json) => File.WriteAllText(path, json.ToJsonString(Indented) + "\n");

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to, overwrite: true);
    }
}
