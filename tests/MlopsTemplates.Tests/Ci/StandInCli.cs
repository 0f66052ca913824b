using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Ci;

/// <summary>
/// A stand-in for a CI provider's command-line tool (gh, glab, az) in a folder of its own: the test writes the bash
/// script that answers the calls it expects, and an infra/setup-ci-*.sh runs with only that folder before /usr/bin on
/// PATH, so no real tool is reached. The script appends each call to <see cref="Log"/>.
/// </summary>
public sealed class StandInCli
{
    private StandInCli(string program)
    {
        Program = program;
        Bin = Directory.CreateTempSubdirectory(program + "-").FullName;
    }

    public string Program { get; }

    /// <summary>The folder of the stand-in (and of any state files its script keeps).</summary>
    public string Bin { get; }

    /// <summary>Where the script records the calls, one line each.</summary>
    public string Log => Path.Combine(Bin, "calls");

    /// <summary>A new stand-in for <paramref name="program"/>; write its script with <see cref="Answer"/>.</summary>
    public static StandInCli For(string program) => new(program);

    /// <summary>The stand-in's script (a bash script that may use <see cref="Bin"/> and <see cref="Log"/>).</summary>
    public StandInCli Answer(string script)
    {
        var path = Path.Combine(Bin, Program);
        File.WriteAllText(path, script);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return this;
    }

    /// <summary>Runs <paramref name="script"/> of the repository at <paramref name="root"/> against the stand-in.</summary>
    public async Task<(CommandResult Result, string[] Calls)> RunAsync(string root, string script, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var env = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>()) { ["PATH"] = $"{Bin}:/usr/bin:/bin" };
        var result = await Command.RunAsync("/bin/bash", [script, .. arguments], root, env);
        return (result, File.Exists(Log) ? File.ReadAllLines(Log) : []);
    }
}
