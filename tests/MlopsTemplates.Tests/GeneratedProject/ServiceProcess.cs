using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CliWrap;

namespace MlopsTemplates.Tests.GeneratedProject;

/// <summary>
/// The generated service as a real server process on 127.0.0.1: the Dockerfile's CMD (uvicorn or gunicorn),
/// run with Debian's Python on a free port instead of 0.0.0.0:8080. Disposing stops it (SIGINT, then kill).
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly CancellationTokenSource graceful = new();
    private readonly CancellationTokenSource forceful = new();
    private readonly StringBuilder output = new();
    private readonly Task<CommandResult> running;

    private ServiceProcess(string[] command, string repository, IReadOnlyDictionary<string, string> environment, int port, TimeSpan requestTimeout)
    {
        Command = command;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = requestTimeout };
        running = Cli.Wrap(GeneratedVariants.Python)
            .WithArguments(["-m", .. command])
            .WithWorkingDirectory(repository)
            .WithEnvironmentVariables(GeneratedVariants.PythonEnvironment(repository, environment))
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.ToDelegate(Append))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(Append))
            .ExecuteAsync(forceful.Token, graceful.Token)
            .Task;
    }

    /// <summary>The server command line after <c>python -m</c>.</summary>
    public string[] Command { get; }

    public int Port { get; }

    /// <summary>How many processes serve requests: gunicorn's <c>--workers</c>, or one.</summary>
    public int Processes
    {
        get
        {
            var workers = Array.IndexOf(Command, "--workers");
            return workers >= 0 ? int.Parse(Command[workers + 1], System.Globalization.CultureInfo.InvariantCulture) : 1;
        }
    }

    public HttpClient Client { get; }

    /// <summary>Everything the server printed so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>Starts the Dockerfile's server command and waits until /readyz answers 200 (or, unless
    /// <paramref name="untilReady"/>, until /healthz does: a service that is up but not ready).</summary>
    public static async Task<ServiceProcess> StartAsync(string repository, IReadOnlyDictionary<string, string> environment, bool untilReady = true)
    {
        var port = FreePort();
        var command = LocalCommand(File.ReadAllText(Path.Combine(repository, "Dockerfile")), port);
        return await StartCommandAsync(command, repository, environment, port, untilReady ? "/readyz" : "/healthz", anyAnswer: false, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// Starts <c>python -m <paramref name="command"/></c> (Debian's Python, the generated package's environment) serving on
    /// <paramref name="port"/>, and waits up to <paramref name="wait"/> until <paramref name="probe"/> answers 200 or, with
    /// <paramref name="anyAnswer"/>, answers at all (a 503: listening, not ready). A server that never does is stopped
    /// before the test fails, not left running.
    /// </summary>
    public static async Task<ServiceProcess> StartCommandAsync(string[] command, string repository, IReadOnlyDictionary<string, string> environment, int port, string probe, bool anyAnswer, TimeSpan wait, TimeSpan requestTimeout)
    {
        var service = new ServiceProcess(command, repository, environment, port, requestTimeout);
        try
        {
            return await service.WaitUntilAnsweringAsync(probe, anyAnswer, wait);
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    /// <summary>The server command and everything it printed, for failure messages.</summary>
    public string Describe() => $"{string.Join(" ", Command)}{Environment.NewLine}{Output}";

    /// <summary>POSTs and returns the status and body; a connection the server broke is reported as status 0.</summary>
    public async Task<(HttpStatusCode Status, string Body)> PostAsync(string path, HttpContent content)
    {
        using (content)
        {
            try
            {
                // Like curl, a client sending more than 1 MiB asks first (Expect: 100-continue), so a server that refuses
                // the size at once answers 413 instead of closing under a body still being written.
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
                request.Headers.ExpectContinue = content.Headers.ContentLength > 1 << 20;
                using var response = await Client.SendAsync(request);
                return (response.StatusCode, await response.Content.ReadAsStringAsync());
            }
            catch (HttpRequestException error)
            {
                return (0, $"no answer: {error.Message} {error.InnerException?.Message}");
            }
        }
    }

    /// <summary>The Dockerfile's exec-form CMD, rebound from 0.0.0.0:8080 to 127.0.0.1:<paramref name="port"/>.</summary>
    public static string[] LocalCommand(string dockerfile, int port)
    {
        var cmd = CmdLine().Matches(dockerfile).Last().Groups["json"].Value;
        var arguments = JsonSerializer.Deserialize<string[]>(cmd)!;
        return arguments
            .Select(a => a.Replace("0.0.0.0:8080", $"127.0.0.1:{port}", StringComparison.Ordinal)
                .Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal))
            .Select(a => a == "8080" ? port.ToString(System.Globalization.CultureInfo.InvariantCulture) : a)
            .ToArray();
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        graceful.Cancel();
        forceful.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await running;
        }
        catch (OperationCanceledException)
        {
            // The expected end of a server we stopped.
        }

        Client.Dispose();
        graceful.Dispose();
        forceful.Dispose();
    }

    private async Task<ServiceProcess> WaitUntilAnsweringAsync(string probe, bool anyAnswer, TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        while (DateTime.UtcNow < deadline)
        {
            if (running.IsCompleted)
            {
                Assert.Fail($"the server exited before {probe} answered 200: {Describe()}");
            }

            try
            {
                using var response = await Client.GetAsync(probe);
                if (anyAnswer || response.StatusCode == HttpStatusCode.OK)
                {
                    return this;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{probe} did not answer 200 within {wait.TotalSeconds} s: {Describe()}");
        return this;
    }

    private void Append(string line)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }

    [GeneratedRegex(@"^CMD\s+(?<json>\[.*\])\s*$", RegexOptions.Multiline)]
    private static partial Regex CmdLine();
}
