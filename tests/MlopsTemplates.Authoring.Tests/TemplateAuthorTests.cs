using System.Text.Json.Nodes;

namespace MlopsTemplates.Authoring.Tests;

public sealed class TemplateAuthorTests : IDisposable
{
    private readonly TemplateSandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

    [Fact]
    public void Two_sources_that_can_land_on_one_path_fail_naming_both_and_a_combination()
    {
        sandbox.Write("ci-github.sbn", "+++\noutput = \"ci.yml\"\nonly = { ci: [\"github\", \"gitlab\"] }\n+++\ngithub");
        sandbox.Write("ci-gitlab.sbn", "+++\noutput = \"ci.yml\"\nonly = { ci: \"gitlab\" }\n+++\ngitlab");

        var diagnostic = Assert.Single(Assert.Throws<AuthoringException>(() => sandbox.Author()).Diagnostics);

        Assert.Equal(DiagnosticCodes.OutputCollision, diagnostic.Code);
        Assert.Contains("output 'ci.yml' is also produced by ci-gitlab.sbn for ci=gitlab", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_source_colliding_with_a_static_file_fails()
    {
        sandbox.Write("README.md", "static");
        sandbox.Write("readme.sbn", "+++\noutput = \"README.md\"\nonly = { cloud: \"aws\" }\n+++\nrendered");

        var diagnostic = Assert.Single(Assert.Throws<AuthoringException>(() => sandbox.Author()).Diagnostics);

        Assert.Contains("README.md", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("cloud=aws", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Disjoint_sources_for_one_path_are_fine_and_each_variant_sits_in_the_source_of_a_default_it_rules_out()
    {
        sandbox.Write("ci-github.sbn", "+++\noutput = \"ci.yml\"\nonly = { ci: \"github\" }\nvary = [\"cloud\"]\n+++\ngithub {{ cloud }}");
        sandbox.Write("ci-gitlab.sbn", "+++\noutput = \"ci.yml\"\nonly = { ci: \"gitlab\" }\n+++\ngitlab");

        var result = sandbox.Author();

        Assert.Equal(3, result.Variants);
        // A variant goes to the source of a default it rules out (github with aws: cloud=aws; gitlab: ci=gitlab), else of
        // its narrowest option (github with local: ci, one value of three); other values (ci: github 0, gitlab 1,
        // none 2; cloud: local 0, aws 1) are ruled out by option index (ci 0, cloud 1) and value index.
        Assert.Equal(
            ["_variants/0/c00001~1.1~_", "_variants/1/c00002~0.1~0.2~_", "_variants/2/c00003~_"],
            sandbox.StagedFilesFor("ci.yml"));
        Assert.Equal(["(ci == \"github\")", "(cloud == \"aws\")", "(ci == \"gitlab\")"], sandbox.StagedManifest()["sources"]!.AsArray().Select(s => (string?)s!["condition"]));
    }

    [Fact]
    public void Selection_costs_one_condition_per_source_and_per_value_ruled_out_in_it_however_many_variants_there_are()
    {
        sandbox.Write("a.sbn", "+++\noutput = \"a.txt\"\nvary = [\"ci\", \"cloud\"]\n+++\n{{ ci }} {{ cloud }}");
        sandbox.Write("b.sbn", "+++\noutput = \"b.txt\"\nvary = [\"ci\", \"cloud\"]\n+++\n{{ cloud }} {{ ci }}");

        var result = sandbox.Author();

        Assert.Equal(12, result.Variants);
        var sources = sandbox.StagedManifest()["sources"]!.AsArray();
        Assert.Equal(["(ci == \"github\")", "(cloud == \"aws\")", "(ci == \"gitlab\")", "(ci == \"none\")"], sources.Select(s => (string?)s!["condition"]));
        Assert.Equal(
            ["cloud == \"aws\"", "ci == \"gitlab\" ci == \"none\"", "cloud == \"local\" cloud == \"aws\"", "cloud == \"local\" cloud == \"aws\""],
            sources.Select(s => string.Join(" ", s!["modifiers"]!.AsArray().Select(m => (string?)m!["condition"]))));
        Assert.Equal("*~1.1~*", (string?)sources[0]!["modifiers"]![0]!["exclude"]![0]);
    }

    [Fact]
    public void Files_with_nothing_for_the_engine_to_replace_are_staged_copy_only()
    {
        sandbox.Write("plain.txt", "no token here");
        sandbox.Write("named.txt", "package sandbox_token");

        sandbox.Author();

        Assert.Equal(["_variants/0/c00002~_"], sandbox.StagedFilesFor("plain.txt"));
        Assert.Equal(["_variants/0/p00001~_"], sandbox.StagedFilesFor("named.txt"));
        Assert.Contains("c*", sandbox.StagedManifest()["sources"]![0]!["copyOnly"]!.AsArray().Select(c => (string?)c));
    }

    [Fact]
    public void Errors_in_several_sources_are_all_reported_at_once()
    {
        sandbox.Write("a.sbn", "+++\noutput = \"a\"\n+++\n{{ if }}");
        sandbox.Write("b.sbn", "+++\noutput = \"b\"\nvary = [\"region\"]\n+++\nx");

        var diagnostics = Assert.Throws<AuthoringException>(() => sandbox.Author()).Diagnostics;

        Assert.Contains(diagnostics, d => d.Path == "a.sbn" && d.Code == DiagnosticCodes.ScribanSyntax);
        Assert.Contains(diagnostics, d => d.Path == "b.sbn" && d.Code == DiagnosticCodes.UnknownOption);
    }

    [Fact]
    public void Rendering_errors_in_several_sources_are_all_reported_at_once()
    {
        sandbox.Write("a.sbn", "+++\noutput = \"a\"\n+++\n{{ first_missing }}");
        sandbox.Write("b.sbn", "+++\noutput = \"b\"\n+++\n{{ second_missing }}");

        var diagnostics = Assert.Throws<AuthoringException>(() => sandbox.Author()).Diagnostics;

        Assert.Equal(["a.sbn", "b.sbn"], diagnostics.Select(d => d.Path));
    }

    [Fact]
    public void Staged_sources_never_reach_the_configuration_and_the_manifest_turns_off_conditionals_and_keeps_run_bits()
    {
        sandbox.Write("scripts/setup.sh", "#!/bin/sh\n", executable: true);
        sandbox.Write("run.sbn", "+++\noutput = \"scripts/run.sh\"\nexecutable = true\n+++\n#!/bin/sh\n");
        sandbox.Write("notes.txt", "static");

        sandbox.Author();
        var manifest = sandbox.StagedManifest();

        Assert.All(manifest["sources"]!.AsArray(), s => Assert.StartsWith("_variants/", (string?)s!["source"], StringComparison.Ordinal));
        Assert.Empty(manifest["specialCustomOperations"]!["**/*"]!["operations"]!.AsArray());
        var chmod = manifest["postActions"]!.AsArray().Single(a => (string?)a!["actionId"] == "CB9A6CF3-4F5C-4860-B9D2-03A574959774")!;
        Assert.Equal(["scripts/run.sh", "scripts/setup.sh"], chmod["args"]!["+x"]!.AsArray().Select(p => (string?)p));
        Assert.Equal("static", File.ReadAllText(Path.Combine(sandbox.StagedDirectory, Assert.Single(sandbox.StagedFilesFor("notes.txt")))));
    }

    [Fact]
    public void Host_files_get_a_long_option_for_every_option_without_being_edited()
    {
        sandbox.Write(".template.config/dotnetcli.host.json", "{ \"symbolInfo\": { \"ci\": { \"longName\": \"ci-system\" } } }");

        sandbox.Author();
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(sandbox.StagedDirectory, ".template.config", "dotnetcli.host.json")))!;

        Assert.Equal("ci-system", (string?)host["symbolInfo"]!["ci"]!["longName"]);
        Assert.Equal("cloud", (string?)host["symbolInfo"]!["cloud"]!["longName"]);
        Assert.Equal("", (string?)host["symbolInfo"]!["cloud"]!["shortName"]);
    }

    [Fact]
    public void Nothing_changed_means_nothing_rendered_and_a_changed_source_renders_again()
    {
        var source = sandbox.Write("a.sbn", "+++\noutput = \"a.txt\"\n+++\none");
        Assert.True(sandbox.Author().Rendered);
        var staged = Path.Combine(sandbox.StagedDirectory, Assert.Single(sandbox.StagedFilesFor("a.txt")));

        Assert.False(sandbox.Author().Rendered);
        Assert.Equal("one", File.ReadAllText(staged));

        File.WriteAllText(source, "+++\noutput = \"a.txt\"\n+++\ntwo");
        Assert.True(sandbox.Author().Rendered);
        Assert.Equal("two", File.ReadAllText(staged));

        Assert.True(sandbox.Author(version: "2.0.0").Rendered);
    }

    [Fact]
    public void A_failed_run_is_not_mistaken_for_up_to_date_by_the_next_one()
    {
        var source = sandbox.Write("a.sbn", "+++\noutput = \"a.txt\"\n+++\none");
        sandbox.Author();
        File.WriteAllText(source, "+++\noutput = \"a.txt\"\n+++\n{{ broken");
        Assert.Throws<AuthoringException>(() => sandbox.Author());

        Assert.Throws<AuthoringException>(() => sandbox.Author());
    }

    [Fact]
    public void A_removed_source_leaves_no_stale_output_behind()
    {
        var source = sandbox.Write("a.sbn", "+++\noutput = \"a.txt\"\n+++\none");
        sandbox.Write("b.txt", "static");
        sandbox.Author();

        File.Delete(source);
        sandbox.Author();

        Assert.Equal(["b.txt"], sandbox.StagedManifest()["sources"]![0]!["rename"]!.AsObject().Select(r => (string?)r.Value));
        Assert.Single(Directory.GetFiles(Path.Combine(sandbox.StagedDirectory, "_variants"), "*", SearchOption.AllDirectories));
        Assert.Null(sandbox.StagedManifest()["sources"]![0]!["modifiers"]);
    }

    [Theory]
    [InlineData("shortName", null, "'shortName' is missing")]
    [InlineData("identity", "", "'identity' is missing or empty")]
    public void Manifest_identity_name_and_short_name_are_required(string key, string? value, string expected)
    {
        var manifest = TemplateSandbox.DefaultManifest();
        manifest[key] = value;
        sandbox.WriteManifest(manifest);

        var diagnostics = Assert.Throws<AuthoringException>(() => sandbox.Author()).Diagnostics;

        Assert.Contains(diagnostics, d => d.Code == DiagnosticCodes.TemplateManifest && d.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void An_option_name_that_staged_file_names_cannot_carry_is_an_error()
    {
        var manifest = TemplateSandbox.DefaultManifest();
        manifest["symbols"]!["ci-system"] = TemplateSandbox.Choice("github", "github", "none");
        sandbox.WriteManifest(manifest);

        var diagnostic = Assert.Single(Assert.Throws<AuthoringException>(() => sandbox.Author()).Diagnostics);

        Assert.Equal(DiagnosticCodes.TemplateManifest, diagnostic.Code);
        Assert.Contains("option 'ci-system' must be a letter followed by letters, digits or '_'", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_option_and_choice_must_be_described_and_every_post_action_explained()
    {
        var manifest = TemplateSandbox.DefaultManifest();
        manifest["symbols"]!["ci"]!.AsObject().Remove("description");
        manifest["symbols"]!["cloud"]!["choices"]![1]!.AsObject().Remove("description");
        manifest["postActions"] = new JsonArray(new JsonObject { ["id"] = "say-hello", ["actionId"] = "AC1156F7-BB77-4DB8-B28F-24EEBCCA1E5C" });
        sandbox.WriteManifest(manifest);

        var messages = Assert.Throws<AuthoringException>(() => sandbox.Author()).Diagnostics.Select(d => d.Message).ToList();

        Assert.Contains("option 'ci' has no description", messages);
        Assert.Contains("choice 'aws' of option 'cloud' has no description", messages);
        Assert.Contains("post action 0 ('say-hello') has no manual instructions", messages);
    }
}
