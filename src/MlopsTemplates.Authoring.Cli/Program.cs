using System.Diagnostics;
using MlopsTemplates.Authoring;

// Usage: mlops-author --template <authored template folder> --staging <folder> --version <package version>
// Diagnostics go to stderr as `path(line,col): error CODE: message`, which MSBuild's Exec turns into build errors.
var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    arguments[args[i]] = args[i + 1];
}

if (args.Length % 2 != 0 || !arguments.ContainsKey("--template") || !arguments.ContainsKey("--staging") || !arguments.ContainsKey("--version"))
{
    Console.Error.WriteLine("usage: mlops-author --template <folder> --staging <folder> --version <version>");
    return 2;
}

var stopwatch = Stopwatch.StartNew();
try
{
    var result = TemplateAuthor.Author(arguments["--template"], arguments["--staging"], arguments["--version"]);
    Console.WriteLine(result.Rendered
        ? $"mlops-author: rendered {result.Sources} sources into {result.Variants} variants, with {result.StaticFiles} static files, in {stopwatch.ElapsedMilliseconds} ms -> {result.StagedTemplate}"
        : $"mlops-author: up to date, nothing rendered -> {result.StagedTemplate}");
    return 0;
}
catch (AuthoringException e)
{
    // Full paths, so that MSBuild and IDEs link each error to its file whatever the build's working folder.
    foreach (var diagnostic in e.Diagnostics)
    {
        Console.Error.WriteLine(diagnostic with { Path = Path.GetFullPath(diagnostic.Path, Path.GetFullPath(arguments["--template"])) });
    }

    return 1;
}
