using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsTemplates.Tests.Ci;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Orchestrators;

/// <summary>
/// --orchestrator sagemaker on the covering set's row(s) that choose it: pipelines/sagemaker/pipeline.json against the
/// published definition schema (../shared/schemas/sagemaker, for the fields it knows) and botocore's request shapes, its
/// stages against dvc.yaml, its steps' commands, environments and folders run here in order as SageMaker would run them in
/// the image (then its condition on the property file), cfn-lint of the stack holding its role and model package group,
/// infra/aws/pipeline-run.sh under moto, a library standing in for AWS, and each CI dialect's Deploy dev running it. No
/// SageMaker runs here: no real job, upload or condition evaluation by the service.
/// </summary>
public sealed class SageMakerPipelineTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string Definition = "pipelines/sagemaker/pipeline.json";
    private const string Account = "123456789012";
    private const string Version = "ab9ce0e14e4e";
    private static readonly string SageMakerDigest = "sha256:" + new string('a', 64);
    private static readonly string Digests = $"model=sha256:{new string('b', 64)},sagemaker={SageMakerDigest}";
    private static readonly string Driver = Path.Combine(RepositoryPaths.Root, "tests", "MlopsTemplates.Tests", "Orchestrators", "sagemaker-pipeline-under-moto.py");
    private static readonly string Schema = Path.Combine(RepositoryPaths.SharedSchemas, "sagemaker", "pipeline-definition.schema.json");

    public static TheoryData<string, string> Rows => OrchestratorRows.With("sagemaker");

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task The_definition_passes_the_published_schema_where_it_knows_the_fields_and_a_broken_one_is_rejected(string name, string options)
    {
        var repository = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var run = await DriverAsync(repository.Root, "schema", repository.Root, Schema);
        Assert.True(run["errors"]!.AsArray().Count == 0, $"{name}: {run["errors"]}");
        // Exactly the fields of today's API the schema predates (botocore's shapes check them, below).
        Assert.Equal(
            ["Train.OutputDataConfig.CompressionType", "Evaluate.PropertyFiles", "CheckGate.GreaterThanOrEqualTo.LeftValue.Std:JsonGet",
             "CheckGate.Equals.LeftValue.Std:JsonGet", "Register.ModelApprovalStatus", "Register.CustomerMetadataProperties",
             "Register.Containers.ModelDataSource"],
            run["removed"]!.AsArray().Select(n => (string)n!));
        var broken = await DriverAsync(repository.Root, "schema", repository.Root, Schema, "broken");
        Assert.Contains(broken["errors"]!.AsArray(), e => ((string)e!).StartsWith("Steps/2:", StringComparison.Ordinal));
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task Every_step_s_arguments_pass_botocore_validation_of_the_request_its_step_makes(string name, string options)
    {
        var repository = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var report = await DriverAsync(repository.Root, "shapes", repository.Root);
        Assert.Equal(["Ingest", "Prepare", "Train", "Evaluate", "Register"], report.AsObject().Select(p => p.Key));
        Assert.All(report.AsObject(), p => Assert.True(p.Value!.AsArray().Count == 0, $"{name} {p.Key}: {p.Value}"));
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task The_steps_run_dvc_yaml_s_stages_in_its_order_then_the_gate_registers_pending_approval(string name, string options)
    {
        var repository = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var definition = JsonNode.Parse(repository.ReadText(Definition))!;
        var steps = definition["Steps"]!.AsArray();
        var stages = steps.Where(s => (string)s!["Type"]! is "Processing" or "Training").Select(s => new OrchestratedStage(
            ((string)s!["Name"]!).ToLowerInvariant(),
            s["DependsOn"]?.AsArray().Select(d => ((string)d!).ToLowerInvariant()).ToList() ?? [],
            (string)s["Type"]! == "Training"
                // The training job runs the image's SageMaker contract, whose `train` calls train.main([]).
                ? ["python", "-m", $"{GeneratedVariants.PackageName}.train"]
                : s["Arguments"]!["AppSpecification"]!["ContainerEntrypoint"]!.AsArray().Select(p => (string)p!).ToList())).ToList();
        Assert.Equal(["ingest", "prepare", "train", "evaluate"], stages.Select(s => s.Id));
        Assert.Contains("training.main([])", repository.ReadText($"src/{GeneratedVariants.PackageName}/platform_sagemaker.py"), StringComparison.Ordinal);
        var train = steps.Single(s => (string)s!["Name"]! == "Train")!;
        Assert.Equal("Parameters.ImageUri", (string)train["Arguments"]!["AlgorithmSpecification"]!["TrainingImage"]!["Get"]!);

        var gate = steps.Last()!;
        Assert.Equal("Condition", (string)gate["Type"]!);
        Assert.Equal(["Evaluate"], gate["DependsOn"]!.AsArray().Select(d => (string)d!));
        var register = Assert.Single(gate["Arguments"]!["IfSteps"]!.AsArray())!;
        Assert.Equal("PendingManualApproval", (string)register["Arguments"]!["ModelApprovalStatus"]!);
        Assert.Equal("churn-model", (string)register["Arguments"]!["ModelPackageGroupName"]!);
        Assert.Equal("Fail", (string)Assert.Single(gate["Arguments"]!["ElseSteps"]!.AsArray())!["Type"]!);

        Skip.If(!repository.Exists("dvc.yaml"), $"{name} has no dvc.yaml (--data none): the step checks above ran");
        PipelineStageAssertions.AssertSameAsDvc(repository, stages, $"SageMaker ({name})");
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task The_definition_s_steps_run_here_as_SageMaker_would_run_them_and_the_condition_registers_only_the_given_version(string name, string options)
    {
        var repository = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var work = fixture.Pack.NewOutputDirectory("sagemaker-pipeline-local");
        var result = await GeneratedVariants.RunPythonAsync(repository.Root, [Driver, "local", repository.Root, work, "000000000000"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var run = JsonNode.Parse(result.StandardOutput)!;

        Assert.Equal(["Ingest", "Prepare", "Train", "Evaluate"], run["steps"]!.AsObject().Select(p => p.Key));
        Assert.All(run["steps"]!.AsObject(), p => Assert.True((int)p.Value!["exit"]! == 0, $"{name} {p.Key}: {p.Value!["stderr"]}"));
        // The evaluation report the property file reads: held-out metrics of the candidate the training step uploaded.
        var report = run["report"]!;
        Assert.True((double)report["roc_auc"]! >= 0.95, report.ToJsonString());
        Assert.Matches("^[0-9a-f]{12}$", (string)report["model_version"]!);
        // Another version than the one evaluated is refused; the evaluated one is registered.
        Assert.Equal("""[["Refused","Fail"]]""", run["branch"]!.ToJsonString());
        Assert.Equal("""[["Register","RegisterModel"]]""", run["branch_for_reported_version"]!.ToJsonString());
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task The_roles_stack_with_the_pipeline_role_and_model_package_group_passes_cfn_lint(string name, string options)
    {
        var repository = await GeneratedVariants.GetAsync(fixture.Pack, options);
        var template = repository.ReadText("infra/aws/sagemaker-roles.yaml");
        Assert.Contains("AWS::SageMaker::ModelPackageGroup", template, StringComparison.Ordinal);
        Assert.Contains("RoleName: churn-model-sagemaker-pipeline", template, StringComparison.Ordinal);
        (await Command.RunAsync("cfn-lint", ["infra/aws/sagemaker-roles.yaml"], repository.Root)).EnsureSuccess();
        (await Command.RunAsync("shellcheck", ["infra/aws/pipeline-run.sh"], repository.Root)).EnsureSuccess();
        Assert.True(repository.Exists("docs/pipeline-sagemaker.md"), name);
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task Under_moto_standing_in_for_AWS_the_run_script_creates_then_updates_and_starts_the_pipeline(string name, string options)
    {
        var repository = await ScratchAsync(options);
        var environment = new Dictionary<string, string> { ["RUNS"] = "2", ["MODEL_VERSION"] = Version, ["IMAGE_DIGESTS"] = Digests };
        var result = await DriverAsync(repository, "run", repository, JsonSerializer.Serialize(environment));

        var runs = result["runs"]!.AsArray();
        Assert.All(runs, r => Assert.True((int)r!["exit"]! == 0, $"{name}: {r["stdout"]}\n{r["stderr"]}"));
        Assert.Contains("created the pipeline churn-model-training", (string)runs[0]!["stdout"]!, StringComparison.Ordinal);
        Assert.Contains("updated the pipeline churn-model-training", (string)runs[1]!["stdout"]!, StringComparison.Ordinal);
        var pipeline = Assert.Single(result["pipelines"]!.AsArray())!;
        Assert.Equal($"arn:aws:iam::{Account}:role/churn-model-sagemaker-pipeline", (string)pipeline["role"]!);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(Path.Combine(repository, Definition))), pipeline["definition"]));
        var executions = pipeline["executions"]!.AsArray();
        Assert.Equal(2, executions.Count);
        var parameters = executions[0]!["parameters"]!;
        Assert.Equal($"{Account}.dkr.ecr.eu-west-1.amazonaws.com/churn-model@{SageMakerDigest}", (string)parameters["ImageUri"]!);
        Assert.Equal(Version, (string)parameters["ModelVersion"]!);
        Assert.Equal("0.95", (string)parameters["MinRocAuc"]!);
        Assert.StartsWith($"s3://churn-model-models/pipeline-runs/{Version}-", (string)parameters["RawDataS3Uri"]!, StringComparison.Ordinal);
    }

    public static TheoryData<string> CiSystems => new(CiScenarios.CiSystems);

    [SkippableTheory]
    [MemberData(nameof(CiSystems))]
    public async Task Each_ci_s_deploy_dev_runs_the_pipeline_as_the_dev_deployer_before_the_endpoint_and_its_validator_accepts_it(string ci)
    {
        var repo = await fixture.Pack.GenerateAsync(
            "churn-model", ["--ci", ci, "--cloud", "aws", "--deploy", "sagemaker", "--orchestrator", "sagemaker", "--tracking", "none"]);
        var stages = PipelineFiles.StageTexts(ci, PipelineFiles.Read(repo));
        var dev = stages["deploy-dev"];
        var run = dev.IndexOf("make pipeline-run MODEL_VERSION=\"$MODEL_VERSION\" IMAGE_DIGESTS=\"$IMAGE_DIGESTS\"", StringComparison.Ordinal);
        var deploy = dev.IndexOf("make deploy ENVIRONMENT=dev", StringComparison.Ordinal);
        Assert.True(run >= 0 && deploy > run, $"{ci}: Deploy dev does not run the pipeline before the endpoint deploy:\n{dev}");
        // Once, with the evaluated version and pushed digests (not as a bare target without them).
        Assert.Single(PipelineFiles.MakeTargets(dev), t => t == "pipeline-run");
        Assert.Contains("DEPLOY_DEV", dev, StringComparison.Ordinal);
        Assert.DoesNotContain("kubectl", dev, StringComparison.Ordinal);
        // Time for the pipeline (40 minutes at most) and then the endpoint deploy.
        Assert.Contains(ci switch
        {
            // The YAML dialects' stage texts are their keys and values, one a line.
            "github" => "timeout-minutes\n75\n",
            "gitlab" => "timeout\n75 minutes\n",
            "jenkins" => "timeout(time: 75, unit: 'MINUTES')",
            _ => "timeoutInMinutes: \"75\"",
        }, dev, StringComparison.Ordinal);
        Assert.DoesNotContain("pipeline-run", stages["deploy-production"], StringComparison.Ordinal);
        // docs/ci.md's stage table lists the run in Deploy dev as the pipeline runs it, and not in Deploy production.
        var documented = CiDocs.StageTargets(repo);
        Assert.Equal(PipelineFiles.MakeTargets(dev), documented["Deploy dev"]);
        Assert.Equal(PipelineFiles.MakeTargets(stages["deploy-production"]), documented["Deploy production"]);
        (await Command.RunAsync("make", ["-n", "pipeline-run"], repo.Root)).EnsureSuccess();
        await DialectValidation.AssertAcceptedAsync(fixture.Pack, ci, repo, "sagemaker-pipeline", "infra/aws/pipeline-run.sh", "infra/aws/deploy-endpoint.sh");

        // The dev deployer may upsert, start and watch this pipeline and pass it its role; the production deployer may not.
        var trust = repo.ReadText("infra/aws/ci-trust.yaml");
        var devRole = trust[trust.IndexOf("  DeployDevRole:", StringComparison.Ordinal)..trust.IndexOf("  DeployProdRole:", StringComparison.Ordinal)];
        var prodRole = trust[trust.IndexOf("  DeployProdRole:", StringComparison.Ordinal)..];
        foreach (var right in new[] { "sagemaker:CreatePipeline", "sagemaker:UpdatePipeline", "sagemaker:StartPipelineExecution", "sagemaker:DescribePipelineExecution", "Role: churn-model-sagemaker-pipeline", "Pipeline: churn-model-training" })
        {
            Assert.Contains(right, devRole, StringComparison.Ordinal);
            Assert.DoesNotContain(right, prodRole, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("sagemaker:CreateTrainingJob", trust, StringComparison.Ordinal);
        (await Command.RunAsync("cfn-lint", ["infra/aws/ci-trust.yaml"], repo.Root)).EnsureSuccess();
    }

    public static TheoryData<string, string?, string?, string> BadInputs => new()
    {
        { "no digests", Version, null, "IMAGE_DIGESTS is not set" },
        { "a tag for a digest", Version, "sagemaker=latest", "is not a list of VARIANT=sha256:DIGEST" },
        { "no sagemaker digest", Version, $"model=sha256:{new string('b', 64)}", "no digest for the sagemaker image" },
        { "no version", null, Digests, "MODEL_VERSION is not set" },
        { "a malformed version", "latest", Digests, "is not a model version" },
    };

    [SkippableTheory]
    [MemberData(nameof(BadInputs))]
    public async Task The_run_script_refuses_bad_input_with_exit_2_before_any_AWS_call(string what, string? version, string? digests, string message)
    {
        var (name, options) = ((string)Rows.First()[0], (string)Rows.First()[1]);
        var repository = await ScratchAsync(options);
        // A stand-in aws that records each call (there is no AWS here).
        var bin = Directory.CreateDirectory(Path.Combine(repository, ".stand-in-bin")).FullName;
        var log = Path.Combine(repository, "aws-calls.log");
        var aws = Path.Combine(bin, "aws");
        File.WriteAllText(aws, $"#!/usr/bin/env bash\nprintf '%s\\n' \"$*\" >> '{log}'\nexit 255\n");
        File.SetUnixFileMode(aws, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var environment = new Dictionary<string, string?>
        {
            ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["MODEL_VERSION"] = version,
            ["IMAGE_DIGESTS"] = digests,
        };

        var result = await Command.RunAsync("bash", ["infra/aws/pipeline-run.sh"], repository, environment);

        Assert.True(result.ExitCode == 2, $"{name} {what}: {result}");
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(log), $"{what}: aws was called: {(File.Exists(log) ? File.ReadAllText(log) : "")}");
    }

    [SkippableFact]
    public async Task A_failed_execution_fails_the_run_with_its_reason_and_failed_steps_against_a_stand_in_aws()
    {
        var repository = await ScratchAsync((string)Rows.First()[1]);
        // A stand-in aws (there is no AWS here): the pipeline exists, the execution runs once, then fails at Evaluate.
        var bin = Directory.CreateDirectory(Path.Combine(repository, ".stand-in-bin")).FullName;
        var log = Path.Combine(repository, "aws-calls.log");
        var aws = Path.Combine(bin, "aws");
        File.WriteAllText(aws, $$"""
            #!/usr/bin/env bash
            printf '%s\n' "$*" >> '{{log}}'
            case "$2 $*" in
              "start-pipeline-execution"*) echo "arn:aws:sagemaker:eu-west-1:{{Account}}:pipeline/churn-model-training/execution/e1" ;;
              "describe-pipeline-execution"*PipelineExecutionStatus*)
                if [ "$(grep -c PipelineExecutionStatus '{{log}}')" -lt 2 ]; then echo Executing; else echo Failed; fi ;;
              "describe-pipeline-execution"*FailureReason*) echo "Step failure: One or multiple steps failed." ;;
              "list-pipeline-execution-steps"*) printf 'Evaluate\tAlgorithmError: gate failed, exit code 1\n' ;;
            esac
            """.Replace("\r", "", StringComparison.Ordinal));
        File.SetUnixFileMode(aws, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var environment = new Dictionary<string, string?>
        {
            ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["MODEL_VERSION"] = Version,
            ["IMAGE_DIGESTS"] = Digests,
            ["PIPELINE_POLL_SECONDS"] = "1",
        };

        var result = await Command.RunAsync("bash", ["infra/aws/pipeline-run.sh"], repository, environment);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("ended Failed: Step failure: One or multiple steps failed.", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("failed steps: Evaluate\tAlgorithmError: gate failed", result.StandardError, StringComparison.Ordinal);
        var calls = File.ReadAllLines(log).Select(c => string.Join(" ", c.Split(' ').Take(2))).ToList();
        Assert.Equal(
            ["sagemaker describe-pipeline", "sagemaker update-pipeline", "sagemaker start-pipeline-execution", "sagemaker describe-pipeline-execution",
             "sagemaker describe-pipeline-execution", "sagemaker describe-pipeline-execution", "sagemaker list-pipeline-execution-steps"],
            calls);
    }

    private async Task<string> ScratchAsync(string options)
    {
        var repository = await GeneratedVariants.CopyAsync(fixture.Pack, options);
        var cloudEnv = Path.Combine(repository, "cloud.env");
        File.WriteAllText(cloudEnv, File.ReadAllText(cloudEnv).Replace("\nAWS_ACCOUNT_ID=\n", $"\nAWS_ACCOUNT_ID={Account}\n", StringComparison.Ordinal));
        return repository;
    }

    private static async Task<JsonNode> DriverAsync(string workingDirectory, params string[] arguments)
    {
        var result = await Command.RunAsync("python3", [Driver, .. arguments], workingDirectory);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonNode.Parse(result.StandardOutput)!;
    }
}
