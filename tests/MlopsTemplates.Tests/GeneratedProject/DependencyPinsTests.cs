using System.Text.Json;
using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.GeneratedProject;

/// <summary>
/// One known-good dependency set: constraints.txt pins, exactly, every package pyproject.toml names for any option
/// combination; `make install` applies it; ruff and MLflow have one version across pyproject, pre-commit, the
/// constraints and MLproject's environment.
/// </summary>
public sealed partial class DependencyPinsTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    /// <summary>Between them, every extra of every choice: both frameworks, each cloud's store and DVC remote.</summary>
    public static TheoryData<string> ExtrasOfEveryChoice => new()
    {
        "",
        "--serving flask --cloud aws",
        "--cloud gcp --serving none",
        "--cloud azure --tracking none",
    };

    [Theory]
    [MemberData(nameof(ExtrasOfEveryChoice))]
    public async Task Constraints_pin_every_requirement_of_pyproject_exactly(string options)
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var pins = Pins(repo);

        foreach (var requirement in await RequirementsAsync(repo))
        {
            var match = RequirementName().Match(requirement);
            var name = Normalize(match.Groups["name"].Value);
            Assert.True(pins.ContainsKey(name), $"constraints.txt does not pin {name} (from \"{requirement}\")");
            if (name == "dvc" && match.Groups["extra"].Success)
            {
                // dvc[s3] installs the remote's plugin package, dvc-s3: it is pinned as well.
                Assert.True(pins.ContainsKey($"dvc-{match.Groups["extra"].Value}"), $"constraints.txt does not pin the plugin of {requirement}");
            }
        }

        Assert.Contains("pip install -c constraints.txt -e", repo.ReadText("Makefile"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_constraint_is_an_exact_pin_and_only_python_markers_split_a_package()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, "");

        foreach (var line in ConstraintLines(repo))
        {
            Assert.Matches(@"^[a-z0-9][a-z0-9._-]*==[0-9][0-9a-z.]*( ; python_version [<>]=? ""3\.\d+"")?$", line);
        }

        var split = ConstraintLines(repo).GroupBy(l => l.Split("==")[0]).Where(g => g.Count() > 1).ToList();
        Assert.All(split, g => Assert.Equal(2, g.Count(l => l.Contains("python_version", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task Ruff_and_mlflow_have_one_version_everywhere()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, "");
        var pins = Pins(repo);

        var ruff = pins["ruff"];
        Assert.Contains($"\"ruff=={ruff}\"", repo.ReadText("pyproject.toml"), StringComparison.Ordinal);
        Assert.Matches($@"(?m)repo: https://github.com/astral-sh/ruff-pre-commit\s+rev: v{Regex.Escape(ruff)}$", repo.ReadText(".pre-commit-config.yaml"));
        Assert.Contains($"- mlflow=={pins["mlflow"]}", repo.ReadText("python_env.yaml"), StringComparison.Ordinal);
        Assert.Equal(pins["mlflow"], pins["mlflow-skinny"]);
    }

    private static async Task<List<string>> RequirementsAsync(GeneratedRepository repo)
    {
        const string dump = "import json, sys, tomllib; p = tomllib.load(open(sys.argv[1], 'rb'))['project']; "
            + "print(json.dumps(p['dependencies'] + [r for v in p.get('optional-dependencies', {}).values() for r in v]))";
        var result = await Command.RunAsync(GeneratedVariants.Python, ["-c", dump, repo.PathOf("pyproject.toml")]);
        return JsonSerializer.Deserialize<List<string>>(result.EnsureSuccess().StandardOutput)!;
    }

    private static IEnumerable<string> ConstraintLines(GeneratedRepository repo) =>
        repo.ReadText("constraints.txt").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'));

    private static Dictionary<string, string> Pins(GeneratedRepository repo) =>
        ConstraintLines(repo)
            .Select(l => l.Split(" ;")[0].Split("=="))
            .GroupBy(p => Normalize(p[0]))
            .ToDictionary(g => g.Key, g => g.First()[1]);

    private static string Normalize(string name) => name.ToLowerInvariant().Replace('_', '-').Replace('.', '-');

    [GeneratedRegex(@"^(?<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[(?<extra>[a-z0-9,]+)\])?")]
    private static partial Regex RequirementName();
}
