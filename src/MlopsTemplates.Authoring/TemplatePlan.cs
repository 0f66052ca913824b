namespace MlopsTemplates.Authoring;

/// <summary>An output file of the staged template: static content or a rendered variant, and when it is emitted.</summary>
public sealed record PlannedFile(string OutputPath, string Origin, bool Executable, VariantCondition Condition, StaticFile? Static, Variant? Variant);

/// <summary>
/// Everything the staged template will contain, checked against the whole option space: the template engine would
/// silently let one file overwrite another, so two files that can land on one path for any combination are an error.
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
                    diagnostics.Add(AuthoringDiagnostic.ForFile(source.Path, DiagnosticCodes.FrontMatter,
                        "is never emitted: its 'only' condition leaves no combination of option values"));
                }

                files.AddRange(variants.Select(v => new PlannedFile(v.OutputPath, v.SourcePath, v.Executable, v.Condition, null, v)));
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
        plan.CheckCollisions();
        return plan;
    }

    /// <summary>The files the engine emits for one full combination of option values.</summary>
    public IEnumerable<PlannedFile> Select(IReadOnlyDictionary<string, string> combination) =>
        Files.Where(f => f.Condition.IsSatisfiedBy(combination));

    private void CheckCollisions()
    {
        var diagnostics = new List<AuthoringDiagnostic>();
        var reported = new HashSet<(string, string)>();
        foreach (var combination in Folder.Options.AllCombinations())
        {
            foreach (var clash in Select(combination).GroupBy(f => f.OutputPath, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                var origins = clash.Select(f => f.Origin).Distinct().OrderBy(o => o, StringComparer.Ordinal).ToList();
                var key = (clash.Key, string.Join("|", origins));
                if (reported.Add(key))
                {
                    diagnostics.Add(AuthoringDiagnostic.ForFile(origins[0], DiagnosticCodes.OutputCollision,
                        $"output '{clash.Key}' is also produced by {string.Join(", ", origins.Skip(1).DefaultIfEmpty("another variant of the same source"))} " +
                        $"for {Combinations.Describe(combination)}: make their 'only' conditions disjoint"));
                }
            }
        }

        if (diagnostics.Count > 0)
        {
            throw new AuthoringException(diagnostics);
        }
    }
}
