using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Documentation;

public sealed partial class ReadmeTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));

    [Fact]
    public void Option_table_matches_template_json()
    {
        var table = Readme[Readme.IndexOf("<!-- options:start", StringComparison.Ordinal)..Readme.IndexOf("<!-- options:end", StringComparison.Ordinal)];
        var documented = OptionRow().Matches(table)
            .Select(m => $"{m.Groups["name"].Value} [{string.Join("|", Regex.Matches(m.Groups["choices"].Value, "`([^`]+)`").Select(c => c.Groups[1].Value))}] default {m.Groups["default"].Value}: {m.Groups["description"].Value.Trim()}")
            .ToList();
        var declared = TemplateOptions.Model.Options
            .Select(o => $"{o.Name} [{string.Join("|", o.Values)}] default {o.DefaultValue}: {(string?)TemplateOptions.Template.Manifest["symbols"]![o.Name]!["description"]}")
            .ToList();

        Assert.Equal(declared, documented);
    }

    [Fact]
    public void Rules_table_lists_every_rule_of_rules_json()
    {
        var table = Readme[Readme.IndexOf("<!-- rules:start", StringComparison.Ordinal)..Readme.IndexOf("<!-- rules:end", StringComparison.Ordinal)];
        var documented = table.Split('\n').Where(l => l.StartsWith("| `--", StringComparison.Ordinal)).Select(l => l.Trim()).ToList();
        var declared = TemplateOptions.Model.Rules.Select(r => $"| {Flags(r.When)} | {Flags(r.Requires)} | {r.Message} |").ToList();

        Assert.Equal(declared, documented);
    }

    /// <summary>A rule's side as the README writes it: <c>`--orchestrator argo, kubeflow`</c>, options joined by "and".</summary>
    private static string Flags(IReadOnlyDictionary<string, IReadOnlySet<string>> box) =>
        string.Join(" and ", box.Select(kv => $"`--{kv.Key} {string.Join(", ", TemplateOptions.Model.ByName[kv.Key].Values.Where(kv.Value.Contains))}`"));

    [Fact]
    public void Ci_runs_the_two_commands_the_readme_gives_line_for_line()
    {
        var ci = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, ".ci", "run"));
        var readmeCommands = Readme.Split('\n').Where(l => l.StartsWith("./scripts/", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, readmeCommands.Count);
        Assert.Equal(readmeCommands, ci.Where(l => l.StartsWith("./scripts/", StringComparison.Ordinal)));
    }

    [GeneratedRegex(@"^\| `--(?<name>[a-z]+)` \| (?<choices>[^|]*(?:\\\|[^|]*)*) \| `(?<default>[^`]+)` \| (?<description>[^|]+) \|$", RegexOptions.Multiline)]
    private static partial Regex OptionRow();
}
