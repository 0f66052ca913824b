using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.GeneratedProject;

/// <summary>
/// The generated Django project through its own manage.py, with Debian's Django 3.2 (the pinned 6.1 cannot be
/// installed here: no PyPI): the production defaults pass the deployment check with no warning, and the committed
/// migrations are what makemigrations would write; each check is shown to refuse a broken project.
/// </summary>
public sealed class DjangoProjectTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string Options = "--serving django";

    [Fact]
    public async Task The_deployment_check_passes_on_the_defaults_and_refuses_debug()
    {
        var repo = await GeneratedVariants.GetAsync(fixture.Pack, Options);

        var defaults = await ManageAsync(repo.Root, ["check", "--deploy", "--fail-level", "WARNING"]);
        Assert.True(defaults.ExitCode == 0, defaults.ToString());
        var debug = await ManageAsync(repo.Root, ["check", "--deploy", "--fail-level", "WARNING"], new Dictionary<string, string> { ["DJANGO_DEBUG"] = "true" });
        Assert.True(debug.ExitCode != 0 && debug.ToString().Contains("security.W018", StringComparison.Ordinal), debug.ToString());
    }

    [Fact]
    public async Task Makemigrations_has_nothing_to_add_until_a_model_changes()
    {
        var copy = await GeneratedVariants.CopyAsync(fixture.Pack, Options);

        var committed = await ManageAsync(copy, ["makemigrations", "--check", "--dry-run"]);
        Assert.True(committed.ExitCode == 0, committed.ToString());
        // A model without its migration: the check that CI runs (through the generated tests) must fail.
        await File.WriteAllTextAsync(
            Path.Combine(copy, "src", GeneratedVariants.PackageName, "web", "models.py"),
            "from django.db import models\n\n\nclass Feedback(models.Model):\n    label = models.CharField(max_length=20)\n");
        var changed = await ManageAsync(copy, ["makemigrations", "--check", "--dry-run"]);
        Assert.True(changed.ExitCode != 0 && changed.ToString().Contains("Create model Feedback", StringComparison.Ordinal), changed.ToString());
    }

    private static Task<CommandResult> ManageAsync(string repository, string[] arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        GeneratedVariants.RunPythonAsync(repository, ["manage.py", .. arguments], environment);
}
