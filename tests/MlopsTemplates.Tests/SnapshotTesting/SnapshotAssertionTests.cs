using MlopsTemplates.Authoring;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.SnapshotTesting;

/// <summary>The snapshot assertion itself: it must see every kind of change a user would notice, and nothing else.</summary>
public sealed class SnapshotAssertionTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    private static readonly SnapshotScenario Defaults = SnapshotScenarios.Get("defaults");

    [Fact]
    public async Task Changing_one_line_of_a_source_fails_the_snapshot_with_a_unified_diff_of_that_line()
    {
        var work = fixture.Pack.NewOutputDirectory("changed-source");
        var template = Path.Combine(work, "template", "mlops-project");
        CopyDirectory(RepositoryPaths.Template, template);
        var (sourcePath, line) = PlainLineOfAnAlwaysEmittedSource(template);
        var lines = File.ReadAllLines(sourcePath).ToList();
        lines[lines.IndexOf(line)] = "changed: " + line;
        File.WriteAllText(sourcePath, string.Join("\n", lines) + "\n");

        var staged = TemplateAuthor.Author(template, Path.Combine(work, "staging"), fixture.Pack.Version).StagedTemplate;
        var hive = Path.Combine(work, "hive");
        (await Command.RunAsync("dotnet", ["new", "install", staged, "--debug:custom-hive", hive], work, TemplatePack.DotnetEnvironment)).EnsureSuccess();
        var output = Path.Combine(work, "out");
        (await Command.RunAsync("dotnet", ["new", TemplatePack.ShortName, "-n", Defaults.ProjectName, "-o", output, "--no-update-check", "--debug:custom-hive", hive, .. Defaults.Options], work, TemplatePack.DotnetEnvironment)).EnsureSuccess();

        var diff = DirectorySnapshot.Compare(output, Path.Combine(DirectorySnapshot.SnapshotsDirectory, Defaults.Name));

        Assert.NotNull(diff);
        Assert.Contains($"\n-{line}\n+changed: {line}\n", diff, StringComparison.Ordinal);
        Assert.Contains("--- snapshot/", diff, StringComparison.Ordinal);
        Assert.Contains("@@ ", diff, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generation_is_deterministic_so_nothing_needs_scrubbing()
    {
        var first = await fixture.Pack.InstantiateAsync(Defaults.ProjectName, Defaults.Options);
        var second = await fixture.Pack.InstantiateAsync(Defaults.ProjectName, Defaults.Options);
        var snapshot = fixture.Pack.NewOutputDirectory("determinism-snapshot");
        CopyAsSnapshot(first.Root, snapshot);

        Assert.Null(DirectorySnapshot.Compare(second.Root, snapshot));
    }

    [Fact]
    public async Task A_lost_run_bit_an_added_file_and_a_removed_file_all_show_in_the_tree_diff()
    {
        var repo = await fixture.Pack.InstantiateAsync(Defaults.ProjectName, Defaults.Options);
        var snapshot = fixture.Pack.NewOutputDirectory("tree-snapshot");
        CopyAsSnapshot(repo.Root, snapshot);
        var removed = repo.Files[0];
        var changedMode = repo.Files[^1];
        File.Delete(repo.PathOf(removed));
        File.WriteAllText(repo.PathOf("extra.txt"), "new\n");
        File.SetUnixFileMode(repo.PathOf(changedMode), File.GetUnixFileMode(repo.PathOf(changedMode)) ^ UnixFileMode.UserExecute);

        var diff = DirectorySnapshot.Compare(repo.Root, snapshot)!;

        Assert.Contains($"\n-644 {removed}\n", diff, StringComparison.Ordinal);
        Assert.Contains("\n+644 extra.txt\n", diff, StringComparison.Ordinal);
        Assert.Matches($@"\n-(644|755) {System.Text.RegularExpressions.Regex.Escape(changedMode)}\n", diff);
        Assert.Matches($@"\n\+(644|755) {System.Text.RegularExpressions.Regex.Escape(changedMode)}\n", diff);
    }

    /// <summary>Writes a tree in snapshot form by accepting it into a scratch snapshot folder.</summary>
    private static void CopyAsSnapshot(string root, string snapshot)
    {
        Assert.NotNull(DirectorySnapshot.Compare(root, snapshot));
        DirectorySnapshot.WriteSnapshot(root, snapshot);
    }

    /// <summary>A line of literal text (no Scriban) in a source emitted for every combination, as it appears in the file.</summary>
    private static (string Path, string Line) PlainLineOfAnAlwaysEmittedSource(string template)
    {
        foreach (var source in TemplateFolder.Load(template).Sources.Where(s => s.FrontMatter.Only.Count == 0))
        {
            var path = Path.Combine(template, source.Path);
            var body = File.ReadAllText(path).Split("+++", 3)[2];
            var line = body.Split('\n').FirstOrDefault(l => l.Trim().Length > 3 && !l.Contains('{') && !l.Contains('}'));
            if (line is not null)
            {
                return (path, line);
            }
        }

        throw new InvalidOperationException("no source with a plain text line that is always emitted");
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
