using System.Text.Json.Nodes;

namespace MlopsTemplates.Authoring;

/// <summary>Facts about the dotnet new template engine that the staged template relies on.</summary>
internal static class EngineConventions
{
    /// <summary>Setting <c>copyOnly</c> replaces the engine's default as well.</summary>
    public static readonly string[] DefaultCopyOnly = ["**/node_modules/**"];

    /// <summary>
    /// Where every file of the staged template waits, one numbered file per variant in the flat folder of its source
    /// (the engine pays per directory as well as per file), until the source renames it to its output path. The
    /// configuration folder is outside every source, so no source needs to restate the engine's default excludes.
    /// </summary>
    public const string VariantsFolder = "_variants";

    public const string ChmodActionId = "cb9a6cf3-4f5c-4860-b9d2-03a574959774";
    public const string ManualInstructionsActionId = "ac1156f7-bb77-4db8-b28f-24eebcca1e5c";

    /// <summary>
    /// Rendered files are final text; the engine's own <c>#if</c> processing would reinterpret their comments.
    /// A glob that is not one of the engine's defaults turns it off for every file while keeping name replacements.
    /// </summary>
    public static JsonObject SpecialCustomOperations() => new()
    {
        ["**/*"] = new JsonObject { ["operations"] = new JsonArray() },
    };
}
