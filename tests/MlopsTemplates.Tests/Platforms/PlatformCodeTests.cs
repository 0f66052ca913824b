using System.Text.Json;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.Platforms;

/// <summary>The platform code of the generated package: lint-clean as `make lint` requires, and serving with the image's own server command.</summary>
public sealed class PlatformCodeTests(PlatformImages images) : IClassFixture<PlatformImages>
{
    [SkippableFact]
    public async Task Ruff_accepts_the_platform_code_and_it_is_ruff_formatted()
    {
        var script = Path.Combine(RepositoryPaths.Root, "tests", "MlopsTemplates.Tests", "GeneratedProject", "ruff-format-check.mjs");
        foreach (var repo in new[] { images.SageMaker, images.Vertex, images.VertexFlask })
        {
            await Validators.Ruff.AssertValidAsync(repo, ".");
            var format = await Command.RunAsync("node", [script, repo.Root]);
            Assert.True(format.ExitCode == 0, $"ruff format would change files of {repo}:{Environment.NewLine}{format}");
        }
    }

    [Fact]
    public async Task The_generated_repositorys_own_platform_tests_pass_so_make_test_covers_the_contract()
    {
        foreach (var repo in new[] { images.SageMaker, images.Vertex, images.VertexFlask })
        {
            var result = await GeneratedVariants.RunPythonAsync(repo.Root, ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_platform.py"]);
            Assert.True(result.ExitCode == 0 && result.StandardOutput.Contains(" passed", StringComparison.Ordinal), $"{repo}:{Environment.NewLine}{result}");
            Assert.DoesNotContain(" skipped", result.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_platform_launcher_starts_the_dockerfiles_server_command_with_only_the_app_and_port_changed()
    {
        foreach (var repo in new[] { images.SageMaker, images.Vertex, images.VertexFlask })
        {
            var script = $"import json; from {GeneratedVariants.PackageName}.platform_routes import server_command; print(json.dumps(server_command(8080)))";
            var printed = (await GeneratedVariants.RunPythonAsync(repo.Root, ["-c", script])).EnsureSuccess().StandardOutput;
            var launched = JsonSerializer.Deserialize<string[]>(printed)!;
            var image = ServiceProcess.LocalCommand(repo.ReadText("Dockerfile"), 8080)
                .Select(a => a.Replace("127.0.0.1", "0.0.0.0", StringComparison.Ordinal)).ToArray();

            // python -m <server> instead of the server's script; the platform app instead of the service's.
            Assert.Equal([GeneratedVariants.Python, "-m", image[0]], launched[..3]);
            var app = $"{GeneratedVariants.PackageName}.platform_http:create_app";
            var expected = image[1..]
                .SelectMany(a => a == $"{GeneratedVariants.PackageName}.service:app" ? ["--factory", app]
                    : a == $"{GeneratedVariants.PackageName}.service:create_app()" ? [app + "()"] : new[] { a })
                .ToArray();
            Assert.Equal(expected, launched[3..]);
        }
    }
}
