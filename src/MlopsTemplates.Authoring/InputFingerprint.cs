using System.Security.Cryptography;
using System.Text;

namespace MlopsTemplates.Authoring;

/// <summary>
/// A hash of everything that determines the staged template: every input file (path, bytes, run bit),
/// the template version and this library's own build. Content, not timestamps, so a fresh clone is up to date too.
/// </summary>
public static class InputFingerprint
{
    public static string Compute(string templateDirectory, string templateVersion)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, typeof(InputFingerprint).Assembly.ManifestModule.ModuleVersionId.ToString());
        Append(hash, templateVersion);
        foreach (var (relative, full) in TemplateFolder.AllInputFiles(templateDirectory))
        {
            Append(hash, relative);
            Append(hash, TemplateFolder.IsExecutable(full) ? "x" : "-");
            var bytes = File.ReadAllBytes(full);
            Append(hash, bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            hash.AppendData(bytes);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static void Append(IncrementalHash hash, string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\0"));
}
