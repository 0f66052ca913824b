using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.GeneratedProject;

/// <summary>
/// The generated Django project through its own manage.py, with Debian's Django 3.2 (the pinned 6.1 cannot be
/// installed here: no PyPI). The generated suite (GeneratedTestSuiteTests) runs the deployment check and
/// `makemigrations --check` on the project as generated; here the migration check is shown to refuse a model
/// added without its migration.
/// </summary>
public sealed class DjangoProjectTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private const string Options = "--serving django";

    [Fact]
    public async Task Makemigrations_check_refuses_a_model_added_without_its_migration()
    {
        var copy = await GeneratedVariants.CopyAsync(fixture.Pack, Options);

        // A model without its migration: the check that CI runs (through the generated tests) must fail.
        await File.WriteAllTextAsync(
            Path.Combine(copy, "src", GeneratedVariants.PackageName, "web", "models.py"),
            "from django.db import models\n\n\nclass Feedback(models.Model):\n    label = models.CharField(max_length=20)\n");
        var changed = await ManageAsync(copy, ["makemigrations", "--check", "--dry-run"]);
        Assert.True(changed.ExitCode != 0 && changed.ToString().Contains("Create model Feedback", StringComparison.Ordinal), changed.ToString());
    }

    private static Task<CommandResult> ManageAsync(string repository, string[] arguments) =>
        GeneratedVariants.RunPythonAsync(repository, ["manage.py", .. arguments]);
}
