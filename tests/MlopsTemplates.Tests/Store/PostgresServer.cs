using System.Globalization;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Store;

/// <summary>
/// A throwaway PostgreSQL 15 server (Debian's postgresql package): initdb in a temporary folder, listening on
/// 127.0.0.1 only (its Unix socket in that folder too), password login over TCP. One server per test class
/// (xUnit class fixture); disposing stops it and deletes the folder. PostgreSQL refuses to run as root, so as root
/// its programs run as the package's postgres user.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string Bin = "/usr/lib/postgresql/15/bin";
    public const string User = "mlops";
    public const string Password = "store-test-secret";

    private readonly string folder = Path.Combine(Path.GetTempPath(), $"mlops-pg-{Guid.NewGuid():N}");

    public int Port { get; } = ServiceProcess.FreePort();

    private string DataDirectory => Path.Combine(folder, "data");

    /// <summary>The SQLAlchemy URL of a database on this server, as a deployment gives it in STORE_URL.</summary>
    public string Url(string database) => $"postgresql://{User}:{Password}@127.0.0.1:{Port}/{database}";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(folder);
        var passwordFile = Path.Combine(folder, "password");
        await File.WriteAllTextAsync(passwordFile, Password);
        if (IsRoot)
        {
            (await Command.RunAsync("chown", ["-R", "postgres", folder])).EnsureSuccess();
        }

        (await RunAsync("initdb", "-D", DataDirectory, "-U", User, "--pwfile", passwordFile, "--auth-local=trust",
            "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync", "--no-instructions")).EnsureSuccess();
        await StartAsync();
    }

    /// <summary>Starts (or restarts) the server and waits until it accepts connections.</summary>
    public async Task StartAsync() =>
        (await RunAsync("pg_ctl", "-D", DataDirectory, "-w", "-t", "60", "-l", Path.Combine(folder, "server.log"), "-o",
            $"-c listen_addresses=127.0.0.1 -p {Port.ToString(CultureInfo.InvariantCulture)} -k {folder} -c fsync=off", "start")).EnsureSuccess();

    /// <summary>Kills the server the way a crash or a lost node does: no shutdown handshake with its clients.</summary>
    public async Task KillAsync() => (await RunAsync("pg_ctl", "-D", DataDirectory, "-m", "immediate", "stop")).EnsureSuccess();

    public async Task CreateDatabaseAsync(string name) => (await PsqlAsync("postgres", $"CREATE DATABASE {name}")).EnsureSuccess();

    /// <summary>One SQL statement through psql over the Unix socket; the rows come back unaligned, one per line.</summary>
    public Task<CommandResult> PsqlAsync(string database, string sql) =>
        RunAsync("psql", "-h", folder, "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", User, "-d", database,
            "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql);

    public async Task<string> ScalarAsync(string database, string sql) => (await PsqlAsync(database, sql)).EnsureSuccess().StandardOutput.Trim();

    public async Task DisposeAsync()
    {
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            await RunAsync("pg_ctl", "-D", DataDirectory, "-m", "fast", "stop");
        }

        Directory.Delete(folder, recursive: true);
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static Task<CommandResult> RunAsync(string program, params string[] arguments) =>
        IsRoot
            ? Command.RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(Bin, program), .. arguments], "/", timeout: TimeSpan.FromMinutes(2))
            : Command.RunAsync(Path.Combine(Bin, program), arguments, "/", timeout: TimeSpan.FromMinutes(2));
}
