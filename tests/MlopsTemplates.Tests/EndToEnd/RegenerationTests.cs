using System.Text.Json.Nodes;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.EndToEnd;

/// <summary>The answers file holds what is needed to regenerate the repository, as a command line.</summary>
public sealed class RegenerationTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    [Theory]
    [InlineData("churn-model")]
    [InlineData("2 Churn \"Model\" $HOME O'Brien")]
    public async Task Running_the_recorded_command_reproduces_the_same_tree(string name)
    {
        var original = await fixture.Pack.InstantiateAsync(name, "--ci", "gitlab", "--serving", "flask", "--cloud", "gcp", "--data", "none", "--python", "3.11");
        var command = JsonNode.Parse(original.ReadText(".mlops-template.json"))!["regenerate"]!.AsArray().Select(a => (string)a!).ToList();

        Assert.Equal(["dotnet", "new", TemplatePack.ShortName], command.Take(3));
        var output = fixture.Pack.NewOutputDirectory("regenerated");
        (await fixture.Pack.DotnetNewAsync([.. command.Skip(2), "-o", output, "--no-update-check"])).EnsureSuccess();

        var snapshot = fixture.Pack.NewOutputDirectory("original-as-snapshot");
        DirectorySnapshot.WriteSnapshot(original.Root, snapshot);
        Assert.Null(DirectorySnapshot.Compare(output, snapshot));
    }
}
