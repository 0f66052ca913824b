using Scriban.Runtime;

namespace MlopsTemplates.Authoring;

/// <summary>
/// What a source's <c>+++</c> front matter declares: where its output goes, for which option values it exists
/// (<c>only</c>), which options its content reads (<c>vary</c>) and whether the output is executable.
/// </summary>
public sealed record FrontMatter(
    string Output,
    IReadOnlyDictionary<string, IReadOnlySet<string>> Only,
    IReadOnlyList<string> Vary,
    bool Executable)
{
    public const string OutputKey = "output";
    public const string OnlyKey = "only";
    public const string VaryKey = "vary";
    public const string ExecutableKey = "executable";

    private static readonly string[] KnownKeys = [OutputKey, OnlyKey, VaryKey, ExecutableKey];

    /// <summary>Reads the variables a front matter assigned; <paramref name="fail"/> reports a mistake at the front matter.</summary>
    internal static FrontMatter FromVariables(ScriptObject variables, OptionModel options, Func<string, string, Exception> fail)
    {
        foreach (var key in variables.Keys)
        {
            if (!KnownKeys.Contains(key))
            {
                throw fail(DiagnosticCodes.FrontMatter, $"unknown front matter key '{key}' (expected {string.Join(", ", KnownKeys)})");
            }
        }

        if (variables[OutputKey] is not string output || string.IsNullOrWhiteSpace(output))
        {
            throw fail(DiagnosticCodes.FrontMatter, $"front matter must set '{OutputKey}' to the output path, e.g. {OutputKey} = \"src/app.py\"");
        }

        output = output.Replace('\\', '/').Trim();
        if (output.StartsWith('/') || output.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw fail(DiagnosticCodes.FrontMatter, $"'{OutputKey}' must be a relative path without '.', '..' or empty segments: '{output}'");
        }

        var only = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        switch (variables[OnlyKey])
        {
            case null:
                break;
            case ScriptObject map:
                foreach (var (name, value) in map)
                {
                    var option = RequireOption(options, name, OnlyKey, fail);
                    var values = value switch
                    {
                        string single => [single],
                        ScriptArray many => many.Select(v => v?.ToString() ?? "").ToList(),
                        _ => throw fail(DiagnosticCodes.FrontMatter, $"'{OnlyKey}.{name}' must be a value or a list of values"),
                    };
                    foreach (var v in values.Where(v => !option.Values.Contains(v)))
                    {
                        throw fail(DiagnosticCodes.UnknownOption, $"'{OnlyKey}.{name}' names '{v}', which is not a value of option '{name}' ({string.Join(" | ", option.Values)})");
                    }

                    only[name] = values.ToHashSet(StringComparer.Ordinal);
                }

                break;
            default:
                throw fail(DiagnosticCodes.FrontMatter, $"'{OnlyKey}' must be an object such as {{ ci: [\"github\", \"gitlab\"] }}");
        }

        var vary = new List<string>();
        switch (variables[VaryKey])
        {
            case null:
                break;
            case ScriptArray names:
                foreach (var name in names.Select(n => n?.ToString() ?? ""))
                {
                    RequireOption(options, name, VaryKey, fail);
                    if (vary.Contains(name))
                    {
                        throw fail(DiagnosticCodes.FrontMatter, $"'{VaryKey}' lists '{name}' twice");
                    }

                    vary.Add(name);
                }

                break;
            default:
                throw fail(DiagnosticCodes.FrontMatter, $"'{VaryKey}' must be a list of option names such as [\"ci\", \"cloud\"]");
        }

        var executable = variables[ExecutableKey] switch
        {
            null => false,
            bool b => b,
            _ => throw fail(DiagnosticCodes.FrontMatter, $"'{ExecutableKey}' must be true or false"),
        };

        return new FrontMatter(output, only, vary, executable);
    }

    private static TemplateOption RequireOption(OptionModel options, string name, string key, Func<string, string, Exception> fail) =>
        options.ByName.TryGetValue(name, out var option)
            ? option
            : throw fail(DiagnosticCodes.UnknownOption, $"'{key}' names '{name}', which is not an option (options: {string.Join(", ", options.ByName.Keys)})");
}
