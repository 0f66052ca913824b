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

    /// <summary>
    /// Why <see cref="GeneratedVariants.Tested"/> runs one Python: every run here uses Debian's 3.11, so a --python
    /// value can only matter to those runs through the files they read. Only the interpreter pins change with it.
    /// </summary>
    [Fact]
    public async Task The_python_choice_changes_only_the_interpreter_pins_and_no_file_the_package_or_its_tests_read()
    {
        var reference = await GeneratedVariants.GetAsync(fixture.Pack, "");
        string[] pinned = [".github/workflows/ci.yml", ".mlops-template.json", "Dockerfile", "Makefile", "README.md", "pyproject.toml", "python_env.yaml"];
        foreach (var python in new[] { "3.11", "3.12", "3.13" })
        {
            var other = await GeneratedVariants.GetAsync(fixture.Pack, $"--python {python}");
            Assert.Equal(reference.Files, other.Files);
            var changed = reference.Files.Where(f => reference.ReadText(f) != other.ReadText(f)).ToList();
            Assert.True(changed.All(pinned.Contains), $"--python {python} also changes {string.Join(", ", changed.Except(pinned))}");
            // In pyproject.toml only the interpreter lines: not the dependencies, extras or pytest settings.
            var lines = reference.ReadText("pyproject.toml").Split('\n').Except(other.ReadText("pyproject.toml").Split('\n')).ToList();
            Assert.All(lines, l => Assert.Matches(@"^(requires-python|target-version|python_version|python-version) = ", l));
        }
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
