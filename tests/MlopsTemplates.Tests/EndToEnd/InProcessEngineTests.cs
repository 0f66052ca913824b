using System.Security.Cryptography;
using MlopsTemplates.Tests.Combinations;
using MlopsTemplates.Tests.Infrastructure;
using Microsoft.TemplateEngine.Edge.Template;

namespace MlopsTemplates.Tests.EndToEnd;

/// <summary>
/// The component tests generate through <see cref="InProcessEngine"/> (the engine dotnet new runs, loaded into the test
/// process) to spend a third of the CPU. These tests are why that is allowed: for the heaviest stacks of every cloud
/// both write the same files with the same bytes and modes, and both refuse a combination that breaks each rule,
/// writing nothing.
/// </summary>
public sealed class InProcessEngineTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    public static TheoryData<string, string> Heaviest => CoveringSets.CloudGoldenStacks;

    [Theory]
    [MemberData(nameof(Heaviest))]
    public async Task The_in_process_engine_writes_what_dotnet_new_writes(string name, string arguments)
    {
        var options = CoveringSets.Arguments(arguments);
        var cli = await fixture.Pack.InstantiateAsync(GeneratedProject.GeneratedVariants.ProjectName, options);
        var output = fixture.Pack.NewOutputDirectory($"in-process-{name}");
        var (status, error) = await (await fixture.Pack.Engine).InstantiateAsync(cli.Name, output, InProcessEngine.Parameters(options));

        Assert.True(status == CreationResultStatus.Success, $"in-process engine: {status} {error}");
        Assert.Equal(Tree(cli.Root), Tree(output));
    }

    public static TheoryData<int> Rules => [.. TemplateOptions.Model.Rules.Select(r => r.Number)];

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task Both_refuse_a_combination_that_breaks_a_rule_and_write_nothing(int number)
    {
        var rule = TemplateOptions.Model.Rules.Single(r => r.Number == number);
        var breaking = rule.When.ToDictionary(w => w.Key, w => w.Value.First(), StringComparer.Ordinal);
        foreach (var (option, allowed) in rule.Requires)
        {
            breaking[option] = TemplateOptions.Model.ByName[option].Values.First(v => !allowed.Contains(v));
        }

        var options = TemplateOptions.ToArguments(breaking);
        var cliOutput = fixture.Pack.NewOutputDirectory("refused-cli");
        var cli = await fixture.Pack.DotnetNewAsync([TemplatePack.ShortName, "-n", "churn-model", "-o", cliOutput, "--no-update-check", .. options]);
        var output = fixture.Pack.NewOutputDirectory("refused-in-process");
        var (status, error) = await (await fixture.Pack.Engine).InstantiateAsync("churn-model", output, InProcessEngine.Parameters(options));

        Assert.True(cli.ExitCode == 102, $"dotnet new should refuse {rule.Summary}:{Environment.NewLine}{cli}");
        Assert.Contains(rule.LongName, cli.Output, StringComparison.Ordinal);
        Assert.True(status == CreationResultStatus.MissingMandatoryParam, $"in-process engine on {rule.Summary}: {status} {error}");
        Assert.False(Directory.Exists(cliOutput) && Directory.EnumerateFileSystemEntries(cliOutput).Any(), "dotnet new wrote files");
        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any(), "the in-process engine wrote files");
    }

    /// <summary>Every file as "mode path sha256", sorted: one line per file, so a difference names the file.</summary>
    private static List<string> Tree(string root) =>
        [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => $"{File.GetUnixFileMode(f)} {Path.GetRelativePath(root, f)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}")
            .Order(StringComparer.Ordinal)];
}
