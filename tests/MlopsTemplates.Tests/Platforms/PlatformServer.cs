using System.Net;
using System.Text;
using CliWrap;
using MlopsTemplates.Tests.GeneratedProject;

namespace MlopsTemplates.Tests.Platforms;

/// <summary>
/// A platform launcher of the generated package (<c>python -m churn_model.platform_sagemaker serve</c>, ...) run as the
/// platform runs it, with Debian's Python: it replaces itself with the image's server command on the port the platform's
/// environment names. Disposing stops it (SIGINT, then kill).
/// </summary>
public sealed class PlatformServer : IAsyncDisposable
{
    private readonly CancellationTokenSource graceful = new();
    private readonly CancellationTokenSource forceful = new();
    private readonly StringBuilder output = new();
    private readonly Task<CommandResult> running;

    private PlatformServer(string repository, string module, IReadOnlyDictionary<string, string> environment, int port)
    {
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        running = Cli.Wrap(GeneratedVariants.Python)
            .WithArguments(["-m", $"{GeneratedVariants.PackageName}.{module}", "serve"])
            .WithWorkingDirectory(repository)
            .WithEnvironmentVariables(GeneratedVariants.PythonEnvironment(repository, environment))
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.ToDelegate(Append))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(Append))
            .ExecuteAsync(forceful.Token, graceful.Token)
            .Task;
    }

    public HttpClient Client { get; }

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

    /// <summary>Starts the launcher and waits until <paramref name="probe"/> answers 200 or, unless <paramref name="untilReady"/>,
    /// answers at all (a 503: listening, not ready).</summary>
    public static async Task<PlatformServer> StartAsync(string repository, string module, IReadOnlyDictionary<string, string> environment, int port, string probe, bool untilReady = true)
    {
        var server = new PlatformServer(repository, module, environment, port);
        try
        {
            await server.WaitUntilAnsweringAsync(probe, untilReady);
            return server;
        }
        catch
        {
            await server.DisposeAsync(); // a server that never answered is stopped too, not left running
            throw;
        }
    }

    private async Task WaitUntilAnsweringAsync(string probe, bool untilReady)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(running.IsCompleted, $"the server exited before {probe} answered:{Environment.NewLine}{Output}");
            try
            {
                using var response = await Client.GetAsync(probe);
                if (!untilReady || response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{probe} did not answer within 120 s:{Environment.NewLine}{Output}");
    }

    /// <summary>Sends a request; <paramref name="chunked"/> sends the body without a length (chunked transfer encoding).</summary>
    public async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, string? json = null, string contentType = "application/json", bool chunked = false)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = chunked ? new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes(json))) : new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
            // As curl does, a large body asks first, so a server refusing its size answers 413 instead of closing on it.
            request.Headers.ExpectContinue = json.Length > 1 << 20;
        }

        using var response = await Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
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

    private void Append(string line)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }

    /// <summary>A stream that does not tell its length, so that HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
