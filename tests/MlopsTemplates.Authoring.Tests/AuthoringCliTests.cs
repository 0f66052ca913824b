using CliWrap;
using CliWrap.Buffered;

namespace MlopsTemplates.Authoring.Tests;

/// <summary>The console entry point the package build runs: its exit code and output are what MSBuild sees.</summary>
public sealed class AuthoringCliTests : IDisposable
{
    private readonly TemplateSandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

    private Task<BufferedCommandResult> RunAsync(params string[] args) =>
        Cli.Wrap("dotnet").WithArguments([Path.Combine(AppContext.BaseDirectory, "mlops-author.dll"), .. args])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();

    [Fact]
    public async Task A_broken_source_fails_with_msbuild_style_errors_on_stderr()
    {
        sandbox.Write("deploy/app.yaml.sbn", "+++\noutput = \"app.yaml\"\nvary = [\"cloud\"]\n+++\nimage: {{ registry }}");

        var result = await RunAsync("--template", sandbox.TemplateDirectory, "--staging", sandbox.StagingDirectory, "--version", "1.0.0");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{Path.Combine(sandbox.TemplateDirectory, "deploy", "app.yaml.sbn")}(5,11): error MLT002: The variable or function `registry` was not found (rendering cloud=local)", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_run_with_nothing_changed_says_it_is_up_to_date()
    {
        sandbox.Write("a.sbn", "+++\noutput = \"a.txt\"\n+++\nx");
        string[] args = ["--template", sandbox.TemplateDirectory, "--staging", sandbox.StagingDirectory, "--version", "1.0.0"];

        var first = await RunAsync(args);
        var second = await RunAsync(args);

        Assert.Contains("rendered 1 sources into 1 variants", first.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("up to date", second.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_arguments_print_usage()
    {
        var result = await RunAsync("--template", sandbox.TemplateDirectory);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("usage: mlops-author", result.StandardError, StringComparison.Ordinal);
    }
}
