using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.DataEngineering;

/// <summary>
/// CI's Train stage (CI=true, which every dialect has) runs make data train evaluate on the sample data and never
/// touches the data lake, to which CI's identities have no access: Spark in local mode on a folder lake, Hive through
/// the pandas implementation of its contract (a runner has no HiveServer2). Outside CI the same targets use the lake
/// of data-lake.env. The Spark rows are checked with make's dry run (no JVM here) and make ingest; the Hive rows
/// really train.
/// </summary>
public sealed class PrepareInCiTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    [SkippableTheory]
    [MemberData(nameof(DataEngineeringCases.Spark), MemberType = typeof(DataEngineeringCases))]
    public async Task In_CI_the_spark_job_runs_on_a_folder_lake_and_fetches_no_connector(string name, string options)
    {
        _ = name;
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var lake = DataEngineeringCases.Setting(repo, "data-lake.env", "DATA_URI");

        var inCi = await DryRunAsync(repo.Root, ci: true);
        var outside = await DryRunAsync(repo.Root, ci: false);

        Assert.Contains("spark-submit --master \"local[*]\"", inCi, StringComparison.Ordinal);
        Assert.DoesNotContain("--packages", inCi, StringComparison.Ordinal);
        Assert.Contains("--data-uri \"data/lake\"", inCi, StringComparison.Ordinal);
        Assert.Contains($"--data-uri \"{lake}\"", outside, StringComparison.Ordinal);
        if (repo.Option("cloud") != "local")
        {
            Assert.Contains("--packages \"", outside, StringComparison.Ordinal);
        }

        // The raw zone the job reads is the folder's, written by the ingest that runs before it.
        var copy = await GeneratedVariants.CopyAsync(fixture.Pack, options);
        var ingest = await MakeAsync(copy, ci: true, "ingest");
        Assert.True(ingest.ExitCode == 0, ingest.ToString());
        Assert.True(File.Exists(Path.Combine(copy, "data/lake/raw/breast_cancer.csv")), "ingest wrote no raw zone in the folder lake");
    }

    [SkippableTheory]
    [MemberData(nameof(DataEngineeringCases.Hive), MemberType = typeof(DataEngineeringCases))]
    public async Task In_CI_hive_projects_train_on_the_contracts_pandas_split_and_leave_the_lake_alone(string name, string options)
    {
        _ = name;
        var copy = await GeneratedVariants.CopyAsync(fixture.Pack, options);
        Assert.Contains("hive/prepare.sh", await DryRunAsync(copy, ci: false), StringComparison.Ordinal);

        var run = await MakeAsync(copy, ci: true, "data", "train", "evaluate");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("beeline", run.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(copy, "data/processed/train.csv")), "the pandas prepare wrote no train split");
        Assert.True(File.Exists(Path.Combine(copy, "reports/evaluation.json")), "the gate did not run");
        Assert.False(Directory.Exists(Path.Combine(copy, "data/lake")), "CI wrote to the folder lake of data-lake.env");
    }

    [SkippableTheory]
    [MemberData(nameof(DataEngineeringCases.Hive), MemberType = typeof(DataEngineeringCases))]
    public async Task Make_test_passes_though_make_exports_the_data_lake_to_it(string name, string options)
    {
        _ = name;
        // make exports data-lake.env's DATA_URI to every target: the suite must not read the lake through it. The Hive
        // rows stand for Spark's too (one conftest, the same export); a Spark row's suite adds only a skipped test here.
        var copy = await GeneratedVariants.CopyAsync(fixture.Pack, options);
        var run = await MakeAsync(copy, ci: false, "test");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(" passed", run.StandardOutput, StringComparison.Ordinal);
    }

    private static async Task<string> DryRunAsync(string repository, bool ci)
    {
        var result = await MakeAsync(repository, ci, "--dry-run", "data");
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput;
    }

    /// <summary>make in the repository as CI runs it (CI=true) or as a person does (CI unset, whatever this run's is).</summary>
    private static Task<CommandResult> MakeAsync(string repository, bool ci, params string[] arguments)
    {
        var environment = GeneratedVariants.PythonEnvironment(repository);
        environment["CI"] = ci ? "true" : null;
        return Command.RunAsync("make", [.. arguments, $"PYTHON={GeneratedVariants.Python}"], repository, environment, timeout: TimeSpan.FromMinutes(3));
    }
}
