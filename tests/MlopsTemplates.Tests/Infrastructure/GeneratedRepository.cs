namespace MlopsTemplates.Tests.Infrastructure;

/// <summary>A repository that <c>dotnet new mlops-project</c> generated, for tests to inspect and run.</summary>
public sealed class GeneratedRepository(string root, string name, IReadOnlyList<string> options, CommandResult generation)
{
    public string Root { get; } = root;

    /// <summary>The project name as passed to <c>-n</c>.</summary>
    public string Name { get; } = name;

    /// <summary>The template options as passed on the command line.</summary>
    public IReadOnlyList<string> Options { get; } = options;

    public CommandResult Generation { get; } = generation;

    /// <summary>Every file, as a path relative to <see cref="Root"/> with '/' separators, sorted.</summary>
    public IReadOnlyList<string> Files =>
        Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();

    public string PathOf(string relativePath) => Path.Combine(Root, relativePath);

    public bool Exists(string relativePath) => File.Exists(PathOf(relativePath));

    public string ReadText(string relativePath) => File.ReadAllText(PathOf(relativePath));

    public bool IsExecutable(string relativePath) => Authoring.TemplateFolder.IsExecutable(PathOf(relativePath));

    /// <summary>The value an option got: the one passed on the command line, else the template's default.</summary>
    public string Option(string name)
    {
        for (var i = 0; i + 1 < Options.Count; i++)
        {
            if (Options[i] == "--" + name)
            {
                return Options[i + 1];
            }
        }

        return TemplateOptions.Model.ByName[name].DefaultValue;
    }

    public override string ToString() => $"{Name} [{string.Join(" ", Options)}] at {Root}";
}
