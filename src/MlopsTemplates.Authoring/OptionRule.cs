using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MlopsTemplates.Authoring;

/// <summary>
/// A rule over option values, read from <c>.template.config/rules.json</c>: a combination that matches
/// <see cref="When"/> must also match <see cref="Requires"/>, or <c>dotnet new</c> refuses it with
/// <see cref="Message"/>, which says what to choose instead.
/// </summary>
public sealed partial record OptionRule(
    int Number,
    IReadOnlyDictionary<string, IReadOnlySet<string>> When,
    IReadOnlyDictionary<string, IReadOnlySet<string>> Requires,
    string Message)
{
    public const string FileName = "rules.json";

    /// <summary>
    /// The long option name <c>dotnet new</c> names when it refuses a combination (exit code 102, "Missing mandatory
    /// option(s)"): the rule itself, <c>--deploy-sagemaker-requires-cloud-aws</c>.
    /// </summary>
    public string LongName => $"{Slug(When)}-requires-{Slug(Requires)}";

    /// <summary>The staged template's symbol that carries the rule (hidden from help, required exactly when the rule is broken).</summary>
    public string SymbolName => $"optionRule{Number}";

    /// <summary>
    /// The combinations the rule forbids, as boxes: those matching <see cref="When"/> with a value outside
    /// <see cref="Requires"/> for one of the options it names (boxes may overlap; that is harmless to every use).
    /// </summary>
    public IEnumerable<Dictionary<string, IReadOnlySet<string>>> Forbidden(OptionModel options) =>
        Requires.Select(r => ValueBox.Intersect(When, new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal)
            {
                [r.Key] = options.ByName[r.Key].Values.Where(v => !r.Value.Contains(v)).ToHashSet(StringComparer.Ordinal),
            }))
            .OfType<Dictionary<string, IReadOnlySet<string>>>();

    public bool IsBrokenBy(IReadOnlyDictionary<string, string> combination) =>
        When.All(w => w.Value.Contains(combination[w.Key])) && !Requires.All(r => r.Value.Contains(combination[r.Key]));

    /// <summary>The rule in the template engine's condition language: true exactly when a combination breaks it.</summary>
    public string EngineCondition(OptionModel options) =>
        string.Join(" && ", When.Select(w => Disjunction(w.Key, w.Value, options))
            .Append("(" + string.Join(" || ", Requires.Select(r => Disjunction(r.Key, options.ByName[r.Key].Values.Where(v => !r.Value.Contains(v)), options))) + ")"));

    /// <summary>The rule as one line: <c>--deploy sagemaker needs --cloud aws</c>.</summary>
    public string Summary => $"{Flags(When)} needs {Flags(Requires)}";

    /// <summary><c>(ci == "github" || ci == "gitlab")</c>, in the option's own value order.</summary>
    public static string Disjunction(string option, IEnumerable<string> values, OptionModel options) =>
        "(" + string.Join(" || ", options.ByName[option].Values.Where(values.Contains).Select(v => $"{option} == \"{v}\"")) + ")";

    private static string Flags(IReadOnlyDictionary<string, IReadOnlySet<string>> box) =>
        string.Join(" with ", box.Select(kv => $"--{kv.Key} {string.Join("|", kv.Value)}"));

    private static string Slug(IReadOnlyDictionary<string, IReadOnlySet<string>> box) =>
        string.Join("-and-", box.Select(kv => NonName().Replace($"{kv.Key}-{string.Join("-or-", kv.Value)}".ToLowerInvariant(), "-")));

    /// <summary>Reads and checks rules.json; every mistake is reported at once, at the file.</summary>
    public static IReadOnlyList<OptionRule> Load(string path, OptionModel options)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var problems = new List<string>();
        var rules = new List<OptionRule>();
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip });
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new AuthoringException(new AuthoringDiagnostic(path, (int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1, DiagnosticCodes.OptionRule, e.Message));
        }

        foreach (var (node, i) in (root?["rules"] as JsonArray ?? []).Select((n, i) => (n, i + 1)))
        {
            var where = $"rule {i}";
            var when = ReadBox(node?["when"], $"{where} 'when'", options, problems);
            var requires = ReadBox(node?["requires"], $"{where} 'requires'", options, problems);
            var message = (string?)node?["message"];
            if (string.IsNullOrWhiteSpace(message))
            {
                problems.Add($"{where} has no 'message': say what the rule protects and what to choose instead");
            }

            if (when is null || requires is null || string.IsNullOrWhiteSpace(message))
            {
                continue;
            }

            foreach (var shared in when.Keys.Intersect(requires.Keys))
            {
                problems.Add($"{where} names option '{shared}' in both 'when' and 'requires'");
            }

            var rule = new OptionRule(i, when, requires, message.Trim());
            if (!rule.Forbidden(options).Any())
            {
                problems.Add($"{where} ({rule.Summary}) forbids nothing: 'requires' allows every value");
            }

            rules.Add(rule);
        }

        foreach (var clash in rules.GroupBy(r => r.LongName).Where(g => g.Count() > 1))
        {
            problems.Add($"rules {string.Join(", ", clash.Select(r => r.Number))} say the same thing ({clash.Key}): merge them");
        }

        if (problems.Count > 0)
        {
            throw new AuthoringException(problems.Select(p => AuthoringDiagnostic.ForFile(path, DiagnosticCodes.OptionRule, p)).ToList());
        }

        return rules;
    }

    private static Dictionary<string, IReadOnlySet<string>>? ReadBox(JsonNode? node, string where, OptionModel options, List<string> problems)
    {
        if (node is not JsonObject map || map.Count == 0)
        {
            problems.Add($"{where} must be an object naming at least one option, such as {{ \"cloud\": [\"aws\"] }}");
            return null;
        }

        var box = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var (name, value) in map)
        {
            if (!options.ByName.TryGetValue(name, out var option))
            {
                problems.Add($"{where} names '{name}', which is not an option (options: {string.Join(", ", options.ByName.Keys)})");
                continue;
            }

            var values = value switch
            {
                JsonArray many => many.Select(v => (string?)v ?? "").ToList(),
                JsonValue single => [(string?)single ?? ""],
                _ => [],
            };
            if (values.Count == 0)
            {
                problems.Add($"{where}.{name} must be a value or a list of values");
            }

            foreach (var unknown in values.Where(v => !option.Values.Contains(v)))
            {
                problems.Add($"{where}.{name} names '{unknown}', which is not a value of option '{name}' ({string.Join(" | ", option.Values)})");
            }

            box[name] = values.ToHashSet(StringComparer.Ordinal);
        }

        return box;
    }

    [GeneratedRegex("[^a-z0-9.]+")]
    private static partial Regex NonName();
}
