using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.SnapshotTesting;

/// <summary>Every change to a template source shows up here as a reviewable diff of a generated repository.</summary>
public sealed class SnapshotTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    [Theory]
    [MemberData(nameof(SnapshotScenarios.Names), MemberType = typeof(SnapshotScenarios))]
    public async Task Generated_tree_matches_its_snapshot(string scenario)
    {
        var s = SnapshotScenarios.Get(scenario);
        var repo = await fixture.Pack.InstantiateAsync(s.ProjectName, s.Options);

        DirectorySnapshot.AssertMatches(repo.Root, s.Name);
    }
}
