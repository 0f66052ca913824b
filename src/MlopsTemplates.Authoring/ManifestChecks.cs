using System.Text.Json.Nodes;

namespace MlopsTemplates.Authoring;

/// <summary>
/// The checks Microsoft's pack-time template validator makes (its package cannot be restored here),
/// plus ours: every option and every choice is described, so <c>dotnet new --help</c> explains all of them.
/// </summary>
public static partial class ManifestChecks
{
    public static IReadOnlyList<AuthoringDiagnostic> Check(JsonObject manifest, string manifestPath, string templateDirectory)
    {
        var problems = new List<string>();
        foreach (var required in new[] { "identity", "name", "shortName" })
        {
            if (manifest[required] is not JsonValue value || string.IsNullOrWhiteSpace(value.ToString()))
            {
                problems.Add($"'{required}' is missing or empty");
            }
        }

        if (manifest["symbols"] is JsonObject symbols)
        {
            foreach (var (name, node) in symbols)
            {
                if (node is not JsonObject symbol || (string?)symbol["type"] != "parameter")
                {
                    continue;
                }

                if (string.IsNullOrWhiteSpace((string?)symbol["description"]))
                {
                    problems.Add($"option '{name}' has no description");
                }

                foreach (var choice in symbol["choices"]?.AsArray() ?? [])
                {
                    if (string.IsNullOrWhiteSpace((string?)choice?["description"]))
                    {
                        problems.Add($"choice '{(string?)choice?["choice"]}' of option '{name}' has no description");
                    }
                }

                if ((string?)symbol["datatype"] == "choice" && !OptionName().IsMatch(name))
                {
                    problems.Add($"option '{name}' must be a letter followed by letters, digits or '_': staged file names carry it");
                }

                var defaultValue = (string?)symbol["defaultValue"];
                if ((string?)symbol["datatype"] == "choice" && defaultValue is not null
                    && symbol["choices"]?.AsArray().All(c => (string?)c?["choice"] != defaultValue) == true)
                {
                    problems.Add($"option '{name}' defaults to '{defaultValue}', which is not one of its choices");
                }
            }
        }

        foreach (var (action, i) in (manifest["postActions"]?.AsArray() ?? []).Select((a, i) => (a, i)))
        {
            var instructions = action?["manualInstructions"]?.AsArray();
            if (instructions is null || instructions.Count == 0 || instructions.Any(x => string.IsNullOrWhiteSpace((string?)x?["text"])))
            {
                problems.Add($"post action {i} ('{(string?)action?["id"] ?? (string?)action?["actionId"]}') has no manual instructions");
            }
        }

        foreach (var source in manifest["sources"]?.AsArray() ?? [])
        {
            var folder = (string?)source?["source"] ?? "./";
            if (!Directory.Exists(Path.Combine(templateDirectory, folder)))
            {
                problems.Add($"source folder '{folder}' does not exist");
            }
        }

        return problems.Select(p => AuthoringDiagnostic.ForFile(manifestPath, DiagnosticCodes.TemplateManifest, p)).ToList();
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*$")]
    private static partial System.Text.RegularExpressions.Regex OptionName();
}
