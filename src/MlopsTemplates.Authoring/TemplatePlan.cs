namespace MlopsTemplates.Authoring;

/// <summary>
/// An output file of the staged template: static content or a rendered variant, when it is emitted, and the scope
/// of its origin (the source's <c>only</c>, which every variant of the source lies in; empty for a static file).
/// </summary>
public sealed record PlannedFile(string OutputPath, string Origin, bool Executable, VariantCondition Condition, StaticFile? Static, Variant? Variant)
{
    public IReadOnlyDictionary<string, IReadOnlySet<string>> Scope { get; init; } = OptionModel.Everything;
}

/// <summary>
/// Everything the staged template will contain, checked against the valid option space: the template engine would
/// silently let one file overwrite another, so two files that can land on one path for some valid combination are an
/// error, and so is a file no valid combination selects.
/// </summary>
public sealed class TemplatePlan
{
    private TemplatePlan(TemplateFolder folder, IReadOnlyList<PlannedFile> files)
    {
        Folder = folder;
        Files = files;
    }

    public TemplateFolder Folder { get; }

    public IReadOnlyList<PlannedFile> Files { get; }

    public IEnumerable<PlannedFile> Variants => Files.Where(f => f.Variant is not null);

    public static TemplatePlan Create(TemplateFolder folder, string templateVersion)
    {
        var files = new List<PlannedFile>();
        files.AddRange(folder.StaticFiles.Select(s => new PlannedFile(s.RelativePath, s.RelativePath, s.Executable, VariantCondition.Always, s, null)));
        var diagnostics = new List<AuthoringDiagnostic>();
        foreach (var source in folder.Sources)
        {
            try
            {
                var variants = source.RenderVariants(templateVersion);
                if (variants.Count == 0)
                {
                    var rules = folder.Options.RulesTouching(source.FrontMatter.Only).ToList();
                    diagnostics.Add(AuthoringDiagnostic.ForFile(source.Path, DiagnosticCodes.Unreachable, rules.Count == 0
                        ? "is never emitted: its 'only' condition leaves no combination of option values"
                        : $"is emitted only for combinations the option rules forbid ({ValueBox.Describe(source.FrontMatter.Only, folder.Options)}): " +
                          string.Join("; ", rules.Select(r => $"rule {r.Number}, {r.Summary}"))));
                }

                files.AddRange(variants.Select(v => new PlannedFile(v.OutputPath, v.SourcePath, v.Executable, v.Condition, null, v) { Scope = source.FrontMatter.Only }));
            }
            catch (AuthoringException e)
            {
                diagnostics.AddRange(e.Diagnostics);
            }
        }

        if (diagnostics.Count > 0)
        {
            throw new AuthoringException(diagnostics);
        }

        var plan = new TemplatePlan(folder, files);
        plan.CheckReachable();
        plan.CheckCollisions();
        return plan;
    }

    /// <summary>The files the engine emits for one full combination of option values.</summary>
    public IEnumerable<PlannedFile> Select(IReadOnlyDictionary<string, string> combination) =>
        Files.Where(f => f.Condition.IsSatisfiedBy(combination));

    /// <summary>
    /// Two files collide when some valid combination selects both: for each pair of files with one output path, the
    /// intersection of their terms minus what the rules forbid must be empty. Decided on the boxes themselves, so the
    /// cost follows the number of files sharing a path and the number of rules, not the number of combinations.
    /// </summary>
    private void CheckCollisions()
    {
        var options = Folder.Options;
        var diagnostics = new List<AuthoringDiagnostic>();
        foreach (var group in Files.GroupBy(f => f.OutputPath, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var files = group.ToList();
            var reported = new HashSet<(string, string)>();
            for (var i = 0; i < files.Count; i++)
            {
                for (var j = i + 1; j < files.Count; j++)
                {
                    var witness = (from a in files[i].Condition.Terms
                                   from b in files[j].Condition.Terms
                                   let common = ValueBox.Intersect(a, b)
                                   where common is not null
                                   select options.FirstValid(common)).FirstOrDefault(w => w is not null);
                    var origins = new[] { files[i].Origin, files[j].Origin }.Distinct().Order(StringComparer.Ordinal).ToList();
                    if (witness is not null && reported.Add((origins[0], origins[^1])))
                    {
                        diagnostics.Add(AuthoringDiagnostic.ForFile(origins[0], DiagnosticCodes.OutputCollision,
                            $"output '{group.Key}' is also produced by {(origins.Count > 1 ? origins[1] : "another variant of the same source")} " +
                            $"for {Combinations.Describe(witness)}: make their 'only' conditions disjoint"));
                    }
                }
            }
        }

        if (diagnostics.Count > 0)
        {
            throw new AuthoringException(diagnostics);
        }
    }

    /// <summary>Every file is selected by some valid combination: a variant only forbidden combinations select is dead weight or a mistake.</summary>
    private void CheckReachable()
    {
        var unreachable = Files.Where(f => !f.Condition.Terms.Any(Folder.Options.Reaches)).ToList();
        if (unreachable.Count > 0)
        {
            throw new AuthoringException(unreachable.Select(f => AuthoringDiagnostic.ForFile(f.Origin, DiagnosticCodes.Unreachable,
                $"'{f.OutputPath}' is selected only by combinations the option rules forbid ({string.Join(" or ", f.Condition.Terms.Select(t => ValueBox.Describe(t, Folder.Options)))})")).ToList());
        }
    }
}
