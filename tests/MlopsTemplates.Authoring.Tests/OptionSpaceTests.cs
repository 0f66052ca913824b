using System.Diagnostics;
using Xunit.Abstractions;

namespace MlopsTemplates.Authoring.Tests;

/// <summary>
/// The valid option space, answered on boxes of values: the same answers as listing every combination on a small
/// model, and answers (count, pairwise set, sample) for a model of millions of combinations that is never listed.
/// </summary>
public sealed class OptionSpaceTests(ITestOutputHelper output)
{
    private static TemplateOption Option(string name, params string[] values) => new(name, values, values[0], null);

    private static IReadOnlySet<string> Set(params string[] values) => values.ToHashSet(StringComparer.Ordinal);

    private static OptionRule Rule(int number, string whenOption, string[] whenValues, string requiredOption, string[] requiredValues) =>
        new(number, new Dictionary<string, IReadOnlySet<string>> { [whenOption] = Set(whenValues) },
            new Dictionary<string, IReadOnlySet<string>> { [requiredOption] = Set(requiredValues) }, $"rule {number}");

    /// <summary>
    /// The option model the component issues are heading for (12 options, 2.7 million combinations), with the rules
    /// known today, and a synthetic 13th option of 8 values to take it past 10^7.
    /// </summary>
    private static OptionModel Planned()
    {
        var options = new OptionModel([
            Option("ci", "github", "jenkins", "gitlab", "azure", "none"),
            Option("cloud", "local", "aws", "azure", "gcp"),
            Option("python", "3.12", "3.11", "3.13", "3.14"),
            Option("serving", "fastapi", "flask", "django", "none"),
            Option("deploy", "kubernetes", "kserve", "sagemaker", "vertex", "none"),
            Option("orchestrator", "none", "airflow", "argo", "kubeflow", "sagemaker", "vertex", "databricks"),
            Option("tracking", "mlflow", "none"),
            Option("data", "dvc", "none"),
            Option("prepare", "pandas", "spark", "hive"),
            Option("ingest", "none", "nifi"),
            Option("store", "none", "sqlite", "postgres", "mongodb", "cosmosdb"),
            Option("ui", "none", "react"),
            Option("synthetic", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"),
        ]);
        return options.WithRules([
            Rule(1, "deploy", ["sagemaker"], "cloud", ["aws"]),
            Rule(2, "orchestrator", ["sagemaker"], "cloud", ["aws"]),
            Rule(3, "deploy", ["vertex"], "cloud", ["gcp"]),
            Rule(4, "orchestrator", ["vertex"], "cloud", ["gcp"]),
            Rule(5, "store", ["cosmosdb"], "cloud", ["azure"]),
            Rule(6, "orchestrator", ["databricks"], "cloud", ["aws", "azure", "gcp"]),
            Rule(7, "orchestrator", ["argo", "kubeflow"], "deploy", ["kubernetes", "kserve"]),
            Rule(8, "ui", ["react"], "serving", ["fastapi", "flask", "django"]),
        ]);
    }

    private static IEnumerable<Dictionary<string, string>> Enumerate(OptionModel options) =>
        Combinations.Product(options.Options.Select(o => (o.Name, o.Values)).ToList()).Select(c => c.ToDictionary(kv => kv.Key, kv => kv.Value));

    [Fact]
    public void On_a_small_model_every_answer_matches_listing_every_combination()
    {
        var options = new OptionModel([Option("a", "1", "2", "3"), Option("b", "x", "y"), Option("c", "p", "q", "r")]).WithRules([
            Rule(1, "a", ["1"], "b", ["x"]),
            Rule(2, "b", ["x"], "c", ["p", "q"]),
            Rule(3, "c", ["r"], "a", ["2", "3"]),
        ]);
        var all = Enumerate(options).ToList();
        var valid = all.Where(options.IsValid).ToList();

        Assert.Equal(valid.Count, options.ValidCount());
        // Every box of the form {one option: some values, another: some values} reaches a valid combination exactly when one is listed in it.
        var boxes = from first in options.Options
                    from second in options.Options.Where(o => o.Name != first.Name)
                    from mask1 in Enumerable.Range(1, (1 << first.Values.Count) - 1)
                    from mask2 in Enumerable.Range(1, (1 << second.Values.Count) - 1)
                    select new Dictionary<string, IReadOnlySet<string>>
                    {
                        [first.Name] = first.Values.Where((_, i) => (mask1 & (1 << i)) != 0).ToHashSet(),
                        [second.Name] = second.Values.Where((_, i) => (mask2 & (1 << i)) != 0).ToHashSet(),
                    };
        foreach (var box in boxes)
        {
            var listed = valid.Where(c => box.All(b => b.Value.Contains(c[b.Key]))).ToList();
            Assert.Equal(listed.Count, options.ValidCount(box));
            var witness = options.FirstValid(box);
            Assert.Equal(listed.Count > 0, witness is not null);
            if (witness is not null)
            {
                Assert.True(options.IsValid(witness) && box.All(b => b.Value.Contains(witness[b.Key])), "the witness must be valid and inside the box");
            }
        }

        var pairwise = Covering.Pairwise(options);
        var neededPairs = valid.SelectMany(c => Covering.PairsOf(options, c)).ToHashSet();
        Assert.All(pairwise, p => Assert.True(options.IsValid(p.Values), $"{p} breaks a rule"));
        Assert.True(neededPairs.SetEquals(pairwise.SelectMany(p => Covering.PairsOf(options, p.Values))), "the pairwise set must cover exactly the pairs valid combinations have");
        Assert.True(neededPairs.SetEquals(Covering.ValidPairs(options)));
    }

    [Fact]
    public void A_model_of_millions_of_combinations_is_counted_covered_and_sampled_without_being_listed()
    {
        var options = Planned();
        var stopwatch = Stopwatch.StartNew();

        var valid = options.ValidCount();
        var pairwise = Covering.Pairwise(options);
        var covered = pairwise.SelectMany(p => Covering.PairsOf(options, p.Values)).ToHashSet();
        var needed = Covering.ValidPairs(options).ToList();
        var sample = options.SampleValid(new Random(15), 1000).ToList();

        output.WriteLine($"{options.CombinationCount} combinations, {valid} valid; {needed.Count} valid pairs covered by {pairwise.Count} combinations; {stopwatch.ElapsedMilliseconds} ms");
        Assert.True(options.CombinationCount > 10_000_000, "the model should have more than 10^7 combinations");
        Assert.InRange(valid, 1, options.CombinationCount - 1);
        Assert.All(needed, pair => Assert.Contains(pair, covered));
        Assert.All(pairwise, p => Assert.True(options.IsValid(p.Values), $"{p} breaks a rule"));
        // The largest pair of options (8 synthetic values x 7 orchestrators) bounds the set from below.
        Assert.InRange(pairwise.Count, 56, 80);
        Assert.All(sample, c => Assert.True(options.IsValid(c)));
        // Forbidden pairs are never asked for: SageMaker deployment on GCP cannot appear.
        Assert.DoesNotContain(pairwise, p => p.Values["deploy"] == "sagemaker" && p.Values["cloud"] != "aws");
    }

    [Fact]
    public void Counting_subtracts_overlapping_rules_once()
    {
        var options = new OptionModel([Option("deploy", "k8s", "sagemaker"), Option("orchestrator", "none", "sagemaker"), Option("cloud", "local", "aws")])
            .WithRules([Rule(1, "deploy", ["sagemaker"], "cloud", ["aws"]), Rule(2, "orchestrator", ["sagemaker"], "cloud", ["aws"])]);

        // With cloud=local only deploy=k8s, orchestrator=none is left; with aws all four.
        Assert.Equal(5, options.ValidCount());
        Assert.Equal(8, options.CombinationCount);
    }
}
