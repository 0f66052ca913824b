using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.GeneratedProject;

/// <summary>Validators the ecosystem trusts find nothing: ruff in the Python (with each repository's own settings), dockerfile-utils in the Dockerfiles.</summary>
public sealed class GeneratedLintTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    [Fact]
    public async Task Ruff_finds_nothing_in_the_python_of_any_tested_variant()
    {
        var repositories = await TestedRepositoriesAsync();

        var result = await NodeValidators.RuffAsync(repositories.Select(r => r.Root));

        result.EnsureSuccess();
        Assert.Equal(repositories.Count, result.StandardOutput.Split('\n').Count(l => l.EndsWith(" 0 problem(s)", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Dockerfile_utils_finds_nothing_in_any_dockerfile()
    {
        var repositories = await TestedRepositoriesAsync();
        var dockerfiles = repositories
            .SelectMany(r => r.Files.Where(f => f == "Dockerfile" || f.EndsWith(".Dockerfile", StringComparison.Ordinal)).Select(r.PathOf))
            .ToList();

        var result = await NodeValidators.DockerfileAsync(dockerfiles);

        result.EnsureSuccess();
        Assert.Contains($"{dockerfiles.Count} file(s), 0 problem(s)", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(dockerfiles, f => f.EndsWith("docker/mlflow.Dockerfile", StringComparison.Ordinal));
    }

    private async Task<List<GeneratedRepository>> TestedRepositoriesAsync()
    {
        var repositories = new List<GeneratedRepository>();
        foreach (var options in GeneratedVariants.Tested)
        {
            repositories.Add(await GeneratedVariants.GetAsync(fixture.Pack, options));
        }

        return repositories;
    }
}
