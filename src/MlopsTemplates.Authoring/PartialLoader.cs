using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;

namespace MlopsTemplates.Authoring;

/// <summary>Resolves <c>{{ include "name" }}</c> against the template's partials folder, and nowhere else.</summary>
internal sealed class PartialLoader(string partialsDirectory) : ITemplateLoader
{
    public string GetPath(TemplateContext context, SourceSpan callerSpan, string templateName)
    {
        var path = Path.GetFullPath(Path.Combine(partialsDirectory, templateName));
        var root = Path.GetFullPath(partialsDirectory) + Path.DirectorySeparatorChar;
        if (!path.StartsWith(root, StringComparison.Ordinal) || !File.Exists(path))
        {
            throw new Scriban.Syntax.ScriptRuntimeException(callerSpan, $"partial '{templateName}' not found in {partialsDirectory}");
        }

        return path;
    }

    public string Load(TemplateContext context, SourceSpan callerSpan, string templatePath) => File.ReadAllText(templatePath);

    public ValueTask<string?> LoadAsync(TemplateContext context, SourceSpan callerSpan, string templatePath) =>
        ValueTask.FromResult<string?>(Load(context, callerSpan, templatePath));
}
