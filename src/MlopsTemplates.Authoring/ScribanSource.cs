using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;

namespace MlopsTemplates.Authoring;

/// <summary>One rendered file: where it lands, its text, and for which option values it is selected.</summary>
public sealed record Variant(string SourcePath, string OutputPath, string Content, bool Executable, VariantCondition Condition);

/// <summary>A <c>*.sbn</c> source: a Scriban template whose front matter says where and when its output is emitted.</summary>
public sealed class ScribanSource
{
    /// <summary>
    /// More valid combinations than this in one source is a sign it mixes concerns that belong in separate files. 256:
    /// the files that name every component (README, Makefile, Dockerfile, CI and its docs, .env.example) vary by four to
    /// six options once the component issues 16 to 20 landed, and splitting them further by `only` gave thin sources
    /// around one partial without separating any concern. Each variant is rendered once at pack time, so the cost is
    /// the package's size. Combinations the rules forbid are not counted, since the source is never rendered for them.
    /// </summary>
    public const int MaxCombinations = 256;

    /// <summary>The global every source may read besides the options it lists.</summary>
    public const string TemplateVersionVariable = "template_version";

    /// <summary>
    /// The option model itself (name and the engine token that stands for its value), for files that list every
    /// option, such as the answers file: they follow template.json without varying by any option.
    /// </summary>
    public const string OptionModelVariable = "template_options";

    private readonly Template template;
    private readonly OptionModel options;
    private readonly string? partialsDirectory;

    private ScribanSource(string path, Template template, FrontMatter frontMatter, OptionModel options, string? partialsDirectory)
    {
        Path = path;
        this.template = template;
        FrontMatter = frontMatter;
        this.options = options;
        this.partialsDirectory = partialsDirectory;
    }

    /// <summary>The path used in diagnostics (relative to the template folder).</summary>
    public string Path { get; }

    public FrontMatter FrontMatter { get; }

    public static ScribanSource Parse(string text, string path, OptionModel options, string? partialsDirectory = null)
    {
        if (!text.TrimStart('\uFEFF').StartsWith("+++", StringComparison.Ordinal))
        {
            throw new AuthoringException(AuthoringDiagnostic.ForFile(path, DiagnosticCodes.FrontMatter,
                "missing front matter: start the file with a '+++' block that sets at least output = \"path\""));
        }

        var template = Template.Parse(text, path, lexerOptions: new LexerOptions { Mode = ScriptMode.FrontMatterAndContent });
        if (template.HasErrors)
        {
            throw new AuthoringException(template.Messages
                .Where(m => m.Type == ParserMessageType.Error)
                .Select(m => At(path, m.Span, DiagnosticCodes.ScribanSyntax, m.Message))
                .ToList());
        }

        if (template.Page?.FrontMatter is not { } frontMatterBlock)
        {
            throw new AuthoringException(AuthoringDiagnostic.ForFile(path, DiagnosticCodes.FrontMatter,
                "missing front matter: start the file with a '+++' block that sets at least output = \"path\""));
        }

        var variables = new ScriptObject();
        var context = new TemplateContext { StrictVariables = true };
        context.PushGlobal(variables);
        try
        {
            context.Evaluate(frontMatterBlock);
        }
        catch (ScriptRuntimeException e)
        {
            throw new AuthoringException(At(path, e.Span, DiagnosticCodes.FrontMatter, e.OriginalMessage));
        }

        var frontMatter = FrontMatter.FromVariables(variables, options,
            (code, message) => new AuthoringException(At(path, frontMatterBlock.Span, code, message)));
        return new ScribanSource(path, template, frontMatter, options, partialsDirectory);
    }

    /// <summary>
    /// The combinations of the listed options that this source is rendered for: within its <c>only</c> scope, and only
    /// those some valid combination of all options extends (a source is never rendered for what the rules forbid).
    /// </summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Combinations()
    {
        var axes = FrontMatter.Vary
            .Select(name => (name, (IReadOnlyList<string>)options.ByName[name].Values
                .Where(v => !FrontMatter.Only.TryGetValue(name, out var allowed) || allowed.Contains(v))
                .ToList()))
            .ToList();
        // Counted after the rules: a source that lists an option whose values the rules tie to another option's (an
        // orchestrator only with Kubernetes) is rendered for the pairs that can happen, not for the whole product.
        var rendered = Authoring.Combinations.Product(axes)
            .Where(c => ValueBox.Intersect(FrontMatter.Only, ValueBox.Of(c)) is { } box && options.Reaches(box))
            .ToList();
        if (rendered.Count > MaxCombinations)
        {
            throw new AuthoringException(AuthoringDiagnostic.ForFile(Path, DiagnosticCodes.TooManyCombinations,
                $"varies by {string.Join(" x ", axes.Select(a => $"{a.name} ({a.Item2.Count})"))}: {rendered.Count} valid combinations, more than {MaxCombinations}: " +
                "split it into smaller sources (for example one per value of an option, using 'only') or move shared text into a partial"));
        }

        return rendered;
    }

    /// <summary>Renders every combination; identical outputs are merged into one variant with a wider condition.</summary>
    public IReadOnlyList<Variant> RenderVariants(string templateVersion)
    {
        var rendered = Combinations().Select(c => (Combination: c, Content: Render(c, templateVersion))).ToList();
        return rendered
            .GroupBy(r => r.Content, StringComparer.Ordinal)
            .Select(g => new Variant(Path, FrontMatter.Output, g.Key, FrontMatter.Executable,
                VariantCondition.ForCombinations(FrontMatter.Only, g.Select(r => r.Combination).ToList())))
            .ToList();
    }

    public string Render(IReadOnlyDictionary<string, string> combination, string templateVersion)
    {
        var globals = new ScriptObject();
        foreach (var option in options.Options)
        {
            if (combination.TryGetValue(option.Name, out var value))
            {
                globals[option.Name] = value;
            }
            else
            {
                // An option read without being listed would render the same text for every value of it:
                // a silent bug, so reading it is an error that names the fix.
                var name = option.Name;
                globals.Import(name, new Func<string>(() => throw new UnlistedOptionException(name)));
            }
        }

        globals[TemplateVersionVariable] = templateVersion;
        var model = new ScriptArray();
        foreach (var option in options.Options)
        {
            model.Add(new ScriptObject { ["name"] = option.Name, ["token"] = option.Replaces ?? "" });
        }

        globals[OptionModelVariable] = model;
        var context = new TemplateContext
        {
            StrictVariables = true,
            TemplateLoader = partialsDirectory is null ? null : new PartialLoader(partialsDirectory),
            // Rendered files are data (YAML, Python, Makefiles): keep their line endings and indentation exact.
            NewLine = "\n",
        };
        context.PushGlobal(globals);
        try
        {
            return template.Render(context);
        }
        catch (ScriptRuntimeException e)
        {
            var (code, message) = e.InnerException is UnlistedOptionException unlisted
                ? (DiagnosticCodes.UnlistedOption,
                    $"uses option '{unlisted.Option}' without listing it: add it to {FrontMatter.VaryKey} in the front matter")
                : (DiagnosticCodes.ScribanRuntime, e.OriginalMessage);
            throw new AuthoringException(At(e.Span.FileName ?? Path, e.Span, code,
                $"{message} (rendering {Authoring.Combinations.Describe(combination)})"));
        }
    }

    private static AuthoringDiagnostic At(string path, SourceSpan span, string code, string message) =>
        new(string.IsNullOrEmpty(span.FileName) ? path : span.FileName, span.Start.Line + 1, span.Start.Column + 1, code, message);

    private sealed class UnlistedOptionException(string option) : Exception($"option '{option}' is not listed")
    {
        public string Option { get; } = option;
    }
}
