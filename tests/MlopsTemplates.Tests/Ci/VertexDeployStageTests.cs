using System.Text.Json.Nodes;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Ci;

/// <summary>
/// --deploy vertex (--cloud gcp) gets the deploy stages of the one stage model in every dialect: dev, then production
/// behind the approval, each deploying to its Vertex AI endpoint (make deploy: infra/gcp/deploy-endpoint.sh) with the
/// version the Train stage evaluated and the digests the Build image stage pushed, then moving the alias; no cluster, no
/// kubectl. The pipelines pass their dialect's validators; infra/gcp/setup-trust.sh (run against stand-ins) creates the
/// endpoints and gives the deploy service accounts a custom role of the script's calls, no predefined Vertex AI role.
/// Static checks: no CI system and no Google Cloud project run here.
/// </summary>
public sealed class VertexDeployStageTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    public static TheoryData<CiScenario> Scenarios => new(CiScenarios.CiSystems.Select(Scenario));

    private static CiScenario Scenario(string ci) => new(ci, "gcp", "none", "vertex", "none", "fastapi", "3.12");

    private static readonly string[] UploaderPermissions = ["aiplatform.models.upload", "aiplatform.models.get"];

    private static readonly string[] DeployerPermissions =
        ["aiplatform.endpoints.get", "aiplatform.endpoints.deploy", "aiplatform.endpoints.undeploy", "aiplatform.endpoints.update"];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Each_ci_deploys_to_the_Vertex_AI_endpoint_of_dev_then_production_with_the_evaluated_version_and_pushed_digest(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        ManagedEndpointStages.AssertDeployThenPromote(scenario, repo, "infra/gcp/deploy-endpoint.sh");
        // Vertex AI needs gcloud alone, not the GKE auth plugin.
        Assert.DoesNotContain("gke-gcloud-auth-plugin", PipelineFiles.WithoutComments(PipelineFiles.Read(repo)), StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(Scenarios))]
    public async Task Each_dialects_validator_accepts_the_pipeline_and_shellcheck_its_steps(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        await DialectValidation.AssertAcceptedAsync(
            fixture.Pack, scenario.Ci, repo, "vertex", "infra/gcp/deploy-endpoint.sh", "infra/gcp/setup-trust.sh", $"infra/setup-ci-{scenario.Ci}.sh");
    }

    [SkippableFact]
    public async Task The_trust_setup_creates_the_endpoints_and_gives_each_deploy_account_the_custom_role_only_with_real_gcloud_commands()
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, Scenario("github"));
        var root = TrustSetup.ScratchCopy(repo, "github", "gcp");
        // No cluster arguments: --deploy vertex has none.
        var first = await TrustSetup.RunAsync(root, "gcp", kubernetes: false);
        var again = await TrustSetup.RunAsync(root, "gcp", kubernetes: false, everythingExists: true);
        Assert.True(first.Result.ExitCode == 0, first.ToString());
        Assert.True(again.Result.ExitCode == 0, again.ToString());
        // Both runs log to the same file: the second run's calls are those after the first's.
        var second = new TrustRun(again.Result, [.. again.Calls.Skip(first.Calls.Count)]);

        foreach (var call in again.Calls.Where(c => c[0] == "gcloud"))
        {
            var path = TrustTests.GcloudCommand(call);
            var known = await TrustTests.GcloudFlagsAsync(path);
            var unknown = call.Skip(path.Count + 1).Where(a => a.StartsWith("--", StringComparison.Ordinal)).Select(a => a.Split('=')[0]).Where(f => !known.Contains(f)).ToList();
            Assert.True(unknown.Count == 0, $"gcloud {string.Join(" ", path)} has no {string.Join(", ", unknown)} (in: {string.Join(" ", call)})");
        }

        // The roles: created once with exactly the deploy script's calls (Models on the project, the rest on an
        // endpoint), updated to them on a second run.
        var roleIds = new Dictionary<string, string[]> { ["churn_model_vertex_uploader"] = UploaderPermissions, ["churn_model_vertex_deployer"] = DeployerPermissions };
        foreach (var (calls, verb) in new[] { (first, "create"), (second, "update") })
        {
            var written = calls.CallsOf("gcloud", "iam", "roles", verb).ToDictionary(c => c[4], c => TrustRun.Flag(c, "--permissions")!.Split(',').Order().ToArray());
            Assert.Equal(roleIds.Keys.Order(), written.Keys.Order());
            Assert.All(roleIds, r => Assert.Equal(r.Value.Order(), written[r.Key]));
        }

        Assert.Empty(second.CallsOf("gcloud", "iam", "roles", "create"));

        // Both endpoints, by their IDs, created when missing only.
        var endpoints = first.CallsOf("gcloud", "ai", "endpoints", "create").Select(c => TrustRun.Flag(c, "--endpoint-id")).ToList();
        Assert.Equal(["churn-model-dev", "churn-model-prod"], endpoints);
        Assert.Empty(second.CallsOf("gcloud", "ai", "endpoints", "create"));

        // Project-level grants: the deploy accounts get the uploader role and nothing else; no predefined Vertex AI role,
        // no serviceAccountUser, no cluster right.
        var project = TrustSetup.FilledCloud("gcp")["GCP_PROJECT_ID"];
        var projectGrants = first.CallsOf("gcloud", "projects", "add-iam-policy-binding").Select(c => (Member: TrustRun.Flag(c, "--member")!, Role: TrustRun.Flag(c, "--role")!)).ToList();
        var deployers = projectGrants.Where(g => g.Member.Contains("churn-model-deploy-", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, deployers.Count);
        Assert.All(deployers, g => Assert.Equal($"projects/{project}/roles/churn_model_vertex_uploader", g.Role));

        // Each endpoint's own IAM policy (Vertex AI's v1beta1 REST methods, with the gcloud token) gives the deployer role
        // to its environment's deploy account only; a second run keeps every other binding and the etag, adding no one twice.
        foreach (var (run, existing) in new[] { (first, false), (second, true) })
        {
            foreach (var env in new[] { "dev", "prod" })
            {
                var url = $"https://europe-west1-aiplatform.googleapis.com/v1beta1/projects/{project}/locations/europe-west1/endpoints/churn-model-{env}";
                var set = Assert.Single(run.CallsOf("curl"), c => c[^1] == $"{url}:setIamPolicy");
                Assert.Contains("Authorization: Bearer ya29.stand-in-token", set);
                var policy = JsonNode.Parse(set[set.ToList().IndexOf("-d") + 1])!["policy"]!;
                var bindings = policy["bindings"]!.AsArray().ToDictionary(b => (string)b!["role"]!, b => b!["members"]!.AsArray().Select(m => (string)m!).ToArray());
                Assert.Equal([$"serviceAccount:churn-model-deploy-{env}@{project}.iam.gserviceaccount.com"], bindings[$"projects/{project}/roles/churn_model_vertex_deployer"]);
                Assert.Equal(existing ? "BwXTmICm7mI=" : "ACAB", (string?)policy["etag"]);
                Assert.Equal(existing, bindings.ContainsKey("roles/aiplatform.user"));
            }
        }
        var roles = first.Calls.Select(c => TrustRun.Flag(c, "--role")).Where(r => r is not null).ToList();
        Assert.DoesNotContain(roles, r => r!.StartsWith("roles/aiplatform.", StringComparison.Ordinal));
        Assert.DoesNotContain(roles, r => r == "roles/iam.serviceAccountUser" || r == "roles/container.clusterViewer");
        Assert.DoesNotContain(first.Calls, c => c[0] == "kubectl" || (c.Count > 2 && c[1] == "container"));

        // Vertex AI's service agent reads the model store (the Model's artifacts) and the image repository.
        var agent = $"serviceAccount:service-{TrustSetup.GcpProjectNumber}@gcp-sa-aiplatform.iam.gserviceaccount.com";
        Assert.Contains(first.CallsOf("gcloud", "storage", "buckets", "add-iam-policy-binding"),
            c => c[4] == "gs://churn-model-models" && TrustRun.Flag(c, "--member") == agent && TrustRun.Flag(c, "--role") == "roles/storage.objectViewer");
        Assert.Contains(first.CallsOf("gcloud", "artifacts", "repositories", "add-iam-policy-binding"),
            c => TrustRun.Flag(c, "--member") == agent && TrustRun.Flag(c, "--role") == "roles/artifactregistry.reader");

        // Each deploy account may move only its own alias.
        var aliases = first.CallsOf("gcloud", "storage", "buckets", "add-iam-policy-binding")
            .Where(c => TrustRun.Flag(c, "--member")!.Contains("churn-model-deploy-", StringComparison.Ordinal) && TrustRun.Flag(c, "--role") == "roles/storage.objectUser")
            .Select(c => TrustRun.Flag(c, "--condition")!).ToList();
        Assert.Equal(2, aliases.Count);
        Assert.Contains(aliases, c => c.Contains("/aliases/dev'", StringComparison.Ordinal) && c.Contains("title=move-dev-alias", StringComparison.Ordinal));
        Assert.Contains(aliases, c => c.Contains("/aliases/prod'", StringComparison.Ordinal) && c.Contains("title=move-prod-alias", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_checklists_and_platform_page_name_the_custom_role_the_endpoints_and_the_rollback()
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, Scenario("github"));
        var ci = repo.ReadText("docs/ci.md");
        Assert.Contains("churn_model_vertex_deployer", ci, StringComparison.Ordinal);
        Assert.Contains("infra/gcp/setup-trust.sh` once", ci, StringComparison.Ordinal);
        Assert.DoesNotContain("gke-gcloud-auth-plugin", ci, StringComparison.Ordinal);
        Assert.DoesNotContain("roles/container.developer", ci, StringComparison.Ordinal);
        var page = repo.ReadText("docs/platform-vertex.md");
        Assert.DoesNotContain("does not yet upload", page, StringComparison.Ordinal);
        Assert.Contains("--traffic-split=0=100", page, StringComparison.Ordinal);
        Assert.Contains("make deploy ENVIRONMENT=prod MODEL_VERSION=<version> IMAGE_DIGESTS=model=sha256:<digest>", page, StringComparison.Ordinal);
        Assert.Contains("gcloud ai endpoints update churn-model-prod", page, StringComparison.Ordinal);
    }
}
