using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Ci;

/// <summary>
/// Build once, deploy what was evaluated (contract 2): the deploy stages promote the model version the Train stage
/// evaluated and run the image digest the Build image stage pushed; a stale dvc.lock stops training before any push.
/// </summary>
public sealed class BuildOnceTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string DriftMessage = "run `dvc repro` and commit dvc.lock";

    public static TheoryData<CiScenario> EveryPair => CiScenarios.Pairs();

    public static TheoryData<CiScenario> WithDvc => new(CiScenarios.Covering.Where(s => s.Data == "dvc"));

    [Theory]
    [MemberData(nameof(EveryPair))]
    public async Task Deploys_promote_the_evaluated_model_version_and_run_the_pushed_image_digest(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var pipeline = PipelineFiles.Read(repo);
        var stages = PipelineFiles.StageTexts(scenario.Ci, pipeline);

        // The version is what the gate wrote into reports/evaluation.json in the Train stage.
        Assert.Contains("reports/evaluation.json", stages["train"], StringComparison.Ordinal);
        Assert.Contains("[\"model_version\"]", pipeline, StringComparison.Ordinal);
        Assert.Contains("IMAGE_DIGEST=\"$(docker push \"$IMAGE_REPOSITORY:$IMAGE_TAG\"", stages["build-image"], StringComparison.Ordinal);
        Assert.Contains("IMAGE_DIGEST", stages["build-image"], StringComparison.Ordinal);
        foreach (var (id, alias, overlay) in new[] { ("deploy-dev", "dev", "dev"), ("deploy-production", "prod", "prod") })
        {
            var stage = stages[id];
            var promote = stage.IndexOf($"make promote ALIAS={alias} MODEL_VERSION=\"$MODEL_VERSION\"", StringComparison.Ordinal);
            var apply = stage.IndexOf($"make deploy OVERLAY={overlay} IMAGE_TAG=\"$IMAGE_TAG@$IMAGE_DIGEST\"", StringComparison.Ordinal);
            Assert.True(promote >= 0 && apply > promote, $"{scenario}: {id} does not promote {alias} to the evaluated version, then deploy the pushed digest:\n{stage}");
            Assert.DoesNotContain("make docker-build", stage, StringComparison.Ordinal);
            Assert.DoesNotContain("make train", stage, StringComparison.Ordinal);
        }

        // How each dialect hands the two values from the stage that made them to the deploys.
        var handoff = scenario.Ci switch
        {
            "github" => ["needs.train.outputs.model_version", "needs.build-image.outputs.image_digest"],
            "gitlab" => ["dotenv: model.env", "dotenv: image.env"],
            "jenkins" => ["stash name: 'model-version'", "stash name: 'image'", "unstash 'model-version'", "unstash 'image'"],
            _ => new[] { "stageDependencies.train.train.outputs['model.MODEL_VERSION']", "stageDependencies.build_image.build_image.outputs['push.IMAGE_DIGEST']" },
        };
        Assert.All(handoff, h => Assert.Contains(h, pipeline, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(WithDvc))]
    public async Task A_stale_or_missing_dvc_lock_fails_training_with_the_fix_before_anything_is_pushed(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var pipeline = PipelineFiles.Read(repo);
        var script = PipelineFiles.ShellBlocks(scenario.Ci, pipeline).Select(b => b.Script).First(s => s.Contains("git ls-files -- dvc.lock", StringComparison.Ordinal));
        var lines = script.Split('\n').Select(l => l.Trim()).ToList();
        var start = lines.FindIndex(l => l.Contains("git ls-files -- dvc.lock", StringComparison.Ordinal));
        var check = string.Join("\n", lines.Skip(start).TakeWhile(l => l != "fi").Append("fi"));

        var text = PipelineFiles.WithoutComments(pipeline);
        var at = text.IndexOf("git ls-files -- dvc.lock", StringComparison.Ordinal);
        Assert.True(text.IndexOf("make dvc-repro", StringComparison.Ordinal) is var repro && repro >= 0 && repro < at, $"{scenario}: the dvc.lock check does not follow make dvc-repro");
        var push = text.IndexOf("make dvc-push", StringComparison.Ordinal);
        Assert.True(push < 0 || push > at, $"{scenario}: make dvc-push runs before the dvc.lock check");

        var missing = await InRepositoryAsync(check, commit: false, change: false);
        var current = await InRepositoryAsync(check, commit: true, change: false);
        var stale = await InRepositoryAsync(check, commit: true, change: true);

        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains(DriftMessage, missing.StandardError, StringComparison.Ordinal);
        current.EnsureSuccess();
        Assert.NotEqual(0, stale.ExitCode);
        Assert.Contains(DriftMessage, stale.StandardError, StringComparison.Ordinal);
        Assert.Contains("-    md5: 1", stale.StandardError, StringComparison.Ordinal);
    }

    /// <summary>Runs the check in a scratch git repository where dvc.lock is committed or not, and then rewritten or not (as `dvc repro` would).</summary>
    private static async Task<CommandResult> InRepositoryAsync(string check, bool commit, bool change)
    {
        var folder = Directory.CreateTempSubdirectory("dvc-lock-").FullName;
        var environment = new Dictionary<string, string?>
        {
            ["GIT_AUTHOR_NAME"] = "ci", ["GIT_AUTHOR_EMAIL"] = "ci@example.com", ["GIT_COMMITTER_NAME"] = "ci", ["GIT_COMMITTER_EMAIL"] = "ci@example.com",
        };
        (await Command.RunAsync("git", ["init", "--quiet"], folder, environment)).EnsureSuccess();
        await File.WriteAllTextAsync(Path.Combine(folder, "dvc.lock"), "schema: '2.0'\nstages:\n  train:\n    md5: 1\n");
        if (commit)
        {
            (await Command.RunAsync("git", ["add", "dvc.lock"], folder, environment)).EnsureSuccess();
            (await Command.RunAsync("git", ["commit", "--quiet", "-m", "lock"], folder, environment)).EnsureSuccess();
        }

        if (change)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "dvc.lock"), "schema: '2.0'\nstages:\n  train:\n    md5: 2\n");
        }

        return await Command.RunAsync("sh", ["-euc", check], folder, environment);
    }
}
