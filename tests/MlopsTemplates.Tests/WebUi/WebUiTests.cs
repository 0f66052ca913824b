using System.Globalization;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace MlopsTemplates.Tests.WebUi;

/// <summary>
/// <c>--ui react</c> as a developer and a user meet it: the generated ui/ and gateway/ install from their lock files,
/// typecheck, lint, pass their own tests and build; the UI's types fail their test once they drift from the API
/// document; and in Debian's Chromium, through the real gateway, the form built from the service's schema returns
/// the service's own prediction, and says so when the service is gone instead of showing a blank page.
/// One run per serving framework (<see cref="WebUiRun"/>), shared by every test of the class.
/// </summary>
public abstract class WebUiTests<TRun>(TRun run, ITestOutputHelper output) : IClassFixture<TRun>
    where TRun : WebUiRun
{
    [Fact]
    public void Npm_ci_installs_the_ui_and_the_gateway_from_their_committed_lock_files()
    {
        run.Step("ui npm ci").EnsureSuccess();
        run.Step("gateway npm ci").EnsureSuccess();
        Assert.True(File.Exists(Path.Combine(run.FrontEndRepository, "ui", "node_modules", "vite", "package.json")));
        Assert.True(File.Exists(Path.Combine(run.FrontEndRepository, "gateway", "node_modules", "express", "package.json")));
    }

    [Fact]
    public void The_ui_typechecks_and_lints_clean()
    {
        run.Step("ui typecheck").EnsureSuccess();
        run.Step("ui lint").EnsureSuccess();
    }

    [Fact]
    public void The_ui_unit_tests_pass_with_vitest()
    {
        var vitest = run.Step("ui vitest").EnsureSuccess();
        Assert.Matches(@"Tests\s+\d+ passed", vitest.StandardOutput);
        Assert.DoesNotContain("failed", vitest.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void The_api_types_test_fails_once_the_committed_types_drift_from_the_api_document()
    {
        var drifted = run.Step(WebUiRun.DriftStep);
        Assert.True(drifted.ExitCode != 0, $"vitest passed with drifted types:{Environment.NewLine}{drifted}");
        Assert.Contains("openapi-typescript generates from openapi.json", drifted.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_api_document_the_ui_is_built_from_is_the_service_contract()
    {
        run.Step("api document check").EnsureSuccess();
        var pytest = run.Step("api document pytest").EnsureSuccess();
        Assert.Matches(@"\d+ passed", pytest.StandardOutput);
    }

    [Fact]
    public void Vite_builds_the_ui_that_the_gateway_serves()
    {
        run.Step("ui build").EnsureSuccess();
        var index = File.ReadAllText(Path.Combine(run.FrontEndRepository, "ui", "dist", "index.html"));
        Assert.Matches(@"<script type=""module"" crossorigin src=""/assets/index-[\w-]+\.js""", index);
    }

    [Fact]
    public void The_gateway_lints_clean_and_passes_its_tests()
    {
        run.Step("gateway lint").EnsureSuccess();
        var tests = run.Step("gateway tests").EnsureSuccess();
        Assert.Matches(@"# fail 0", tests.StandardOutput);
        Assert.Matches(@"# pass [1-9]\d*", tests.StandardOutput);
    }

    [Fact]
    public void In_chromium_the_form_answers_with_the_services_own_prediction_probability_and_model_version()
    {
        run.Step("browser with the service").EnsureSuccess();
        output.WriteLine($"screenshot: {run.ServedScreenshot}; whole web UI run: {run.Elapsed.TotalSeconds:F0} s");
        var direct = run.DirectAnswer["predictions"]![0]!;
        var shown = run.Served;
        Assert.Equal(run.Record.Count, (int)shown["fields"]!);
        Assert.Equal([(string)direct["label"]!], Texts(shown["label"]));
        var probability = ((double)direct["malignant_probability"]! * 100).ToString("F1", CultureInfo.InvariantCulture) + " %";
        Assert.Equal([probability], Texts(shown["probability"]));
        var version = (string)run.DirectAnswer["model_version"]!;
        Assert.Equal([version], Texts(shown["modelVersion"]));
        Assert.Contains($"Model service ready (model version {version})", (string)shown["status"]!, StringComparison.Ordinal);
        Assert.Empty(Texts(shown["alert"]));
        Assert.Empty(Texts(shown["pageErrors"]));
        Assert.True(new FileInfo(run.ServedScreenshot).Length > 10_000, "the screenshot is missing or empty");
    }

    [Fact]
    public void In_chromium_an_unreachable_service_is_reported_on_the_page_not_a_blank_page()
    {
        run.Step("browser without the service").EnsureSuccess();
        output.WriteLine($"screenshot: {run.UnreachableScreenshot}");
        var shown = run.Unreachable;
        Assert.Contains("Cannot check the model service: the model service is unreachable", (string)shown["status"]!, StringComparison.Ordinal);
        Assert.Equal(["The prediction failed: the model service is unreachable"], Texts(shown["alert"]));
        Assert.Empty(Texts(shown["label"]));
        Assert.Equal(run.Record.Count, (int)shown["fields"]!);
        Assert.Contains("Predict", (string)shown["text"]!, StringComparison.Ordinal);
        Assert.Empty(Texts(shown["pageErrors"]));
        Assert.Contains("upstream POST /predict failed", run.GatewayLog, StringComparison.Ordinal);
        Assert.True(new FileInfo(run.UnreachableScreenshot).Length > 10_000, "the screenshot is missing or empty");
    }

    private static string[] Texts(JsonNode? array) => array!.AsArray().Select(n => (string)n!).ToArray();
}

/// <summary>The web UI in front of the FastAPI service.</summary>
public sealed class FastApiWebUiTests(FastApiWebUiRun run, ITestOutputHelper output) : WebUiTests<FastApiWebUiRun>(run, output);

/// <summary>The web UI in front of the Django service.</summary>
public sealed class DjangoWebUiTests(DjangoWebUiRun run, ITestOutputHelper output) : WebUiTests<DjangoWebUiRun>(run, output);
