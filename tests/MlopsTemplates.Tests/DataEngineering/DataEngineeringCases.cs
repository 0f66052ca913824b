using MlopsTemplates.Authoring;
using MlopsTemplates.Tests.Combinations;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.DataEngineering;

/// <summary>
/// The shared covering rows (golden stacks first, then pairwise) that hold a data engineering value, so that the deep
/// checks run on few repositories: each row is (name, options), generated once per run (<see cref="GeneratedVariants"/>).
/// </summary>
public static class DataEngineeringCases
{
    private static IEnumerable<NamedCombination> Rows => CoveringSets.AllSet;

    /// <summary>Up to <paramref name="count"/> covering rows with option = value, each of a different cloud where it can.</summary>
    public static TheoryData<string, string> With(string option, string value, int count)
    {
        var chosen = Rows.Where(r => r.Values[option] == value).GroupBy(r => r.Values["cloud"]).Select(g => g.First()).Take(count);
        var rows = new TheoryData<string, string>();
        foreach (var row in chosen)
        {
            rows.Add(row.Name, string.Join(" ", TemplateOptions.ToArguments(row.Values)));
        }

        return rows;
    }

    public static TheoryData<string, string> Spark => With("prepare", "spark", 2);

    /// <summary>--prepare spark with --deploy kubernetes: two rows of different clouds, those with an orchestrator first.</summary>
    public static TheoryData<string, string> SparkOnKubernetes
    {
        get
        {
            var rows = new TheoryData<string, string>();
            foreach (var row in Rows.Where(r => r.Values["prepare"] == "spark" && r.Values["deploy"] == "kubernetes").OrderByDescending(r => r.Values["orchestrator"] != "none").GroupBy(r => r.Values["cloud"]).Select(g => g.First()).Take(2))
            {
                rows.Add(row.Name, string.Join(" ", TemplateOptions.ToArguments(row.Values)));
            }

            return rows;
        }
    }

    public static TheoryData<string, string> Hive => With("prepare", "hive", 2);

    /// <summary>The flow varies by cloud: one row per cloud.</summary>
    public static TheoryData<string, string> Nifi => With("ingest", "nifi", 2);

    /// <summary>Runs Debian's Python with the generated package importable; fails the test when it exits non-zero.</summary>
    public static async Task<string> PythonAsync(GeneratedRepository repo, string script)
    {
        var result = await Command.RunAsync(GeneratedVariants.Python, ["-c", script], repo.Root, GeneratedVariants.PythonEnvironment(repo.Root));
        Assert.True(result.ExitCode == 0, $"python in {repo}:{Environment.NewLine}{result}");
        return result.StandardOutput;
    }

    /// <summary>The contract's columns and SQL types as the generated schema.py says them, in order.</summary>
    public static async Task<List<(string Name, string Type)>> ContractColumnsAsync(GeneratedRepository repo)
    {
        var output = await PythonAsync(repo, $"from {GeneratedVariants.PackageName}.schema import COLUMN_TYPES, FEATURES, KEY, TARGET\n" +
            "assert list(COLUMN_TYPES) == [KEY, *FEATURES, TARGET], COLUMN_TYPES\n" +
            "print('\\n'.join(f'{name} {kind}' for name, kind in COLUMN_TYPES.items()))");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).Select(p => (p[0], p[1])).ToList();
    }

    /// <summary>A KEY=VALUE setting of one of the generated env files (data-lake.env, cloud.env).</summary>
    public static string Setting(GeneratedRepository repo, string file, string key) =>
        repo.ReadText(file).Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith(key + "=", StringComparison.Ordinal))
            .Select(l => l[(key.Length + 1)..]).Single();
}
