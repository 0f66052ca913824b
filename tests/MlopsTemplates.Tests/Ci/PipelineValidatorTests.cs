using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.Ci;

/// <summary>Each generated pipeline passes the validators its own ecosystem trusts (tests/validators).</summary>
public sealed class PipelineValidatorTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    public static TheoryData<CiScenario> GitHub => CiScenarios.For("github");

    public static TheoryData<CiScenario> GitLab => CiScenarios.For("gitlab");

    public static TheoryData<CiScenario> Jenkins => CiScenarios.For("jenkins");

    public static TheoryData<CiScenario> Azure => CiScenarios.For("azure");

    public static TheoryData<CiScenario> All => CiScenarios.All;

    [SkippableTheory]
    [MemberData(nameof(GitHub))]
    public async Task GitHub_workflow_passes_actionlint_and_GitHubs_parser(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);

        await Validators.Actionlint.AssertValidAsync(repo, ".github/workflows/ci.yml");
        await Validators.GitHubWorkflow.AssertValidAsync(repo, ".github/workflows/ci.yml");
        await Validators.Schema("dependabot").AssertValidAsync(repo, ".github/dependabot.yml");
    }

    [SkippableTheory]
    [MemberData(nameof(GitLab))]
    public async Task GitLab_pipeline_is_accepted_by_gitlab_ci_local(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);

        await Validators.GitLabCi.AssertValidAsync(repo, ".");
        // Each file it includes is a configuration of its own, for GitLab's schema too (SchemaStore's copy predates
        // id_tokens, which the pipeline itself uses: gitlab-ci-local above is its check).
        await Validators.Schema("gitlab-ci").AssertValidAsync(repo, [.. repo.Files.Where(f => f.StartsWith(".gitlab/ci/", StringComparison.Ordinal))]);
        // The jobs' default image, from the include, is a release of the --python minor.
        Assert.StartsWith($"python:{scenario.Python}.", PipelineFiles.GitLabDefault(repo, "image"), StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(Jenkins))]
    public async Task Jenkinsfile_compiles_and_has_the_declarative_shape(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);

        await Validators.Jenkinsfile.AssertValidAsync(repo, "Jenkinsfile");
    }

    [SkippableTheory]
    [MemberData(nameof(Azure))]
    public async Task Azure_pipeline_matches_the_current_azure_pipelines_schema(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);

        await Validators.SharedSchema("azure-pipelines").AssertValidAsync(repo, "azure-pipelines.yml");
    }

    [SkippableTheory]
    [MemberData(nameof(All))]
    public async Task Pipeline_yaml_passes_yamllint_and_renovate_config_its_schema(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);

        var yaml = new[] { ".github/workflows/ci.yml", ".github/dependabot.yml", ".gitlab-ci.yml", ".gitlab/ci/python-image.yml", "azure-pipelines.yml" }.Where(repo.Exists).ToArray();
        if (yaml.Length > 0)
        {
            await Validators.Yamllint.AssertValidAsync(repo, yaml);
        }

        Assert.Equal(scenario.Ci != "github", repo.Exists("renovate.json"));
        if (repo.Exists("renovate.json"))
        {
            await Validators.Schema("renovate").AssertValidAsync(repo, "renovate.json");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(All))]
    public async Task Pipeline_shell_steps_pass_shellcheck(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var blocks = PipelineFiles.ShellBlocks(scenario.Ci, PipelineFiles.Read(repo));
        Assert.NotEmpty(blocks);

        var folder = Path.Combine(fixture.Pack.NewOutputDirectory("shell-steps"));
        Directory.CreateDirectory(folder);
        var files = blocks.Select((block, i) =>
        {
            var file = Path.Combine(folder, $"step-{i:D2}.sh");
            // Variables such as AWS_REGION come from the CI's settings: "referenced but not assigned" is expected.
            File.WriteAllText(file, $"#!/bin/{block.Shell}\n# shellcheck disable=SC2154\nset -eu\n{block.Script}\n");
            return file;
        }).ToArray();

        await Validators.Shellcheck.AssertValidAsync(files);
    }
}
