using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.GeneratedProject;

/// <summary>What each option switches in the generated repository, and the Makefile targets CI relies on.</summary>
public sealed class GeneratedLayoutTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    [Theory]
    [InlineData("3.11")]
    [InlineData("3.12")]
    [InlineData("3.13")]
    [InlineData("3.14")]
    public async Task The_python_choice_is_used_by_pyproject_image_and_mlflow_environment(string python)
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, python == "3.14" ? "" : $"--python {python}");

        Assert.Contains($"requires-python = \">={python}\"", repo.ReadText("pyproject.toml"), StringComparison.Ordinal);
        // An exact patch release of that Python (Kubernetes/ContainerFilesStaticTests checks the rest of the image).
        Assert.Matches($@"(?m)^ARG PYTHON_IMAGE=python:{Regex.Escape(python)}\.\d+-slim-\w+$", repo.ReadText("Dockerfile"));
        Assert.Matches(@"(?m)^FROM \$\{PYTHON_IMAGE\} AS runtime$", repo.ReadText("Dockerfile"));
        Assert.Contains($"python: \"{python}\"", repo.ReadText("python_env.yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serving_none_has_no_service_and_its_image_trains()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, "--serving none");

        Assert.False(repo.Exists($"src/{GeneratedVariants.PackageName}/service.py"));
        var dockerfile = repo.ReadText("Dockerfile");
        Assert.Contains($"CMD [\"python\", \"-m\", \"{GeneratedVariants.PackageName}.train\"]", dockerfile, StringComparison.Ordinal);
        Assert.DoesNotContain("EXPOSE", dockerfile, StringComparison.Ordinal);
        Assert.DoesNotContain("serve", Extras(repo));
    }

    [Fact]
    public async Task Tracking_none_has_no_mlflow_anywhere()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, "--tracking none");

        Assert.False(repo.Exists("MLproject"));
        Assert.False(repo.Exists("python_env.yaml"));
        Assert.DoesNotContain(repo.Files, f => f.EndsWith(".py", StringComparison.Ordinal) && repo.ReadText(f).Contains("mlflow", StringComparison.Ordinal));
        Assert.DoesNotContain("mlflow", repo.ReadText("compose.yaml"), StringComparison.Ordinal);
        Assert.DoesNotContain("tracking", Extras(repo));
    }

    [Fact]
    public async Task Make_test_writes_junit_xml_and_make_targets_ci_calls_exist()
    {
        var copy = await GeneratedVariants.CopyAsync(fixture.Pack, "");
        var environment = GeneratedVariants.PythonEnvironment(copy);

        (await Command.RunAsync("make", ["test", $"PYTHON={GeneratedVariants.Python}"], copy, environment)).EnsureSuccess();
        var help = await Command.RunAsync("make", [], copy, environment);
        var build = await Command.RunAsync("make", ["--dry-run", "docker-build", "IMAGE=registry.example/churn", "TAG=abc123"], copy, environment);

        Assert.True(File.Exists(Path.Combine(copy, "reports/junit.xml")), "make test wrote no reports/junit.xml");
        help.EnsureSuccess();
        foreach (var target in new[] { "install", "lock", "upgrade", "lint", "format", "test", "data", "train", "evaluate", "promote", "serve", "docker-build", "docker-push", "docker-run", "deploy", "dvc-pull", "dvc-repro", "dvc-push", "ci" })
        {
            Assert.Matches($@"(?m)^\s+(\x1b\[36m)?{Regex.Escape(target)}\s", help.StandardOutput);
        }

        Assert.Contains("docker build --tag registry.example/churn:abc123 .", build.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>The names of the optional-dependency groups (extras) in pyproject.toml.</summary>
    private static HashSet<string> Extras(GeneratedRepository repo)
    {
        var section = Regex.Match(repo.ReadText("pyproject.toml"), @"(?ms)^\[project\.optional-dependencies\]\s*(?<body>.*?)^\[").Groups["body"].Value;
        return Regex.Matches(section, @"(?m)^(?<name>[a-z]+) = ").Select(m => m.Groups["name"].Value).ToHashSet();
    }
}
