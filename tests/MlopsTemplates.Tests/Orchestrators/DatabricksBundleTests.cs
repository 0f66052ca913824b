using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Ci;
using MlopsTemplates.Tests.Combinations;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Kubernetes;
using MlopsTemplates.Tests.Validation;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Orchestrators;

/// <summary>
/// <c>--orchestrator databricks</c> on the covering sets' rows that choose it, all offline: there is no Databricks
/// workspace here. databricks.yml is checked as a file against the Databricks CLI's own bundle schema
/// (../shared/schemas/databricks, closed: unknown fields are errors), not as the CLI would resolve and merge each
/// target; its job's tasks against dvc.yaml and pyproject.toml's entry points; pipelines/databricks/bundle.sh against a
/// recording stand-in of the databricks CLI; each CI dialect's deploy stages through their validators. No bundle is
/// validated or deployed by the real CLI, no job runs.
/// </summary>
public sealed partial class DatabricksBundleTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string Bundle = "databricks.yml";
    private const string BundleScript = "pipelines/databricks/bundle.sh";

    private static Validator BundleSchema => Validators.SharedSchema("databricks-bundle");

    /// <summary>One row per cloud (aws, azure, gcp): the bundle's checks.</summary>
    public static TheoryData<string, string> Rows => OrchestratorRows.With("databricks");

    /// <summary>A covering row per cloud with --prepare spark, whose prepare task has a Spark cluster of its own.</summary>
    public static TheoryData<string, string> SparkRows => OrchestratorRows.With("databricks", o => OrchestratorRows.Has(o, "prepare", "spark"));

    /// <summary>Every covering row with databricks and a CI: the pairwise set meets databricks with each dialect.</summary>
    public static TheoryData<string, string> CiRows
    {
        get
        {
            var rows = new TheoryData<string, string>();
            foreach (var row in CoveringSets.All)
            {
                var (name, options) = ((string)row[0], (string)row[1]);
                if (OrchestratorRows.Has(options, "orchestrator", "databricks") && CiOf(options) != "none")
                {
                    rows.Add(name, options);
                }
            }

            return rows;
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task Offline_the_bundle_passes_the_closed_bundle_schema_and_a_misspelt_field_is_rejected(string name, string options)
    {
        var repository = await GeneratedVariants.GetAsync(fixture.Pack, options);
        await BundleSchema.AssertValidAsync(repository, Bundle);

        var broken = Path.Combine(fixture.Pack.NewOutputDirectory("databricks-broken"), Bundle);
        Directory.CreateDirectory(Path.GetDirectoryName(broken)!);
        var text = repository.ReadText(Bundle);
        Assert.Contains("max_concurrent_runs: 1", text, StringComparison.Ordinal);
        File.WriteAllText(broken, text.Replace("max_concurrent_runs: 1", "max_concurrent_run: 1", StringComparison.Ordinal));
        await BundleSchema.AssertInvalidAsync([broken], expectedFragments: ["max_concurrent_run"]);
        _ = name;
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task Offline_the_job_runs_dvc_yamls_stages_in_order_as_wheel_tasks_of_pyprojects_entry_points(string name, string options)
    {
        var repository = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var bundle = Load(repository.ReadText(Bundle));
        var (project, scripts) = Scripts(repository.ReadText("pyproject.toml"));
        var job = bundle.Map("resources", "jobs", "training");
        Assert.NotNull(job);
        var clusters = job.Seq("job_clusters").Select(c => c.Scalar("job_cluster_key")).ToHashSet();

        var stages = new List<OrchestratedStage>();
        foreach (var task in job.Seq("tasks"))
        {
            var id = task.Scalar("task_key")!;
            var wheel = task.Map("python_wheel_task");
            Assert.True(wheel is not null, $"{name}: task {id} is not a python_wheel_task");
            Assert.Equal(project, wheel.Scalar("package_name"));
            var entryPoint = wheel.Scalar("entry_point")!;
            Assert.True(scripts.TryGetValue(entryPoint, out var target), $"{name}: task {id}'s entry point {entryPoint} is not in pyproject.toml's [project.scripts] ({string.Join(", ", scripts.Keys)})");
            // module:main, which the module's `if __name__ == "__main__"` calls too: the same command as `python -m module`.
            Assert.EndsWith(":main", target, StringComparison.Ordinal);
            Assert.Contains("def main(", repository.ReadText($"src/{target[..^":main".Length].Replace('.', '/')}.py"), StringComparison.Ordinal);
            Assert.Contains(task.Scalar("job_cluster_key"), clusters);
            Assert.Contains("./dist/*.whl", task.Seq("libraries").Select(l => l.Scalar("whl")));
            var parameters = wheel.Seq("parameters").Select(p => ((YamlScalarNode)p).Value!);
            stages.Add(new OrchestratedStage(id, [.. task.Seq("depends_on").Select(d => d.Scalar("task_key")!)], ["python", "-m", target[..^":main".Length], .. parameters]));
        }

        Skip.If(!repository.Exists("dvc.yaml"), $"{name} has no dvc.yaml (--data none): the task checks above ran");
        PipelineStageAssertions.AssertSameAsDvc(repository, stages, $"{name} databricks");
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task Offline_dev_is_development_mode_prod_runs_as_a_service_principal_and_mlflow_is_the_workspaces(string name, string options)
    {
        var repository = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var text = repository.ReadText(Bundle);
        var bundle = Load(text);
        Assert.Equal("development", bundle.Scalar("targets", "dev", "mode"));
        foreach (var target in new[] { "staging", "prod" })
        {
            Assert.Equal("production", bundle.Scalar("targets", target, "mode"));
            Assert.Equal("${var.service_principal}", bundle.Scalar("targets", target, "run_as", "service_principal_name"));
        }

        // The workspace comes from databricks.env through DATABRICKS_HOST, never a token.
        Assert.Null(bundle.At("workspace"));
        foreach (var target in new[] { "dev", "staging", "prod" })
        {
            Assert.Null(bundle.Scalar("targets", target, "workspace", "host"));
        }

        Assert.False(TokenOrSecret().IsMatch(text), $"{name}: {Bundle} names a token or secret");
        Assert.False(TokenOrSecret().IsMatch(repository.ReadText("databricks.env")), $"{name}: databricks.env names a token or secret");
        // Every job cluster (the pipeline's, and the Spark prepare stage's where there is one) gives the tasks the same settings.
        var clusters = bundle.Seq("resources", "jobs", "training", "job_clusters").ToList();
        var settings = clusters[0].Map("new_cluster", "spark_env_vars").ToStrings();
        Assert.All(clusters, c => Assert.Equal(settings, c.Map("new_cluster", "spark_env_vars").ToStrings()));
        Assert.Equal("databricks", settings["MLFLOW_TRACKING_URI"]);
        Assert.Equal("databricks-uc", settings["MLFLOW_REGISTRY_URI"]);
        Assert.Equal("${resources.experiments.training.name}", settings["MLFLOW_EXPERIMENT_NAME"]);
        Assert.StartsWith("${var.catalog}.${var.schema}.", settings["MLFLOW_REGISTERED_MODEL_NAME"], StringComparison.Ordinal);
        Assert.Equal("${var.catalog}", bundle.Scalar("resources", "registered_models", "model", "catalog_name"));
        Assert.Equal("${var.schema}", bundle.Scalar("resources", "registered_models", "model", "schema_name"));
        Assert.NotNull(bundle.Scalar("resources", "experiments", "training", "name"));
        Assert.Equal("whl", bundle.Scalar("artifacts", "wheel", "type"));
    }

    [SkippableTheory]
    [MemberData(nameof(SparkRows))]
    public async Task Offline_with_spark_the_prepare_task_runs_on_an_autoscaling_cluster_over_the_lake_volume_the_other_tasks_read(string name, string options)
    {
        var repository = await GeneratedVariants.GetAsync(fixture.Pack, options);
        _ = name;
        var bundle = Load(repository.ReadText(Bundle));
        var job = bundle.Map("resources", "jobs", "training")!;
        var tasks = job.Seq("tasks").ToDictionary(t => t.Scalar("task_key")!);
        Assert.Equal("spark", tasks["prepare"].Scalar("job_cluster_key"));
        Assert.Equal(["pipeline"], tasks.Where(t => t.Key != "prepare").Select(t => t.Value.Scalar("job_cluster_key")).Distinct());
        var spark = job.Seq("job_clusters").Single(c => c.Scalar("job_cluster_key") == "spark").Map("new_cluster")!;
        Assert.Null(spark.Scalar("is_single_node"));
        Assert.Equal("1", spark.Scalar("autoscale", "min_workers"));
        Assert.Equal("${var.spark_max_workers}", spark.Scalar("autoscale", "max_workers"));
        // The lake is a volume of the bundle, in the target's schema: Spark and pandas read its /Volumes path alike.
        Assert.Equal("/Volumes/${var.catalog}/${var.schema}/lake", spark.Map("spark_env_vars").ToStrings()["DATA_URI"]);
        Assert.Equal("lake", bundle.Scalar("resources", "volumes", "lake", "name"));
        Assert.Equal("${var.schema}", bundle.Scalar("resources", "volumes", "lake", "schema_name"));
        // The job must not stop the cluster's Spark session (Databricks fails the run), while spark-submit's is stopped.
        Assert.Contains("if not os.environ.get(\"DATABRICKS_RUNTIME_VERSION\"):\n            spark.stop()", repository.ReadText($"src/{GeneratedVariants.PackageName}/spark_prepare.py"), StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task Against_a_stand_in_databricks_cli_bundle_sh_validates_deploys_and_runs_the_target_or_exits_2_before_any_call(string name, string options)
    {
        var root = await GeneratedVariants.CopyAsync(fixture.Pack, options);
        Assert.True(Authoring.TemplateFolder.IsExecutable(Path.Combine(root, BundleScript)), name);
        (await Command.RunAsync("shellcheck", [BundleScript], root)).EnsureSuccess();
        var calls = Path.Combine(root, "calls.log");
        var standIn = Path.Combine(root, "databricks-stand-in");
        File.WriteAllText(standIn, "#!/bin/sh\nprintf '%s|%s|%s\\n' \"$*\" \"$DATABRICKS_HOST\" \"${DATABRICKS_CLIENT_ID:-}\" >> \"$CALLS\"\n");
        File.SetUnixFileMode(standIn, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var environment = new Dictionary<string, string?> { ["DATABRICKS_CLI"] = standIn, ["CALLS"] = calls, ["DATABRICKS_AUTH_TYPE"] = null };

        // The committed databricks.env has no workspace yet: refused before any call.
        var refused = await Command.RunAsync("bash", [BundleScript, "deploy", "prod"], root, environment);
        Assert.True(refused.ExitCode == 2, $"{name}: {refused}");
        Assert.Contains("DATABRICKS_HOST_PROD", refused.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(calls), $"{name}: the CLI was called without a workspace");

        var settings = Path.Combine(root, "databricks.env");
        File.WriteAllText(settings, File.ReadAllText(settings)
            .Replace("DATABRICKS_HOST_PROD=", "DATABRICKS_HOST_PROD=https://prod.example", StringComparison.Ordinal)
            .Replace("DATABRICKS_CLIENT_ID_PROD=", "DATABRICKS_CLIENT_ID_PROD=prod-sp", StringComparison.Ordinal));
        environment["DATABRICKS_AUTH_TYPE"] = "github-oidc";
        var run = await Command.RunAsync("bash", [BundleScript, "run", "prod"], root, environment);
        Assert.True(run.ExitCode == 0, $"{name}: {run}");
        var vars = $"--var catalog={GeneratedVariants.PackageName} --var service_principal=prod-sp";
        Assert.Equal(
            [$"bundle validate --target prod {vars}", $"bundle deploy --target prod {vars}", $"bundle run --target prod {vars} training"],
            File.ReadAllLines(calls).Select(l => l.Split('|')[0]));
        // CI (an auth type set) acts as the target's service principal on the target's workspace.
        Assert.All(File.ReadAllLines(calls), l => Assert.EndsWith("|https://prod.example|prod-sp", l, StringComparison.Ordinal));

        var unknown = await Command.RunAsync("bash", [BundleScript, "deploy", "qa"], root, environment);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Equal(3, File.ReadAllLines(calls).Length);
    }

    [SkippableTheory]
    [MemberData(nameof(CiRows))]
    public async Task Each_dialect_deploys_the_bundle_to_dev_then_prod_after_the_approval_with_oidc_federation_and_no_token(string name, string options)
    {
        var repository = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var ci = CiOf(options);
        var pipeline = PipelineFiles.Read(repository);
        var stages = PipelineFiles.StageTexts(ci, pipeline);
        var dev = stages["deploy-dev"];
        var production = stages["deploy-production"];
        Assert.Contains("make deploy ENVIRONMENT=dev", dev, StringComparison.Ordinal);
        Assert.Contains("make deploy ENVIRONMENT=prod", production, StringComparison.Ordinal);
        Assert.DoesNotContain("ENVIRONMENT=prod", dev, StringComparison.Ordinal);
        var (authType, tokenSource, approval, approvalSetup) = ci switch
        {
            "github" => ("github-oidc", "id-token\nwrite", "required_reviewers", "**required reviewers**"),
            "gitlab" => ("env-oidc", "id_tokens", "environment_protected", "Protected environments: protect `production`"),
            "jenkins" => ("file-oidc", "cloud-oidc-token", "submitter", $"`{GeneratedVariants.ProjectName}-approvers`"),
            _ => (OrchestratorRows.ValueOf(options, "cloud") == "azure" ? "azure-cli" : "file-oidc", "AzureCLI@2", "Refuse to deploy without the production approval", "an **Approvals** check"),
        };
        foreach (var stage in new[] { dev, production })
        {
            Assert.Contains($"DATABRICKS_AUTH_TYPE={authType}", stage, StringComparison.Ordinal);
            Assert.Contains(tokenSource, stage, StringComparison.Ordinal);
            Assert.DoesNotContain("kubectl", stage, StringComparison.Ordinal);
        }

        Assert.Contains(approval, production, StringComparison.Ordinal);
        Assert.DoesNotContain(approval, dev, StringComparison.Ordinal);
        Assert.False(TokenOrSecret().IsMatch(pipeline), $"{name}: the {ci} pipeline names a Databricks token or secret");
        (await Command.RunAsync("make", ["-n", "deploy", "ENVIRONMENT=prod"], repository.Root)).EnsureSuccess();

        // docs/ci.md, the checklist that sets the pipeline up, lists both deploys and how to set up their approval.
        var docs = repository.ReadText("docs/ci.md");
        Assert.Contains("| Deploy dev | `make install`, `make deploy` | main |", docs, StringComparison.Ordinal);
        Assert.Contains("| Deploy production | `make install`, `make deploy` | main, after a manual approval |", docs, StringComparison.Ordinal);
        Assert.Contains("Environments and the production approval", docs, StringComparison.Ordinal);
        Assert.Contains(approvalSetup, docs, StringComparison.Ordinal);
        Assert.Contains("docs/pipeline-databricks.md", docs, StringComparison.Ordinal);
        await DialectValidation.AssertAcceptedAsync(fixture.Pack, ci, repository, "databricks-" + ci, BundleScript);
    }

    private static string CiOf(string options) =>
        CoveringSets.Arguments(options).Contains("--ci") ? OrchestratorRows.ValueOf(options, "ci") : TemplateOptions.Model.ByName["ci"].DefaultValue;

    private static YamlMappingNode Load(string text)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(text));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    /// <summary>pyproject.toml's project name and its [project.scripts] (name = "module:function").</summary>
    private static (string Project, Dictionary<string, string> Scripts) Scripts(string pyproject)
    {
        var project = ProjectName().Match(pyproject).Groups["name"].Value;
        var at = pyproject.IndexOf("[project.scripts]\n", StringComparison.Ordinal);
        Assert.True(at >= 0, "pyproject.toml has no [project.scripts]");
        var section = pyproject[(at + "[project.scripts]\n".Length)..];
        section = section[..(section.IndexOf("\n[", StringComparison.Ordinal) is var end and >= 0 ? end : section.Length)];
        var scripts = ScriptLine().Matches(section).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["target"].Value);
        return (project, scripts);
    }

    [GeneratedRegex(@"^name = ""(?<name>[^""]+)""$", RegexOptions.Multiline)]
    private static partial Regex ProjectName();

    [GeneratedRegex(@"^(?<name>[A-Za-z0-9._-]+) = ""(?<target>[A-Za-z0-9_.]+:[A-Za-z0-9_]+)""$", RegexOptions.Multiline)]
    private static partial Regex ScriptLine();

    /// <summary>A Databricks personal access token, a client secret or a token variable (the OIDC audience is neither).</summary>
    [GeneratedRegex(@"dapi[0-9a-f]{8,}|DATABRICKS_TOKEN(?!_AUDIENCE)|CLIENT_SECRET|secrets\.DATABRICKS")]
    private static partial Regex TokenOrSecret();
}
