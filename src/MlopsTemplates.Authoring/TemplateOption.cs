using System.Text.Json.Nodes;

namespace MlopsTemplates.Authoring;

/// <summary>A choice option of the template, as declared in template.json (the one place options are defined).</summary>
public sealed record TemplateOption(string Name, IReadOnlyList<string> Values, string DefaultValue, string? Replaces);

/// <summary>The template's choice options, read from its template.json.</summary>
public sealed class OptionModel
{
    public OptionModel(IEnumerable<TemplateOption> options)
    {
        Options = options.ToList();
        ByName = Options.ToDictionary(o => o.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<TemplateOption> Options { get; }

    public IReadOnlyDictionary<string, TemplateOption> ByName { get; }

    /// <summary>Every choice parameter symbol of the manifest becomes an option.</summary>
    public static OptionModel FromManifest(JsonObject manifest)
    {
        var options = new List<TemplateOption>();
        if (manifest["symbols"] is JsonObject symbols)
        {
            foreach (var (name, node) in symbols)
            {
                if (node is not JsonObject symbol
                    || (string?)symbol["type"] != "parameter"
                    || (string?)symbol["datatype"] != "choice")
                {
                    continue;
                }

                var values = symbol["choices"]?.AsArray().Select(c => (string)c!["choice"]!).ToList() ?? [];
                var defaultValue = (string?)symbol["defaultValue"] ?? values.FirstOrDefault() ?? "";
                options.Add(new TemplateOption(name, values, defaultValue, (string?)symbol["replaces"]));
            }
        }

        return new OptionModel(options);
    }

    /// <summary>Every combination of every option's values: the space the engine can be asked for.</summary>
    public IEnumerable<IReadOnlyDictionary<string, string>> AllCombinations() =>
        Combinations.Product(Options.Select(o => (o.Name, o.Values)).ToList());
}
