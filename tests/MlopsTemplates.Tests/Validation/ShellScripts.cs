using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Validation;

/// <summary>Which generated files shellcheck must see.</summary>
public static class ShellScripts
{
    private static readonly string[] ShellInterpreters = ["sh", "bash", "dash", "ksh"];

    /// <summary>A *.sh file, or any file whose shebang names a POSIX shell or bash (Makefile recipes are not scripts).</summary>
    public static bool IsShellScript(GeneratedRepository repo, string file)
    {
        if (file.EndsWith(".sh", StringComparison.Ordinal) || file.EndsWith(".bash", StringComparison.Ordinal))
        {
            return true;
        }

        using var reader = new StreamReader(repo.PathOf(file));
        var first = reader.ReadLine() ?? "";
        if (!first.StartsWith("#!", StringComparison.Ordinal))
        {
            return false;
        }

        var words = first[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var interpreter = words.Length > 1 && Path.GetFileName(words[0]) == "env" ? words[1] : words.FirstOrDefault() ?? "";
        return ShellInterpreters.Contains(Path.GetFileName(interpreter));
    }
}
