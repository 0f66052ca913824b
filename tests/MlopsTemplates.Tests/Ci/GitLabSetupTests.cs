using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Ci;

/// <summary>
/// infra/setup-ci-gitlab.sh protects the `production` environment for every pipeline that deploys to it (a cluster's
/// overlays, a managed endpoint, the Databricks bundle): the production job refuses to run on an unprotected one, so
/// the setup must not leave that step to the user. Run against a stand-in glab that records each REST call (no GitLab
/// here) and remembers what was protected.
/// </summary>
public sealed class GitLabSetupTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string Project = "projects/acme%2Fchurn-model";

    public static TheoryData<string, bool, bool> Rows => new()
    {
        { "--cloud aws --deploy kubernetes", true, true },
        { "--cloud aws --deploy sagemaker --tracking none", true, false },
        { "--cloud gcp --deploy vertex", true, false },
        { "--cloud azure --deploy none --orchestrator databricks --python 3.12", true, false },
        { "--cloud gcp --deploy none", false, false },
    };

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task Every_pipeline_that_deploys_gets_a_protected_production_environment_and_the_setup_fails_closed(string options, bool deploys, bool clusters)
    {
        var repo = await fixture.Pack.GenerateAsync("churn-model", ["--ci", "gitlab", .. options.Split(' ')]);
        var root = TrustSetup.ScratchCopy(repo, "gitlab", repo.Option("cloud"));
        string[] arguments = clusters ? ["dev-cluster", "prod-cluster"] : [];

        var (run, calls) = await RunAsync(root, arguments, protects: true);
        Assert.True(run.ExitCode == 0, $"{options}: {run}\n{string.Join('\n', calls)}");
        var protect = $"api --method POST {Project}/protected_environments -f name=production -f deploy_access_levels[][access_level]=40 -F required_approval_count=1";
        if (deploys)
        {
            Assert.Contains(protect, calls);
            Assert.Contains($"api --method POST {Project}/environments -f name=dev -f tier=development", calls);
            Assert.Contains($"api --method POST {Project}/environments -f name=production -f tier=production", calls);
        }
        else
        {
            Assert.DoesNotContain(calls, c => c.Contains("environments", StringComparison.Ordinal));
        }

        // Cluster names only where the pipeline deploys to clusters.
        Assert.Equal(clusters, calls.Any(c => c.Contains("-f key=CLUSTER_NAME", StringComparison.Ordinal)));
        Assert.Contains($"api --method POST {Project}/protected_branches -f name=main -F push_access_level=40 -F merge_access_level=40", calls);

        if (deploys)
        {
            // GitLab accepts the request but does not protect it (a plan or permission that ignores it): the script stops.
            var (ignored, _) = await RunAsync(root, arguments, protects: false);
            Assert.Equal(1, ignored.ExitCode);
            Assert.Contains("environment production is not protected", ignored.StandardError, StringComparison.Ordinal);
        }
    }

    private static async Task<(CommandResult Result, string[] Calls)> RunAsync(string root, string[] arguments, bool protects)
    {
        var cli = StandInCli.For("glab");
        var (bin, log) = (cli.Bin, cli.Log);
        cli.Answer($$"""
            #!/usr/bin/env bash
            echo "$*" >> "{{log}}"
            case "$*" in
              "api --method POST "*"/protected_environments "*) {{(protects ? $"touch \"{bin}/protected\"" : ":")}} ;;
              "api "*"/protected_environments/production") [ -f "{{bin}}/protected" ] ;;
              "api "*"/protected_branches/main"|"api "*"/variables/"*) exit 1 ;;
              "api "*"/environments?name="*) echo "[]" ;;
            esac
            """);
        return await cli.RunAsync(root, "infra/setup-ci-gitlab.sh", arguments, new Dictionary<string, string?>
        {
            ["MLFLOW_TRACKING_URI"] = "https://mlflow.example.com",
        });
    }
}
