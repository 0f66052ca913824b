using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Ci;

/// <summary>
/// docs/ci.md tells the user, per dialect and cloud, the exact subject each identity trusts and the commands that set
/// it up: the subjects must be those of infra/trust-subjects.env (read by the shell, as the setup scripts read it), the
/// identities those of cloud.env, and the commands scripts that exist and stop clearly without their tool.
/// </summary>
public sealed partial class TrustDocsTests(TemplatePackFixture fixture) : IClassFixture<TemplatePackFixture>
{
    public static TheoryData<CiScenario> WithCi => TrustSetup.For(s => s.Ci != "none");

    [Theory]
    [MemberData(nameof(WithCi))]
    public async Task The_subjects_in_docs_ci_md_are_those_the_trust_code_reads(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var docs = repo.ReadText("docs/ci.md");
        var rows = TrustRow().Matches(docs).ToDictionary(m => m.Groups["boundary"].Value, m => (Key: m.Groups["key"].Value, Shown: m.Groups["subject"].Value));
        var boundaries = scenario.Deploy == "kubernetes" ? TrustSetup.Boundaries : TrustSetup.Boundaries[..2];
        Assert.Equal(boundaries.Order(), rows.Keys.Order());

        var root = TrustSetup.ScratchCopy(repo, scenario.Ci, scenario.Cloud);
        var cloud = CloudEnv.Parse(File.ReadAllText(Path.Combine(root, "cloud.env")));
        var read = await Command.RunAsync(
            "/bin/bash",
            ["-euc", "set -a; . ./cloud.env; . infra/trust-subjects.env; for key in \"$@\"; do printf '%s\\n' \"${!key}\"; done", "trust",
                .. boundaries.Select(b => scenario.Ci == "azure" ? $"TRUST_CONNECTION_{b}" : $"TRUST_SUBJECT_{b}")],
            root);
        read.EnsureSuccess();
        var trusted = read.StandardOutput.TrimEnd('\n').Split('\n');

        foreach (var (boundary, value) in boundaries.Zip(trusted))
        {
            var (key, shown) = rows[boundary];
            Assert.True(cloud.ContainsKey(key), $"{scenario}: docs/ci.md names the identity {key}, which cloud.env does not have");
            var documented = shown
                .Replace("OWNER/REPO", TrustSetup.Repository, StringComparison.Ordinal)
                .Replace("GROUP/PROJECT", TrustSetup.Repository, StringComparison.Ordinal)
                .Replace("https://JENKINS/job/FOLDER/job/REPO/", TrustSetup.JenkinsProject, StringComparison.Ordinal);
            Assert.True(documented == value, $"{scenario}: docs/ci.md says {boundary} trusts '{shown}', infra/trust-subjects.env '{value}'");
            if (scenario.Ci != "azure")
            {
                Assert.Equal(TrustSetup.Subjects(scenario.Ci)[boundary], value);
            }
        }
    }

    [Theory]
    [MemberData(nameof(WithCi))]
    public async Task The_setup_commands_in_docs_ci_md_exist_and_stop_clearly_without_their_tool(CiScenario scenario)
    {
        var repo = await CiScenarios.GenerateAsync(fixture.Pack, scenario);
        var docs = repo.ReadText("docs/ci.md");
        var commands = SetupCommand().Matches(docs).Select(m => m.Groups["script"].Value).Distinct().ToList();
        Assert.Equal(new[] { $"infra/setup-ci-{scenario.Ci}.sh", $"infra/{scenario.Cloud}/setup-trust.sh" }.Order(StringComparer.Ordinal), commands.Order(StringComparer.Ordinal));
        Assert.All(commands, c => Assert.True(repo.IsExecutable(c), $"{scenario}: {c} is not executable"));

        var root = TrustSetup.ScratchCopy(repo, scenario.Ci, scenario.Cloud);
        var tool = scenario.Ci switch { "github" => "gh", "gitlab" => "glab", "jenkins" => "java", _ => "az" };
        // The arguments exactly as docs/ci.md writes the command, its placeholders filled in: the script accepts them.
        var documented = SetupCommand().Matches(docs).Single(m => m.Groups["script"].Value == $"infra/setup-ci-{scenario.Ci}.sh").Groups["arguments"].Value;
        var arguments = documented.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(a => a switch
        {
            "DEV_CLUSTER" => scenario.Cloud == "azure" ? "rg/aks-dev" : "dev-cluster",
            "PROD_CLUSTER" => scenario.Cloud == "azure" ? "rg/aks-prod" : "prod-cluster",
            "APPROVER..." => "alice",
            _ => throw new InvalidOperationException($"{scenario}: docs/ci.md gives infra/setup-ci-{scenario.Ci}.sh the unknown argument {a}"),
        }).ToArray();
        var bin = Directory.CreateTempSubdirectory("tools-").FullName;
        foreach (var name in new[] { "awk", "cat", "dirname", "grep", "mv", "sed", "tr" })
        {
            File.CreateSymbolicLink(Path.Combine(bin, name), Path.Combine("/usr/bin", name));
        }

        var run = await Command.RunAsync("/bin/bash", [$"infra/setup-ci-{scenario.Ci}.sh", .. arguments], root, new Dictionary<string, string?> { ["PATH"] = bin });
        Assert.True(run.ExitCode == 1, $"{scenario}: {run}");
        Assert.StartsWith($"setup-ci-{scenario.Ci}.sh: {tool} is not on PATH: install", run.StandardError, StringComparison.Ordinal);
    }

    /// <summary>A row of the trust table: boundary from the identity key's suffix, and the subject (or connection) shown.</summary>
    [GeneratedRegex(@"^\| [^|]+ \| [^|]+ \| [^|`]*`(?<key>(AWS_ROLE_|AZURE_CLIENT_ID_|GCP_SA_)(?<boundary>PR|MAIN|DEPLOY_DEV|DEPLOY_PROD))` \| `(?<subject>[^`]+)` \|$", RegexOptions.Multiline)]
    private static partial Regex TrustRow();

    [GeneratedRegex(@"^(?<script>infra/[a-z/-]+\.sh)\b(?<arguments>[A-Z_. ]*)", RegexOptions.Multiline)]
    private static partial Regex SetupCommand();
}
