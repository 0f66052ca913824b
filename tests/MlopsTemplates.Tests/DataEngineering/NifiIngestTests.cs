using System.Text.Json;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.DataEngineering;

/// <summary>
/// --ingest nifi on the covering rows that choose it, one per cloud. No validator of NiFi's own exists offline
/// (apache/nifi ships no schema of the flow format; NiFi checks a flow when it imports it), so this checks what can
/// be checked: the flow-definition shape, every #{parameter} defined, every connection's ends present, no sensitive
/// value in Git, the raw zone it writes equal to the one the prepare stage reads, and the record schema equal to
/// the data contract.
/// </summary>
public sealed class NifiIngestTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string Flow = "nifi/flows/churn-model/ingest.json";

    [SkippableTheory]
    [MemberData(nameof(DataEngineeringCases.Nifi), MemberType = typeof(DataEngineeringCases))]
    public async Task The_flow_passes_the_checks_and_writes_the_raw_zone_the_prepare_stage_reads(string name, string options)
    {
        _ = name;
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var lake = DataEngineeringCases.Setting(repo, "data-lake.env", "DATA_URI");
        string rawZone;
        if (repo.Option("cloud") == "local")
        {
            // NiFi in compose sees the lake folder at /lake.
            Assert.Equal("data/lake", lake);
            Assert.Contains("- ../data/lake:/lake", repo.ReadText("nifi/compose.yaml"), StringComparison.Ordinal);
            rawZone = "/lake/raw";
        }
        else
        {
            rawZone = lake + "/raw";
        }

        await DataValidators.NifiFlow(rawZone).AssertValidAsync(repo, Flow);
        // The file name the prepare stage reads.
        var raw = (await DataEngineeringCases.PythonAsync(repo, $"from {GeneratedVariants.PackageName}.data import RAW_FILE\nprint(RAW_FILE)")).Trim();
        Assert.Contains($"\"filename\": \"{raw}\"", repo.ReadText(Flow), StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(DataEngineeringCases.Nifi), MemberType = typeof(DataEngineeringCases))]
    public async Task The_record_schema_is_the_data_contract_and_no_secret_is_committed(string name, string options)
    {
        _ = name;
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
        using var flow = JsonDocument.Parse(repo.ReadText(Flow));
        var parameters = flow.RootElement.GetProperty("parameterContexts").EnumerateObject().Single().Value.GetProperty("parameters").EnumerateArray().ToList();
        var schema = JsonDocument.Parse(parameters.Single(p => p.GetProperty("name").GetString() == "record_schema").GetProperty("value").GetString()!);
        var avroTypes = new Dictionary<string, string> { ["long"] = "BIGINT", ["double"] = "DOUBLE", ["int"] = "INT" };
        var fields = schema.RootElement.GetProperty("fields").EnumerateArray()
            .Select(f => (f.GetProperty("name").GetString()!, avroTypes[f.GetProperty("type").GetString()!])).ToList();
        Assert.Equal(await DataEngineeringCases.ContractColumnsAsync(repo), fields);
        Assert.Contains(parameters, p => p.GetProperty("sensitive").GetBoolean());
        Assert.All(parameters.Where(p => p.GetProperty("sensitive").GetBoolean()), p => Assert.Equal(JsonValueKind.Null, p.GetProperty("value").ValueKind));

        var compose = repo.ReadText("nifi/compose.yaml");
        Assert.Contains("SINGLE_USER_CREDENTIALS_PASSWORD: ${NIFI_PASSWORD:?", compose, StringComparison.Ordinal);
        await Validators.ComposeGo.AssertValidAsync(repo, "nifi/compose.yaml");
    }

    [SkippableFact]
    public async Task The_raw_zone_check_rejects_a_flow_that_writes_elsewhere()
    {
        var fixtures = Path.Combine(RepositoryPaths.Validators, "fixtures");
        await DataValidators.NifiFlow("/lake/raw").AssertValidAsync(["nifi-flow/good.json"], fixtures);
        await DataValidators.NifiFlow("/lake/landing").AssertInvalidAsync(["nifi-flow/good.json"], fixtures, expectedFragments: ["no processor writes to the raw zone /lake/landing (writes: /lake/raw"]);
    }
}
