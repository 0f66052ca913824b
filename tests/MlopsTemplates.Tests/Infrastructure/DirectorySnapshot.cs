using System.Globalization;
using System.Text;
using DiffPlex.Renderer;

namespace MlopsTemplates.Tests.Infrastructure;

/// <summary>
/// Compares a whole generated tree (file list, every file's text, run bits) with a stored snapshot under
/// tests/MlopsTemplates.Tests/Snapshots/&lt;scenario&gt;/. A snapshot holds tree.txt (mode and path of every file)
/// and files/&lt;path&gt;.snap: the suffix keeps a generated .gitignore or .gitattributes from acting on this repository.
/// Nothing is scrubbed: generation is deterministic (a test proves it), so any difference is a real change.
/// On a mismatch the received tree is written beside the snapshot as &lt;scenario&gt;.received/ and the test fails
/// with a unified diff; with MLOPS_ACCEPT_SNAPSHOTS=1 the received tree replaces the snapshot instead.
/// </summary>
public static class DirectorySnapshot
{
    public const string AcceptVariable = "MLOPS_ACCEPT_SNAPSHOTS";
    private const string TreeFile = "tree.txt";
    private const string FilesFolder = "files";
    private const string Suffix = ".snap";
    private const int MaxDiffLength = 40_000;

    public static string SnapshotsDirectory => Path.Combine(RepositoryPaths.Root, "tests", "MlopsTemplates.Tests", "Snapshots");

    public static bool Accepting => Environment.GetEnvironmentVariable(AcceptVariable) == "1";

    public static void AssertMatches(string actualRoot, string scenario)
    {
        var snapshot = Path.Combine(SnapshotsDirectory, scenario);
        var received = snapshot + ".received";
        DeleteIfExists(received);
        var diff = Compare(actualRoot, snapshot);
        if (diff is null)
        {
            return;
        }

        if (Accepting)
        {
            WriteSnapshot(actualRoot, snapshot);
            return;
        }

        Write(actualRoot, received);
        Assert.Fail(
            $"Generated tree differs from snapshot '{scenario}'.{Environment.NewLine}" +
            $"Received tree written to {received}{Environment.NewLine}" +
            $"If the change is intended, accept it: {AcceptVariable}=1 ./scripts/test.sh --filter Snapshot{Environment.NewLine}{Environment.NewLine}" +
            (diff.Length > MaxDiffLength ? diff[..MaxDiffLength] + $"{Environment.NewLine}... (diff cut at {MaxDiffLength} characters)" : diff));
    }

    /// <summary>A unified diff of the snapshot against the actual tree, or null when they are the same.</summary>
    public static string? Compare(string actualRoot, string snapshotDirectory)
    {
        var actual = Read(actualRoot);
        var expected = File.Exists(Path.Combine(snapshotDirectory, TreeFile))
            ? ReadSnapshot(snapshotDirectory)
            : new SortedDictionary<string, (bool Executable, string Text)>(StringComparer.Ordinal);
        var diff = new StringBuilder();
        var renderer = new UnidiffRenderer(contextLines: 3);
        var expectedTree = Tree(expected);
        var actualTree = Tree(actual);
        if (expectedTree != actualTree)
        {
            diff.Append(renderer.Generate(expectedTree, actualTree, $"snapshot/{TreeFile}", $"received/{TreeFile}"));
        }

        foreach (var path in expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal))
        {
            var before = expected.TryGetValue(path, out var e) ? e.Text : "";
            var after = actual.TryGetValue(path, out var a) ? a.Text : "";
            if (before != after)
            {
                diff.Append(renderer.Generate(before, after, $"snapshot/{path}", $"received/{path}"));
            }
        }

        return diff.Length == 0 ? null : diff.ToString();
    }

    private static SortedDictionary<string, (bool Executable, string Text)> Read(string root) =>
        new(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(root, f).Replace('\\', '/'),
            f => (Authoring.TemplateFolder.IsExecutable(f), File.ReadAllText(f))), StringComparer.Ordinal);

    private static SortedDictionary<string, (bool Executable, string Text)> ReadSnapshot(string snapshot) =>
        new(File.ReadAllLines(Path.Combine(snapshot, TreeFile)).Where(l => l.Length > 0).ToDictionary(
            line => line[4..],
            line => (line.StartsWith("755", StringComparison.Ordinal), File.ReadAllText(Path.Combine(snapshot, FilesFolder, line[4..] + Suffix)))), StringComparer.Ordinal);

    private static string Tree(SortedDictionary<string, (bool Executable, string Text)> files) =>
        string.Concat(files.Select(f => string.Create(CultureInfo.InvariantCulture, $"{(f.Value.Executable ? "755" : "644")} {f.Key}\n")));

    /// <summary>Replaces the snapshot at <paramref name="snapshot"/> with the tree at <paramref name="actualRoot"/>.</summary>
    public static void WriteSnapshot(string actualRoot, string snapshot)
    {
        DeleteIfExists(snapshot);
        Write(actualRoot, snapshot);
    }

    private static void Write(string actualRoot, string snapshot)
    {
        var files = Read(actualRoot);
        Directory.CreateDirectory(snapshot);
        File.WriteAllText(Path.Combine(snapshot, TreeFile), Tree(files));
        foreach (var (path, (_, text)) in files)
        {
            var target = Path.Combine(snapshot, FilesFolder, path + Suffix);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, text);
        }
    }

    private static void DeleteIfExists(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
