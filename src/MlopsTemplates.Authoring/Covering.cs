namespace MlopsTemplates.Authoring;

/// <summary>A full option combination with a name a test can show (<c>pairwise-03</c>, <c>golden-aws</c>).</summary>
public sealed record NamedCombination(string Name, IReadOnlyDictionary<string, string> Values)
{
    public override string ToString() => $"{Name}: {Combinations.Describe(Values)}";
}

/// <summary>
/// Small sets of valid combinations that deep tests run instead of the whole space, built from the option model and
/// its rules without listing the space: every check is a question about a box (see <see cref="OptionModel.Reaches"/>).
/// </summary>
public static class Covering
{
    /// <summary>
    /// Valid combinations in which every pair of values of two options that some valid combination has together
    /// appears at least once. Greedy, one combination at a time, in the manner of AETG (Cohen et al., 1997): the
    /// two options with the most uncovered pairs bound how many combinations are needed, so each of their uncovered
    /// pairs seeds a candidate; the other options, those with the most uncovered pairs first, take the value that
    /// covers most uncovered pairs and still leaves a valid completion; the candidate covering most pairs is kept.
    /// Deterministic. Pairs the <paramref name="alreadyRun"/> combinations cover (the golden stacks, say) are not
    /// covered again.
    /// </summary>
    public static IReadOnlyList<NamedCombination> Pairwise(OptionModel options, IEnumerable<NamedCombination>? alreadyRun = null)
    {
        var uncovered = new SortedSet<(int, int, int, int)>(ValidPairs(options));
        uncovered.ExceptWith((alreadyRun ?? []).SelectMany(c => PairsOf(options, c.Values)));
        var chosen = new List<NamedCombination>();
        while (uncovered.Count > 0)
        {
            var hardest = uncovered.GroupBy(p => (p.Item1, p.Item3)).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First();
            var best = hardest
                .Select(seed => Complete(options, uncovered, seed))
                .Select(row => (Row: row, Gain: CoveredBy(options, row).Count(uncovered.Contains)))
                .OrderByDescending(c => c.Gain)
                .First().Row;
            uncovered.ExceptWith(CoveredBy(options, best));
            var combination = options.Options.Select((o, k) => (o.Name, Value: o.Values[best[k]])).ToDictionary(x => x.Name, x => x.Value, StringComparer.Ordinal);
            chosen.Add(new NamedCombination($"pairwise-{chosen.Count + 1:D2}", combination));
        }

        return chosen;
    }

    /// <summary>A valid combination holding <paramref name="seed"/>, each other option (most uncovered pairs first)
    /// taking the reachable value that covers most uncovered pairs with the values already taken.</summary>
    private static int[] Complete(OptionModel options, IReadOnlySet<(int, int, int, int)> uncovered, (int, int, int, int) seed)
    {
        var (i, a, j, b) = seed;
        var partial = new Dictionary<int, int> { [i] = a, [j] = b };
        var order = Enumerable.Range(0, options.Options.Count)
            .Where(k => k != i && k != j)
            .OrderByDescending(k => uncovered.Count(p => p.Item1 == k || p.Item3 == k))
            .ThenBy(k => k);
        foreach (var k in order)
        {
            partial[k] = Enumerable.Range(0, options.Options[k].Values.Count)
                .Where(v => options.Reaches(Box(options, new Dictionary<int, int>(partial) { [k] = v })))
                .Select(v => (Value: v, Gain: partial.Count(p => uncovered.Contains(Pair(p.Key, p.Value, k, v)))))
                .OrderByDescending(x => x.Gain)
                .ThenBy(x => x.Value)
                .First().Value;
        }

        return [.. Enumerable.Range(0, options.Options.Count).Select(k => partial[k])];
    }

    private static IEnumerable<(int, int, int, int)> CoveredBy(OptionModel options, int[] row)
    {
        for (var x = 0; x < options.Options.Count; x++)
        {
            for (var y = x + 1; y < options.Options.Count; y++)
            {
                yield return (x, row[x], y, row[y]);
            }
        }
    }

    /// <summary>Every pair of values (option index, value index, later option index, value index) some valid combination has.</summary>
    public static IEnumerable<(int, int, int, int)> ValidPairs(OptionModel options)
    {
        for (var i = 0; i < options.Options.Count; i++)
        {
            for (var j = i + 1; j < options.Options.Count; j++)
            {
                for (var a = 0; a < options.Options[i].Values.Count; a++)
                {
                    for (var b = 0; b < options.Options[j].Values.Count; b++)
                    {
                        if (options.Reaches(Box(options, new Dictionary<int, int> { [i] = a, [j] = b })))
                        {
                            yield return (i, a, j, b);
                        }
                    }
                }
            }
        }
    }

    /// <summary>The value pairs one full combination covers, in the form <see cref="ValidPairs"/> lists them.</summary>
    public static IEnumerable<(int, int, int, int)> PairsOf(OptionModel options, IReadOnlyDictionary<string, string> combination)
    {
        var indices = options.Options.Select(o => o.Values.ToList().IndexOf(combination[o.Name])).ToList();
        for (var i = 0; i < indices.Count; i++)
        {
            for (var j = i + 1; j < indices.Count; j++)
            {
                yield return (i, indices[i], j, indices[j]);
            }
        }
    }

    /// <summary>
    /// Golden stacks: first, for each value of <paramref name="option"/> (one per cloud, say), a valid combination with
    /// the heaviest choices, named <c>golden-&lt;value&gt;</c>; then, while some value of any option is in none of them,
    /// one more from the first such value (template order), named <c>golden-&lt;option&gt;-&lt;value&gt;</c>. Each other
    /// option in turn takes the value whose own files (those whose condition singles it out) weigh most, always keeping a
    /// valid completion; in the added stacks a value no stack has yet comes first, so they are few. Ties go to a value no
    /// stack has yet, then to the default. So every value any valid combination can take is in some golden stack.
    /// </summary>
    public static IReadOnlyList<NamedCombination> GoldenStacks(TemplatePlan plan, string option)
    {
        var options = plan.Folder.Options;
        var weighted = plan.Files.Select(f => (f.Condition.Terms, Weight: Weight(f))).ToList();
        var covered = new HashSet<(string, string)>();
        var stacks = new List<NamedCombination>();

        void Add(string name, Dictionary<string, IReadOnlySet<string>> seed, bool newFirst)
        {
            var partial = seed;
            foreach (var other in options.Options.Where(o => !seed.ContainsKey(o.Name)))
            {
                partial = other.Values
                    .Select(v => (Value: v, Box: ValueBox.Intersect(partial, Single(other.Name, v))!))
                    .Where(x => options.Reaches(x.Box))
                    .Select(x => (x.Value, x.Box, New: !covered.Contains((other.Name, x.Value)), Weight: weighted
                        .Where(w => w.Terms.Any(t => t.TryGetValue(other.Name, out var allowed) && allowed.Count < other.Values.Count
                            && allowed.Contains(x.Value) && ValueBox.Intersect(t, x.Box) is not null))
                        .Sum(w => w.Weight)))
                    .OrderByDescending(x => newFirst && x.New)
                    .ThenByDescending(x => x.Weight)
                    .ThenByDescending(x => x.New)
                    .ThenBy(x => x.Value == other.DefaultValue ? 0 : 1)
                    .First().Box;
            }

            var stack = ValueBox.Representative(partial, options);
            covered.UnionWith(stack.Select(kv => (kv.Key, kv.Value)));
            stacks.Add(new NamedCombination(name, stack));
        }

        foreach (var value in options.ByName[option].Values.Where(v => options.Reaches(Single(option, v))))
        {
            Add($"golden-{value}", Single(option, value), newFirst: false);
        }

        while (options.Options.SelectMany(o => o.Values.Select(v => (o.Name, Value: v)))
                   .FirstOrDefault(x => !covered.Contains(x) && options.Reaches(Single(x.Name, x.Value))) is { Name: not null } missing)
        {
            Add($"golden-{missing.Name}-{missing.Value}", Single(missing.Name, missing.Value), newFirst: true);
        }

        return stacks;
    }

    private static long Weight(PlannedFile file) =>
        file.Static is { } s ? new FileInfo(s.FullPath).Length : System.Text.Encoding.UTF8.GetByteCount(file.Variant!.Content);

    private static Dictionary<string, IReadOnlySet<string>> Single(string option, string value) =>
        new(StringComparer.Ordinal) { [option] = new HashSet<string>(StringComparer.Ordinal) { value } };

    private static (int, int, int, int) Pair(int x, int a, int y, int b) => x < y ? (x, a, y, b) : (y, b, x, a);

    private static Dictionary<string, IReadOnlySet<string>> Box(OptionModel options, IReadOnlyDictionary<int, int> partial) =>
        partial.ToDictionary(
            p => options.Options[p.Key].Name,
            p => (IReadOnlySet<string>)new HashSet<string>(StringComparer.Ordinal) { options.Options[p.Key].Values[p.Value] },
            StringComparer.Ordinal);
}
