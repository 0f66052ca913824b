using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.EndToEnd;

/// <summary>The package as a user meets it: installed from the nupkg, instantiated with the real CLI.</summary>
public sealed class InstantiationTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private static readonly string[] CiFiles = [".github/workflows/ci.yml", "Jenkinsfile", ".gitlab-ci.yml", "azure-pipelines.yml"];

    [Theory]
    [InlineData("github", ".github/workflows/ci.yml")]
    [InlineData("jenkins", "Jenkinsfile")]
    [InlineData("gitlab", ".gitlab-ci.yml")]
    [InlineData("azure", "azure-pipelines.yml")]
    [InlineData("none", null)]
    public async Task Each_ci_choice_generates_its_own_pipeline_file_and_no_other(string ci, string? expected)
    {
        var repo = await fixture.Pack.InstantiateAsync("churn-model", "--ci", ci);

        foreach (var file in CiFiles)
        {
            Assert.True(repo.Exists(file) == (file == expected), $"--ci {ci}: {file} should {(file == expected ? "" : "not ")}exist in {repo}");
        }
    }

    [Fact]
    public async Task Defaults_leave_no_placeholder_staging_folder_or_template_syntax()
    {
        var repo = await fixture.Pack.InstantiateAsync("Churn Model");

        Assert.DoesNotContain(repo.Files, f => f.StartsWith("_variants/", StringComparison.Ordinal) || f.StartsWith(".template.config/", StringComparison.Ordinal));
        foreach (var file in repo.Files)
        {
            var text = repo.ReadText(file);
            foreach (var token in Placeholders.Tokens)
            {
                Assert.False(text.Contains(token, StringComparison.Ordinal), $"{file} still contains the placeholder '{token}'");
            }
        }
    }

    [Fact]
    public async Task Answers_file_records_the_name_as_typed_and_every_option()
    {
        var repo = await fixture.Pack.InstantiateAsync("My \"Churn\" Model", "--ci", "jenkins", "--cloud", "aws", "--python", "3.11");

        var answers = System.Text.Json.Nodes.JsonNode.Parse(repo.ReadText(".mlops-template.json"))!;
        Assert.Equal("My \"Churn\" Model", (string?)answers["name"]);
        foreach (var option in TemplateOptions.Model.Options)
        {
            Assert.Equal(repo.Option(option.Name), (string?)answers["options"]![option.Name]);
        }
    }

    [Fact]
    public async Task A_bad_option_value_exits_non_zero_listing_the_valid_values()
    {
        var output = fixture.Pack.NewOutputDirectory("bad-option");
        var result = await fixture.Pack.DotnetNewAsync([TemplatePack.ShortName, "-n", "x", "-o", output, "--no-update-check", "--ci", "travis"]);

        Assert.NotEqual(0, result.ExitCode);
        foreach (var valid in TemplateOptions.Model.ByName["ci"].Values)
        {
            Assert.Contains(valid, result.Output, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any(), "nothing should be written for a bad option value");
    }

    [Fact]
    public async Task Help_lists_every_option_with_its_description_and_default()
    {
        var result = await fixture.Pack.DotnetNewAsync([TemplatePack.ShortName, "--help", "--no-update-check"]);
        result.EnsureSuccess();
        var help = string.Join(" ", result.StandardOutput.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));

        foreach (var option in TemplateOptions.Model.Options)
        {
            Assert.Contains($"--{option.Name} ", help, StringComparison.Ordinal);
            Assert.Contains($"Default: {option.DefaultValue}", help, StringComparison.Ordinal);
        }
    }
}
