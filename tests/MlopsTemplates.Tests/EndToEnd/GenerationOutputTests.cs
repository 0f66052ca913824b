using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Combinations;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.EndToEnd;

/// <summary>
/// What `dotnet new` prints while generating: for every combination of the covering set (checked from
/// <see cref="Combinations.PairwiseCliTests"/>, which generates them anyway) no line says a step failed, could not be
/// done, or warns, so a user never has to wonder whether the repository is whole.
/// </summary>
public sealed partial class GenerationOutputTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    /// <summary>
    /// Called by the covering-set CLI test for every combination it generates: no line says a step failed, could not
    /// be done, or warns, and the post action that restores the run bit named only generated files, and it ran.
    /// </summary>
    internal static void AssertNoComplaint(GeneratedRepository repo, string arguments)
    {
        var complaints = Complaint().Matches(repo.Generation.Output).Select(m => m.Value.Trim()).ToList();
        Assert.True(complaints.Count == 0, $"dotnet new [{arguments}] printed:{Environment.NewLine}{repo.Generation}");
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
