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
        var result = await RunDotnetNewAsync(args);
        Assert.True(result.ExitCode == 0, $"dotnet new {string.Join(" ", args)} failed:\n{result.StandardOutput}{result.StandardError}");
        return result;
    }

    private Task<BufferedCommandResult> RunDotnetNewAsync(params string[] args) =>
        Cli.Wrap("dotnet")
            .WithArguments(["new", .. args, "--debug:custom-hive", Path.Combine(sandbox.Root, "hive")])
            .WithEnvironmentVariables(e => e.Set("DOTNET_CLI_TELEMETRY_OPTOUT", "1").Set("DOTNET_NOLOGO", "1"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();

    private static IReadOnlyList<string> FilesUnder(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>A sandbox with the rule "--ci gitlab needs --cloud aws", a file per ci value and a file for everyone, installed.</summary>
    private async Task InstallWithRuleAsync()
    {
        sandbox.WriteRules(TemplateSandbox.GitlabNeedsAws);
        sandbox.Write("README.md", "# sandbox_token\n");
        sandbox.Write("ci.sbn", "+++\noutput = \"ci.txt\"\nonly = { ci: [\"github\", \"gitlab\"] }\nvary = [\"ci\", \"cloud\"]\n+++\n{{ ci }} on {{ cloud }}\n");
        sandbox.Author();
        await DotnetNewAsync("install", sandbox.StagedDirectory);
    }

    [Fact]
    public async Task A_combination_a_rule_forbids_is_refused_with_exit_code_102_naming_the_rule_and_nothing_is_written()
    {
        await InstallWithRuleAsync();
        var output = Path.Combine(sandbox.Root, "out-refused");

        var result = await RunDotnetNewAsync("sandbox-sample", "-n", "MyApp", "-o", output, "--ci", "gitlab", "--cloud", "local");

        Assert.Equal(102, result.ExitCode);
        Assert.Contains("Missing mandatory option(s) for the template 'Sandbox sample': '--ci-gitlab-requires-cloud-aws'", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(FilesUnder(output));

        // The same values with what the rule asks for are generated.
        var allowed = Path.Combine(sandbox.Root, "out-allowed");
        await DotnetNewAsync("sandbox-sample", "-n", "MyApp", "-o", allowed, "--ci", "gitlab", "--cloud", "aws");
        Assert.Equal(["README.md", "ci.txt"], FilesUnder(allowed));
        Assert.Equal("gitlab on aws\n", File.ReadAllText(Path.Combine(allowed, "ci.txt")));
    }

    [Fact]
    public async Task A_script_only_some_values_emit_gets_its_run_bit_and_no_failed_post_action_where_it_is_absent()
    {
        sandbox.Write("deploy.sh.sbn", "+++\noutput = \"deploy.sh\"\nonly = { ci: \"github\" }\nexecutable = true\n+++\n#!/bin/sh\n");
        sandbox.Write("run.sh", "#!/bin/sh\n", executable: true);
        sandbox.Author();
        await DotnetNewAsync("install", sandbox.StagedDirectory);

        foreach (var ci in new[] { "github", "none" })
        {
            var output = Path.Combine(sandbox.Root, $"out-chmod-{ci}");
            var result = await DotnetNewAsync("sandbox-sample", "-n", "MyApp", "-o", output, "--ci", ci, "--no-update-check");

            var said = result.StandardOutput + result.StandardError;
            Assert.DoesNotContain("Unable", said, StringComparison.Ordinal);
            Assert.DoesNotContain("failed", said, StringComparison.OrdinalIgnoreCase);
            Assert.True(TemplateFolder.IsExecutable(Path.Combine(output, "run.sh")), "run.sh lost its run bit");
            Assert.Equal(ci == "github", File.Exists(Path.Combine(output, "deploy.sh")));
            Assert.True(ci != "github" || TemplateFolder.IsExecutable(Path.Combine(output, "deploy.sh")), "deploy.sh lost its run bit");
        }
    }

    [Fact]
    public async Task Help_shows_every_rule_with_what_to_choose_instead_and_hides_the_rule_parameter()
    {
        await InstallWithRuleAsync();

        var result = await DotnetNewAsync("sandbox-sample", "--help");
        var help = string.Join(" ", result.StandardOutput.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));

        Assert.Contains("Rule: GitLab runners here are on AWS: choose --cloud aws, or --ci github", help, StringComparison.Ordinal);
        Assert.DoesNotContain("requires-cloud-aws", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Passing_the_hidden_rule_parameter_to_bypass_a_rule_still_writes_nothing()
    {
        await InstallWithRuleAsync();
        var output = Path.Combine(sandbox.Root, "out-bypass");

        await RunDotnetNewAsync("sandbox-sample", "-n", "MyApp", "-o", output, "--ci", "gitlab", "--cloud", "local", "--ci-gitlab-requires-cloud-aws", "ignore");

        Assert.Empty(FilesUnder(output));
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
