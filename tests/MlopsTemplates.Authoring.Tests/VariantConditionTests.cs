namespace MlopsTemplates.Authoring.Tests;

public sealed class VariantConditionTests
{
    private static readonly Dictionary<string, IReadOnlySet<string>> NoScope = [];

    private static readonly string[][] Axes = [["a", "b", "c"], ["x", "y"], ["1", "2", "3"]];

    private static IEnumerable<Dictionary<string, string>> Space() =>
        from p in Axes[0] from q in Axes[1] from r in Axes[2]
        select new Dictionary<string, string> { ["p"] = p, ["q"] = q, ["r"] = r };

    [Fact]
    public void A_set_that_is_not_one_product_becomes_disjoint_terms_covering_exactly_that_set()
    {
        // Everything except (p=a, q=x): an L-shaped set, the shape identical renderings merge into.
        var chosen = Space().Where(c => !(c["p"] == "a" && c["q"] == "x")).ToList();

        var condition = VariantCondition.ForCombinations(NoScope, chosen);

        Assert.InRange(condition.Terms.Count, 2, 3);
        foreach (var combination in Space())
        {
            var matching = condition.Terms.Count(t => t.All(kv => kv.Value.Contains(combination[kv.Key])));
            Assert.Equal(chosen.Any(c => c.SequenceEqual(combination)) ? 1 : 0, matching);
        }
    }

    [Fact]
    public void A_product_stays_one_term_and_keeps_its_scope()
    {
        var scope = new Dictionary<string, IReadOnlySet<string>> { ["s"] = new HashSet<string> { "only" } };
        var chosen = Space().Where(c => c["p"] != "c").ToList();

        var term = Assert.Single(VariantCondition.ForCombinations(scope, chosen).Terms);

        Assert.Equal(["a", "b"], term["p"].Order());
        Assert.Equal(3, term["r"].Count);
        Assert.Equal(["only"], term["s"]);
    }
}
