using System.Net;
using System.Text;
using MlopsTemplates.Tests.GeneratedProject;

namespace MlopsTemplates.Tests.Platforms;

/// <summary>
/// A platform launcher of the generated package (<c>python -m churn_model.platform_sagemaker serve</c>, ...) run as the
/// platform runs it, with Debian's Python: it replaces itself with the image's server command on the port the platform's
/// environment names. The process is a <see cref="ServiceProcess"/> started from that command; disposing stops it
/// (SIGINT, then kill).
/// </summary>
public sealed class PlatformServer : IAsyncDisposable
{
    private readonly ServiceProcess process;

    private PlatformServer(ServiceProcess process) => this.process = process;

    public HttpClient Client => process.Client;

    public string Output => process.Output;

    /// <summary>Starts the launcher and waits until <paramref name="probe"/> answers 200 or, unless <paramref name="untilReady"/>,
    /// answers at all (a 503: listening, not ready). Up to 120 s: at a load of 40 on 2 cores gunicorn's workers once
    /// outlived their 30 s boot timeout before answering.</summary>
    public static async Task<PlatformServer> StartAsync(string repository, string module, IReadOnlyDictionary<string, string> environment, int port, string probe, bool untilReady = true) =>
        new(await ServiceProcess.StartCommandAsync(
            [$"{GeneratedVariants.PackageName}.{module}", "serve"], repository, environment, port, probe,
            anyAnswer: !untilReady, wait: TimeSpan.FromSeconds(120), requestTimeout: TimeSpan.FromSeconds(60)));

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

    public ValueTask DisposeAsync() => process.DisposeAsync();

    /// <summary>A stream that does not tell its length, so that HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
