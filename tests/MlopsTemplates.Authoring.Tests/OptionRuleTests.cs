namespace MlopsTemplates.Authoring.Tests;

/// <summary>
/// Rules in rules.json, checked by the authoring step on the conditions themselves: what a valid combination can reach
/// is an error, what only a forbidden one reaches is not, and a file no valid combination selects is reported.
/// </summary>
public sealed class OptionRuleTests : IDisposable
{
    private readonly TemplateSandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

    [Fact]
    public void A_collision_some_valid_combination_reaches_is_found_with_that_combination()
    {
        sandbox.WriteRules(TemplateSandbox.GitlabNeedsAws);
        // Both land on ci.yml for ci=gitlab; gitlab with aws is valid, so that is a real collision.
        sandbox.Write("ci-a.sbn", "+++\noutput = \"ci.yml\"\nonly = { ci: [\"github\", \"gitlab\"] }\n+++\na");
        sandbox.Write("ci-b.sbn", "+++\noutput = \"ci.yml\"\nonly = { ci: \"gitlab\" }\n+++\nb");

        var diagnostic = Assert.Single(Assert.Throws<AuthoringException>(() => sandbox.Author()).Diagnostics);

        Assert.Equal(DiagnosticCodes.OutputCollision, diagnostic.Code);
        Assert.Contains("output 'ci.yml' is also produced by ci-b.sbn for ci=gitlab, cloud=aws", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_collision_only_a_forbidden_combination_reaches_is_not_reported()
    {
        sandbox.WriteRules(TemplateSandbox.GitlabNeedsAws);
        // Both land on ci.yml only for ci=gitlab with cloud=local, which the rule refuses.
        sandbox.Write("ci-a.sbn", "+++\noutput = \"ci.yml\"\nonly = { ci: [\"github\", \"gitlab\"] }\n+++\na");
        sandbox.Write("ci-b.sbn", "+++\noutput = \"ci.yml\"\nonly = { ci: \"gitlab\", cloud: \"local\" }\n+++\nb");

        // ci-b is then selected by no valid combination at all, which is its own error; the collision is not reported.
        var diagnostics = Assert.Throws<AuthoringException>(() => sandbox.Author()).Diagnostics;

        Assert.DoesNotContain(diagnostics, d => d.Code == DiagnosticCodes.OutputCollision);
        var unreachable = Assert.Single(diagnostics);
        Assert.Equal(DiagnosticCodes.Unreachable, unreachable.Code);
        Assert.Equal("ci-b.sbn", unreachable.Path);
        Assert.Contains("is emitted only for combinations the option rules forbid (ci=gitlab, cloud=local): rule 1, --ci gitlab needs --cloud aws", unreachable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlapping_sources_whose_overlap_is_forbidden_stage_without_error()
    {
        sandbox.WriteRules(TemplateSandbox.GitlabNeedsAws);
        // Overlap: ci=gitlab with cloud=local, which the rule refuses; each source still has valid combinations.
        sandbox.Write("notes-local.sbn", "+++\noutput = \"notes.txt\"\nonly = { cloud: \"local\" }\n+++\nlocal");
        sandbox.Write("notes-gitlab.sbn", "+++\noutput = \"notes.txt\"\nonly = { ci: \"gitlab\" }\n+++\ngitlab");

        var result = sandbox.Author();

        Assert.Equal(2, result.Variants);
    }

    [Fact]
    public void A_variant_only_forbidden_combinations_would_select_is_never_rendered()
    {
        sandbox.WriteRules(TemplateSandbox.GitlabNeedsAws);
        // Rendering gitlab on local would fail; the rule forbids it, so it is not rendered at all.
        sandbox.Write("deploy.sbn", "+++\noutput = \"deploy.txt\"\nvary = [\"ci\", \"cloud\"]\n+++\n{{ if ci == \"gitlab\" && cloud == \"local\" }}{{ no_such_variable }}{{ end }}{{ ci }} {{ cloud }}");

        var result = sandbox.Author();

        Assert.Equal(5, result.Variants);
        Assert.Equal(5, sandbox.StagedFilesFor("deploy.txt").Count);
    }

    [Fact]
    public void Rules_naming_unknown_options_or_values_or_forbidding_nothing_fail_at_rules_json()
    {
        sandbox.WriteRules("""
            { "rules": [
              { "when": { "region": "eu" }, "requires": { "cloud": "aws" }, "message": "m" },
              { "when": { "ci": "travis" }, "requires": { "cloud": "aws" }, "message": "m" },
              { "when": { "ci": "gitlab" }, "requires": { "cloud": ["local", "aws"] }, "message": "m" },
              { "when": { "ci": "gitlab" }, "requires": { "cloud": "aws" } }
            ] }
            """);

        var diagnostics = Assert.Throws<AuthoringException>(() => sandbox.Author()).Diagnostics;

        Assert.All(diagnostics, d => Assert.Equal(DiagnosticCodes.OptionRule, d.Code));
        Assert.All(diagnostics, d => Assert.EndsWith(OptionRule.FileName, d.Path, StringComparison.Ordinal));
        var messages = string.Join("\n", diagnostics.Select(d => d.Message));
        Assert.Contains("rule 1 'when' names 'region', which is not an option", messages, StringComparison.Ordinal);
        Assert.Contains("rule 2 'when'.ci names 'travis', which is not a value of option 'ci'", messages, StringComparison.Ordinal);
        Assert.Contains("rule 3 (--ci gitlab needs --cloud local|aws) forbids nothing", messages, StringComparison.Ordinal);
        Assert.Contains("rule 4 has no 'message'", messages, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_that_break_the_defaults_or_leave_a_value_unusable_fail()
    {
        sandbox.WriteRules("""
            { "rules": [
              { "when": { "ci": "github" }, "requires": { "cloud": "aws" }, "message": "github needs aws" },
              { "when": { "cloud": "aws" }, "requires": { "ci": "none" }, "message": "aws needs no ci" }
            ] }
            """);

        var messages = Assert.Throws<AuthoringException>(() => sandbox.Author()).Diagnostics.Select(d => d.Message).ToList();

        Assert.Contains(messages, m => m.StartsWith("the defaults (ci=github, cloud=local) break rule 1", StringComparison.Ordinal));
        Assert.Contains("no valid combination has --ci github: rules 1, 2 forbid every one", messages);
    }

    [Fact]
    public void Each_rule_becomes_a_hidden_parameter_required_exactly_when_it_is_broken()
    {
        sandbox.WriteRules(TemplateSandbox.GitlabNeedsAws);
        sandbox.Write("a.txt", "a");

        sandbox.Author();
        var manifest = sandbox.StagedManifest();
        var host = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(sandbox.StagedDirectory, TemplateFolder.ConfigFolder, "dotnetcli.host.json")))!;

        Assert.Equal("(ci == \"gitlab\") && ((cloud == \"local\"))", (string?)manifest["symbols"]!["optionRule1"]!["isRequired"]);
        Assert.Equal("ci-gitlab-requires-cloud-aws", (string?)host["symbolInfo"]!["optionRule1"]!["longName"]);
        Assert.True((bool?)host["symbolInfo"]!["optionRule1"]!["isHidden"]);
        Assert.EndsWith("Rule: GitLab runners here are on AWS: choose --cloud aws, or --ci github", (string?)manifest["symbols"]!["ci"]!["description"], StringComparison.Ordinal);
        Assert.All(manifest["sources"]!.AsArray(), s => Assert.StartsWith(StagedTemplateWriter.RulesHoldSymbol, (string?)s!["condition"], StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(sandbox.StagedDirectory, TemplateFolder.ConfigFolder, OptionRule.FileName)), "rules.json is authoring input, not engine input");
    }
}
