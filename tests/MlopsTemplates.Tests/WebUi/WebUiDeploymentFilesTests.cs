using System.Text.RegularExpressions;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Kubernetes;
using MlopsTemplates.Tests.Validation;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.WebUi;

/// <summary>
/// What <c>--ui react</c> adds to deployment, checked statically (no Docker engine or cluster runs here): the web
/// image's Dockerfile (dockerfile-utils), the compose service (the compose-go schema), the Kubernetes component in both
/// overlays rendered by <c>kubectl kustomize</c> and validated like every other manifest (kubernetes-models, unknown
/// fields, the restricted profile), with the model service reachable from the gateway's pods only, and Dependabot for npm.
/// </summary>
public sealed partial class WebUiDeploymentFilesTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string Options = "--ui react";

    [Fact]
    public async Task Static_the_web_image_builds_the_ui_and_runs_the_gateway_as_a_non_root_user_on_an_exact_node_release()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, Options);
        await Validators.Dockerfile.AssertValidAsync(repo, "docker/web.Dockerfile");
        var dockerfile = repo.ReadText("docker/web.Dockerfile");

        Assert.Matches(@"(?m)^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-trixie-slim$", dockerfile);
        Assert.All(Regex.Matches(dockerfile, @"^FROM (\S+)", RegexOptions.Multiline), from => Assert.Equal("${NODE_IMAGE}", from.Groups[1].Value));
        Assert.Equal(3, Regex.Matches(dockerfile, @"^FROM ", RegexOptions.Multiline).Count);
        Assert.Matches(@"(?m)^USER 10001:10001$", dockerfile);
        Assert.Matches(@"(?m)^CMD \[""node"", ""src/server.js""\]$", dockerfile);
        // Installs from the committed lock files only; the runtime gets the gateway's production dependencies.
        Assert.DoesNotContain("npm install", dockerfile, StringComparison.Ordinal);
        Assert.Contains("npm ci --omit=dev", dockerfile, StringComparison.Ordinal);
        var ignore = repo.ReadText("docker/web.Dockerfile.dockerignore").Split('\n');
        Assert.Contains("ui/node_modules", ignore);
        Assert.Contains("gateway/node_modules", ignore);
        // Every file the build copies is in the generated repository.
        foreach (Match copy in Regex.Matches(dockerfile, @"^COPY (?!--from)(?<sources>.+) \S+$", RegexOptions.Multiline))
        {
            Assert.All(copy.Groups["sources"].Value.Split(' '), source => Assert.True(repo.Exists(source) || Directory.Exists(repo.PathOf(source)), $"COPY {source}: not in the repository"));
        }
    }

    [Fact]
    public async Task Static_compose_runs_the_web_service_hardened_after_the_model_service_is_healthy()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, Options);
        await Validators.ComposeGo.AssertValidAsync(repo, "compose.yaml");
        var stream = new YamlStream();
        stream.Load(new StringReader(repo.ReadText("compose.yaml")));
        var web = stream.Documents[0].RootNode.Map("services", "web")!;

        Assert.Equal("docker/web.Dockerfile", web.Scalar("build", "dockerfile"));
        Assert.Equal("true", web.Scalar("read_only"));
        Assert.Equal(["ALL"], web.Seq("cap_drop").Select(n => ((YamlScalarNode)n).Value));
        Assert.Equal(["127.0.0.1:${WEB_PORT:-3000}:3000"], web.Seq("ports").Select(n => ((YamlScalarNode)n).Value));
        Assert.Equal($"http://{GeneratedVariants.ProjectName}:8080", web.Scalar("environment", "MODEL_SERVICE_URL"));
        Assert.Equal("service_healthy", web.Scalar("depends_on", GeneratedVariants.ProjectName, "condition"));
    }

    [Fact]
    public async Task Static_the_ui_component_passes_the_manifest_checks_and_only_the_gateway_reaches_the_model_service()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, Options);
        var folder = Directory.CreateDirectory(fixture.Pack.NewOutputDirectory("web-ui-k8s")).FullName;
        foreach (var overlay in new[] { "dev", "prod" })
        {
            var yaml = await Validators.RenderKustomizationAsync(repo.PathOf($"k8s/overlays/{overlay}"));
            var file = Path.Combine(folder, $"{overlay}.yaml");
            await File.WriteAllTextAsync(file, yaml);
            await Validators.KubernetesModels.AssertValidAsync([file]);
            await Validators.KubernetesStrict.AssertValidAsync([file]);
            var objects = KubeObject.Parse($"k8s/overlays/{overlay}", yaml);
            var web = $"{GeneratedVariants.ProjectName}-web";

            var deployment = Assert.Single(objects, o => o.Kind == "Deployment" && o.Name == web);
            Assert.Empty(ManifestRules.PodTemplateViolations(deployment));
            Assert.All(objects.Where(o => o.Name == web), o => Assert.Empty(ManifestRules.NameViolations(o)));
            var podLabels = deployment.PodTemplate.Map("metadata", "labels").ToStrings();

            // The web Service selects the gateway's pods; the Ingress sends people to it.
            var service = Assert.Single(objects, o => o.Kind == "Service" && o.Name == web);
            Assert.All(service.Root.Map("spec", "selector").ToStrings(), kv => Assert.Equal(kv.Value, podLabels[kv.Key]));
            var ingress = Assert.Single(objects, o => o.Kind == "Ingress");
            Assert.Equal(web, ingress.Root.Seq("spec", "rules").Single().Seq("http", "paths").Single().Scalar("backend", "service", "name"));

            // The model service's policy admits the gateway's pods, and nothing else.
            var server = Assert.Single(objects, o => o.Kind == "NetworkPolicy" && o.Name == GeneratedVariants.ProjectName);
            var from = server.Root.Seq("spec", "ingress").Single().Seq("from").Single();
            Assert.All(from.Map("podSelector", "matchLabels").ToStrings(), kv => Assert.Equal(kv.Value, podLabels[kv.Key]));
            Assert.Null(from.At("namespaceSelector"));
            Assert.Null(from.At("ipBlock"));

            // The gateway's own policy: out to DNS and the model service's port only.
            var gateway = Assert.Single(objects, o => o.Kind == "NetworkPolicy" && o.Name == web);
            var egressPorts = gateway.Root.Seq("spec", "egress").SelectMany(e => e.Seq("ports")).Select(p => p.Scalar("port")).ToList();
            Assert.Equal(["53", "53", "8080"], egressPorts);
            Assert.Equal($"http://{GeneratedVariants.ProjectName}", deployment.PodTemplate.Seq("spec", "containers").Single().Seq("env").Single(e => e.Scalar("name") == "MODEL_SERVICE_URL").Scalar("value"));
        }
    }

    [Fact]
    public async Task Static_dependabot_updates_the_npm_lock_files_of_the_ui_and_the_gateway()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, Options);
        await Validators.Schema("dependabot").AssertValidAsync(repo, ".github/dependabot.yml");
        var stream = new YamlStream();
        stream.Load(new StringReader(repo.ReadText(".github/dependabot.yml")));
        var npm = stream.Documents[0].RootNode.Seq("updates").Where(u => u.Scalar("package-ecosystem") == "npm");
        Assert.Equal(["/ui", "/gateway"], npm.Select(u => u.Scalar("directory")));
    }

    [Fact]
    public async Task The_python_the_ui_adds_passes_ruff_check_and_format_as_make_lint_runs_them()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, Options);
        Assert.True(repo.Exists($"src/{GeneratedVariants.PackageName}/api_schema.py") && repo.Exists("tests/test_api_schema.py"));
        await Validators.Ruff.AssertValidAsync(repo, ".");
        var script = Path.Combine(RepositoryPaths.Root, "tests", "MlopsTemplates.Tests", "GeneratedProject", "ruff-format-check.mjs");
        (await Command.RunAsync("node", [script, repo.Root])).EnsureSuccess();
    }

    [Fact]
    public async Task Without_the_option_nothing_of_the_web_ui_is_generated()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, "");
        Assert.DoesNotContain(repo.Files, f => f.StartsWith("ui/", StringComparison.Ordinal) || f.StartsWith("gateway/", StringComparison.Ordinal) || f.Contains("web.Dockerfile", StringComparison.Ordinal) || f.StartsWith("k8s/components/ui/", StringComparison.Ordinal));
        Assert.DoesNotContain("ui-", repo.ReadText("Makefile"), StringComparison.Ordinal);
        Assert.DoesNotContain("  web:", repo.ReadText("compose.yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ui_without_a_service_is_refused_and_nothing_is_written()
    {
        var output = fixture.Pack.NewOutputDirectory("ui-no-service");
        var result = await fixture.Pack.DotnetNewAsync([TemplatePack.ShortName, "-n", "churn-model", "-o", output, "--ui", "react", "--serving", "none"]);
        Assert.Equal(102, result.ExitCode);
        Assert.Contains("--serving-none-requires-ui-none", result.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any());
    }
}
