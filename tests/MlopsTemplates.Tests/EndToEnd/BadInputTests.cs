using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.EndToEnd;

/// <summary>Mistyped options and existing work: a clear error, and nothing lost or half-written.</summary>
public sealed class BadInputTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    public static TheoryData<string> OptionNames => new(TemplateOptions.Model.Options.Select(o => o.Name));

    [Theory]
    [MemberData(nameof(OptionNames))]
    public async Task An_invalid_value_for_any_option_exits_non_zero_names_the_valid_values_and_writes_nothing(string option)
    {
        var output = fixture.Pack.NewOutputDirectory($"bad-{option}");
        var result = await fixture.Pack.DotnetNewAsync([TemplatePack.ShortName, "-n", "churn", "-o", output, "--no-update-check", $"--{option}", "not-a-choice"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("not-a-choice", result.Output, StringComparison.Ordinal);
        foreach (var valid in TemplateOptions.Model.ByName[option].Values)
        {
            Assert.Contains(valid, result.Output, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(output), $"--{option} not-a-choice must write nothing");
    }

    [Fact]
    public async Task Generating_into_a_folder_with_files_overwrites_nothing_without_force()
    {
        var output = fixture.Pack.NewOutputDirectory("existing");
        Directory.CreateDirectory(Path.Combine(output, "notebooks"));
        var existing = new Dictionary<string, byte[]>
        {
            ["README.md"] = "my notes\n"u8.ToArray(),
            [".mlops-template.json"] = "{ \"mine\": true }"u8.ToArray(),
            ["notebooks/explore.ipynb"] = [0x7b, 0x00, 0xff, 0x7d],
        };
        foreach (var (path, bytes) in existing)
        {
            await File.WriteAllBytesAsync(Path.Combine(output, path), bytes);
        }

        var result = await fixture.Pack.DotnetNewAsync([TemplatePack.ShortName, "-n", "churn", "-o", output, "--no-update-check"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--force", result.Output, StringComparison.Ordinal);
        Assert.Contains("README.md", result.Output, StringComparison.Ordinal);
        foreach (var (path, bytes) in existing)
        {
            Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(output, path)));
        }

        Assert.Equal(existing.Keys.Order(StringComparer.Ordinal), Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(output, f)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Force_overwrites_generated_paths_and_keeps_unrelated_files()
    {
        var output = fixture.Pack.NewOutputDirectory("forced");
        Directory.CreateDirectory(output);
        await File.WriteAllTextAsync(Path.Combine(output, "README.md"), "old");
        await File.WriteAllTextAsync(Path.Combine(output, "keep.txt"), "mine");

        var result = await fixture.Pack.DotnetNewAsync([TemplatePack.ShortName, "-n", "churn", "-o", output, "--no-update-check", "--force"]);

        result.EnsureSuccess();
        Assert.NotEqual("old", await File.ReadAllTextAsync(Path.Combine(output, "README.md")));
        Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(output, "keep.txt")));
    }
}
