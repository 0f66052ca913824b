using System.Text.Json;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.DataEngineering;

/// <summary>
/// --prepare spark on the covering rows that choose it: the job's SQL through two Spark SQL grammars, the
/// SparkApplication against the closed spark-operator CRD, the job's schema equal to the pandas contract, ruff, and the
/// generated suite, which runs the job's SQL against the pandas split (Spark itself runs only where pyspark is
/// installed: the generated CI; there is no JVM Spark here).
/// </summary>
public sealed class SparkPrepareTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private static readonly string Package = GeneratedVariants.PackageName;

    [SkippableTheory]
    [MemberData(nameof(DataEngineeringCases.Spark), MemberType = typeof(DataEngineeringCases))]
    public async Task Every_statement_of_the_job_parses_with_dt_sql_parser_and_sqlfluff(string name, string options)
    {
        _ = name;
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
        // The statements exactly as the job runs them, with params.yaml's values.
        var json = await DataEngineeringCases.PythonAsync(repo,
            $"import json\nfrom {Package}.config import load_params\nfrom {Package}.spark_prepare import statements\n" +
            "print(json.dumps(statements('raw_rows', load_params('params.yaml'))))");
        var statements = JsonSerializer.Deserialize<string[]>(json)!;
        Assert.Equal(2, statements.Length);
        var file = Path.Combine(Path.GetTempPath(), $"spark-prepare-{Guid.NewGuid():N}.sql");
        await File.WriteAllTextAsync(file, string.Join(";\n", statements.Select(s => s.Trim())) + ";\n");
        try
        {
            await DataValidators.DtSqlParser("spark").AssertValidAsync([file]);
            await DataValidators.Sqlfluff("sparksql").AssertValidAsync([file]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(DataEngineeringCases.Spark), MemberType = typeof(DataEngineeringCases))]
    public async Task The_job_reads_and_writes_the_contracts_columns_and_types(string name, string options)
    {
        _ = name;
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var contract = await DataEngineeringCases.ContractColumnsAsync(repo);
        Assert.Equal(["record_id", "mean_radius"], contract.Take(2).Select(c => c.Name));
        Assert.Equal(("malignant", "INT"), contract[^1]);
        Assert.All(contract.Skip(1).SkipLast(1), c => Assert.Equal("DOUBLE", c.Type));
        var schema = await DataEngineeringCases.PythonAsync(repo, $"from {Package}.spark_prepare import reader_schema\nprint(reader_schema())");
        Assert.Equal(string.Join(", ", contract.Select(c => $"{c.Name} {c.Type}")), schema.Trim());
        // The split statement selects the contract's columns, then the partition column.
        var selected = await DataEngineeringCases.PythonAsync(repo,
            $"import re\nfrom {Package}.config import load_params\nfrom {Package}.spark_prepare import statements\n" +
            "sql = statements('raw_rows', load_params('params.yaml'))[1]\n" +
            "outer = sql[sql.index('SELECT') + 6:sql.index('FROM (')]\n" +
            "print(' '.join(re.findall(r'(\\w+),?\\s*$', part)[0] for part in outer.split(',\\n')))");
        Assert.Equal([.. contract.Select(c => c.Name), "split"], selected.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [SkippableTheory]
    [MemberData(nameof(DataEngineeringCases.Spark), MemberType = typeof(DataEngineeringCases))]
    public async Task The_generated_suite_runs_the_jobs_sql_against_the_pandas_split(string name, string options)
    {
        _ = name;
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var result = await Command.RunAsync(
            GeneratedVariants.Python,
            ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_spark_prepare.py", "tests/test_data.py"],
            repo.Root,
            GeneratedVariants.PythonEnvironment(repo.Root));
        Assert.True(result.ExitCode == 0, result.ToString());
        // Spark itself needs pyspark and a JVM: skipped here, run by the generated CI after `make install`.
        Assert.Contains("1 skipped", result.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(@"\b1\d passed", result.StandardOutput);
    }

    [SkippableTheory]
    [MemberData(nameof(DataEngineeringCases.Spark), MemberType = typeof(DataEngineeringCases))]
    public async Task Ruff_accepts_the_job_and_its_tests(string name, string options)
    {
        _ = name;
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
        await Validators.Ruff.AssertValidAsync(repo, ".");
    }

    [SkippableTheory]
    [MemberData(nameof(DataEngineeringCases.Spark), MemberType = typeof(DataEngineeringCases))]
    public async Task Without_kubernetes_there_is_no_spark_application(string name, string options)
    {
        _ = name;
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
        // The SparkApplication and its wiring are checked on the Kubernetes rows (SparkOnKubernetesTests, and the
        // KServe tests for --deploy kserve, whose dev overlay trains the same way).
        Assert.Equal(repo.Option("deploy") is "kubernetes" or "kserve", repo.Exists("k8s/components/spark/sparkapplication.yaml"));
    }
}
