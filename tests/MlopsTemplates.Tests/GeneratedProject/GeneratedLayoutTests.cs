using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.GeneratedProject;

/// <summary>What each option switches in the generated repository, and the Makefile targets CI relies on.</summary>
public sealed partial class GeneratedLayoutTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string TrainedModel = "models/model.joblib";
    private static readonly string[] PlaceholderTypes = ["float", "int", "string", "path", "uri"];

    [Theory]
    [InlineData("3.10")]
    [InlineData("3.11")]
    [InlineData("3.12")]
    [InlineData("3.13")]
    public async Task The_python_choice_is_used_by_pyproject_image_and_mlflow_environment(string python)
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, python == "3.12" ? "" : $"--python {python}");

        Assert.Contains($"requires-python = \">={python}\"", repo.ReadText("pyproject.toml"), StringComparison.Ordinal);
        Assert.Contains($"ARG PYTHON_VERSION={python}\n", repo.ReadText("Dockerfile"), StringComparison.Ordinal);
        Assert.Matches(@"(?m)^FROM python:\$\{PYTHON_VERSION\}-slim AS runtime$", repo.ReadText("Dockerfile"));
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
    public async Task Mlproject_has_one_environment_and_typed_parameters_for_every_placeholder()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, "");
        var project = Load(repo.PathOf("MLproject"));

        var environments = new[] { "python_env", "conda_env", "docker_env" }.Where(k => project.Children.ContainsKey(new YamlScalarNode(k))).ToList();
        Assert.Equal(["python_env"], environments);
        Assert.True(repo.Exists(Scalar(project, "python_env")), "the python_env file is missing");
        var entryPoints = (YamlMappingNode)project.Children[new YamlScalarNode("entry_points")];
        Assert.Equal(["train", "evaluate"], entryPoints.Children.Keys.Select(k => ((YamlScalarNode)k).Value));

        foreach (var (name, node) in entryPoints.Children)
        {
            var entry = (YamlMappingNode)node;
            var parameters = entry.Children.TryGetValue(new YamlScalarNode("parameters"), out var p) ? (YamlMappingNode)p : new YamlMappingNode();
            var declared = parameters.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet();
            foreach (var (parameter, spec) in parameters.Children)
            {
                var type = Scalar((YamlMappingNode)spec, "type");
                Assert.Contains(type, PlaceholderTypes);
                if (type == "path")
                {
                    var path = Scalar((YamlMappingNode)spec, "default");
                    Assert.True(repo.Exists(path) || path == TrainedModel, $"{name}.{parameter}: default {path} is neither in the repository nor the trained model");
                }
            }

            var command = Scalar(entry, "command");
            var used = Placeholder().Matches(command).Select(m => m.Groups[1].Value).ToHashSet();
            Assert.True(used.SetEquals(declared), $"entry point {name}: placeholders {string.Join(",", used)} vs parameters {string.Join(",", declared)}");
            var module = ModuleCommand().Match(command);
            Assert.True(module.Success && module.Groups["package"].Value == GeneratedVariants.PackageName, $"{name}: {command}");
            Assert.True(repo.Exists($"src/{GeneratedVariants.PackageName}/{module.Groups["module"].Value}.py"), $"{name}: {command} names a module that does not exist");
        }
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
        foreach (var target in new[] { "install", "lint", "format", "test", "data", "train", "evaluate", "serve", "docker-build", "docker-run", "dvc-pull", "dvc-repro", "dvc-push", "ci" })
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

    private static YamlMappingNode Load(string path)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(path);
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value!;

    [GeneratedRegex(@"^python -m (?<package>\w+)\.(?<module>\w+)\b")]
    private static partial Regex ModuleCommand();

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();
}
