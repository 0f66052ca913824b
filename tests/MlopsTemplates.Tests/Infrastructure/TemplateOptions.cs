using MlopsTemplates.Authoring;

namespace MlopsTemplates.Tests.Infrastructure;

/// <summary>The template's options, read from its template.json, so tests never restate them.</summary>
public static class TemplateOptions
{
    private static readonly Lazy<TemplateFolder> Folder = new(() => TemplateFolder.Load(RepositoryPaths.Template));

    public static TemplateFolder Template => Folder.Value;

    public static OptionModel Model => Folder.Value.Options;

    /// <summary>A combination as command-line arguments (<c>--ci jenkins --cloud aws ...</c>).</summary>
    public static string[] ToArguments(IReadOnlyDictionary<string, string> combination) =>
        combination.SelectMany(kv => new[] { "--" + kv.Key, kv.Value }).ToArray();
}
