using MlopsTemplates.Tests.Combinations;

namespace MlopsTemplates.Tests.DataEngineering;

/// <summary>
/// Every value of --prepare and --ingest is in the covering set and in a golden stack, so the deep checks
/// (DataEngineeringCases) reach it.
/// </summary>
public sealed class DataOptionCoverageTests
{
    public static TheoryData<string, string> Values => new()
    {
        { "prepare", "pandas" }, { "prepare", "spark" }, { "prepare", "hive" }, { "ingest", "none" }, { "ingest", "nifi" },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void The_value_is_in_the_covering_set(string option, string value) =>
        Assert.Contains(CoveringSets.AllSet, c => c.Values[option] == value);

    [Theory]
    [MemberData(nameof(Values))]
    public void The_value_is_in_a_golden_stack(string option, string value) =>
        Assert.Contains(CoveringSets.GoldenStackSet, c => c.Values[option] == value);
}
