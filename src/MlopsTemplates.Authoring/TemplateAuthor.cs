namespace MlopsTemplates.Authoring;

/// <summary>What one authoring run did.</summary>
public sealed record AuthoringResult(bool Rendered, int Sources, int Variants, int StaticFiles, string StagedTemplate);

/// <summary>The authoring step: template sources in, a checked staged template out; skipped when nothing changed.</summary>
public static class TemplateAuthor
{
    /// <summary>Beside the staged template folder: the fingerprint of the inputs it was rendered from.</summary>
    public const string FingerprintExtension = ".fingerprint";

    /// <param name="templateDirectory">The authored template folder (holds .template.config/).</param>
    /// <param name="stagingDirectory">Receives the staged template in a sub-folder named like the template folder.</param>
    /// <param name="templateVersion">The package version, recorded in generated repositories.</param>
    public static AuthoringResult Author(string templateDirectory, string stagingDirectory, string templateVersion)
    {
        templateDirectory = Path.GetFullPath(templateDirectory);
        var staged = Path.Combine(Path.GetFullPath(stagingDirectory), Path.GetFileName(templateDirectory.TrimEnd(Path.DirectorySeparatorChar)));
        var fingerprintPath = staged + FingerprintExtension;
        var fingerprint = InputFingerprint.Compute(templateDirectory, templateVersion);
        if (Directory.Exists(staged) && File.Exists(fingerprintPath) && File.ReadAllText(fingerprintPath) == fingerprint)
        {
            return new AuthoringResult(false, 0, 0, 0, staged);
        }

        // A failed run must not leave a stale stamp that would make the next run skip.
        Directory.CreateDirectory(stagingDirectory);
        File.Delete(fingerprintPath);
        var folder = TemplateFolder.Load(templateDirectory);
        var plan = TemplatePlan.Create(folder, templateVersion);
        StagedTemplateWriter.Write(plan, staged);
        var manifestPath = Path.Combine(staged, TemplateFolder.ConfigFolder, "template.json");
        var problems = ManifestChecks.Check(
            System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject(), folder.ManifestPath, staged);
        if (problems.Count > 0)
        {
            throw new AuthoringException(problems);
        }

        File.WriteAllText(fingerprintPath, fingerprint);
        return new AuthoringResult(true, folder.Sources.Count, plan.Variants.Count(), folder.StaticFiles.Count, staged);
    }
}
