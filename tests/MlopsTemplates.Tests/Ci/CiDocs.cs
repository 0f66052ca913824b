using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Ci;

/// <summary>docs/ci.md as a user reads it: the stage table that says what each stage of the pipeline runs.</summary>
public static partial class CiDocs
{
    /// <summary>Each row of the stage table: its stage title and the make targets its "runs" column lists, in order.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> StageTargets(GeneratedRepository repo)
    {
        var rows = repo.ReadText("docs/ci.md").Split('\n')
            .SkipWhile(line => !line.StartsWith("| stage | runs | when |", StringComparison.Ordinal))
            .Skip(2)
            .TakeWhile(line => line.StartsWith('|'))
            .Select(line => line.Split('|', StringSplitOptions.TrimEntries))
            .ToList();
        Assert.True(rows.Count > 0, "docs/ci.md has no stage table");
        return rows.ToDictionary(
            cells => cells[1],
            cells => (IReadOnlyList<string>)MakeTarget().Matches(cells[2]).Select(m => m.Groups[1].Value).ToList());
    }

    [GeneratedRegex(@"`make ([\w-]+)`")]
    private static partial Regex MakeTarget();
}
