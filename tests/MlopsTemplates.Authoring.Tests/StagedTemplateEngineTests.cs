using CliWrap;
using CliWrap.Buffered;

namespace MlopsTemplates.Authoring.Tests;

/// <summary>
/// The staged template as the real <c>dotnet new</c> sees it: the facts the authoring step relies on
/// (modifier selection, renames, run bits through chmod, no #if processing) checked against the engine itself.
/// </summary>
public sealed class StagedTemplateEngineTests : IDisposable
{
    private readonly TemplateSandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

    private async Task<BufferedCommandResult> DotnetNewAsync(params string[] args)
    {
        var result = await Cli.Wrap("dotnet")
            .WithArguments(["new", .. args, "--debug:custom-hive", Path.Combine(sandbox.Root, "hive")])
            .WithEnvironmentVariables(e => e.Set("DOTNET_CLI_TELEMETRY_OPTOUT", "1").Set("DOTNET_NOLOGO", "1"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();
        Assert.True(result.ExitCode == 0, $"dotnet new {string.Join(" ", args)} failed:\n{result.StandardOutput}{result.StandardError}");
        return result;
    }

    [Fact]
    public async Task The_engine_selects_exactly_the_variant_of_each_combination()
    {
        sandbox.Write("pipeline.sbn", "+++\noutput = \"ci/pipeline.txt\"\nonly = { ci: [\"github\", \"gitlab\"] }\nvary = [\"ci\", \"cloud\"]\n+++\n{{ ci }} on {{ cloud }}\n");
        sandbox.Write("src/sandbox_token/run.sh.sbn", "+++\noutput = \"src/sandbox_token/run.sh\"\nexecutable = true\n+++\n#!/bin/sh\n#if DEBUG\necho sandbox_token\n#endif\n");
        sandbox.Write("static/keep.yml", "# comment\n#if (ci == \"github\")\nkept: true\n#endif\n");
        // One rendering for all but one combination: not a product, so it is staged as several disjoint copies.
        sandbox.Write("notes.sbn", "+++\noutput = \"notes.txt\"\nvary = [\"ci\", \"cloud\"]\n+++\n{{ ci == \"gitlab\" && cloud == \"aws\" ? \"special\" : \"common\" }}\n");
        sandbox.Author();
        await DotnetNewAsync("install", sandbox.StagedDirectory);

        foreach (var (ci, cloud) in new[] { ("github", "local"), ("gitlab", "aws"), ("gitlab", "local"), ("none", "aws") })
        {
            var output = Path.Combine(sandbox.Root, $"out-{ci}-{cloud}");
            await DotnetNewAsync("sandbox-sample", "-n", "MyApp", "-o", output, "--ci", ci, "--cloud", cloud);

            var files = Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(output, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
            var expected = new List<string> { "notes.txt", "src/myapp/run.sh", "static/keep.yml" };
            if (ci != "none")
            {
                expected.Insert(0, "ci/pipeline.txt");
                Assert.Equal($"{ci} on {cloud}\n", File.ReadAllText(Path.Combine(output, "ci/pipeline.txt")));
            }

            Assert.Equal(expected, files);
            Assert.Equal(ci == "gitlab" && cloud == "aws" ? "special\n" : "common\n", File.ReadAllText(Path.Combine(output, "notes.txt")));
            Assert.Equal("#!/bin/sh\n#if DEBUG\necho myapp\n#endif\n", File.ReadAllText(Path.Combine(output, "src/myapp/run.sh")));
            Assert.True(TemplateFolder.IsExecutable(Path.Combine(output, "src/myapp/run.sh")), "run.sh lost its run bit");
            Assert.Equal("# comment\n#if (ci == \"github\")\nkept: true\n#endif\n", File.ReadAllText(Path.Combine(output, "static/keep.yml")));
        }
    }
}
