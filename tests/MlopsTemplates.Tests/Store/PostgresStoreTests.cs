using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Store;

/// <summary>
/// <c>--store postgres</c> against a real PostgreSQL 15 server (one for the class): the committed Alembic migrations up
/// and down and equal to the models, the service started as in the image recording predictions and taking feedback,
/// the monitoring stage over that log, and the database killed mid-run while requests keep succeeding; the service
/// part for FastAPI, Flask and Django alike, and Django's admin listing the log from the same database.
/// </summary>
public sealed class PostgresStoreTests(TemplatePackFixture fixture, PostgresServer postgres)
    : IClassFixture<TemplatePackFixture>, IClassFixture<PostgresServer>
{
    private const string Options = "--store postgres";
    private const string AdminPassword = "store-test-admin-password";
    private static readonly string Package = GeneratedVariants.PackageName;

    [Fact]
    public async Task Real_postgres_migrations_go_up_and_down_and_check_compares_them_with_the_models()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, Options);
        await postgres.CreateDatabaseAsync("migrations");
        var environment = new Dictionary<string, string> { ["STORE_URL"] = postgres.Url("migrations") };
        Task<CommandResult> Store(params string[] arguments) => GeneratedVariants.RunPythonAsync(repo.Root, ["-m", $"{Package}.store", .. arguments], environment);
        const string tables = "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'";

        (await Store("upgrade")).EnsureSuccess();
        Assert.Equal("alembic_version,feedback,predictions", await postgres.ScalarAsync("migrations", tables));
        Assert.Contains("ix_predictions_created_at", await postgres.ScalarAsync("migrations", "SELECT string_agg(indexname, ',') FROM pg_indexes WHERE tablename = 'predictions'"));
        var matches = (await Store("check")).EnsureSuccess();
        Assert.Contains("schema matches", matches.StandardOutput);
        // The password never reaches the log.
        Assert.DoesNotContain(PostgresServer.Password, matches.Output);

        (await postgres.PsqlAsync("migrations", "ALTER TABLE predictions DROP COLUMN latency_ms")).EnsureSuccess();
        var drifted = await Store("check");
        Assert.True(drifted.ExitCode == 1 && drifted.StandardError.Contains("latency_ms", StringComparison.Ordinal), drifted.ToString());

        (await Store("downgrade", "base")).EnsureSuccess();
        Assert.Equal("alembic_version", await postgres.ScalarAsync("migrations", tables));
        Assert.Equal(1, (await Store("check")).ExitCode);
        (await Store("upgrade", "head")).EnsureSuccess();
        (await Store("check")).EnsureSuccess();
    }

    [Theory]
    [InlineData("fastapi")]
    [InlineData("flask")]
    [InlineData("django")]
    public async Task The_service_logs_to_real_postgres_feeds_monitoring_and_answers_while_the_database_is_killed(string serving)
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, serving == "fastapi" ? Options : $"{Options} --serving {serving}");
        var database = $"service_{serving}";
        await postgres.CreateDatabaseAsync(database);
        var work = fixture.Pack.NewOutputDirectory($"store-service-{serving}");
        var environment = new Dictionary<string, string>
        {
            ["DATA_DIR"] = Path.Combine(work, "data"),
            ["MODEL_PATH"] = Path.Combine(work, "models", "model.joblib"),
            ["CANDIDATE_DIR"] = Path.Combine(work, "models", "candidate"),
            ["REPORTS_DIR"] = Path.Combine(work, "reports"),
            ["TRACKING_DIR"] = Path.Combine(work, "runs"),
            ["STORE_URL"] = postgres.Url(database),
            ["STORE_FLUSH_SECONDS"] = "0.1",
            ["STORE_TIMEOUT_SECONDS"] = "2",
            // The admin is served once the key that signs its sessions is set.
            ["DJANGO_SECRET_KEY"] = "store-test-django-key-" + new string('k', 40),
            ["DJANGO_SUPERUSER_PASSWORD"] = AdminPassword,
        };
        foreach (var step in new[] { "train", "evaluate" })
        {
            (await GeneratedVariants.RunPythonAsync(repo.Root, ["-m", $"{Package}.{step}"], environment)).EnsureSuccess();
        }

        if (serving == "django")
        {
            // Django's own tables (users, sessions) in the prediction log's database, and the admin's user; its static
            // files collected as the image build does.
            environment["DJANGO_STATIC_ROOT"] = Path.Combine(work, "static");
            (await GeneratedVariants.RunPythonAsync(repo.Root, ["manage.py", "collectstatic", "--noinput", "-v", "0"], environment)).EnsureSuccess();
            (await GeneratedVariants.RunPythonAsync(repo.Root, ["manage.py", "migrate", "--noinput"], environment)).EnsureSuccess();
            (await GeneratedVariants.RunPythonAsync(repo.Root, ["manage.py", "createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.com"], environment)).EnsureSuccess();
        }

        var record = GeneratedServiceTests.FirstTestRecord(Path.Combine(work, "data", "processed", "test.csv"));
        await using var service = await ServiceProcess.StartAsync(repo.Root, environment);

        // 30 predictions, recorded in the background; their ids are the clients' X-Request-ID.
        string? label = null;
        string? version = null;
        for (var i = 0; i < 30; i++)
        {
            var (status, body, requestId) = await PredictAsync(service, record, $"req-{i}");
            Assert.True(status == HttpStatusCode.OK, body);
            Assert.Equal($"req-{i}", requestId);
            var answer = JsonNode.Parse(body)!;
            version = (string)answer["model_version"]!;
            label = (string)answer["predictions"]![0]!["label"]!;
        }

        await Eventually(async () => await postgres.ScalarAsync(database, "SELECT count(*) FROM predictions") == "30", "30 predictions in PostgreSQL", service);
        Assert.Equal($"{version}|{label}|service", await postgres.ScalarAsync(database, "SELECT model_version || '|' || label || '|' || source FROM predictions WHERE request_id = 'req-0'"));

        // Ground truth for ten of them, all contradicting the model.
        var truth = label == "benign" ? "malignant" : "benign";
        for (var i = 0; i < 10; i++)
        {
            var (status, body) = await service.PostAsync("/feedback", Json(new JsonObject { ["request_id"] = $"req-{i}", ["label"] = truth }));
            Assert.True(status == HttpStatusCode.Created, body);
        }

        Assert.Equal("10", await postgres.ScalarAsync(database, "SELECT count(*) FROM feedback"));

        if (serving == "django")
        {
            // The admin lists the log from PostgreSQL; the store's schema check ignores Django's tables beside it.
            var page = await AdminPageAsync(service, "/admin/serving/prediction/?q=req-7");
            Assert.Contains("req-7", page);
            Assert.Contains(version!, page);
        }

        var check = await GeneratedVariants.RunPythonAsync(repo.Root, ["-m", $"{Package}.store", "check"], environment);
        Assert.True(check.ExitCode == 0 && check.StandardOutput.Contains("schema matches", StringComparison.Ordinal), check.ToString());

        // The monitoring stage over that log: thresholds low enough to judge 30 predictions; the model is wrong on
        // every labelled one and the log holds one record 30 times, so both accuracy and drift fail it.
        var parameters = Path.Combine(work, "params.yaml");
        await File.WriteAllTextAsync(parameters, repo.ReadText("params.yaml")
            .Replace("min_predictions: 100", "min_predictions: 20", StringComparison.Ordinal)
            .Replace("min_labelled: 30", "min_labelled: 5", StringComparison.Ordinal));
        var monitor = await GeneratedVariants.RunPythonAsync(repo.Root, ["-m", $"{Package}.monitor", "--params", parameters], environment);
        Assert.True(monitor.ExitCode == 1, monitor.ToString());
        Assert.Contains("live accuracy 0.000", monitor.StandardError);
        Assert.Contains("drifted", monitor.StandardError);
        var report = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(work, "reports", "monitor.json")))!;
        Assert.Equal(30, (int)report["predictions"]!);
        Assert.Equal(10, (int)report["accuracy"]!["labelled"]!);

        // The database dies: predictions still answer at once, feedback says to retry, the service stays ready.
        await postgres.KillAsync();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            var (status, body, _) = await PredictAsync(service, record, $"down-{i}");
            Assert.True(status == HttpStatusCode.OK, $"prediction {i} with the database down: {(int)status} {body}{Environment.NewLine}{service.Describe()}");
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"20 predictions took {clock.Elapsed} with the database down");
        var (feedbackStatus, feedbackBody) = await service.PostAsync("/feedback", Json(new JsonObject { ["request_id"] = "down-0", ["label"] = truth }));
        Assert.True(feedbackStatus == HttpStatusCode.ServiceUnavailable, feedbackBody);
        using (var ready = await service.Client.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        await Eventually(() => Task.FromResult(service.Output.Contains("prediction log write failed", StringComparison.Ordinal)), "the failed writes logged", service);
        Assert.DoesNotContain(PostgresServer.Password, service.Output);

        // Back up: recording resumes without a restart of the service.
        await postgres.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await PredictAsync(service, record, $"after-{i}")).Status);
        }

        await Eventually(async () => await postgres.ScalarAsync(database, "SELECT count(*) FROM predictions WHERE request_id LIKE 'after-%'") == "5", "recording resumed", service);
    }

    private static async Task<(HttpStatusCode Status, string Body, string? RequestId)> PredictAsync(ServiceProcess service, JsonObject record, string requestId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/predict") { Content = Json(record) };
        request.Headers.Add("X-Request-ID", requestId);
        using var response = await service.Client.SendAsync(request);
        var echoed = response.Headers.TryGetValues("X-Request-ID", out var values) ? values.Single() : null;
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), echoed);
    }

    /// <summary>Logs in to the Django admin as a browser does (CSRF token, form, session cookie) and GETs a page.
    /// Cookies are carried by hand: they are Secure (HTTPS ends at the Ingress) and this client speaks plain HTTP.</summary>
    private static async Task<string> AdminPageAsync(ServiceProcess service, string path)
    {
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = service.Client.BaseAddress };
        var cookies = new Dictionary<string, string>();
        async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
        {
            if (cookies.Count > 0)
            {
                request.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Key}={c.Value}")));
            }

            var response = await client.SendAsync(request);
            foreach (var header in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
            {
                var pair = header.Split(';', 2)[0].Split('=', 2);
                cookies[pair[0]] = pair[1];
            }

            return response;
        }

        using var form = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "/admin/login/"));
        var token = System.Text.RegularExpressions.Regex.Match(await form.Content.ReadAsStringAsync(), "name=\"csrfmiddlewaretoken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var login = await SendAsync(new HttpRequestMessage(HttpMethod.Post, "/admin/login/?next=/admin/")
        {
            Content = new FormUrlEncodedContent([new("csrfmiddlewaretoken", token), new("username", "admin"), new("password", AdminPassword), new("next", "/admin/")]),
        });
        Assert.True(login.StatusCode == HttpStatusCode.Found && cookies.ContainsKey("sessionid"), $"admin login: {(int)login.StatusCode} {await login.Content.ReadAsStringAsync()}");
        using var page = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path));
        var body = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"{path}: {(int)page.StatusCode} {body}");
        return body;
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what, ServiceProcess service)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within 30 s: {what}{Environment.NewLine}{service.Describe()}");
            await Task.Delay(100);
        }
    }

    private static StringContent Json(JsonNode value) => new(value.ToJsonString(), Encoding.UTF8, "application/json");
}
