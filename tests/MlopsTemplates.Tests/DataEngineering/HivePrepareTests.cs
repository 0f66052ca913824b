using System.Text.RegularExpressions;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.DataEngineering;

/// <summary>
/// --prepare hive on the covering rows that choose it: every HiveQL statement, with the variables hive/prepare.sh
/// gives beeline, through two independent grammars (dt-sql-parser's HiveSQL, sqlfluff's hive dialect); the columns
/// the tables declare and the INSERTs write equal the data contract; the runner and the local HiveServer2. No Hive
/// runs here (it needs a JVM cluster and a metastore): the statements are parsed, not executed.
/// </summary>
public sealed partial class HivePrepareTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private static readonly string[] Scripts = ["hive/tables.hql", "hive/prepare.hql"];

    [SkippableTheory]
    [MemberData(nameof(DataEngineeringCases.Hive), MemberType = typeof(DataEngineeringCases))]
    public async Task Every_statement_parses_with_both_hive_grammars(string name, string options)
    {
        _ = name;
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var folder = Directory.CreateTempSubdirectory("hiveql-").FullName;
        try
        {
            var files = new List<string>();
            foreach (var script in Scripts)
            {
                var file = Path.Combine(folder, Path.GetFileName(script));
                await File.WriteAllTextAsync(file, await SubstitutedAsync(repo, script));
                files.Add(file);
            }

            await DataValidators.DtSqlParser("hive").AssertValidAsync(files);
            await DataValidators.Sqlfluff("hive").AssertValidAsync(files);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(DataEngineeringCases.Hive), MemberType = typeof(DataEngineeringCases))]
    public async Task The_tables_and_the_inserts_hold_the_contracts_columns(string name, string options)
    {
        _ = name;
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var contract = (await DataEngineeringCases.ContractColumnsAsync(repo)).Select(c => $"{c.Name} {c.Type}").ToList();
        var tables = repo.ReadText("hive/tables.hql");
        foreach (var table in new[] { "raw_rows", "prepared" })
        {
            var body = Regex.Match(tables, $@"\.{table} \((?<columns>[^)]*)\)").Groups["columns"].Value;
            Assert.Equal(contract, body.Split(',').Select(c => c.Trim()).ToList());
        }

        Assert.Contains("PARTITIONED BY (split STRING)\nSTORED AS PARQUET\nLOCATION '${hivevar:lake}/processed'", tables, StringComparison.Ordinal);
        var prepare = repo.ReadText("hive/prepare.hql");
        var inserts = InsertSelect().Matches(prepare);
        Assert.Equal(["train", "test"], inserts.Select(m => m.Groups["split"].Value));
        foreach (Match insert in inserts)
        {
            Assert.Equal(contract.Select(c => c.Split(' ')[0]), insert.Groups["columns"].Value.Split(',').Select(c => c.Trim()));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(DataEngineeringCases.Hive), MemberType = typeof(DataEngineeringCases))]
    public async Task The_runner_and_the_local_hiveserver2_pass_their_validators(string name, string options)
    {
        _ = name;
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
        Assert.True(repo.IsExecutable("hive/prepare.sh"));
        await Validators.Shellcheck.AssertValidAsync(repo, "hive/prepare.sh");
        await Validators.ComposeGo.AssertValidAsync(repo, "hive/compose.yaml");
        Assert.Contains("PREPARE = PYTHON=\"$(PYTHON)\" hive/prepare.sh", repo.ReadText("make/prepare.mk"), StringComparison.Ordinal);
        if (repo.Option("cloud") == "local")
        {
            // HiveServer2 in compose sees the lake folder where data-lake.env says it does.
            Assert.Equal("data/lake", DataEngineeringCases.Setting(repo, "data-lake.env", "DATA_URI"));
            Assert.Equal("file:///lake", DataEngineeringCases.Setting(repo, "data-lake.env", "HIVE_LAKE_URI"));
            Assert.Contains("- ../data/lake:/lake", repo.ReadText("hive/compose.yaml"), StringComparison.Ordinal);
        }
    }

    /// <summary>The script with the variables hive/prepare.sh passes: HIVE_DATABASE, the lake as Hadoop names it, params.yaml.</summary>
    private static async Task<string> SubstitutedAsync(GeneratedRepository repo, string script)
    {
        var values = (await DataEngineeringCases.PythonAsync(repo,
            $"import os\nfrom {GeneratedVariants.PackageName}.config import load_params\nfrom {GeneratedVariants.PackageName}.data import hadoop_uri\n" +
            "data = load_params('params.yaml')['data']\n" +
            $"print(hadoop_uri('{DataEngineeringCases.Setting(repo, "data-lake.env", "DATA_URI")}', {{'AZURE_STORAGE_ACCOUNT': 'account'}}), float(data['test_size']), int(data['random_state']))"))
            .Split(' ', StringSplitOptions.TrimEntries);
        var variables = new Dictionary<string, string>
        {
            ["database"] = DataEngineeringCases.Setting(repo, "data-lake.env", "HIVE_DATABASE"),
            ["lake"] = values[0],
            ["test_size"] = values[1],
            ["random_state"] = values[2],
        };
        var text = repo.ReadText(script);
        var used = HiveVariable().Matches(text).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Subset(variables.Keys.ToHashSet(), used);
        return HiveVariable().Replace(text, m => variables[m.Groups[1].Value]);
    }

    [GeneratedRegex(@"\$\{hivevar:(\w+)\}")]
    private static partial Regex HiveVariable();

    [GeneratedRegex(@"INSERT OVERWRITE TABLE \S+\.prepared PARTITION \(split = '(?<split>\w+)'\)\nSELECT\n(?<columns>[^;]*?)\nFROM \(")]
    private static partial Regex InsertSelect();
}
