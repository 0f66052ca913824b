using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Kubernetes;

/// <summary>
/// The Dockerfiles and compose.yaml, checked statically: no Docker engine runs here, so nothing is built or started.
/// dockerfile-utils lints the Dockerfiles, the compose-go schema (shared/schemas) the compose file, and the rest is
/// read from the files: what a build or `docker compose up` on Linux Docker Engine depends on.
/// </summary>
public sealed partial class ContainerFilesStaticTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    public static TheoryData<string> PythonVersions => new(TemplateOptions.Model.Options.Single(o => o.Name == "python").Values);

    [SkippableTheory]
    [MemberData(nameof(PythonVersions))]
    public async Task Static_dockerfile_builds_on_an_exact_base_tag_of_its_python_with_cached_pinned_installs(string python)
    {
        var repo = await fixture.Pack.GenerateAsync("churn-model", "--python", python, "--serving", "flask");
        var dockerfile = repo.ReadText("Dockerfile");

        await Validators.Dockerfile.AssertValidAsync(repo, "Dockerfile");
        // An exact patch release (python:3.13.14-slim-trixie), never a floating python:3.13-slim.
        var image = BaseImage().Match(dockerfile);
        Assert.True(image.Success, $"no exact base image tag in:{Environment.NewLine}{dockerfile}");
        Assert.Equal(python, image.Groups["minor"].Value);
        Assert.All(Regex.Matches(dockerfile, "^FROM (\\S+)", RegexOptions.Multiline), from => Assert.Equal("${PYTHON_IMAGE}", from.Groups[1].Value));

        // One instruction per line: continuation lines joined.
        var installs = dockerfile.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n')
            .Where(l => l.StartsWith("RUN ", StringComparison.Ordinal) && l.Contains("pip install", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, installs.Count);
        Assert.All(installs, run => Assert.StartsWith("RUN --mount=type=cache,target=/root/.cache/pip", run, StringComparison.Ordinal));
        Assert.Contains("pip install --constraint constraints.txt", installs[0], StringComparison.Ordinal);
        Assert.DoesNotContain("PIP_NO_CACHE_DIR", dockerfile, StringComparison.Ordinal);
        Assert.Contains("COPY pyproject.toml README.md constraints.txt ./", dockerfile, StringComparison.Ordinal);
        Assert.Contains("!constraints.txt", repo.ReadText(".dockerignore").Split('\n'));
        Assert.StartsWith("# syntax=docker/dockerfile:1", dockerfile, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("flask")]
    [InlineData("django")]
    [InlineData("fastapi")]
    public async Task Static_the_server_command_opens_no_control_socket_under_the_read_only_root(string serving)
    {
        var repo = await fixture.Pack.GenerateAsync("churn-model", "--serving", serving);

        var dockerfile = repo.ReadText("Dockerfile");
        var command = Regex.Match(dockerfile, "^CMD (.+)$", RegexOptions.Multiline).Groups[1].Value;
        // gunicorn 25.1+ creates a control socket (gunicorn.ctl) unless told not to, which the read-only root
        // filesystem refuses: the image's gunicorn reads the package's gunicorn_conf, which disables it.
        var gunicorn = serving != "fastapi";
        Assert.Equal(gunicorn, command.Contains("\"gunicorn\"", StringComparison.Ordinal));
        Assert.Equal(gunicorn, command.Contains("\"python:churn_model.gunicorn_conf\"", StringComparison.Ordinal));
        if (gunicorn)
        {
            Assert.Matches("(?m)^control_socket_disable = True$", repo.ReadText("src/churn_model/gunicorn_conf.py"));
        }

        Assert.Contains("/healthz", repo.ReadText("Dockerfile"), StringComparison.Ordinal);
        Assert.DoesNotContain("/readyz", repo.ReadText("Dockerfile"), StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("--cloud", "local")]
    [InlineData("--cloud", "local", "--tracking", "none")]
    [InlineData("--cloud", "aws", "--serving", "flask")]
    [InlineData("--cloud", "gcp", "--serving", "none")]
    public async Task Static_compose_starts_from_a_fresh_clone_on_docker_engine(params string[] options)
    {
        var repo = await fixture.Pack.GenerateAsync("churn-model", options);
        await Validators.ComposeGo.AssertValidAsync(repo, "compose.yaml");
        var stream = new YamlStream();
        stream.Load(new StringReader(repo.ReadText("compose.yaml")));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var services = root.Map("services")!;
        var named = root.Map("volumes")?.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet() ?? [];

        foreach (var (key, service) in services.Children.Select(kv => (((YamlScalarNode)kv.Key).Value!, (YamlMappingNode)kv.Value)))
        {
            // A host folder that does not exist is created by Docker as root; a container running as 10001 cannot write it.
            foreach (var volume in service.Seq("volumes").Select(v => v.Scalar()!))
            {
                var source = volume.Split(':')[0];
                Assert.True(named.Contains(source), $"service {key} mounts '{source}', not a named volume");
            }

            Assert.Null(service.At("user"));
            var test = string.Join(" ", service.Seq("healthcheck", "test").Select(t => t.Scalar()));
            Assert.DoesNotContain("/readyz", test, StringComparison.Ordinal);
        }

        var cloud = repo.Option("cloud");
        Assert.Equal(cloud == "local", services.Children.ContainsKey(new YamlScalarNode("minio")));
        if (repo.Option("serving") != "none")
        {
            var app = services.Map("churn-model")!;
            // `docker compose up --wait` on a fresh checkout: healthy before any model exists.
            Assert.Contains("/healthz", string.Join(" ", app.Seq("healthcheck", "test").Select(t => t.Scalar())), StringComparison.Ordinal);
            Assert.True(int.Parse(app.Scalar("environment", "MODEL_REFRESH_SECONDS")!) > 0);
            Assert.Equal(cloud == "local" ? "store://dev" : "/app/models/model.joblib", app.Scalar("environment", "MODEL_URI"));
        }

        var train = services.Map("train")!;
        Assert.Equal("dev", train.Scalar("environment", "MODEL_PROMOTE_ALIAS"));
        Assert.EndsWith("python -m mlops_project_pkg.evaluate".Replace("mlops_project_pkg", "churn_model", StringComparison.Ordinal), train.Seq("command").Last().Scalar(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Static_compose_kubernetes_and_the_mlflow_image_run_the_same_mlflow_release()
    {
        var repo = await fixture.Pack.GenerateAsync("churn-model", "--cloud", "local", "--tracking", "mlflow");

        await Validators.Dockerfile.AssertValidAsync(repo, "docker/mlflow.Dockerfile");
        var image = repo.ReadText("docker/mlflow.Dockerfile");
        Assert.Contains($"FROM ghcr.io/mlflow/mlflow:v{ClusterBehaviourTests.MlflowVersion}-full", image, StringComparison.Ordinal);
        Assert.Contains("MLFLOW_DISABLE_TELEMETRY=true", image, StringComparison.Ordinal);
        Assert.Contains($"image: ghcr.io/mlflow/mlflow:v{ClusterBehaviourTests.MlflowVersion}-full", repo.ReadText("k8s/components/mlflow-tracking/deployment.yaml"), StringComparison.Ordinal);
        Assert.Contains("dockerfile: mlflow.Dockerfile", repo.ReadText("compose.yaml"), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^ARG PYTHON_IMAGE=python:(?<minor>3\.\d+)\.\d+-slim-(bookworm|trixie)$", RegexOptions.Multiline)]
    private static partial Regex BaseImage();
}
