using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Combinations;

/// <summary>
/// The option model as the installed package shows it: <c>--help</c> lists every option, its choices and every rule's
/// message. (The refusal of a broken rule by the real <c>dotnet new</c> is proven on sandbox templates in the
/// authoring tests; today's options have no rules.)
/// </summary>
public sealed class OptionRulesCliTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    [Fact]
    public async Task Help_shows_every_option_with_its_choices_and_every_rule_with_its_message()
    {
        var result = await fixture.Pack.DotnetNewAsync([TemplatePack.ShortName, "--help", "--no-update-check"]);
        result.EnsureSuccess();
        var help = string.Join(" ", result.StandardOutput.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));

        foreach (var option in TemplateOptions.Model.Options)
        {
            Assert.Contains($"--{option.Name} ", help, StringComparison.Ordinal);
            Assert.All(option.Values, v => Assert.Contains(v, help, StringComparison.Ordinal));
        }

        Assert.All(TemplateOptions.Model.Rules, r => Assert.Contains($"Rule: {r.Message}", help, StringComparison.Ordinal));
        Assert.All(TemplateOptions.Model.Rules, r => Assert.DoesNotContain(r.LongName, help, StringComparison.Ordinal));
    }
}
