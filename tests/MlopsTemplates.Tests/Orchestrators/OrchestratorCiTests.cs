using MlopsTemplates.Tests.Ci;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Kubernetes;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.Orchestrators;

/// <summary>
/// The generated CI's Test stage runs the orchestrator's own check (ci-stages-orchestrator.sbn-include): the Airflow
/// DAG's integrity test (make dag-test) or the recompiled Kubeflow IR (make pipeline-check), in each of the four
/// dialects, and the dialect's own validator still accepts the file; docs/ci.md's stage table says so. One row per dialect, each orchestrator at least once.
/// With <c>--orchestrator argo</c>, each dialect also has the on-demand Argo run (ci_orch_run): checked as text, through
/// the validators and against a stand-in kubectl; no Argo controller or cluster runs here.
/// </summary>
public sealed class OrchestratorCiTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    public static TheoryData<string, string, string, string> Rows => new()
    {
        { "github", "airflow", "aws", "dag-test" },
        { "jenkins", "kubeflow", "gcp", "pipeline-check" },
        { "azure", "airflow", "azure", "dag-test" },
        { "gitlab", "kubeflow", "local", "pipeline-check" },
    };

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task The_test_stage_runs_the_orchestrators_check_after_the_tests_and_the_dialects_validator_accepts_it(string ci, string orchestrator, string cloud, string target)
    {
        var repo = await fixture.Pack.GenerateAsync("churn-model", ["--ci", ci, "--deploy", "kubernetes", "--orchestrator", orchestrator, "--cloud", cloud]);
        var pipeline = PipelineFiles.Read(repo);

        var test = PipelineFiles.MakeTargets(PipelineFiles.StageTexts(ci, pipeline)["test"]);
        Assert.Equal(["install", "test", target], test);
        // docs/ci.md, which the user reads to set the pipeline up, says the Test stage runs it too.
        Assert.Equal(test, CiDocs.StageTargets(repo)["Test"]);
        Assert.Single(PipelineFiles.MakeTargets(pipeline), t => t == target);
        (await Command.RunAsync("make", ["-n", target], repo.Root)).EnsureSuccess();
        await AssertDialectValidAsync(repo, ci);
    }

    public static TheoryData<string, string> ArgoRunRows => new()
    {
        { "github", "aws" },
        { "gitlab", "gcp" },
        { "jenkins", "local" },
        { "azure", "azure" },
    };

    [SkippableTheory]
    [MemberData(nameof(ArgoRunRows))]
    public async Task With_argo_a_person_starts_an_Argo_run_as_the_dev_deployer_whose_Workflow_passes_the_Argo_validators_no_Argo_runs_here(string ci, string cloud)
    {
        var repo = await fixture.Pack.GenerateAsync("churn-model", ["--ci", ci, "--deploy", "kubernetes", "--orchestrator", "argo", "--cloud", cloud]);
        var text = repo.ReadText(ci == "github" ? ".github/workflows/argo-run.yml" : PipelineFiles.PathFor(ci));
        var run = ArgoRunJob(ci, text);

        // Started by hand, the way the dialect's users start a run.
        Assert.Contains(ci switch
        {
            "github" => "workflow_dispatch:",
            "gitlab" => "when: manual",
            "jenkins" => "expression { params.ARGO_RUN }",
            _ => "eq('${{ parameters.argoRun }}', 'true')",
        }, run, StringComparison.Ordinal);
        // The dev deployer's identity and cluster, as Deploy dev logs in.
        Assert.Contains(ci == "azure" ? "azureSubscription: churn-model-deploy-dev" : cloud == "local" ? "kubeconfig-dev" : "ci_boundary=DEPLOY_DEV", run, StringComparison.Ordinal);
        Assert.Contains(ci == "github" ? "environment: dev" : ci == "gitlab" ? "name: dev" : "CLUSTER_NAME", run, StringComparison.Ordinal);
        Assert.Contains("create -f k8s/components/argo/workflow-run.yaml -o name", run, StringComparison.Ordinal);
        await AssertDialectValidAsync(repo, ci);
        // docs/ci.md says the run is there, started by hand, and where to read how.
        Assert.Contains("Argo run (dev), the training pipeline on Argo Workflows in dev, is not in this table: it runs only when a person starts it", repo.ReadText("docs/ci.md"), StringComparison.Ordinal);
        Assert.Contains("docs/pipeline-argo.md says how to start it", repo.ReadText("docs/ci.md"), StringComparison.Ordinal);

        // The Workflow it creates runs the deployed WorkflowTemplate and passes Argo's closed schema and models.
        await OrchestratorValidators.Argo.AssertValidAsync([repo.PathOf("k8s/components/argo/workflow-run.yaml")]);
        var workflow = KubeObject.Parse("workflow-run", repo.ReadText("k8s/components/argo/workflow-run.yaml")).Single();
        var template = KubeObject.Parse("workflowtemplate", repo.ReadText("k8s/components/argo/workflowtemplate.yaml")).Single();
        Assert.Equal("Workflow", workflow.Kind);
        Assert.Equal(template.Name, workflow.Root.Scalar("spec", "workflowTemplateRef", "name"));

        // The dev deployer may create and read workflows, nothing more of them: a ClusterRole of the administrator's
        // bootstrap, aggregated into the dev deployer's role, bound in dev only (DeployerRights checks the whole overlay).
        var bootstrap = await Validators.RenderKustomizationAsync(repo.PathOf("k8s/bootstrap"));
        await Validators.KubernetesStrict.AssertValidAsync(["-"], standardInput: bootstrap);
        var role = KubeObject.Parse("k8s/bootstrap", bootstrap).Single(o => o.Kind == "ClusterRole" && o.Name == "churn-model-deployer-argo");
        Assert.Equal("true", role.Labels.GetValueOrDefault("churn-model/deployer-dev"));
        Assert.False(role.Labels.ContainsKey("churn-model/deployer-prod"), "the prod deployer may submit Argo runs");
        var rule = Assert.Single(role.Root.Seq("rules"), r => Scalars(r.Seq("resources")).Contains("workflows"));
        Assert.Equal(["argoproj.io"], Scalars(rule.Seq("apiGroups")));
        Assert.Equal(["workflows"], Scalars(rule.Seq("resources")));
        Assert.Equal(["create", "get"], Scalars(rule.Seq("verbs")));
        // Bound to the dev deployer only: on AWS through the group its EKS access entry carries, on GCP by setup-trust,
        // on Azure by the command setup-trust prints.
        if (cloud == "aws")
        {
            var binding = KubeObject.Parse("k8s/bootstrap", bootstrap).Single(o => o.Kind == "RoleBinding" && o.Name == "churn-model-deployer-dev");
            Assert.Equal(("churn-model-deployer-dev", "Group", "churn-model-deployer-dev"), (binding.Root.Scalar("roleRef", "name"), binding.Root.Seq("subjects").Single().Scalar("kind"), binding.Root.Seq("subjects").Single().Scalar("name")));
        }
        else if (cloud == "gcp")
        {
            Assert.Contains("--clusterrole=\"churn-model-deployer-$env\" --user=\"$email\"", repo.ReadText("infra/gcp/setup-trust.sh"), StringComparison.Ordinal);
        }
        else if (cloud == "azure")
        {
            Assert.Contains("--clusterrole=churn-model-deployer-%s --user=%s", repo.ReadText("infra/azure/setup-trust.sh"), StringComparison.Ordinal);
        }

        // Without --orchestrator argo there is no run to start.
        var none = await fixture.Pack.GenerateAsync("churn-model", ["--ci", ci, "--deploy", "kubernetes", "--orchestrator", "none", "--cloud", cloud]);
        Assert.DoesNotContain("argo", PipelineFiles.Read(none), StringComparison.OrdinalIgnoreCase);
        Assert.False(none.Exists(".github/workflows/argo-run.yml") || none.Exists("k8s/bootstrap/deployer-argo.yaml"));
        Assert.DoesNotContain("Argo", none.ReadText("docs/ci.md"), StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("Succeeded", 0)]
    [InlineData("Failed", 1)]
    [InlineData("Error", 1)]
    public async Task The_Argo_run_polls_the_Workflow_it_created_and_fails_unless_it_succeeds_against_a_stand_in_kubectl(string end, int exitCode)
    {
        var repo = await fixture.Pack.GenerateAsync("churn-model", ["--ci", "gitlab", "--deploy", "kubernetes", "--orchestrator", "argo", "--cloud", "gcp"]);
        var script = RunScript(ArgoRunJob("gitlab", PipelineFiles.Read(repo)));
        var bin = Directory.CreateTempSubdirectory("argo-run-bin").FullName;
        var calls = Path.Combine(bin, "calls");
        // A kubectl that answers the create with a generated name and the phase Pending, Running, then the end phase.
        File.WriteAllText(Path.Combine(bin, "kubectl"), $$"""
            #!/usr/bin/env bash
            echo "$*" >> "{{calls}}"
            case "$*" in
              *" create "*) echo workflow.argoproj.io/churn-model-train-x7k2p ;;
              *"status.phase"*) n=$(grep -c status.phase "{{calls}}"); case $n in 1) ;; 2) echo Running ;; *) echo {{end}} ;; esac ;;
              *"status.message"*) echo "child failed" ;;
            esac
            """);
        File.WriteAllText(Path.Combine(bin, "sleep"), "#!/usr/bin/env bash\n");
        foreach (var tool in new[] { "kubectl", "sleep" })
        {
            File.SetUnixFileMode(Path.Combine(bin, tool), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var result = await Command.RunAsync("bash", ["-euo", "pipefail", "-c", script], repo.Root, new Dictionary<string, string?> { ["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}" });

        Assert.True(result.ExitCode == exitCode, result.ToString());
        var kubectl = File.ReadAllLines(calls);
        Assert.Equal("-n churn-model-dev create -f k8s/components/argo/workflow-run.yaml -o name", kubectl[0]);
        Assert.All(kubectl.Skip(1), c => Assert.StartsWith("-n churn-model-dev get workflow.argoproj.io/churn-model-train-x7k2p -o jsonpath=", c, StringComparison.Ordinal));
        Assert.Equal(3, kubectl.Count(c => c.Contains("status.phase", StringComparison.Ordinal)));
    }

    /// <summary>The text of the dialect's Argo run: GitHub's own workflow, or the job or stage named for it to the end of the file.</summary>
    private static string ArgoRunJob(string ci, string text)
    {
        var start = ci switch
        {
            "github" => 0,
            "gitlab" => text.IndexOf("\nargo-run:\n", StringComparison.Ordinal),
            "jenkins" => text.IndexOf("stage('Argo run (dev)')", StringComparison.Ordinal),
            _ => text.IndexOf("- stage: argo_run", StringComparison.Ordinal),
        };
        Assert.True(start >= 0, $"no Argo run in the {ci} pipeline");
        var head = ci switch
        {
            "jenkins" => text[..text.IndexOf("    stages {", StringComparison.Ordinal)],
            "azure" => text[..text.IndexOf("\nvariables:", StringComparison.Ordinal)],
            _ => "",
        };
        return head + text[start..];
    }

    /// <summary>The submit-and-poll shell of a run (ci-sh-argo-run), unindented.</summary>
    private static string RunScript(string run)
    {
        var lines = run.Split('\n');
        var first = Array.FindIndex(lines, l => l.TrimStart().StartsWith("argo_namespace=", StringComparison.Ordinal));
        var indent = lines[first].Length - lines[first].TrimStart().Length;
        var last = Array.FindIndex(lines, first, l => l.Trim() == "done");
        return string.Join('\n', lines[first..(last + 1)].Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
    }

    private static List<string> Scalars(IEnumerable<YamlDotNet.RepresentationModel.YamlNode> nodes) => nodes.Select(n => n.Scalar() ?? "").ToList();

    private static async Task AssertDialectValidAsync(GeneratedRepository repo, string ci)
    {
        await DialectValidation.AssertPipelineValidAsync(repo, ci);

        if (ci == "github" && repo.Exists(".github/workflows/argo-run.yml"))
        {
            await Validators.Actionlint.AssertValidAsync(repo, ".github/workflows/argo-run.yml");
            await Validators.GitHubWorkflow.AssertValidAsync(repo, ".github/workflows/argo-run.yml");
        }
    }
}
