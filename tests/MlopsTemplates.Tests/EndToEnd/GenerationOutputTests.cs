using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Combinations;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.EndToEnd;

/// <summary>
/// What `dotnet new` prints while generating: for every pair of option values (the pairwise set of the CLI tests) no
/// line says a step failed, could not be done, or warns, so a user never has to wonder whether the repository is whole.
/// </summary>
public sealed partial class GenerationOutputTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    public static TheoryData<string> Combinations => new(PairwiseCombinations.Cover(TemplateOptions.Model).Select(c => string.Join(" ", TemplateOptions.ToArguments(c))));

    [Theory]
    [MemberData(nameof(Combinations))]
    public async Task Dotnet_new_prints_no_failure_and_no_warning(string arguments)
    {
        var repo = await fixture.Pack.InstantiateAsync("Pairwise Churn", arguments.Split(' '));

        var complaints = Complaint().Matches(repo.Generation.Output).Select(m => m.Value.Trim()).ToList();
        Assert.True(complaints.Count == 0, $"dotnet new [{arguments}] printed:{Environment.NewLine}{repo.Generation}");
        // The post action that restores the run bit named only generated files, and it ran.
        Assert.All(repo.Files.Where(f => f.EndsWith(".sh", StringComparison.Ordinal)), f => Assert.True(repo.IsExecutable(f), $"{f} is not executable"));
    }

    [Fact]
    public async Task Deploy_none_names_no_kubernetes_script_in_any_post_action()
    {
        var repo = await fixture.Pack.InstantiateAsync("churn-model", "--deploy", "none");

        Assert.DoesNotContain("k8s/deploy.sh", repo.Generation.Output, StringComparison.Ordinal);
        Assert.DoesNotMatch(Complaint(), repo.Generation.Output);
    }

    /// <summary>The engine's words for a post action or a step that did not work ("Post action failed", "Unable to apply permissions", warnings).</summary>
    [GeneratedRegex(@"^.*(failed|unable|warn).*$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex Complaint();
}
