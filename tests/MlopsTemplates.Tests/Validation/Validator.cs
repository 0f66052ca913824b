using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Validation;

/// <summary>How a validator judged its input.</summary>
public enum Verdict
{
    Valid,
    Invalid,

    /// <summary>The validator could not judge: wrong arguments or a crash of the tool itself.</summary>
    Error,
}

/// <summary>One run of a validator: its verdict and everything it printed.</summary>
public sealed record ValidationResult(Validator Validator, Verdict Verdict, CommandResult Command)
{
    public override string ToString() => $"{Validator.Name}: {Verdict}{Environment.NewLine}{Command}";
}

/// <summary>A program the machine must have for a validator to run, and how to tell whether it does.</summary>
public sealed record Requirement(string What, Func<bool> IsMet);

/// <summary>
/// A third-party validator (see tests/validators/README.md) run as a process over files or folders. When a tool it
/// needs is missing, the test fails under CI (<c>CI=true</c>) and is skipped elsewhere (in a
/// <c>[SkippableFact]</c>/<c>[SkippableTheory]</c>; a plain <c>[Fact]</c> reports the skip as a failure), in both
/// cases saying how to install it.
/// </summary>
public sealed class Validator(
    string name,
    string program,
    IReadOnlyList<string> leadingArguments,
    IReadOnlyList<Requirement> requirements,
    Func<CommandResult, Verdict> judge,
    IReadOnlyDictionary<string, string?>? environment = null)
{
    public const string InstallHint = "install the test dependencies with `sudo scripts/install-test-deps.sh` (Debian 12: apt packages, then npm ci in tests/validators)";

    public string Name { get; } = name;

    public override string ToString() => Name;

    /// <summary>Fails (CI) or skips (elsewhere) the calling test when a tool this validator needs is missing.</summary>
    public void EnsureAvailable() =>
        EnsureAvailable(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase));

    internal void EnsureAvailable(bool underCi)
    {
        var missing = requirements.Where(r => !r.IsMet()).Select(r => r.What).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var message = $"validator {Name} cannot run: missing {string.Join(", ", missing)}; {InstallHint}";
        if (underCi)
        {
            Assert.Fail(message);
        }

        Skip.If(true, message);
    }

    /// <summary>Runs the validator over <paramref name="inputs"/> (paths relative to <paramref name="workingDirectory"/> read best in messages).</summary>
    public async Task<ValidationResult> RunAsync(IEnumerable<string> inputs, string? workingDirectory = null, string? standardInput = null)
    {
        EnsureAvailable();
        var result = await Command.RunAsync(program, [.. leadingArguments, .. inputs], workingDirectory ?? RepositoryPaths.Root, environment, standardInput);
        return new ValidationResult(this, judge(result), result);
    }

    /// <summary>Asserts the validator accepts the inputs; the failure message holds its whole output.</summary>
    public Task<ValidationResult> AssertValidAsync(IEnumerable<string> inputs, string? workingDirectory = null, string? standardInput = null)
    {
        var inputList = inputs.ToList();
        return AssertValidAsync(inputList, workingDirectory, standardInput, Describe(inputList, workingDirectory));
    }

    /// <summary>
    /// Asserts the validator accepts files of a generated repository (paths relative to its root; <c>.</c> for the
    /// validators that take a directory); the failure message names the repository's options.
    /// </summary>
    public Task<ValidationResult> AssertValidAsync(GeneratedRepository repository, params string[] relativePaths) =>
        AssertValidAsync(relativePaths, repository.Root, null, $"{string.Join(" ", relativePaths)} of {repository}");

    private async Task<ValidationResult> AssertValidAsync(IReadOnlyList<string> inputs, string? workingDirectory, string? standardInput, string subject)
    {
        Assert.True(inputs.Count > 0, $"{Name}: nothing to validate");
        var result = await RunAsync(inputs, workingDirectory, standardInput);
        Assert.True(result.Verdict == Verdict.Valid, $"{Name} did not accept {subject}:{Environment.NewLine}{result}");
        return result;
    }

    /// <summary>Asserts the validator rejects the inputs (a usage error or crash is not a rejection), mentioning each expected fragment.</summary>
    public async Task<ValidationResult> AssertInvalidAsync(
        IEnumerable<string> inputs,
        string? workingDirectory = null,
        string? standardInput = null,
        IReadOnlyList<string>? expectedFragments = null)
    {
        var inputList = inputs.ToList();
        var result = await RunAsync(inputList, workingDirectory, standardInput);
        Assert.True(result.Verdict == Verdict.Invalid, $"{Name} should have rejected {Describe(inputList, workingDirectory)}:{Environment.NewLine}{result}");
        foreach (var fragment in expectedFragments ?? [])
        {
            Assert.True(result.Command.Output.Contains(fragment, StringComparison.Ordinal), $"{Name} rejected {Describe(inputList, workingDirectory)} but did not mention '{fragment}':{Environment.NewLine}{result}");
        }

        return result;
    }

    private static string Describe(IReadOnlyList<string> inputs, string? workingDirectory) =>
        $"{string.Join(" ", inputs)}{(workingDirectory is null ? "" : $" (in {workingDirectory})")}";
}
