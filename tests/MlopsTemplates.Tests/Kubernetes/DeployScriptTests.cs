using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Kubernetes;

/// <summary>
/// k8s/deploy.sh run for real against a stand-in <c>kubectl</c> (no cluster here): a script first on PATH that records
/// every call and answers as a cluster would for a training Job that completes or fails. What is checked is the
/// order and the arguments of the calls the script makes, and its exit code and messages.
/// </summary>
public sealed class DeployScriptTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string FakeKubectl = """
        #!/usr/bin/env bash
        # Records the call; answers `get job` with $FAKE_JOB_STATE and `logs` with a line of the gate.
        printf '%s\n' "$*" >> "$FAKE_KUBECTL_LOG"
        case "$*" in
          *"get job"*) printf '%s\n' "$FAKE_JOB_STATE" ;;
          *" logs "*) echo "[pod/churn-model-train-x/evaluate] ERROR gate failed: roc_auc 0.41 < evaluate.min_roc_auc 0.9" ;;
          *"get --raw"*) printf 'ok' ;;
        esac
        """;

    private static readonly IReadOnlyDictionary<string, string?> Image = new Dictionary<string, string?> { ["IMAGE_REPOSITORY"] = "registry.example.com/team/churn-model", ["IMAGE_TAG"] = "0123abcd" };

    private async Task<(GeneratedRepository Repository, string Bin)> GenerateAsync(params string[] options)
    {
        var repo = await fixture.Pack.GenerateAsync("churn-model", options);
        var bin = Directory.CreateTempSubdirectory("fake-kubectl-").FullName;
        File.WriteAllText(Path.Combine(bin, "kubectl"), FakeKubectl.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(Path.Combine(bin, "kubectl"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return (repo, bin);
    }

    private static Task<(CommandResult Result, string[] Calls)> RunAsync(GeneratedRepository repo, string bin, string jobState, string workingDirectory, params string[] arguments) =>
        RunAsync(repo, bin, jobState, workingDirectory, Image, arguments);

    private static async Task<(CommandResult Result, string[] Calls)> RunAsync(GeneratedRepository repo, string bin, string jobState, string workingDirectory, IReadOnlyDictionary<string, string?> image, params string[] arguments)
    {
        var log = Path.Combine(bin, "calls.log");
        File.Delete(log);
        var environment = new Dictionary<string, string?>(image)
        {
            ["PATH"] = $"{bin}{Path.PathSeparator}{Environment.GetEnvironmentVariable("PATH")}",
            ["FAKE_KUBECTL_LOG"] = log,
            ["FAKE_JOB_STATE"] = jobState,
        };
        var result = await Command.RunAsync("bash", [repo.PathOf("k8s/deploy.sh"), .. arguments], workingDirectory, environment);
        return (result, File.Exists(log) ? File.ReadAllLines(log) : []);
    }

    [Fact]
    public async Task Apply_from_another_folder_replaces_the_job_in_the_foreground_waits_for_it_then_smoke_tests_readyz()
    {
        var (repo, bin) = await GenerateAsync();

        var (result, calls) = await RunAsync(repo, bin, "Complete", Path.GetTempPath(), "apply", "dev");

        result.EnsureSuccess();
        string[] expected =
        [
            "-n churn-model-dev delete job churn-model-train --ignore-not-found --cascade=foreground --wait --timeout=10m",
            "apply -k .deploy/dev",
            "-n churn-model-dev get job churn-model-train -o jsonpath={range .status.conditions[?(@.status==\"True\")]}{.type}{\"\\n\"}{end}",
            "-n churn-model-dev rollout status deployment/churn-model --timeout=15m",
            "-n churn-model-dev get --raw /api/v1/namespaces/churn-model-dev/services/http:churn-model:http/proxy/readyz",
        ];
        Assert.Equal(expected, calls);
        Assert.True(repo.Exists(".deploy/dev/kustomization.yaml"), "the kustomization was not written inside the repository");
        Assert.Contains("churn-model-dev is ready", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_web_ui_apply_sets_the_gateways_image_too_and_smoke_tests_readyz_through_the_gateway()
    {
        var (repo, bin) = await GenerateAsync("--ui", "react");

        var (result, calls) = await RunAsync(repo, bin, "Complete", repo.Root, "apply", "dev");

        result.EnsureSuccess();
        // The model service admits the gateway's pods only (NetworkPolicy): the check goes through the gateway.
        string[] expected =
        [
            "-n churn-model-dev rollout status deployment/churn-model --timeout=15m",
            "-n churn-model-dev rollout status deployment/churn-model-web --timeout=10m",
            "-n churn-model-dev get --raw /api/v1/namespaces/churn-model-dev/services/http:churn-model-web:http/proxy/api/readyz",
        ];
        Assert.Equal(expected, calls[^3..]);
        var rendered = (await Command.RunAsync("kubectl", ["kustomize", repo.PathOf(".deploy/dev")])).EnsureSuccess().StandardOutput;
        Assert.Contains("image: registry.example.com/team/churn-model:0123abcd\n", rendered, StringComparison.Ordinal);
        Assert.Contains("image: registry.example.com/team/churn-model:0123abcd-web\n", rendered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_digests_CI_pushed_pin_every_image_and_a_missing_one_stops_the_deploy_before_anything_is_applied()
    {
        var (repo, bin) = await GenerateAsync("--ui", "react");
        var model = "sha256:" + new string('a', 64);
        var web = "sha256:" + new string('b', 64);

        var (pinned, _) = await RunAsync(repo, bin, "Complete", repo.Root, new Dictionary<string, string?>(Image) { ["IMAGE_DIGESTS"] = $"model={model},web={web}" }, "apply", "dev");
        pinned.EnsureSuccess();
        var rendered = (await Command.RunAsync("kubectl", ["kustomize", repo.PathOf(".deploy/dev")])).EnsureSuccess().StandardOutput;
        Assert.Contains($"image: registry.example.com/team/churn-model:0123abcd@{model}\n", rendered, StringComparison.Ordinal);
        Assert.Contains($"image: registry.example.com/team/churn-model:0123abcd-web@{web}\n", rendered, StringComparison.Ordinal);

        // The push of an older template, or a variant left out of the Makefile's IMAGE_VARIANTS: the gateway's image
        // was never pushed, so nothing is applied rather than a Deployment whose pods cannot pull their image.
        var (missing, calls) = await RunAsync(repo, bin, "Complete", repo.Root, new Dictionary<string, string?>(Image) { ["IMAGE_DIGESTS"] = $"model={model}" }, "apply", "dev");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("IMAGE_DIGESTS has no digest for the web image registry.example.com/team/churn-model:0123abcd-web", missing.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(calls, c => c.StartsWith("apply", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_training_job_fails_the_deploy_with_its_logs_before_any_rollout()
    {
        var (repo, bin) = await GenerateAsync();

        var (result, calls) = await RunAsync(repo, bin, "FailureTarget\nFailed", repo.Root, "apply", "dev");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Job churn-model-train did not complete", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("gate failed: roc_auc", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(calls, c => c.StartsWith("-n churn-model-dev logs job/churn-model-train --all-containers", StringComparison.Ordinal));
        Assert.DoesNotContain(calls, c => c.Contains("rollout", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Prod_trains_nothing_and_never_applies_a_namespace_while_bootstrap_is_the_one_cluster_scoped_apply()
    {
        var (repo, bin) = await GenerateAsync("--cloud", "local");

        var (prod, prodCalls) = await RunAsync(repo, bin, "", repo.Root, "apply", "prod");
        prod.EnsureSuccess();
        Assert.DoesNotContain(prodCalls, c => c.Contains("job", StringComparison.OrdinalIgnoreCase));
        var rendered = await Validation.Validators.RenderKustomizationAsync(repo.PathOf(".deploy/prod"));
        Assert.DoesNotContain("kind: Namespace", rendered, StringComparison.Ordinal);

        var (bootstrap, bootstrapCalls) = await RunAsync(repo, bin, "", repo.Root, "bootstrap");
        bootstrap.EnsureSuccess();
        Assert.Equal(["apply -k k8s/bootstrap"], bootstrapCalls);
    }

    [Theory]
    [InlineData("apply")]
    [InlineData("apply staging")]
    [InlineData("deploy dev")]
    [InlineData("apply dev extra")]
    [InlineData("bootstrap dev")]
    public async Task Bad_arguments_exit_2_with_the_usage_and_call_nothing(string arguments)
    {
        var (repo, bin) = await GenerateAsync();

        var (result, calls) = await RunAsync(repo, bin, "Complete", repo.Root, arguments.Split(' '));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("usage: k8s/deploy.sh render|apply dev|prod", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(calls);
    }

    [Theory]
    [InlineData("IMAGE_TAG", "0123 abcd")]
    [InlineData("IMAGE_TAG", "-rm")]
    [InlineData("IMAGE_REPOSITORY", "Registry.example.com/Team")]
    [InlineData("IMAGE_REPOSITORY", "registry.example.com/team/churn-model:1.0")]
    [InlineData("IMAGE_DIGESTS", "model=sha256:0123")]
    [InlineData("IMAGE_DIGESTS", "model=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef;rm -rf /")]
    public async Task An_image_no_registry_accepts_is_refused_before_anything_is_written(string key, string value)
    {
        var (repo, bin) = await GenerateAsync();
        var image = new Dictionary<string, string?>(Image) { [key] = value };

        var (result, calls) = await RunAsync(repo, bin, "Complete", repo.Root, image, "apply", "dev");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{key} '{value}' is not", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(calls);
        Assert.False(repo.Exists(".deploy/dev/kustomization.yaml"));
    }

    [Theory]
    [InlineData("aws", "MODEL_STORE_URI: s3://churn-model-models/models")]
    [InlineData("azure", "MODEL_STORE_URI: az://models/churn-model")]
    [InlineData("gcp", "MODEL_STORE_URI: gs://churn-model-models/models")]
    public async Task Render_gives_every_pod_the_model_store_of_cloud_env(string cloud, string expected)
    {
        var repo = await fixture.Pack.GenerateAsync("churn-model", "--cloud", cloud);
        var copy = CloudEnv.CopyWithSettings(repo, CloudEnv.FilledIn(cloud));

        var write = await Command.RunAsync("bash", ["k8s/deploy.sh", "render", "dev"], copy, Image);

        write.EnsureSuccess();
        var rendered = await Validation.Validators.RenderKustomizationAsync(Path.Combine(copy, ".deploy", "dev"));
        Assert.Contains(expected, rendered, StringComparison.Ordinal);
        Assert.Equal(expected[(expected.IndexOf(' ') + 1)..], CloudEnv.Read(repo)["MODEL_STORE_URI"]);
    }
}
