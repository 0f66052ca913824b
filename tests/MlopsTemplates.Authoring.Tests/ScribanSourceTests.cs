namespace MlopsTemplates.Authoring.Tests;

public sealed class ScribanSourceTests
{
    private static readonly OptionModel Options = OptionModel.FromManifest(TemplateSandbox.DefaultManifest());

    private static ScribanSource Parse(string text, string path = "src/file.txt.sbn") => ScribanSource.Parse(text, path, Options);

    private static AuthoringDiagnostic SingleError(Action action) => Assert.Single(Assert.Throws<AuthoringException>(action).Diagnostics);

    [Fact]
    public void Front_matter_gives_output_condition_options_and_run_bit()
    {
        var source = Parse("+++\noutput = \"ci/run.sh\"\nonly = { ci: [\"github\", \"gitlab\"], cloud: \"aws\" }\nvary = [\"ci\"]\nexecutable = true\n+++\nbody");

        Assert.Equal("ci/run.sh", source.FrontMatter.Output);
        Assert.Equal(["github", "gitlab"], source.FrontMatter.Only["ci"].Order());
        Assert.Equal(["aws"], source.FrontMatter.Only["cloud"]);
        Assert.Equal(["ci"], source.FrontMatter.Vary);
        Assert.True(source.FrontMatter.Executable);
    }

    [Fact]
    public void Front_matter_is_not_part_of_the_output()
    {
        var source = Parse("+++\noutput = \"a.txt\"\n+++\nhello {{ template_version }}\n");

        Assert.Equal("hello 9.9.9\n", source.Render(new Dictionary<string, string>(), "9.9.9"));
    }

    [Theory]
    [InlineData("+++\nonly = { ci: \"github\" }\n+++\nx", "must set 'output'")]
    [InlineData("+++\noutput = \"a\"\ncondition = 1\n+++\nx", "unknown front matter key 'condition'")]
    [InlineData("+++\noutput = \"../a\"\n+++\nx", "relative path")]
    [InlineData("+++\noutput = \"a\"\nonly = { region: \"eu\" }\n+++\nx", "'region', which is not an option")]
    [InlineData("+++\noutput = \"a\"\nonly = { ci: \"travis\" }\n+++\nx", "'travis', which is not a value of option 'ci' (github | gitlab | none)")]
    [InlineData("+++\noutput = \"a\"\nvary = [\"ci\", \"ci\"]\n+++\nx", "lists 'ci' twice")]
    [InlineData("plain text without front matter", "missing front matter")]
    public void Front_matter_mistakes_are_reported_with_what_to_fix(string text, string expected)
    {
        var diagnostic = SingleError(() => Parse(text));

        Assert.Contains(expected, diagnostic.Message, StringComparison.Ordinal);
        Assert.StartsWith("src/file.txt.sbn", diagnostic.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_scriban_keyword_cannot_be_a_front_matter_key()
    {
        var error = Assert.Throws<AuthoringException>(() => Parse("+++\noutput = \"a\"\nwhen = 1\n+++\nx"));

        Assert.Contains(error.Diagnostics, d => d.Code == DiagnosticCodes.ScribanSyntax && d.Line == 3);
    }

    [Fact]
    public void Syntax_errors_carry_one_based_line_and_column_in_msbuild_format()
    {
        var diagnostic = SingleError(() => Parse("+++\noutput = \"a\"\n+++\nline one\n  {{ if }}\n{{ end }}"));

        Assert.Equal((5, 9), (diagnostic.Line, diagnostic.Column));
        Assert.Matches(@"^src/file\.txt\.sbn\(5,9\): error MLT001: .*expression", diagnostic.ToString());
    }

    [Fact]
    public void A_variable_that_does_not_exist_fails_with_its_position_and_the_combination()
    {
        var source = Parse("+++\noutput = \"a\"\nvary = [\"ci\"]\n+++\n{{ ci }}\n{{ registry }}");

        var diagnostic = SingleError(() => source.RenderVariants("1.0.0"));

        Assert.Equal(DiagnosticCodes.ScribanRuntime, diagnostic.Code);
        Assert.Equal((6, 4), (diagnostic.Line, diagnostic.Column));
        Assert.Contains("registry", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("(rendering ci=github)", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_an_option_that_is_not_listed_fails_and_says_to_list_it()
    {
        var source = Parse("+++\noutput = \"a\"\nvary = [\"ci\"]\n+++\n{{ if cloud == \"aws\" }}s3{{ end }}");

        var diagnostic = SingleError(() => source.RenderVariants("1.0.0"));

        Assert.Equal(DiagnosticCodes.UnlistedOption, diagnostic.Code);
        Assert.Equal((5, 7), (diagnostic.Line, diagnostic.Column));
        Assert.Contains("option 'cloud' without listing it: add it to vary", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Combinations_cover_listed_options_within_the_only_scope()
    {
        var source = Parse("+++\noutput = \"a\"\nonly = { ci: [\"github\", \"gitlab\"] }\nvary = [\"ci\", \"cloud\"]\n+++\n{{ ci }}-{{ cloud }}");

        var combinations = source.Combinations().Select(c => $"{c["ci"]}-{c["cloud"]}").ToList();

        Assert.Equal(["github-local", "github-aws", "gitlab-local", "gitlab-aws"], combinations);
    }

    [Fact]
    public void Identical_renderings_merge_into_one_variant_with_a_wider_condition()
    {
        var source = Parse("+++\noutput = \"a\"\nvary = [\"ci\", \"cloud\"]\n+++\n{{ if ci == \"none\" }}manual{{ else }}{{ cloud }}{{ end }}");

        var variants = source.RenderVariants("1.0.0");

        Assert.Equal(["aws", "local", "manual"], variants.Select(v => v.Content).Order());
        var manual = variants.Single(v => v.Content == "manual");
        var term = Assert.Single(manual.Condition.Terms);
        Assert.Equal(["none"], term["ci"]);
        Assert.Equal(["aws", "local"], term["cloud"].Order());
    }

    [Fact]
    public void More_than_256_combinations_fail_and_say_to_split_the_source()
    {
        var manifest = TemplateSandbox.DefaultManifest();
        var symbols = manifest["symbols"]!.AsObject();
        symbols["a"] = TemplateSandbox.Choice("1", "1", "2", "3", "4", "5", "6", "7");
        symbols["b"] = TemplateSandbox.Choice("1", "1", "2", "3", "4", "5", "6", "7");
        symbols["c"] = TemplateSandbox.Choice("1", "1", "2");
        var options = OptionModel.FromManifest(manifest);
        var source = ScribanSource.Parse("+++\noutput = \"x\"\nvary = [\"a\", \"b\", \"c\", \"ci\"]\n+++\n{{ a }}{{ b }}{{ c }}{{ ci }}", "big.sbn", options);

        var diagnostic = SingleError(() => source.Combinations());

        Assert.Equal(DiagnosticCodes.TooManyCombinations, diagnostic.Code);
        Assert.Contains("a (7) x b (7) x c (2) x ci (3): 294 valid combinations, more than 256: split it", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Combinations_the_rules_forbid_do_not_count_toward_the_limit()
    {
        var manifest = TemplateSandbox.DefaultManifest();
        var symbols = manifest["symbols"]!.AsObject();
        symbols["a"] = TemplateSandbox.Choice("1", "1", "2", "3", "4", "5", "6", "7");
        symbols["b"] = TemplateSandbox.Choice("1", "1", "2", "3", "4", "5", "6", "7");
        var plain = OptionModel.FromManifest(manifest);
        // b other than 1 needs ci github: of the 147 in a x b x ci, 7 * (1 * 3 + 6 * 1) = 63 remain valid.
        var rule = new OptionRule(1,
            new Dictionary<string, IReadOnlySet<string>> { ["b"] = new HashSet<string> { "2", "3", "4", "5", "6", "7" } },
            new Dictionary<string, IReadOnlySet<string>> { ["ci"] = new HashSet<string> { "github" } },
            "b needs github");
        var source = ScribanSource.Parse("+++\noutput = \"x\"\nvary = [\"a\", \"b\", \"ci\"]\n+++\n{{ a }}{{ b }}{{ ci }}", "big.sbn", plain.WithRules([rule]));

        Assert.Equal(63, source.Combinations().Count);
    }

    [Fact]
    public void Partials_are_included_from_the_partials_folder_in_the_sources_context()
    {
        using var sandbox = new TemplateSandbox();
        sandbox.Write(".partials/stages.sbn-include", "{{ for s in [\"lint\", \"test\"] }}{{ s }}@{{ ci }};{{ end }}");
        var source = ScribanSource.Parse("+++\noutput = \"a\"\nvary = [\"ci\"]\n+++\n{{ include \"stages.sbn-include\" }}", "a.sbn", Options,
            Path.Combine(sandbox.TemplateDirectory, ".partials"));

        Assert.Equal("lint@gitlab;test@gitlab;", source.Render(new Dictionary<string, string> { ["ci"] = "gitlab" }, "1"));
    }
}
