using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Names;

/// <summary>Whatever a user types as the project name, every derived name is valid where it is used.</summary>
public sealed partial class ProjectNameTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    public static TheoryData<string> HostileNames => new()
    {
        // One name per rule the derivation has: spaces, a leading digit, dots, letters with and without an ASCII
        // spelling, a Python keyword, a dependency's name, a dunder, dashes only at the ends, over 63 characters,
        // digits only, a single letter.
        "Churn Model",
        "2fast 2furious",
        "my.model.v2",
        "Straße Modell",
        "模型",
        "class",
        "flask",
        "__init__",
        "--dash--",
        "a-very-long-project-name-that-goes-on-and-on-well-past-the-sixty-three-character-limit",
        "42",
        "a",
    };

    [Theory]
    [MemberData(nameof(HostileNames))]
    public async Task Every_name_yields_a_valid_python_package_and_kubernetes_name(string name)
    {
        var repo = await fixture.Pack.InstantiateAsync(name, "--ci", "none", "--deploy", "none");
        var derived = JsonNode.Parse(repo.ReadText(".mlops-template.json"))!["derivedNames"]!;
        var package = (string)derived["pythonPackage"]!;
        var label = (string)derived["kubernetes"]!;

        var python = await Command.RunAsync("/usr/bin/python3", ["-c", "import keyword, sys; n = sys.argv[1]; sys.exit(0 if n.isascii() and n.isidentifier() and not keyword.iskeyword(n) and n == n.lower() else 1)", package]);
        Assert.True(python.ExitCode == 0, $"'{name}' gave '{package}', not a lowercase ASCII Python identifier that is not a keyword");
        Assert.Matches(Dns1035Label(), label);
        Assert.InRange(label.Length, 1, 40);
        Assert.Equal(name, (string?)JsonNode.Parse(repo.ReadText(".mlops-template.json"))!["name"]);
    }

    [Theory]
    [InlineData("2 Churn.Model", "ml_2_churn_model", "ml-2-churn-model", "2 Churn.Model")]
    [InlineData("class", "class_", "class", "class")]
    [InlineData("模型", "ml_project", "ml-project", "模型")]
    [InlineData("Say \"hi\" $HOME", "say_hi_home", "say-hi-home", "Say hi HOME")]
    public async Task Names_follow_the_rules_the_readme_states(string name, string package, string label, string display)
    {
        var repo = await fixture.Pack.InstantiateAsync(name, "--ci", "none", "--deploy", "none");
        var derived = JsonNode.Parse(repo.ReadText(".mlops-template.json"))!["derivedNames"]!;

        Assert.Equal((package, label, display), ((string)derived["pythonPackage"]!, (string)derived["kubernetes"]!, (string)derived["display"]!));
    }

    [Theory]
    [InlineData("2 Churn.Model Ünï")]
    [InlineData("模型")]
    public async Task The_generated_repository_s_own_tests_pass_under_a_hostile_name(string name)
    {
        var repo = await fixture.Pack.InstantiateAsync(name, "--ci", "none", "--deploy", "none");

        var result = await GeneratedProject.GeneratedVariants.RunPythonAsync(repo.Root, ["-m", "pytest", "-q", "-p", "no:cacheprovider"]);

        result.EnsureSuccess();
        Assert.Matches(@"\d+ passed", result.StandardOutput);
    }

    [Fact]
    public async Task A_blank_name_is_refused_and_nothing_is_written()
    {
        var output = fixture.Pack.NewOutputDirectory("blank-name");
        var result = await fixture.Pack.DotnetNewAsync([TemplatePack.ShortName, "-n", "   ", "-o", output, "--no-update-check"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--name", result.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output), "nothing may be written for a blank name");
    }

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();
}
