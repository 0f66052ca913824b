using System.Text;
using CliWrap;
using CliWrap.Buffered;

namespace MlopsTemplates.Tests.Infrastructure;

/// <summary>The outcome of a finished process, with everything it printed for failure messages.</summary>
public sealed record CommandResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    public string Output => StandardOutput + StandardError;

    public override string ToString() =>
        $"$ {CommandLine}{Environment.NewLine}exit code {ExitCode}{Environment.NewLine}{StandardOutput}{StandardError}";

    /// <summary>Fails the test, showing the whole output, unless the command succeeded.</summary>
    public CommandResult EnsureSuccess()
    {
        Assert.True(ExitCode == 0, $"command failed:{Environment.NewLine}{this}");
        return this;
    }
}

/// <summary>Runs external programs (dotnet, python, node, validators) without throwing on a non-zero exit.</summary>
public static class Command
{
    public static async Task<CommandResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? standardInput = null,
        TimeSpan? timeout = null)
    {
        var args = arguments.ToList();
        var command = Cli.Wrap(program)
            .WithArguments(args)
            .WithValidation(CommandResultValidation.None)
            .WithWorkingDirectory(workingDirectory ?? Directory.GetCurrentDirectory())
            .WithEnvironmentVariables(environment ?? new Dictionary<string, string?>());
        if (standardInput is not null)
        {
            command = command.WithStandardInputPipe(PipeSource.FromString(standardInput));
        }

        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        var result = await command.ExecuteBufferedAsync(Encoding.UTF8, cancellation.Token);
        var commandLine = $"{program} {string.Join(" ", args.Select(Quote))}";
        LogCost(result.RunTime, commandLine);
        return new CommandResult(commandLine, result.ExitCode, result.StandardOutput, result.StandardError);
    }

    private static readonly Lock LogLock = new();

    /// <summary>With <c>MLOPS_COMMAND_LOG=FILE</c>, each process appends its wall time and command line to FILE, so
    /// bench/suite-costs.sh can say which tools the suite spends its time in.</summary>
    private static void LogCost(TimeSpan runTime, string commandLine)
    {
        if (Environment.GetEnvironmentVariable("MLOPS_COMMAND_LOG") is { Length: > 0 } file)
        {
            var line = $"{runTime.TotalSeconds:F3}\t{commandLine.ReplaceLineEndings(" ")}{Environment.NewLine}";
            lock (LogLock)
            {
                File.AppendAllText(file, line);
            }
        }
    }

    private static string Quote(string argument) => argument.Length > 0 && !argument.Any(char.IsWhiteSpace) ? argument : $"\"{argument}\"";
}
