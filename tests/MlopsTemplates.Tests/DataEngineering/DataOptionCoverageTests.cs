using MlopsTemplates.Tests.Combinations;

namespace MlopsTemplates.Tests.DataEngineering;

/// <summary>
/// Every value of --prepare and --ingest is in the pairwise set, so the deep checks (DataEngineeringCases) reach it.
/// The golden stacks do not hold spark, hive or nifi: HeaviestPerValue picks option by option in template.json's
/// order, so --data dvc (heavier) is chosen before --prepare, and the rules then leave only pandas and none.
/// </summary>
public sealed class DataOptionCoverageTests
{
    public static TheoryData<string, string> Values => new()
    {
        { "prepare", "pandas" }, { "prepare", "spark" }, { "prepare", "hive" }, { "ingest", "none" }, { "ingest", "nifi" },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void The_value_is_in_the_pairwise_set(string option, string value) =>
        Assert.Contains(CoveringSets.PairwiseSet, c => c.Values[option] == value);
}
