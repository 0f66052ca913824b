using MlopsTemplates.Tests.GeneratedProject;
using MlopsTemplates.Tests.Infrastructure;
using MlopsTemplates.Tests.Validation;

namespace MlopsTemplates.Tests.Store;

/// <summary>
/// Every <c>--store</c> backend through the generated repository's own store tests (tests/test_store.py: recording,
/// feedback, monitoring, batch, training on feedback, and the store-down test) and ruff. SQLite runs on a real file;
/// MongoDB and Cosmos DB run on mongomock, an in-process fake of pymongo and not a server (no MongoDB server installs
/// here), while their store-down test uses the real pymongo driver against a port where nothing listens. PostgreSQL
/// runs against a real server in <see cref="PostgresStoreTests"/>. The PostgreSQL row serves with Django: its recording,
/// feedback and admin (tests/test_store.py) and its own checks (tests/test_django.py) on the SQLite file.
/// </summary>
public sealed class StoreVariantTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private static readonly string[] StoreOptions =
    [
        "--store sqlite --deploy none --serving flask",
        "--store postgres --serving django",
        "--store mongodb",
        "--store cosmosdb --cloud azure --serving flask",
    ];

    public static TheoryData<string> Stores => new(StoreOptions);

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Store_tests_pass_on_sqlite_files_and_mongomock_fakes_and_the_store_down_test_for_each(string options)
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);

        // With Django, its own tests too: the deployment check and makemigrations --check with the admin installed.
        string[] tests = repo.Exists("tests/test_django.py") ? ["tests/test_store.py", "tests/test_django.py"] : ["tests/test_store.py"];
        var result = await GeneratedVariants.RunPythonAsync(repo.Root, ["-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", .. tests]);

        result.EnsureSuccess();
        Assert.DoesNotContain("SKIPPED", result.StandardOutput);
        foreach (var test in new[] { "test_a_store_that_is_down_fails_no_request", "test_batch_prediction_succeeds_while_the_store_is_down", "test_monitoring_fails_on_drift_and_on_wrong_predictions" })
        {
            Assert.Contains($"PASSED tests/test_store.py::{test}", result.StandardOutput);
        }

        if (repo.Option("serving") == "django")
        {
            Assert.Contains("PASSED tests/test_store.py::test_the_admin_lists_recorded_predictions_read_only", result.StandardOutput);
            Assert.Contains("PASSED tests/test_django.py::test_the_committed_migrations_match_the_models", result.StandardOutput);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Stores))]
    public async Task Ruff_finds_nothing_and_formats_nothing_in_the_store_code(string options)
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);

        await Validators.Ruff.AssertValidAsync(repo, ".");
        var script = Path.Combine(RepositoryPaths.Root, "tests", "MlopsTemplates.Tests", "GeneratedProject", "ruff-format-check.mjs");
        var format = await Command.RunAsync("node", [script, repo.Root]);
        Assert.True(format.ExitCode == 0, $"ruff format would change files of {repo}:{Environment.NewLine}{format}");
    }

    [Fact]
    public async Task Each_store_ships_only_its_own_backend_and_the_chosen_one_is_what_opens()
    {
        foreach (var options in StoreOptions)
        {
            var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);
            var store = repo.Option("store");
            var sql = store is "sqlite" or "postgres";
            var package = $"src/{GeneratedVariants.PackageName}/store";
            Assert.Equal(sql, repo.Exists($"{package}/sql.py"));
            Assert.Equal(sql, repo.Files.Any(f => f.StartsWith($"{package}/migrations/versions/", StringComparison.Ordinal)));
            Assert.Equal(!sql, repo.Exists($"{package}/mongo.py"));
            Assert.Contains($"BACKEND = \"{store}\"", repo.ReadText($"{package}/settings.py"));
            Assert.True(repo.Exists("mk/store.mk"), $"no make targets for {store}");
        }

        var none = await GeneratedVariants.GetAsync(fixture.Pack, "");
        Assert.DoesNotContain(none.Files, f => f.Contains("/store/", StringComparison.Ordinal) || f == "mk/store.mk" || f.EndsWith("monitor.py", StringComparison.Ordinal));
        Assert.DoesNotContain("/feedback", none.ReadText($"src/{GeneratedVariants.PackageName}/service.py"));
    }

    [SkippableTheory]
    [InlineData("--store postgres", "postgres:")]
    [InlineData("--store mongodb", "mongo:")]
    public async Task The_compose_override_adds_the_database_and_matches_the_compose_schema(string options, string image)
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, options);

        await Validators.Schema("compose").AssertValidAsync(repo, "compose.store.yaml");
        var compose = repo.ReadText("compose.store.yaml");
        Assert.Contains($"image: {image}", compose);
        Assert.Contains("@store-db:", compose);
        Assert.Contains("127.0.0.1:", compose);
        Assert.Contains("compose.store.yaml", repo.ReadText("docs/store.md"));
    }
}
