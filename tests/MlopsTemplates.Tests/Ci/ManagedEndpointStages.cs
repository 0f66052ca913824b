using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Ci;

/// <summary>
/// The deploy stages of a managed endpoint (--deploy sagemaker or vertex), as every dialect renders them from the one
/// stage model: dev, then production behind the dialect's approval, each running <c>make deploy ENVIRONMENT=...</c> with
/// the evaluated version and the pushed digests before <c>make promote</c>, as its environment's identity, with no
/// cluster (no kubectl, no cluster credentials, no CLUSTER_NAME).
/// </summary>
public static class ManagedEndpointStages
{
    public static void AssertDeployThenPromote(CiScenario scenario, GeneratedRepository repo, string deployScript)
    {
        var pipeline = PipelineFiles.Read(repo);
        string[] expected =
        [
            "install", "lint", "install", "test", "install", "data", "train", "evaluate", "publish", "docker-build", "docker-push",
            "install", "deploy", "promote", "install", "deploy", "promote",
        ];
        var targets = PipelineFiles.MakeTargets(pipeline);
        Assert.True(expected.SequenceEqual(targets), $"{scenario} runs make {string.Join(", ", targets)}");

        var stages = PipelineFiles.StageTexts(scenario.Ci, pipeline);
        foreach (var (id, environment) in new[] { ("deploy-dev", "dev"), ("deploy-production", "prod") })
        {
            var stage = stages[id];
            var deploy = stage.IndexOf($"make deploy ENVIRONMENT={environment} MODEL_VERSION=\"$MODEL_VERSION\" IMAGE_DIGESTS=\"$IMAGE_DIGESTS\"", StringComparison.Ordinal);
            var promote = stage.IndexOf($"make promote ALIAS={environment} MODEL_VERSION=\"$MODEL_VERSION\"", StringComparison.Ordinal);
            Assert.True(deploy >= 0 && promote > deploy, $"{scenario}: {id} does not deploy the endpoint, then move the alias:\n{stage}");
            Assert.DoesNotContain("kubectl", stage, StringComparison.Ordinal);
            Assert.DoesNotContain("update-kubeconfig", stage, StringComparison.Ordinal);
            Assert.DoesNotContain("get-credentials", stage, StringComparison.Ordinal);
            Assert.DoesNotContain("CLUSTER_NAME", stage, StringComparison.Ordinal);
            Assert.Contains($"DEPLOY_{environment.ToUpperInvariant()}", stage, StringComparison.Ordinal);
        }

        // The production approval, as each dialect gates it.
        var gate = scenario.Ci switch
        {
            "github" => "required_reviewers",
            "gitlab" => "manual",
            "jenkins" => "submitter 'churn-model-approvers'",
            _ => "no Approvals check",
        };
        Assert.Contains(gate, stages["deploy-production"], StringComparison.Ordinal);
        Assert.DoesNotContain(gate, stages["deploy-dev"], StringComparison.Ordinal);
        Assert.DoesNotContain("kubectl", PipelineFiles.WithoutComments(pipeline), StringComparison.Ordinal);
        Assert.True(repo.Exists(deployScript) && repo.IsExecutable(deployScript), $"no executable {deployScript}");
        Assert.Contains($"{deployScript} \"$(ENVIRONMENT)\"", repo.ReadText("Makefile"), StringComparison.Ordinal);
    }
}
