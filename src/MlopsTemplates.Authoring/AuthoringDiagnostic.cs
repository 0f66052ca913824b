namespace MlopsTemplates.Authoring;

/// <summary>
/// A problem found while authoring, formatted the way MSBuild and IDEs recognise
/// (<c>path(line,col): error CODE: message</c>) so that a failed pack points at the source line.
/// </summary>
public sealed record AuthoringDiagnostic(string Path, int Line, int Column, string Code, string Message)
{
    /// <summary>A diagnostic about a whole file rather than a position in it.</summary>
    public static AuthoringDiagnostic ForFile(string path, string code, string message) => new(path, 0, 0, code, message);

    public override string ToString() =>
        Line > 0 ? $"{Path}({Line},{Column}): error {Code}: {Message}" : $"{Path}: error {Code}: {Message}";
}

/// <summary>Raised when authoring cannot produce a correct staged template.</summary>
public sealed class AuthoringException(IReadOnlyList<AuthoringDiagnostic> diagnostics)
    : Exception(string.Join(Environment.NewLine, diagnostics))
{
    public AuthoringException(AuthoringDiagnostic diagnostic) : this([diagnostic]) { }

    public IReadOnlyList<AuthoringDiagnostic> Diagnostics { get; } = diagnostics;
}

/// <summary>Diagnostic codes, one per kind of mistake an author can make.</summary>
public static class DiagnosticCodes
{
    public const string ScribanSyntax = "MLT001";
    public const string ScribanRuntime = "MLT002";
    public const string UnlistedOption = "MLT003";
    public const string FrontMatter = "MLT004";
    public const string TooManyCombinations = "MLT005";
    public const string OutputCollision = "MLT006";
    public const string TemplateManifest = "MLT007";
    public const string UnknownOption = "MLT008";
    public const string OptionRule = "MLT009";
    public const string Unreachable = "MLT010";
}
