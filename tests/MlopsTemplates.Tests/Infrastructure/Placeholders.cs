using System.Text.Json.Nodes;

namespace MlopsTemplates.Tests.Infrastructure;

/// <summary>The tokens the template engine replaces, read from template.json: none may survive into a generated repository.</summary>
public static class Placeholders
{
    public static IReadOnlyList<string> Tokens { get; } = TemplateOptions.Template.Manifest["symbols"]!.AsObject()
        .Select(s => (string?)s.Value?["replaces"])
        .OfType<string>()
        .Select(t => t.Trim('"'))
        .ToList();
}
