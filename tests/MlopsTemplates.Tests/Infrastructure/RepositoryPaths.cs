namespace MlopsTemplates.Tests.Infrastructure;

/// <summary>Paths in this repository, found from the test assembly's location.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Template => Path.Combine(Root, "templates", "mlops-project");

    public static string PackageProject => Path.Combine(Root, "src", "MlopsTemplates", "MlopsTemplates.csproj");

    public static string Validators => Path.Combine(Root, "tests", "validators");

    /// <summary>
    /// Schemas and CRDs that no package ships, kept as data beside the checkout (<c>../shared/schemas</c>, with
    /// their upstream in its README) and read from there, never copied into this repository.
    /// </summary>
    public static string SharedSchemas => Path.GetFullPath(Path.Combine(Root, "..", "shared", "schemas"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MlopsTemplates.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"MlopsTemplates.sln not found above {AppContext.BaseDirectory}");
    }
}
