using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Ci;

/// <summary>
/// infra/setup-ci-github.sh gives every pipeline that deploys (a cluster's overlays, a managed endpoint, the Databricks
/// bundle) a production environment with required reviewers, deployable from main only: GitHub creates a missing
/// environment unprotected on first use, so without this the production job would run unapproved. Run against a
/// stand-in gh that records each call and what it was sent (no GitHub here) and remembers the reviewers.
/// </summary>
public sealed class GitHubSetupTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string Repo = $"repos/{TrustSetup.Repository}";

    public static TheoryData<string, bool, bool> Rows => new()
    {
        { "--cloud aws --deploy kubernetes", true, true },
        { "--cloud gcp --deploy vertex", true, false },
        { "--cloud gcp --deploy none --orchestrator databricks --tracking mlflow --python 3.12", true, false },
        { "--cloud aws --deploy none", false, false },
    };

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task Every_pipeline_that_deploys_gets_a_reviewed_production_environment_and_the_setup_fails_closed(string options, bool deploys, bool clusters)
    {
        var repo = await fixture.Pack.GenerateAsync("churn-model", ["--ci", "github", .. options.Split(' ')]);
        var root = TrustSetup.ScratchCopy(repo, "github", repo.Option("cloud"));
        string[] arguments = [.. clusters ? new[] { "dev-cluster", "prod-cluster" } : [], .. deploys ? new[] { "lead" } : []];

        var (run, calls) = await RunAsync(root, arguments, reviewersStick: true);

        Assert.True(run.ExitCode == 0, $"{options}: {run}\n{string.Join('\n', calls)}");
        Assert.Contains($"api --method PUT {Repo}/actions/permissions/workflow -f default_workflow_permissions=read -F can_approve_pull_request_reviews=false", calls);
        if (deploys)
        {
            Assert.Contains(calls, c => c.StartsWith($"api --method PUT {Repo}/environments/production --input - {{", StringComparison.Ordinal)
                && c.Contains("\"custom_branch_policies\": true", StringComparison.Ordinal)
                && c.Contains("\"prevent_self_review\": true, \"reviewers\": [{\"type\":\"User\",\"id\":42}]", StringComparison.Ordinal));
            Assert.Contains(calls, c => c.StartsWith($"api --method PUT {Repo}/environments/dev --input - ", StringComparison.Ordinal) && !c.Contains("reviewers", StringComparison.Ordinal));
            Assert.Equal(2, calls.Count(c => c.StartsWith("api --method POST ", StringComparison.Ordinal) && c.EndsWith("/deployment-branch-policies -f name=main -f type=branch", StringComparison.Ordinal)));

            // GitHub accepts the environment but keeps no reviewers (a plan without them): the script stops.
            var (ignored, _) = await RunAsync(root, arguments, reviewersStick: false);
            Assert.Equal(1, ignored.ExitCode);
            Assert.Contains("environment production has no required reviewers", ignored.StandardError, StringComparison.Ordinal);

            // Without an approver it refuses before touching GitHub.
            var (unnamed, unnamedCalls) = await RunAsync(root, arguments[..^1], reviewersStick: true);
            Assert.Equal(1, unnamed.ExitCode);
            Assert.Contains("usage:", unnamed.StandardError, StringComparison.Ordinal);
            Assert.Empty(unnamedCalls);
        }
        else
        {
            Assert.DoesNotContain(calls, c => c.Contains("/environments", StringComparison.Ordinal));
        }

        Assert.Equal(clusters, calls.Any(c => c.StartsWith("variable set CLUSTER_NAME", StringComparison.Ordinal)));
    }

    private static async Task<(CommandResult Result, string[] Calls)> RunAsync(string root, string[] arguments, bool reviewersStick)
    {
        var cli = StandInCli.For("gh");
        var (bin, log) = (cli.Bin, cli.Log);
        cli.Answer($$"""
            #!/usr/bin/env bash
            input=""
            [[ " $* " == *" --input - "* ]] && input=" $(tr -d '\n' )"
            echo "$*$input" >> "{{log}}"
            case "$*" in
              "api {{Repo}} --jq .full_name") echo "{{TrustSetup.Repository}}" ;;
              "api users/"*) echo 42 ;;
              "api --method PUT {{Repo}}/environments/production "*)
                {{(reviewersStick ? $"[[ $input == *reviewers* ]] && touch \"{bin}/reviewed\"" : ":")}} ;;
              "api {{Repo}}/environments/production --jq "*) if [ -f "{{bin}}/reviewed" ]; then echo 1; else echo 0; fi ;;
              "api {{Repo}}/environments/"*"/deployment-branch-policies --jq "*) ;;
            esac
            exit 0
            """);
        return await cli.RunAsync(root, "infra/setup-ci-github.sh", arguments, new Dictionary<string, string?>
        {
            ["MLFLOW_TRACKING_URI"] = "https://mlflow.example.com",
        });
    }
}
