using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Ci;

/// <summary>
/// infra/setup-ci-azure.sh for every pipeline that deploys (a cluster's overlays, a managed endpoint, the Databricks
/// bundle): it records the issuer and subject of each stage's service connection, creates the dev and production
/// environments and puts an Approvals check on the production environment and the production connection, failing
/// closed. Run against a stand-in az (no Azure DevOps here) that records each call, knows which connections exist and
/// remembers the checks created.
/// </summary>
public sealed class AzureDevOpsSetupTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string Databricks = "--deploy none --orchestrator databricks --tracking mlflow --python 3.12";

    public static TheoryData<string, bool, bool> Rows => new()
    {
        { "--cloud aws --deploy kubernetes", true, true },
        { "--cloud aws --deploy sagemaker --tracking none", true, false },
        { $"--cloud aws {Databricks}", true, false },
        { $"--cloud azure {Databricks}", true, false },
        { "--cloud gcp --deploy none", false, false },
    };

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public async Task Every_pipeline_that_deploys_gets_its_connections_recorded_and_an_approval_on_production(string options, bool deploys, bool clusters)
    {
        var repo = await fixture.Pack.GenerateAsync("churn-model", ["--ci", "azure", .. options.Split(' ')]);
        var root = TrustSetup.ScratchCopy(repo, "azure", repo.Option("cloud"));
        string[] arguments = [.. clusters ? new[] { "rg/dev-cluster", "rg/prod-cluster" } : [], .. deploys ? new[] { "lead@example.com" } : []];
        var boundaries = deploys ? TrustSetup.Boundaries : ["PR", "MAIN"];
        var connections = boundaries.Select(b => b == "PR" || b == "MAIN" ? $"churn-model-ci-{b.ToLowerInvariant()}" : $"churn-model-{b.ToLowerInvariant().Replace('_', '-')}").ToList();

        var (run, calls, checks) = await RunAsync(root, arguments, connections, checksStick: true);

        Assert.True(run.ExitCode == 0, $"{options}: {run}\n{string.Join('\n', calls)}");
        var trust = CloudEnv.Parse(File.ReadAllText(Path.Combine(root, "infra", "trust-subjects.env")));
        Assert.Equal(connections, boundaries.Select(b => trust[$"TRUST_CONNECTION_{b}"]));
        Assert.All(boundaries, b => Assert.Equal($"/eid1/c/pub/t/tenant/sc/org/id-{trust[$"TRUST_CONNECTION_{b}"]}", trust[$"TRUST_SUBJECT_{b}"]));
        Assert.Equal("https://login.microsoftonline.com/tenant/v2.0", trust["TRUST_ISSUER"]);
        if (deploys)
        {
            Assert.Equal(["environment env-churn-model-production", "endpoint id-churn-model-deploy-prod"], checks);
            Assert.Contains(calls, c => c.Contains("\"name\": \"churn-model-dev\"", StringComparison.Ordinal));
        }
        else
        {
            Assert.Empty(checks);
            Assert.DoesNotContain(calls, c => c.Contains("environments", StringComparison.Ordinal));
        }

        Assert.Equal(clusters, calls.Any(c => c.StartsWith("pipelines variable-group create", StringComparison.Ordinal)));

        if (deploys)
        {
            // Azure DevOps accepts the check but does not keep it: the script stops rather than leave production open.
            var (ignored, _, _) = await RunAsync(root, arguments, connections, checksStick: false);
            Assert.Equal(1, ignored.ExitCode);
            Assert.Contains("the production deploy would not wait", ignored.StandardError, StringComparison.Ordinal);
        }

        if (options.Contains("databricks", StringComparison.Ordinal))
        {
            // The Databricks deploy connections are the user's to create (for the workspace's identity): a missing one
            // stops the script, naming it, before any environment exists.
            var (missing, missingCalls, _) = await RunAsync(root, arguments, [.. connections.Where(c => !c.EndsWith("deploy-dev", StringComparison.Ordinal))], checksStick: true);
            Assert.Equal(1, missing.ExitCode);
            Assert.Contains("service connection churn-model-deploy-dev does not exist", missing.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain(missingCalls, c => c.Contains("environments", StringComparison.Ordinal));
        }
    }

    /// <summary>Runs the script with a stand-in az on PATH. On Azure the CI connections are created by the script (the
    /// stand-in starts without them); elsewhere, and for the Databricks deploys, <paramref name="existing"/> are there.</summary>
    private static async Task<(CommandResult Result, string[] Calls, string[] Checks)> RunAsync(string root, string[] arguments, IReadOnlyList<string> existing, bool checksStick)
    {
        var cli = StandInCli.For("az");
        var (bin, log) = (cli.Bin, cli.Log);
        var checks = Path.Combine(bin, "checks");
        var cloud = CloudEnv.Parse(File.ReadAllText(Path.Combine(root, "cloud.env")));
        var azure = cloud.ContainsKey("AZURE_SUBSCRIPTION_ID");
        var present = azure ? existing.Where(c => c.Contains("deploy", StringComparison.Ordinal)) : existing;
        File.WriteAllText(Path.Combine(bin, "connections"), string.Join('\n', present) + "\n");
        cli.Answer($$"""
            #!/usr/bin/env bash
            printf '%s' "$*" >> "{{log}}"
            for a in "$@"; do [ -f "$a" ] && { printf ' ' >> "{{log}}"; tr -d '\n' < "$a" >> "{{log}}"; }; done
            echo >> "{{log}}"
            flag() { local want=$1; shift; while [ $# -gt 0 ]; do [ "$1" = "$want" ] && { echo "$2"; return; }; shift; done; }
            case "$*" in
              "extension show "*) ;;
              "devops service-endpoint list "*)
                name=$(flag --query "$@" | sed -n "s/.*name=='\([^']*\)'.*/\1/p")
                if grep -qx "$name" "{{bin}}/connections"; then echo "id-$name"; fi ;;
              "devops service-endpoint create "*)
                name=$(sed -n 's/.*"name": "\([^"]*\)".*/\1/p' "$(flag --service-endpoint-configuration "$@")" | head -1)
                echo "$name" >> "{{bin}}/connections"; echo "id-$name" ;;
              "devops service-endpoint show "*"Issuer"*) echo "https://login.microsoftonline.com/tenant/v2.0" ;;
              "devops service-endpoint show "*"Subject"*) echo "/eid1/c/pub/t/tenant/sc/org/$(flag --id "$@")" ;;
              "devops user show "*) echo "user-$(flag --user "$@")" ;;
              "pipelines variable-group list "*) ;;
              "pipelines variable-group create "*) ;;
              "devops invoke "*"--resource environments "*"--http-method GET"*) ;;
              "devops invoke "*"--resource environments "*"--http-method POST"*)
                echo "env-$(sed -n 's/.*"name": "\([^"]*\)".*/\1/p' "$(flag --in-file "$@")")" ;;
              "devops invoke "*"--resource configurations "*"--http-method GET"*)
                id=$(printf '%s\n' "$@" | sed -n 's/^resourceId=//p')
                n=$(grep -c " $id\$" "{{checks}}" 2>/dev/null); echo "${n:-0}" ;;
              "devops invoke "*"--resource configurations "*"--http-method POST"*)
                {{(checksStick ? "" : "exit 0; ")}}sed -n 's/.*"resource": {"type": "\([^"]*\)", "id": "\([^"]*\)"}.*/\1 \2/p' "$(flag --in-file "$@")" >> "{{checks}}" ;;
              *) echo "stand-in az: unexpected call: $*" >&2; exit 3 ;;
            esac
            """);
        var (result, calls) = await cli.RunAsync(root, "infra/setup-ci-azure.sh", arguments);
        return (result, calls, File.Exists(checks) ? File.ReadAllLines(checks) : []);
    }
}
