using System.Security.Cryptography;
using MlopsTemplates.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.GeneratedProject;

/// <summary>
/// dvc.yaml tells the truth about the code: running each stage's cmd in order (with Debian's Python, since DVC
/// cannot be installed here) needs only the declared deps and params and writes exactly the declared outs,
/// metrics and plots.
/// </summary>
public sealed class DvcPipelineTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    // Run records (MLflow's local store or JSON files) are history, not a stage output: .dvcignore and
    // .gitignore list them, so DVC never sees them.
    private const string RunRecords = "runs/";

    [Fact]
    public async Task Each_stage_cmd_writes_exactly_its_declared_outputs()
    {
        var copy = await GeneratedVariants.CopyAsync(fixture.Pack, "");
        var stages = Stages(Path.Combine(copy, "dvc.yaml"));
        var parameters = Load(Path.Combine(copy, "params.yaml"));
        Assert.Equal(["ingest", "prepare", "train", "evaluate"], stages.Select(s => s.Name));
        Assert.Contains(RunRecords, File.ReadAllLines(Path.Combine(copy, ".dvcignore")));

        foreach (var stage in stages)
        {
            foreach (var dep in stage.Deps)
            {
                var path = Path.Combine(copy, dep);
                Assert.True(File.Exists(path) || Directory.Exists(path), $"stage {stage.Name}: dep {dep} does not exist before the stage runs");
            }

            foreach (var key in stage.Params)
            {
                Assert.True(Lookup(parameters, key), $"stage {stage.Name}: param {key} is not in params.yaml");
            }

            var before = Snapshot(copy);
            var result = await Command.RunAsync("bash", ["-c", stage.Cmd], copy, GeneratedVariants.PythonEnvironment(copy, new Dictionary<string, string>
            {
                ["PATH"] = $"{PythonShim()}:{Environment.GetEnvironmentVariable("PATH")}",
            }));
            result.EnsureSuccess();
            var written = Snapshot(copy)
                .Where(f => !before.TryGetValue(f.Key, out var hash) || hash != f.Value)
                .Select(f => f.Key)
                .Where(f => !f.StartsWith(RunRecords, StringComparison.Ordinal))
                // A directory output (models/candidate) stands for the files written under it.
                .Select(f => stage.Outputs.FirstOrDefault(o => f.StartsWith($"{o}/", StringComparison.Ordinal)) ?? f)
                .Distinct()
                .Order(StringComparer.Ordinal);

            Assert.Equal(stage.Outputs.Order(StringComparer.Ordinal), written);
        }
    }

    [Theory]
    [InlineData("local", "../../churn-model-dvc-storage")]
    [InlineData("aws", "s3://churn-model-dvc/storage")]
    [InlineData("azure", "azure://churn-model-dvc/storage")]
    [InlineData("gcp", "gs://churn-model-dvc/storage")]
    public async Task The_default_remote_follows_the_cloud(string cloud, string url)
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, cloud == "local" ? "" : $"--cloud {cloud}");

        var config = repo.ReadText(".dvc/config");

        Assert.Contains("remote = storage", config, StringComparison.Ordinal);
        Assert.Contains("['remote \"storage\"']", config, StringComparison.Ordinal);
        Assert.Contains($"url = {url}", config, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_relative_local_remote_is_resolved_from_the_dvc_folder_as_dvc_config_resolves_it()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, "");
        var configured = DvcRemoteUrl(repo.ReadText(".dvc/config"));
        // .dvc/config resolves a relative url against the .dvc folder; `dvc remote modify` on the command line
        // would resolve it against the working directory, one level too high.
        var expected = Path.GetFullPath(Path.Combine(repo.Root, ".dvc", configured));
        Assert.StartsWith(Path.GetDirectoryName(repo.Root)! + Path.DirectorySeparatorChar, expected, StringComparison.Ordinal);

        foreach (var target in new[] { "dvc-pull", "dvc-push" })
        {
            var dryRun = await Command.RunAsync("make", ["-n", target], repo.Root);

            Assert.Contains($"dvc remote modify --local storage url \"{expected}\"", dryRun.EnsureSuccess().StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Data_none_has_no_dvc_files_and_runs_the_same_stages_through_make()
    {
        var copy = await GeneratedVariants.CopyAsync(fixture.Pack, "--data none");

        Assert.False(File.Exists(Path.Combine(copy, "dvc.yaml")));
        Assert.False(Directory.Exists(Path.Combine(copy, ".dvc")));
        var make = await Command.RunAsync("make", ["pipeline", $"PYTHON={GeneratedVariants.Python}"], copy, GeneratedVariants.PythonEnvironment(copy));

        make.EnsureSuccess();
        foreach (var output in new[] { "data/raw/breast_cancer.csv", "data/processed/test.csv", "models/model.joblib", "reports/metrics.json", "reports/evaluation.json" })
        {
            Assert.True(File.Exists(Path.Combine(copy, output)), $"make pipeline did not write {output}{Environment.NewLine}{make}");
        }
    }

    private static string DvcRemoteUrl(string config) =>
        config.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("url = ", StringComparison.Ordinal))["url = ".Length..];

    private sealed record Stage(string Name, string Cmd, IReadOnlyList<string> Deps, IReadOnlyList<string> Params, IReadOnlyList<string> Outputs);

    private static List<Stage> Stages(string dvcYaml)
    {
        var root = Load(dvcYaml);
        var stages = (YamlMappingNode)root.Children[new YamlScalarNode("stages")];
        return stages.Children.Select(entry =>
        {
            var stage = (YamlMappingNode)entry.Value;
            return new Stage(
                ((YamlScalarNode)entry.Key).Value!,
                ((YamlScalarNode)stage.Children[new YamlScalarNode("cmd")]).Value!,
                Paths(stage, "deps"),
                Paths(stage, "params"),
                [.. Paths(stage, "outs"), .. Paths(stage, "metrics"), .. Paths(stage, "plots")]);
        }).ToList();
    }

    /// <summary>Entries of a list: plain strings, or single-key mappings (a path with its options).</summary>
    private static List<string> Paths(YamlMappingNode stage, string key) =>
        stage.Children.TryGetValue(new YamlScalarNode(key), out var node)
            ? ((YamlSequenceNode)node).Children.Select(item => item switch
            {
                YamlScalarNode scalar => scalar.Value!,
                YamlMappingNode mapping => ((YamlScalarNode)mapping.Children.Single().Key).Value!,
                _ => throw new InvalidDataException($"unexpected {key} entry {item}"),
            }).ToList()
            : [];

    private static YamlMappingNode Load(string path)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(path);
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    /// <summary>A params key as DVC reads it: a section (`model`) or a dotted path (`data.test_size`).</summary>
    private static bool Lookup(YamlMappingNode parameters, string key)
    {
        YamlNode node = parameters;
        foreach (var part in key.Split('.'))
        {
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(part), out var child))
            {
                return false;
            }

            node = child;
        }

        return true;
    }

    private static Dictionary<string, string> Snapshot(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(
                f => Path.GetRelativePath(root, f).Replace('\\', '/'),
                f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>A folder whose `python` is Debian's, so the stage commands run exactly as written in dvc.yaml.</summary>
    private static string PythonShim()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"mlops-python-shim-{Environment.ProcessId}");
        var link = Path.Combine(folder, "python");
        if (!File.Exists(link))
        {
            Directory.CreateDirectory(folder);
            File.CreateSymbolicLink(link, GeneratedVariants.Python);
        }

        return folder;
    }
}
