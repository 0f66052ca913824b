using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MlopsTemplates.Authoring;

/// <summary>
/// Writes the staged template: every file of the template (static or rendered) as a numbered file in one flat folder,
/// renamed to its output path, and a template.json that selects among them by exclusion, so that <c>dotnet new</c>
/// only selects files.
/// </summary>
/// <remarks>
/// The engine pays for every condition it evaluates (about half a millisecond each, twice per run), so one condition
/// per variant made instantiation cost grow with the number of variants. Instead each staged file's name lists the
/// option values its condition rules out, and there is one modifier per option value: when the value is chosen, it
/// excludes every file that rules it out. A file survives exactly when no chosen value is ruled out, which is its
/// condition when that condition is a product of value sets; a condition that is not one is staged as one copy per
/// disjoint term. The number of conditions is the number of option values, however many variants there are.
/// </remarks>
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
        var options = plan.Folder.Options;
        var tokens = ReplacedTokens(plan.Folder.Manifest);
        var renames = new JsonObject();
        var ruledOut = new HashSet<(string Option, int Value)>();
        var index = 0;
        Directory.CreateDirectory(Path.Combine(outputDirectory, EngineConventions.VariantsFolder));
        foreach (var file in plan.Files)
        {
            var content = file.Static is { } staticFile ? File.ReadAllBytes(staticFile.FullPath) : Encoding.UTF8.GetBytes(file.Variant!.Content);
            var copyOnly = !tokens.Any(t => content.AsSpan().IndexOf(t) >= 0);
            foreach (var term in file.Condition.Terms)
            {
                var excluded = RuledOut(term, options);
                ruledOut.UnionWith(excluded);
                var staged = StagedName(copyOnly, ++index, excluded);
                File.WriteAllBytes(Path.Combine(outputDirectory, staged), content);
                renames[staged] = file.OutputPath;
            }
        }

        var modifiers = new JsonArray();
        foreach (var option in options.Options)
        {
            foreach (var (value, i) in option.Values.Select((v, i) => (v, i)).Where(v => ruledOut.Contains((option.Name, v.i))))
            {
                modifiers.Add(new JsonObject
                {
                    ["condition"] = $"{option.Name} == \"{value}\"",
                    ["exclude"] = new JsonArray($"{EngineConventions.VariantsFolder}/*~{RuledOutValue(option.Name, i)}~*"),
                });
            }
        }

        var configDirectory = Path.Combine(outputDirectory, TemplateFolder.ConfigFolder);
        Directory.CreateDirectory(configDirectory);
        WriteJson(Path.Combine(configDirectory, "template.json"), StagedManifest(plan, renames, modifiers));
        WriteJson(Path.Combine(configDirectory, "dotnetcli.host.json"), HostFiles.CompleteCliHost(ReadOptional(plan.Folder, "dotnetcli.host.json"), plan.Folder.Options));
        WriteJson(Path.Combine(configDirectory, "ide.host.json"), HostFiles.CompleteIdeHost(ReadOptional(plan.Folder, "ide.host.json"), plan.Folder.Options));
        foreach (var extra in Directory.EnumerateFiles(Path.Combine(plan.Folder.Root, TemplateFolder.ConfigFolder))
                     .Where(f => Path.GetFileName(f) is not ("template.json" or "dotnetcli.host.json" or "ide.host.json")))
        {
            File.Copy(extra, Path.Combine(configDirectory, Path.GetFileName(extra)), overwrite: true);
        }
    }

    /// <summary>
    /// The staged path of one file: a copy-only mark (<c>c</c>: nothing for the engine to replace, so it skips its
    /// per-file text processor) or <c>p</c>, a fixed-width number (so that no rename key is a substring of another: the
    /// engine applies renames as substring replacements), then <c>~option.valueIndex</c> for every value the file rules out.
    /// It ends in <c>~_</c>: the engine's globs do not let a trailing <c>*</c> match an empty rest of the name.
    /// </summary>
    private static string StagedName(bool copyOnly, int index, IEnumerable<(string Option, int Value)> ruledOut) =>
        $"{EngineConventions.VariantsFolder}/{(copyOnly ? 'c' : 'p')}{index:D5}" +
        string.Concat(ruledOut.Select(r => "~" + RuledOutValue(r.Option, r.Value))) + "~_";

    private static string RuledOutValue(string option, int valueIndex) => $"{option}.{valueIndex}";

    private static List<(string Option, int Value)> RuledOut(IReadOnlyDictionary<string, IReadOnlySet<string>> term, OptionModel options) =>
        options.Options
            .Where(o => term.ContainsKey(o.Name))
            .SelectMany(o => o.Values.Select((v, i) => (o.Name, v, i)).Where(x => !term[o.Name].Contains(x.v)).Select(x => (x.Name, x.i)))
            .ToList();

    /// <summary>The texts the engine replaces in file contents (every symbol's <c>replaces</c>), as UTF-8.</summary>
    private static List<byte[]> ReplacedTokens(JsonObject manifest) =>
        (manifest["symbols"] as JsonObject ?? [])
            .Select(s => (string?)s.Value?["replaces"])
            .Where(t => !string.IsNullOrEmpty(t))
            .Select(t => Encoding.UTF8.GetBytes(t!))
            .ToList();

    private static JsonObject StagedManifest(TemplatePlan plan, JsonObject renames, JsonArray modifiers)
    {
        var manifest = plan.Folder.Manifest.DeepClone().AsObject();
        manifest["sources"] = new JsonArray(new JsonObject
        {
            ["source"] = "./",
            ["target"] = "./",
            ["exclude"] = new JsonArray(EngineConventions.DefaultExcludes.Select(e => (JsonNode)e!).ToArray()),
            ["copyOnly"] = new JsonArray([.. EngineConventions.DefaultCopyOnly.Select(e => (JsonNode)e!), $"{EngineConventions.VariantsFolder}/c*"]),
            ["rename"] = renames,
            ["modifiers"] = modifiers,
        });
        manifest["specialCustomOperations"] = EngineConventions.SpecialCustomOperations();

        var postActions = manifest["postActions"]?.AsArray() ?? [];
        manifest.Remove("postActions");
        // One chmod action per condition under which its files exist: the engine reports every named file that was
        // not generated as a failed post action ("Unable to apply permissions +x"), so none may name a file the
        // chosen options leave out.
        var executables = plan.Files.Where(f => f.Executable)
            .GroupBy(f => ChmodPattern(f.OutputPath, manifest), StringComparer.Ordinal)
            .Select(g => (Pattern: g.Key, Condition: EngineCondition(g.SelectMany(f => f.Condition.Terms), plan.Folder.Options)))
            .GroupBy(e => e.Condition, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        for (var i = executables.Count - 1; i >= 0; i--)
        {
            var patterns = executables[i].Select(e => e.Pattern).Order(StringComparer.Ordinal).ToList();
            var action = new JsonObject
            {
                ["id"] = executables.Count == 1 ? "make-scripts-executable" : $"make-scripts-executable-{i + 1}",
                ["description"] = "Restores the executable bit on scripts (lost in NuGet packages).",
                ["actionId"] = EngineConventions.ChmodActionId.ToUpperInvariant(),
                ["continueOnError"] = true,
                ["args"] = new JsonObject { ["+x"] = new JsonArray(patterns.Select(p => (JsonNode)p!).ToArray()) },
                ["manualInstructions"] = new JsonArray(new JsonObject { ["text"] = $"Run 'chmod +x {string.Join(" ", patterns)}'" }),
            };
            if (executables[i].Key.Length > 0)
            {
                action["condition"] = executables[i].Key;
            }

            postActions.Insert(0, action);
        }

        manifest["postActions"] = postActions;
        return manifest;
    }

    /// <summary>
    /// An engine condition true exactly where one of <paramref name="terms"/> holds, or "" for always: terms that differ
    /// in one option are merged first and an option allowing all its values is dropped, so a script generated for every
    /// value of the options its content varies by gets the short condition of its <c>only</c>.
    /// </summary>
    private static string EngineCondition(IEnumerable<IReadOnlyDictionary<string, IReadOnlySet<string>>> terms, OptionModel options)
    {
        var all = options.Options.ToDictionary(o => o.Name, o => o.Values.ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var merged = terms.Select(t => t.Where(kv => !kv.Value.SetEquals(all[kv.Key])).ToDictionary(kv => kv.Key, kv => kv.Value.ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal)).ToList();
        bool Same(Dictionary<string, HashSet<string>> a, Dictionary<string, HashSet<string>> b, string except) =>
            a.Keys.Union(b.Keys).All(k => k == except || (a.TryGetValue(k, out var x) && b.TryGetValue(k, out var y) && x.SetEquals(y)));
        for (var changed = true; changed;)
        {
            changed = false;
            for (var i = 0; i < merged.Count && !changed; i++)
            {
                for (var j = i + 1; j < merged.Count && !changed; j++)
                {
                    var option = merged[i].Keys.Union(merged[j].Keys).FirstOrDefault(k => Same(merged[i], merged[j], k));
                    if (option is null && merged[i].Keys.Union(merged[j].Keys).Any())
                    {
                        continue;
                    }

                    // Equal except in one option: one term, with the union of both value sets there.
                    var (keep, drop) = (merged[i], merged[j]);
                    if (option is not null)
                    {
                        if (keep.TryGetValue(option, out var kept) && drop.TryGetValue(option, out var dropped))
                        {
                            kept.UnionWith(dropped);
                            if (kept.SetEquals(all[option]))
                            {
                                keep.Remove(option);
                            }
                        }
                        else
                        {
                            keep.Remove(option);
                        }
                    }

                    merged.RemoveAt(j);
                    changed = true;
                }
            }
        }

        if (merged.Any(t => t.Count == 0))
        {
            return "";
        }

        return string.Join(" || ", merged.Select(t => "(" + string.Join(" && ", t.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => "(" + string.Join(" || ", kv.Value.Order(StringComparer.Ordinal).Select(v => $"{kv.Key} == \"{v}\"")) + ")")) + ")"));
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
}
