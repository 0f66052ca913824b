using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.DataEngineering;

/// <summary>
/// The stages after prepare read the training split where the prepare step wrote it: with a data lake, its Parquet
/// (training and evaluation through data.read_split, and the monitoring stage's drift reference too), never a
/// data/processed CSV that a Spark or Hive step does not write. No pyarrow here: the lake is read up to the point
/// where the split is missing.
/// </summary>
public sealed class LakeReaderTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    [SkippableTheory]
    [InlineData("spark")]
    [InlineData("hive")]
    public async Task The_monitoring_stage_takes_its_training_data_from_the_lake(string prepare)
    {
        var copy = await GeneratedVariants.CopyAsync(fixture.Pack, $"--prepare {prepare} --data none --store sqlite --deploy none");
        var lake = Path.Combine(copy, "data", "lake");

        var run = await GeneratedVariants.RunPythonAsync(copy, ["-m", $"{GeneratedVariants.PackageName}.monitor"], new Dictionary<string, string>
        {
            ["DATA_URI"] = lake,
            ["STORE_URL"] = $"sqlite:///{Path.Combine(copy, "predictions.db")}",
        });

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{lake}/processed/split=train not found: run the prepare stage (`make prepare`) first", run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("train.csv", run.StandardError, StringComparison.Ordinal);
    }
}
