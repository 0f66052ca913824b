using System.Text.Json.Nodes;

namespace MlopsTemplates.Authoring;

/// <summary>A choice option of the template, as declared in template.json (the one place options are defined).</summary>
public sealed record TemplateOption(string Name, IReadOnlyList<string> Values, string DefaultValue, string? Replaces);

/// <summary>
/// The template's choice options, read from its template.json, and the rules over their values (rules.json): together
/// they define the valid combinations. Questions about that space are answered on boxes of values (see
/// <see cref="ValueBox"/>), so their cost follows the number of rules, not the number of combinations.
/// </summary>
public sealed class OptionModel
{
    public OptionModel(IEnumerable<TemplateOption> options, IEnumerable<OptionRule>? rules = null)
    {
        Options = options.ToList();
        ByName = Options.ToDictionary(o => o.Name, StringComparer.Ordinal);
        Rules = rules?.ToList() ?? [];
        forbidden = Rules.SelectMany(r => r.Forbidden(this).Select(box => (Rule: r, Box: (IReadOnlyDictionary<string, IReadOnlySet<string>>)box))).ToList();
    }

    private readonly List<(OptionRule Rule, IReadOnlyDictionary<string, IReadOnlySet<string>> Box)> forbidden;

    public IReadOnlyList<TemplateOption> Options { get; }

    public IReadOnlyDictionary<string, TemplateOption> ByName { get; }

    public IReadOnlyList<OptionRule> Rules { get; }

    /// <summary>The same options with these rules.</summary>
    public OptionModel WithRules(IEnumerable<OptionRule> rules) => new(Options, rules);

    /// <summary>Every combination of every option's values, valid or not.</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> Everything { get; } = new Dictionary<string, IReadOnlySet<string>>();

    /// <summary>The number of combinations, valid or not.</summary>
    public long CombinationCount => ValueBox.Size(Everything, this);

    public bool IsValid(IReadOnlyDictionary<string, string> combination) => Rules.All(r => !r.IsBrokenBy(combination));

    /// <summary>The rules a combination breaks.</summary>
    public IEnumerable<OptionRule> BrokenRules(IReadOnlyDictionary<string, string> combination) => Rules.Where(r => r.IsBrokenBy(combination));

    /// <summary>The rules that forbid some combination of a box (for messages about a box no valid combination reaches).</summary>
    public IEnumerable<OptionRule> RulesTouching(IReadOnlyDictionary<string, IReadOnlySet<string>> box) =>
        forbidden.Where(f => ValueBox.Intersect(box, f.Box) is not null).Select(f => f.Rule).Distinct();

    /// <summary>A valid full combination inside the box, or null when the rules forbid all of it; depth first, stops at the first.</summary>
    public Dictionary<string, string>? FirstValid(IReadOnlyDictionary<string, IReadOnlySet<string>> box) =>
        ValidParts(box, 0).Select(part => ValueBox.Representative(part, this)).FirstOrDefault();

    /// <summary>Whether some valid combination lies in the box.</summary>
    public bool Reaches(IReadOnlyDictionary<string, IReadOnlySet<string>> box) => ValidParts(box, 0).Any();

    /// <summary>The number of valid combinations, counted over disjoint boxes (never one by one).</summary>
    public long ValidCount(IReadOnlyDictionary<string, IReadOnlySet<string>>? box = null) =>
        ValidParts(box ?? Everything, 0).Sum(part => ValueBox.Size(part, this));

    /// <summary>The valid part of a box as disjoint boxes, produced lazily: subtract each forbidden box in turn.</summary>
    private IEnumerable<IReadOnlyDictionary<string, IReadOnlySet<string>>> ValidParts(IReadOnlyDictionary<string, IReadOnlySet<string>> box, int from)
    {
        if (from == forbidden.Count)
        {
            yield return box;
            yield break;
        }

        foreach (var piece in ValueBox.Subtract(box, forbidden[from].Box, this))
        {
            foreach (var part in ValidParts(piece, from + 1))
            {
                yield return part;
            }
        }
    }

    /// <summary>
    /// Valid combinations drawn uniformly (rejection sampling: draw from all combinations, keep the valid ones), so the
    /// sample never needs the space listed. Fails loudly if the rules leave too small a share for that to work.
    /// </summary>
    public IEnumerable<IReadOnlyDictionary<string, string>> SampleValid(Random random, int count)
    {
        for (var (taken, tries) = (0, 0); taken < count; tries++)
        {
            if (tries > 1000 + (count * 1000))
            {
                throw new InvalidOperationException($"fewer than 1 in 1000 combinations are valid: {taken} of {count} drawn");
            }

            var combination = Options.ToDictionary(o => o.Name, o => o.Values[random.Next(o.Values.Count)], StringComparer.Ordinal);
            if (IsValid(combination))
            {
                taken++;
                yield return combination;
            }
        }
    }

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

    /// <summary>
    /// What makes the rules unusable: defaults the rules refuse (a plain <c>dotnet new</c> would fail) and values no
    /// valid combination can take (a choice offered that can never be chosen).
    /// </summary>
    public IEnumerable<string> RuleProblems()
    {
        foreach (var rule in BrokenRules(Defaults))
        {
            yield return $"the defaults ({Combinations.Describe(Defaults)}) break rule {rule.Number} ({rule.Summary}): change a default or the rule";
        }

        foreach (var option in Options)
        {
            foreach (var value in option.Values.Where(v => !Reaches(new Dictionary<string, IReadOnlySet<string>> { [option.Name] = new HashSet<string> { v } })))
            {
                yield return $"no valid combination has --{option.Name} {value}: rules {string.Join(", ", RulesTouching(new Dictionary<string, IReadOnlySet<string>> { [option.Name] = new HashSet<string> { value } }).Select(r => r.Number))} forbid every one";
            }
        }
    }

    /// <summary>The combination <c>dotnet new</c> uses when no option is given.</summary>
    public IReadOnlyDictionary<string, string> Defaults => Options.ToDictionary(o => o.Name, o => o.DefaultValue, StringComparer.Ordinal);
}
