using System.Text.Json.Nodes;

namespace MlopsTemplates.Authoring;

/// <summary>
/// Completes the host files from the option model, so that adding an option touches template.json alone:
/// the CLI gets a long option named after the symbol (no generated one-letter alias that could clash),
/// and IDEs show it.
/// </summary>
public static class HostFiles
{
    public static JsonObject CompleteCliHost(JsonObject? authored, OptionModel options)
    {
        var host = authored?.DeepClone().AsObject() ?? new JsonObject { ["$schema"] = "http://json.schemastore.org/dotnetcli.host" };
        var symbolInfo = host["symbolInfo"] as JsonObject ?? [];
        host["symbolInfo"] = symbolInfo;
        foreach (var option in options.Options.Where(o => !symbolInfo.ContainsKey(o.Name)))
        {
            symbolInfo[option.Name] = new JsonObject { ["longName"] = option.Name, ["shortName"] = "" };
        }

        // A rule's symbol is hidden, and its long name is the rule, which is what dotnet new names when it is broken.
        foreach (var rule in options.Rules)
        {
            symbolInfo[rule.SymbolName] = new JsonObject { ["longName"] = rule.LongName, ["shortName"] = "", ["isHidden"] = true };
        }

        return host;
    }

    public static JsonObject CompleteIdeHost(JsonObject? authored, OptionModel options)
    {
        var host = authored?.DeepClone().AsObject() ?? new JsonObject { ["$schema"] = "http://json.schemastore.org/ide.host" };
        var symbolInfo = host["symbolInfo"] as JsonArray ?? [];
        host["symbolInfo"] = symbolInfo;
        var listed = symbolInfo.Select(s => (string?)s?["id"]).ToHashSet();
        foreach (var option in options.Options.Where(o => !listed.Contains(o.Name)))
        {
            symbolInfo.Add(new JsonObject { ["id"] = option.Name, ["isVisible"] = true });
        }

        foreach (var rule in options.Rules)
        {
            symbolInfo.Add(new JsonObject { ["id"] = rule.SymbolName, ["isVisible"] = false });
        }

        return host;
    }
}
