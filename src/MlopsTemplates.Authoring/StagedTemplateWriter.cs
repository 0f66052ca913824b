using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MlopsTemplates.Authoring;

/// <summary>
/// Writes the staged template: every file of the template (static or rendered) as a numbered file in a flat folder,
/// renamed to its output path, and a template.json that selects among them, so that <c>dotnet new</c> only selects files.
/// </summary>
/// <remarks>
/// The engine pays for every condition it evaluates (about half a millisecond each, twice per run) and for every file
/// in every source it uses (listed and matched against the renames, twice per run), so neither may grow with variants.
/// Files are grouped into sources by one option value set they need (their "home": one that rules out a default if
/// there is one, else the narrowest): a source whose condition is false is skipped whole, so unchosen variants are
/// never listed, and the default repository lists only the files it writes. Within a source, each staged file's name
/// lists the values of other options its condition rules out, and one modifier per such value excludes, when that
/// value is chosen, every file ruling it out. A file survives exactly when its condition holds, because conditions are
/// products of value sets (a condition that is not one is staged as one copy per disjoint term). The conditions the
/// engine evaluates are one per source and one per ruled-out value of the chosen sources, never one per variant.
/// </remarks>
public static class StagedTemplateWriter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Computed in the staged template when there are rules: true when the chosen values break none.</summary>
    public const string RulesHoldSymbol = "optionRulesHold";

    public static void Write(TemplatePlan plan, string outputDirectory)
    {
        if (Directory.Exists(outputDirectory))
        {
            Directory.Delete(outputDirectory, recursive: true);
        }

        Directory.CreateDirectory(outputDirectory);
        var options = plan.Folder.Options;
        var tokens = ReplacedTokens(plan.Folder.Manifest);
        var sources = new Dictionary<string, StagedSource>(StringComparer.Ordinal);
        var index = 0;
        foreach (var file in plan.Files)
        {
            var content = file.Static is { } staticFile ? File.ReadAllBytes(staticFile.FullPath) : Encoding.UTF8.GetBytes(file.Variant!.Content);
            var copyOnly = !tokens.Any(t => content.AsSpan().IndexOf(t) >= 0);
            // A term only forbidden combinations select would never be chosen: not staged at all.
            foreach (var term in file.Condition.Terms.Where(options.Reaches))
            {
                var home = Home(term, options);
                var key = home is null ? "" : $"{home.Value.Option}={string.Join("|", home.Value.Values)}";
                if (!sources.TryGetValue(key, out var source))
                {
                    source = new StagedSource($"{EngineConventions.VariantsFolder}/{sources.Count}/", home);
                    sources[key] = source;
                    Directory.CreateDirectory(Path.Combine(outputDirectory, source.Folder));
                }

                var excluded = RuledOut(term, options).Where(r => r.Option != home?.Option).ToList();
                source.RuledOut.UnionWith(excluded);
                var staged = StagedName(copyOnly, ++index, excluded, options);
                File.WriteAllBytes(Path.Combine(outputDirectory, source.Folder, staged), content);
                source.Renames[staged] = file.OutputPath;
            }
        }

        var sourceArray = new JsonArray(sources.OrderBy(s => s.Value.Folder, StringComparer.Ordinal).Select(s => (JsonNode)s.Value.ToJson(options)).ToArray());
        var configDirectory = Path.Combine(outputDirectory, TemplateFolder.ConfigFolder);
        Directory.CreateDirectory(configDirectory);
        WriteJson(Path.Combine(configDirectory, "template.json"), StagedManifest(plan, sourceArray));
        WriteJson(Path.Combine(configDirectory, "dotnetcli.host.json"), HostFiles.CompleteCliHost(ReadOptional(plan.Folder, "dotnetcli.host.json"), plan.Folder.Options));
        WriteJson(Path.Combine(configDirectory, "ide.host.json"), HostFiles.CompleteIdeHost(ReadOptional(plan.Folder, "ide.host.json"), plan.Folder.Options));
        foreach (var extra in Directory.EnumerateFiles(Path.Combine(plan.Folder.Root, TemplateFolder.ConfigFolder))
                     .Where(f => Path.GetFileName(f) is not ("template.json" or "dotnetcli.host.json" or "ide.host.json" or OptionRule.FileName)))
        {
            File.Copy(extra, Path.Combine(configDirectory, Path.GetFileName(extra)), overwrite: true);
        }
    }

    /// <summary>
    /// The option a term is filed under, or null for a term that allows everything: one whose default it rules out if
    /// there is one (so that the default repository lists no file it does not write), then the one whose allowed
    /// values are the smallest share of its values (so that other choices list few files they do not write either),
    /// then the first.
    /// </summary>
    private static (string Option, IReadOnlyList<string> Values)? Home(IReadOnlyDictionary<string, IReadOnlySet<string>> term, OptionModel options) =>
        options.Options
            .Select(o => (o.Name, Allowed: ValueBox.Values(term, o.Name, options), All: o.Values.Count, o.DefaultValue))
            .Where(x => x.Allowed.Count < x.All)
            .OrderBy(x => x.Allowed.Contains(x.DefaultValue) ? 1 : 0)
            .ThenBy(x => (double)x.Allowed.Count / x.All)
            .Select(x => ((string Option, IReadOnlyList<string> Values)?)(x.Name, x.Allowed))
            .FirstOrDefault();

    /// <summary>One source of the staged template: a folder of staged files, used only when its home values are chosen.</summary>
    private sealed class StagedSource(string folder, (string Option, IReadOnlyList<string> Values)? home)
    {
        public string Folder { get; } = folder;

        public JsonObject Renames { get; } = [];

        public HashSet<(string Option, int Value)> RuledOut { get; } = [];

        public JsonObject ToJson(OptionModel options)
        {
            var modifiers = new JsonArray();
            foreach (var option in options.Options)
            {
                foreach (var (value, i) in option.Values.Select((v, i) => (v, i)).Where(v => RuledOut.Contains((option.Name, v.i))))
                {
                    modifiers.Add(new JsonObject
                    {
                        ["condition"] = $"{option.Name} == \"{value}\"",
                        ["exclude"] = new JsonArray($"*~{RuledOutValue(options, option.Name, i)}~*"),
                    });
                }
            }

            var conditions = new List<string>();
            if (options.Rules.Count > 0)
            {
                // A broken rule stops dotnet new before it writes; a host that ignores that (an IDE), or a user who
                // passes the hidden rule option, still gets nothing rather than a repository no test has seen.
                conditions.Add(RulesHoldSymbol);
            }

            if (home is { } h)
            {
                conditions.Add(OptionRule.Disjunction(h.Option, h.Values, options));
            }

            var json = new JsonObject
            {
                ["source"] = Folder,
                ["target"] = "./",
                ["copyOnly"] = new JsonArray([.. EngineConventions.DefaultCopyOnly.Select(e => (JsonNode)e!), "c*"]),
                ["rename"] = Renames,
            };
            if (conditions.Count > 0)
            {
                json["condition"] = string.Join(" && ", conditions);
            }

            if (modifiers.Count > 0)
            {
                json["modifiers"] = modifiers;
            }

            return json;
        }
    }

    /// <summary>
    /// The staged name of one file: a copy-only mark (<c>c</c>: nothing for the engine to replace, so it skips its
    /// per-file text processor) or <c>p</c>, a fixed-width number (so that no rename key is a substring of another: the
    /// engine applies renames as substring replacements), then <c>~optionIndex.valueIndex</c> for every value the file
    /// rules out (indexes, not names: with option names a file ruling out many values had a path too long for NuGet,
    /// NU5123). It ends in <c>~_</c>: the engine's globs do not let a trailing <c>*</c> match an empty rest of the name.
    /// </summary>
    private static string StagedName(bool copyOnly, int index, IEnumerable<(string Option, int Value)> ruledOut, OptionModel options) =>
        $"{(copyOnly ? 'c' : 'p')}{index:D5}" + string.Concat(ruledOut.Select(r => "~" + RuledOutValue(options, r.Option, r.Value))) + "~_";

    private static string RuledOutValue(OptionModel options, string option, int valueIndex) =>
        $"{options.Options.ToList().FindIndex(o => o.Name == option)}.{valueIndex}";

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

    private static JsonObject StagedManifest(TemplatePlan plan, JsonArray sources)
    {
        var manifest = plan.Folder.Manifest.DeepClone().AsObject();
        manifest["sources"] = sources;
        manifest["specialCustomOperations"] = EngineConventions.SpecialCustomOperations();
        AddRules(manifest, plan.Folder.Options);

        var postActions = manifest["postActions"]?.AsArray() ?? [];
        manifest.Remove("postActions");
        // One chmod per scope of the sources with scripts, so that it names only files the chosen values emit (a
        // missing one makes the engine print "Unable to apply permissions ... Post action failed").
        var chmods = plan.Files.Where(f => f.Executable)
            .GroupBy(f => EngineCondition(f.Scope, plan.Folder.Options) ?? "")
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        foreach (var (group, i) in chmods.Select((g, i) => (g, i)).Reverse())
        {
            var executables = group.Select(f => ChmodPattern(f.OutputPath, manifest)).Distinct().Order(StringComparer.Ordinal).ToList();
            var action = new JsonObject
            {
                ["id"] = chmods.Count == 1 ? "make-scripts-executable" : $"make-scripts-executable-{i + 1}",
                ["description"] = "Restores the executable bit on scripts (lost in NuGet packages).",
                ["actionId"] = EngineConventions.ChmodActionId.ToUpperInvariant(),
                ["continueOnError"] = true,
                ["args"] = new JsonObject { ["+x"] = new JsonArray(executables.Select(p => (JsonNode)p!).ToArray()) },
                ["manualInstructions"] = new JsonArray(new JsonObject { ["text"] = $"Run 'chmod +x {string.Join(" ", executables)}'" }),
            };
            if (group.Key.Length > 0)
            {
                action["condition"] = group.Key;
            }

            postActions.Insert(0, action);
        }

        manifest["postActions"] = postActions;
        return manifest;
    }

    /// <summary>A box in the engine's condition language, or null when it holds for every combination.</summary>
    private static string? EngineCondition(IReadOnlyDictionary<string, IReadOnlySet<string>> box, OptionModel options)
    {
        var clauses = options.Options.Where(o => ValueBox.Values(box, o.Name, options).Count < o.Values.Count)
            .Select(o => OptionRule.Disjunction(o.Name, ValueBox.Values(box, o.Name, options), options)).ToList();
        return clauses.Count == 0 ? null : string.Join(" && ", clauses);
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

    /// <summary>
    /// Each rule becomes a hidden string parameter that is required exactly when the rule is broken, so dotnet new
    /// refuses the combination before writing anything (exit code 102) and names the parameter, whose long name is
    /// the rule. Help shows the rule's message under each option its 'when' names. Nothing in the engine can refuse a
    /// combination more directly: its 'constraints' look only at the host and the environment.
    /// </summary>
    private static void AddRules(JsonObject manifest, OptionModel options)
    {
        if (options.Rules.Count == 0)
        {
            return;
        }

        var symbols = manifest["symbols"]!.AsObject();
        foreach (var rule in options.Rules)
        {
            symbols[rule.SymbolName] = new JsonObject
            {
                ["type"] = "parameter",
                ["datatype"] = "string",
                ["description"] = $"Do not pass: required only to refuse {rule.Summary}. {rule.Message}",
                ["isRequired"] = rule.EngineCondition(options),
            };
            foreach (var option in rule.When.Keys)
            {
                var symbol = symbols[option]!.AsObject();
                symbol["description"] = $"{(string?)symbol["description"]} Rule: {rule.Message}";
            }
        }

        symbols[RulesHoldSymbol] = new JsonObject
        {
            ["type"] = "computed",
            ["value"] = "!(" + string.Join(" || ", options.Rules.Select(r => "(" + r.EngineCondition(options) + ")")) + ")",
        };
    }

    private static JsonObject? ReadOptional(TemplateFolder folder, string fileName)
    {
        var path = Path.Combine(folder.Root, TemplateFolder.ConfigFolder, fileName);
        return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path))!.AsObject() : null;
    }

    private static void WriteJson(string path, JsonObject json) => File.WriteAllText(path, json.ToJsonString(Indented) + "\n");
}
