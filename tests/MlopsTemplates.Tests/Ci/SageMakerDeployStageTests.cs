using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.Ci;

/// <summary>
/// --deploy sagemaker (--cloud aws) gets the deploy stages of the one stage model in every dialect: dev, then production
/// behind the approval, each deploying the endpoint stack (make deploy: infra/aws/deploy-endpoint.sh) with the version
/// the Train stage evaluated and the digests the Build image stage pushed, then moving the alias; no cluster, no kubectl.
/// The pipelines pass their dialect's validators; the deploy roles of infra/aws/ci-trust.yaml get the stack and nothing
/// of IAM but passing CloudFormation their environment's deployer role. Static checks: no CI system runs here.
/// </summary>
public sealed class SageMakerDeployStageTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    public static TheoryData<CiScenario> Scenarios => new(CiScenarios.CiSystems.Select(Scenario));

    private static CiScenario Scenario(string ci) => new(ci, "aws", "none", "sagemaker", "none", "fastapi", "3.12");

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Each_ci_deploys_the_endpoint_to_dev_then_production_with_the_evaluated_version_and_pushed_digest(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        ManagedEndpointStages.AssertDeployThenPromote(scenario, repo, "infra/aws/deploy-endpoint.sh");
    }

    [SkippableTheory]
    [MemberData(nameof(Scenarios))]
    public async Task Each_dialects_validator_accepts_the_pipeline_and_shellcheck_its_steps(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        await DialectValidation.AssertAcceptedAsync(
            fixture.Pack, scenario.Ci, repo, "sagemaker", "infra/aws/deploy-endpoint.sh", "infra/aws/setup-trust.sh", $"infra/setup-ci-{scenario.Ci}.sh");
    }

    [SkippableFact]
    public async Task The_deploy_roles_may_change_their_own_endpoint_stack_and_pass_only_their_deployer_role()
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, Scenario("github"));
        await Validators.CfnLint.AssertValidAsync(repo, "infra/aws/ci-trust.yaml", "infra/aws/sagemaker-roles.yaml", "infra/aws/sagemaker-endpoint.yaml");

        var trust = repo.ReadText("infra/aws/ci-trust.yaml");
        foreach (var environment in new[] { "dev", "prod" })
        {
            Assert.Contains($"Stack: churn-model-{environment}-endpoint", trust, StringComparison.Ordinal);
            Assert.Contains($"Role: churn-model-endpoint-deployer-{environment}", trust, StringComparison.Ordinal);
        }

        Assert.Contains("iam:PassedToService: cloudformation.amazonaws.com", trust, StringComparison.Ordinal);
        Assert.DoesNotContain("eks:", trust, StringComparison.Ordinal);
        Assert.DoesNotContain("AWS::EKS::AccessEntry", trust, StringComparison.Ordinal);
        foreach (var file in new[] { "infra/aws/ci-trust.yaml", "infra/aws/sagemaker-roles.yaml", "infra/aws/sagemaker-endpoint.yaml" })
        {
            var text = repo.ReadText(file);
            Assert.DoesNotContain("iam:CreateRole", text, StringComparison.Ordinal);
            Assert.DoesNotContain("iam:PutRolePolicy", text, StringComparison.Ordinal);
            Assert.DoesNotContain("sagemaker:*", text, StringComparison.Ordinal);
        }

        // CloudFormation's role passes only the environment's execution role, and only to SageMaker.
        var roles = repo.ReadText("infra/aws/sagemaker-roles.yaml");
        Assert.Contains("Resource: !GetAtt DevExecutionRole.Arn", roles, StringComparison.Ordinal);
        Assert.Contains("Resource: !GetAtt ProdExecutionRole.Arn", roles, StringComparison.Ordinal);
        Assert.Contains("iam:PassedToService: sagemaker.amazonaws.com", roles, StringComparison.Ordinal);
        Assert.Contains("aws cloudformation deploy --region \"$AWS_REGION\" --stack-name \"$stack\" --role-arn \"$deployer\"", repo.ReadText("infra/aws/deploy-endpoint.sh"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_trust_setup_creates_the_endpoint_roles_once_and_trusts_the_deploy_subjects_without_a_cluster()
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, Scenario("github"));
        var root = TrustSetup.ScratchCopy(repo, "github", "aws");
        // No cluster arguments: --deploy sagemaker has none.
        var run = await TrustSetup.RunAsync(root, "aws", kubernetes: false, everythingExists: true);
        Assert.True(run.Result.ExitCode == 0, run.ToString());
        var stacks = run.CallsOf("aws", "cloudformation", "deploy").ToDictionary(c => TrustRun.Flag(c, "--stack-name")!);

        var roles = stacks["churn-model-sagemaker-roles"];
        Assert.EndsWith("infra/aws/sagemaker-roles.yaml", TrustRun.Flag(roles, "--template-file"), StringComparison.Ordinal);
        Assert.Contains("ModelStoreBucket=churn-model-models", roles);
        var trust = stacks["churn-model-ci-trust"];
        Assert.Contains($"SubjectDeployDev={TrustSetup.Subjects("github")["DEPLOY_DEV"]}", trust);
        Assert.Contains($"SubjectDeployProd={TrustSetup.Subjects("github")["DEPLOY_PROD"]}", trust);
        Assert.DoesNotContain(trust, a => a.StartsWith("DevClusterName=", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Calls, c => c[0] == "kubectl" || (c.Count > 1 && c[1] == "eks"));
        Assert.False(stacks.ContainsKey("churn-model-workload-identity"));
    }
}
