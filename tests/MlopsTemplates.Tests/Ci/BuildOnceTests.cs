using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Ci;

/// <summary>
/// Build once, deploy what was evaluated (contract 2): the deploy stages promote the model version the Train stage
/// evaluated and run the image digests the Build image stage pushed; a stale dvc.lock stops training before any push.
/// </summary>
public sealed class BuildOnceTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string DriftMessage = "run `dvc repro` and commit dvc.lock";

    public static TheoryData<CiScenario> EveryPair => CiScenarios.Pairs();

    public static TheoryData<CiScenario> WithDvc => new(CiScenarios.Covering.Where(s => s.Data == "dvc"));

    [Theory]
    [MemberData(nameof(EveryPair))]
    public async Task Deploys_promote_the_evaluated_model_version_and_run_the_pushed_image_digests(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var pipeline = PipelineFiles.Read(repo);
        var stages = PipelineFiles.StageTexts(scenario.Ci, pipeline);

        // The version is what the gate wrote into reports/evaluation.json in the Train stage.
        Assert.Contains("reports/evaluation.json", stages["train"], StringComparison.Ordinal);
        Assert.Contains("[\"model_version\"]", pipeline, StringComparison.Ordinal);
        Assert.Contains("make docker-push IMAGE=\"$IMAGE_REPOSITORY\" TAG=\"$IMAGE_TAG\"", stages["build-image"], StringComparison.Ordinal);
        Assert.Contains("IMAGE_DIGESTS=\"$(cat build/image-digests)\"", stages["build-image"], StringComparison.Ordinal);
        foreach (var (id, alias, overlay) in new[] { ("deploy-dev", "dev", "dev"), ("deploy-production", "prod", "prod") })
        {
            var stage = stages[id];
            var promote = stage.IndexOf($"make promote ALIAS={alias} MODEL_VERSION=\"$MODEL_VERSION\"", StringComparison.Ordinal);
            var apply = stage.IndexOf($"make deploy OVERLAY={overlay} IMAGE_TAG=\"$IMAGE_TAG\" IMAGE_DIGESTS=\"$IMAGE_DIGESTS\"", StringComparison.Ordinal);
            Assert.True(promote >= 0 && apply > promote, $"{scenario}: {id} does not promote {alias} to the evaluated version, then deploy the pushed digest:\n{stage}");
            Assert.DoesNotContain("make docker-build", stage, StringComparison.Ordinal);
            Assert.DoesNotContain("make train", stage, StringComparison.Ordinal);
        }

        // How each dialect hands the two values from the stage that made them to the deploys.
        var handoff = scenario.Ci switch
        {
            "github" => ["needs.train.outputs.model_version", "needs.build-image.outputs.image_digests"],
            "gitlab" => ["dotenv: model.env", "dotenv: image.env"],
            "jenkins" => ["stash name: 'model-version'", "stash name: 'image'", "unstash 'model-version'", "unstash 'image'"],
            _ => new[] { "stageDependencies.train.train.outputs['model.MODEL_VERSION']", "stageDependencies.build_image.build_image.outputs['push.IMAGE_DIGESTS']" },
        };
        Assert.All(handoff, h => Assert.Contains(h, pipeline, StringComparison.Ordinal));
    }

    /// <summary>
    /// What the two stages' commands do, run for real in projects with images beside the model's (the web UI's
    /// gateway, the Spark step's; with KServe too), with a stand-in <c>docker</c> that answers a push as a registry does (the
    /// digest of what was built) and refuses to push an image that was not built.
    /// </summary>
    [Theory]
    [InlineData("--ui react --prepare spark --data none", "model spark web")]
    [InlineData("--deploy kserve --prepare spark --data none", "model spark")]
    public async Task Every_image_the_overlay_runs_is_built_pushed_and_pinned_to_its_pushed_digest(string options, string variants)
    {
        var repo = await fixture.Pack.GenerateAsync("churn-model", options.Split(' '));
        var bin = Directory.CreateTempSubdirectory("fake-docker-").FullName;
        File.WriteAllText(Path.Combine(bin, "docker"), FakeDocker.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(Path.Combine(bin, "docker"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var environment = new Dictionary<string, string?>
        {
            ["PATH"] = $"{bin}{Path.PathSeparator}{Environment.GetEnvironmentVariable("PATH")}",
            ["FAKE_DOCKER_BUILT"] = Path.Combine(bin, "built"),
        };
        const string repository = "registry.example.com/team/churn-model";

        (await Command.RunAsync("make", ["docker-build", "docker-push", $"IMAGE={repository}", "TAG=0123abcd"], repo.Root, environment)).EnsureSuccess();
        var digests = File.ReadAllText(repo.PathOf("build/image-digests")).Trim();
        environment["IMAGE_REPOSITORY"] = repository;
        environment["IMAGE_TAG"] = "0123abcd";
        environment["IMAGE_DIGESTS"] = digests;
        (await Command.RunAsync("bash", ["k8s/deploy.sh", "render", "dev"], repo.Root, environment)).EnsureSuccess();

        var rendered = await Validation.Validators.RenderKustomizationAsync(repo.PathOf(".deploy/dev"));
        var images = rendered.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("image: ", StringComparison.Ordinal))
            .Select(l => l["image: ".Length..].Trim('"')).Where(i => i.StartsWith(repository, StringComparison.Ordinal)).Distinct().ToList();
        var pushed = digests.Split(',').Select(d => d.Split('=')).ToDictionary(d => d[0], d => d[1]);
        Assert.Equal(variants.Split(' '), pushed.Keys.Order());
        Assert.Equal(pushed.Count, images.Count);
        foreach (var image in images)
        {
            // repository:TAG[-variant]@digest, the digest being the one the push of that very tag returned.
            var reference = image[..image.IndexOf('@')];
            var variant = reference.EndsWith(":0123abcd", StringComparison.Ordinal) ? "model" : reference[(reference.LastIndexOf('-') + 1)..];
            Assert.Equal($"{reference}@{pushed[variant]}", image);
            Assert.Equal(FakeDigest(reference), pushed[variant]);
        }
    }

    // Builds record their tag; a push of a built tag prints the registry's last line with a digest of the reference.
    private const string FakeDocker = """
        #!/usr/bin/env bash
        set -eu
        case "$1" in
          build) while [ $# -gt 0 ]; do [ "$1" = --tag ] && echo "$2" >> "$FAKE_DOCKER_BUILT"; shift; done ;;
          push) grep -qxF "$2" "$FAKE_DOCKER_BUILT" || { echo "An image does not exist locally with the tag: $2" >&2; exit 1; }
                echo "${2##*:}: digest: sha256:$(printf '%s' "$2" | sha256sum | cut -c1-64) size: 1573" ;;
          *) exit 2 ;;
        esac
        """;

    private static string FakeDigest(string reference) =>
        "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(reference)));

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
