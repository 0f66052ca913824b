using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.GeneratedProject;

/// <summary>
/// Validators the ecosystem trusts (tests/validators) accept the generated project's files: ruff for the Python
/// (with each repository's own settings), dockerfile-utils for the Dockerfiles, SchemaStore schemas for
/// compose.yaml and dvc.yaml, and the MLproject check; and the Python is formatted as `ruff format` would.
/// </summary>
public sealed class GeneratedLintTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    [SkippableFact]
    public async Task Ruff_finds_nothing_in_the_python_of_any_tested_variant()
    {
        foreach (var repo in await TestedRepositoriesAsync())
        {
            await Validators.Ruff.AssertValidAsync(repo, ".");
        }
    }

    [SkippableFact]
    public async Task Generated_python_is_already_ruff_formatted_so_make_lint_passes()
    {
        Validators.Ruff.EnsureAvailable();
        var script = Path.Combine(RepositoryPaths.Root, "tests", "MlopsTemplates.Tests", "GeneratedProject", "ruff-format-check.mjs");
        foreach (var repo in await TestedRepositoriesAsync())
        {
            var result = await Command.RunAsync("node", [script, repo.Root]);
            Assert.True(result.ExitCode == 0, $"ruff format would change files of {repo}:{Environment.NewLine}{result}");
        }
    }

    [SkippableFact]
    public async Task Dockerfile_utils_finds_nothing_in_any_dockerfile()
    {
        foreach (var repo in await TestedRepositoriesAsync())
        {
            var dockerfiles = repo.Files.Where(f => f == "Dockerfile" || f.EndsWith(".Dockerfile", StringComparison.Ordinal)).ToArray();
            Assert.Contains("Dockerfile", dockerfiles);
            Assert.Equal(repo.Option("tracking") == "mlflow" && repo.Option("cloud") == "local", dockerfiles.Contains("docker/mlflow.Dockerfile"));
            await Validators.Dockerfile.AssertValidAsync(repo, dockerfiles);
        }
    }

    [SkippableTheory]
    [InlineData("")]
    [InlineData("--serving none --tracking none")]
    [InlineData("--serving flask --cloud aws")]
    [InlineData("--tracking none --cloud gcp")]
    public async Task Compose_file_matches_the_compose_schema(string options)
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);

        await Validators.Schema("compose").AssertValidAsync(repo, "compose.yaml");

        var compose = repo.ReadText("compose.yaml");
        Assert.Equal(repo.Option("tracking") == "mlflow" && repo.Option("cloud") == "local", compose.Contains("\n  mlflow:\n", StringComparison.Ordinal));
        Assert.Equal(repo.Option("serving") != "none", compose.Contains($"\n  {GeneratedVariants.ProjectName}:\n", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Dvc_pipeline_matches_the_dvc_schema()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, "");

        await Validators.Schema("dvc").AssertValidAsync(repo, "dvc.yaml");
    }

    [SkippableTheory]
    [InlineData("")]
    [InlineData("--python 3.11")]
    public async Task Mlproject_passes_the_mlproject_check_and_runs_existing_modules(string options)
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);

        await Validators.MlProject.AssertValidAsync(repo, "MLproject");

        var commands = repo.ReadText("MLproject").Split('\n').Where(l => l.TrimStart().StartsWith("command:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, commands.Count);
        foreach (var module in new[] { "train", "evaluate" })
        {
            Assert.Contains(commands, c => c.Contains($"python -m {GeneratedVariants.PackageName}.{module} ", StringComparison.Ordinal));
            Assert.True(repo.Exists($"src/{GeneratedVariants.PackageName}/{module}.py"));
        }
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
