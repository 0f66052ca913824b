using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Ci;

/// <summary>
/// <c>--ui react</c> in every CI dialect: one more stage of the stage model (<c>web-ui</c>, after lint) that runs the UI's
/// and the gateway's make targets on Node.js, with npm's cache keyed on both lock files, accepted by the dialect's
/// validator; and no such stage, nor any Node, without <c>--ui react</c>. One covering scenario per dialect.
/// </summary>
public sealed class WebUiStageTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private static readonly string[] UiTargets = ["install", "ui-install", "ui-lint", "ui-test", "ui-build"];

    public static TheoryData<string> CiSystems => new(CiScenarios.CiSystems);

    [SkippableTheory]
    [MemberData(nameof(CiSystems))]
    public async Task The_web_ui_stage_runs_the_ui_targets_on_node_exactly_with_ui_react(string ci)
    {
        var scenario = CiScenarios.Covering.First(s => s.Ci == ci && s.Serving != "none");
        var withUi = await fixture.Pack.GenerateAsync("churn-model", [.. scenario.Arguments, "--ui", "react"]);
        var without = await CiScenarios.GenerateAsync(fixture.Pack, scenario);

        await DialectValidation.AssertAcceptedAsync(fixture.Pack, ci, withUi, "web-ui");
        var pipeline = PipelineFiles.Read(withUi);
        var stage = WebUiStage(ci, pipeline);
        Assert.True(UiTargets.SequenceEqual(PipelineFiles.MakeTargets(stage)), $"--ci {ci}: the web UI stage runs make {string.Join(", ", PipelineFiles.MakeTargets(stage))}");
        // Right after lint, beside the Python tests: it waits for nothing else.
        var needs = ci switch
        {
            "github" => "needs\nlint",
            "gitlab" => "needs\nlint",
            "azure" => "dependsOn: lint",
            _ => "",
        };
        Assert.Contains(needs, stage, StringComparison.Ordinal);
        foreach (var marker in NodeMarkers(ci))
        {
            Assert.Contains(marker, ci == "gitlab" ? stage + PipelineFiles.Yaml(pipeline).Mapping(".node")!.AllText() : stage, StringComparison.Ordinal);
        }

        var plain = PipelineFiles.Read(without);
        Assert.DoesNotContain(PipelineFiles.MakeTargets(plain), t => t.StartsWith("ui-", StringComparison.Ordinal));
        foreach (var marker in NodeMarkers(ci))
        {
            Assert.DoesNotContain(marker, plain, StringComparison.Ordinal);
        }
    }

    /// <summary>What sets up Node.js 24 and keys npm's cache on both lock files, per dialect.</summary>
    private static string[] NodeMarkers(string ci) => ci switch
    {
        "github" => ["actions/setup-node@", "node-version\n24", "ui/package-lock.json\ngateway/package-lock.json"],
        "gitlab" => ["deb.nodesource.com/node_24.x", "ui/package-lock.json\ngateway/package-lock.json", "npm_config_cache"],
        "jenkins" => ["nodejs 'nodejs-24'", "npm_config_cache"],
        _ => ["task: NodeTool@0", "versionSpec: \"24.x\"", "ui/package-lock.json | gateway/package-lock.json"],
    };

    private static string WebUiStage(string ci, string pipeline) => ci switch
    {
        "github" => PipelineFiles.Yaml(pipeline).Mapping("jobs")!.Node("web-ui")!.AllText(),
        "gitlab" => PipelineFiles.Yaml(pipeline).Node("web-ui")!.AllText(),
        "jenkins" => PipelineFiles.JenkinsStage(pipeline, "Web UI"),
        _ => PipelineFiles.StageTexts(ci, pipeline)["web-ui"],
    };
}
