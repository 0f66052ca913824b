using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.Ci;

/// <summary>One generated pipeline through its own dialect's validator, and every shell step of it through shellcheck.</summary>
public static class DialectValidation
{
    /// <param name="scripts">Scripts of the repository (relative paths) shellchecked with the steps.</param>
    public static async Task AssertAcceptedAsync(TemplatePack pack, string ci, GeneratedRepository repo, string label, params string[] scripts)
    {
        await AssertPipelineValidAsync(repo, ci);
        var folder = pack.NewOutputDirectory(label + "-shell-steps");
        Directory.CreateDirectory(folder);
        var files = PipelineFiles.ShellBlocks(ci, PipelineFiles.Read(repo)).Select((block, i) =>
        {
            var file = Path.Combine(folder, $"step-{i:D2}.sh");
            File.WriteAllText(file, $"#!/bin/{block.Shell}\n# shellcheck disable=SC2154\nset -eu\n{block.Script}\n");
            return file;
        }).Concat(scripts.Select(repo.PathOf)).ToArray();
        await Validators.Shellcheck.AssertValidAsync(files);
    }

    /// <summary>The pipeline file through the validator of its dialect.</summary>
    public static async Task AssertPipelineValidAsync(GeneratedRepository repo, string ci)
    {
        switch (ci)
        {
            case "github":
                await Validators.Actionlint.AssertValidAsync(repo, ".github/workflows/ci.yml");
                await Validators.GitHubWorkflow.AssertValidAsync(repo, ".github/workflows/ci.yml");
                break;
            case "gitlab":
                await Validators.GitLabCi.AssertValidAsync(repo, ".");
                break;
            case "jenkins":
                await Validators.Jenkinsfile.AssertValidAsync(repo, "Jenkinsfile");
                break;
            default:
                await Validators.SharedSchema("azure-pipelines").AssertValidAsync(repo, "azure-pipelines.yml");
                break;
        }
    }
}
