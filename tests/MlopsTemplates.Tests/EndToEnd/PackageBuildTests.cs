using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.EndToEnd;

/// <summary>The authoring step as the package build runs it: a broken source fails the build where it is broken.</summary>
public sealed class PackageBuildTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    [Fact]
    public async Task A_scriban_error_fails_the_package_build_with_its_position_and_combination()
    {
        var work = fixture.Pack.NewOutputDirectory("broken-build");
        var templates = Path.Combine(work, "templates");
        var source = Path.Combine(templates, "mlops-project", "notes.txt.sbn");
        Directory.CreateDirectory(Path.GetDirectoryName(source)!);
        File.Copy(Path.Combine(RepositoryPaths.Template, ".template.config", "template.json"), Path.Combine(Directory.CreateDirectory(Path.Combine(templates, "mlops-project", ".template.config")).FullName, "template.json"));
        File.WriteAllText(source, "+++\noutput = \"notes.txt\"\nvary = [\"cloud\"]\n+++\nregion: {{ region }}\n");

        // Debug keeps this build out of the Release outputs the shared fixture packs from.
        var build = await Command.RunAsync(
            "dotnet",
            ["build", RepositoryPaths.PackageProject, "-c", "Debug", "-nologo", $"-p:TemplatesDirectory={templates}/", $"-p:StagingDirectory={Path.Combine(work, "staged")}/"],
            RepositoryPaths.Root,
            TemplatePack.DotnetEnvironment,
            timeout: TimeSpan.FromMinutes(5));

        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains($"{source}(5,12): error MLT002: The variable or function `region` was not found (rendering cloud=local)", build.Output, StringComparison.Ordinal);
    }
}
