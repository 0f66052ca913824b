using MlopsTemplates.Tests.Combinations;

namespace MlopsTemplates.Tests.Orchestrators;

/// <summary>
/// The rows of the shared covering sets (<see cref="CoveringSets.All"/>) that choose one orchestrator: the deep checks of
/// an orchestrator run on one of these per cloud (every cloud appears, as the pairwise set pairs each orchestrator with
/// each cloud), so that their cost grows with the number of values, not with the size of the covering set.
/// </summary>
public static class OrchestratorRows
{
    /// <summary>The first row per cloud that chooses the orchestrator (and passes the filter): each orchestrator x cloud once.</summary>
    public static TheoryData<string, string> With(string orchestrator, Func<string, bool>? filter = null)
    {
        var rows = new TheoryData<string, string>();
        var clouds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in CoveringSets.All)
        {
            var (name, options) = ((string)row[0], (string)row[1]);
            if (Has(options, "orchestrator", orchestrator) && (filter?.Invoke(options) ?? true) && clouds.Add(ValueOf(options, "cloud")))
            {
                rows.Add(name, options);
            }
        }

        return rows;
    }

    /// <summary>Whether a row's options (<c>--name value ...</c>) choose that value.</summary>
    public static bool Has(string options, string option, string value)
    {
        var arguments = CoveringSets.Arguments(options);
        var at = Array.IndexOf(arguments, $"--{option}");
        return at >= 0 && at + 1 < arguments.Length && arguments[at + 1] == value;
    }

    public static string ValueOf(string options, string option)
    {
        var arguments = CoveringSets.Arguments(options);
        var at = Array.IndexOf(arguments, $"--{option}");
        return at >= 0 && at + 1 < arguments.Length ? arguments[at + 1] : throw new ArgumentException($"{options} has no --{option}");
    }
}
