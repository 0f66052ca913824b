using System.Net;
using System.Text;
using CliWrap;
using MlopsTemplates.Tests.GeneratedProject;

namespace MlopsTemplates.Tests.WebUi;

/// <summary>
/// The generated gateway (<c>node gateway/src/server.js</c>, as its image runs it) on 127.0.0.1 and a free port, serving
/// <c>ui/dist</c> and proxying /api to <paramref name="serviceUrl"/>. Disposing stops it (SIGINT, then kill).
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly CancellationTokenSource graceful = new();
    private readonly CancellationTokenSource forceful = new();
    private readonly StringBuilder output = new();
    private readonly Task<CliWrap.CommandResult> running;

    private GatewayProcess(string repository, string serviceUrl, int port)
    {
        Url = $"http://127.0.0.1:{port}/";
        running = Cli.Wrap("node")
            .WithArguments(["src/server.js"])
            .WithWorkingDirectory(Path.Combine(repository, "gateway"))
            .WithEnvironmentVariables(new Dictionary<string, string?>
            {
                ["HOST"] = "127.0.0.1",
                ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["MODEL_SERVICE_URL"] = serviceUrl,
                ["UI_DIST"] = Path.Combine(repository, "ui", "dist"),
                ["UPSTREAM_TIMEOUT_MS"] = "5000",
            })
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.ToDelegate(Append))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(Append))
            .ExecuteAsync(forceful.Token, graceful.Token)
            .Task;
    }

    public string Url { get; }

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

    public static async Task<GatewayProcess> StartAsync(string repository, string serviceUrl)
    {
        var gateway = new GatewayProcess(repository, serviceUrl, ServiceProcess.FreePort());
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && !gateway.running.IsCompleted)
        {
            try
            {
                using var response = await client.GetAsync(gateway.Url + "healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return gateway;
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

        Assert.Fail($"the gateway did not answer /healthz: {gateway.Output}");
        return gateway;
    }

    public async ValueTask DisposeAsync()
    {
        graceful.Cancel();
        forceful.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await running;
        }
        catch (OperationCanceledException)
        {
            // The expected end of a server we stopped.
        }

        graceful.Dispose();
        forceful.Dispose();
    }

    private void Append(string line)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
