using System.Text.RegularExpressions;
using MlopsTemplates.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace MlopsTemplates.Tests.Ci;

/// <summary>Reading generated pipeline files the way the assertions need them.</summary>
public static partial class PipelineFiles
{
    public static string PathFor(string ci) => ci switch
    {
        "github" => ".github/workflows/ci.yml",
        "gitlab" => ".gitlab-ci.yml",
        "jenkins" => "Jenkinsfile",
        "azure" => "azure-pipelines.yml",
        _ => throw new ArgumentOutOfRangeException(nameof(ci), ci, "no pipeline file"),
    };

    public static string Read(GeneratedRepository repo) => repo.ReadText(PathFor(repo.Option("ci")));

    /// <summary>The pipeline file, then the files it includes from the repository (GitLab's <c>include: local</c>), as GitLab reads them.</summary>
    public static IReadOnlyList<string> ReadWithIncludes(GeneratedRepository repo)
    {
        var main = Read(repo);
        if (repo.Option("ci") != "gitlab" || Yaml(main).Node("include") is not YamlSequenceNode includes)
        {
            return [main];
        }

        return [main, .. includes.Children.OfType<YamlMappingNode>().Select(i => i.Scalar("local")).OfType<string>().Select(repo.ReadText)];
    }

    /// <summary>GitLab's <c>default:</c> after its local includes are merged (the pipeline's own keys win, as in GitLab).</summary>
    public static string? GitLabDefault(GeneratedRepository repo, string key) =>
        ReadWithIncludes(repo).Select(text => Yaml(text).Mapping("default")?.Scalar(key)).FirstOrDefault(v => v is not null);

    /// <summary>Lines that are not comments: what the pipeline runs or declares.</summary>
    public static string WithoutComments(string pipelineText) =>
        string.Join("\n", pipelineText.Split('\n').Where(line => !CommentLine().IsMatch(line)));

    /// <summary>The Makefile targets the pipeline runs, in file order (comments left out: they are not commands).</summary>
    public static IReadOnlyList<string> MakeTargets(string pipelineText) =>
        pipelineText.Split('\n')
            .Where(line => !CommentLine().IsMatch(line))
            .SelectMany(line => MakeCommand().Matches(line).Select(m => m.Groups[1].Value))
            .ToList();

    public static YamlMappingNode Yaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    public static YamlMappingNode? Mapping(this YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child as YamlMappingNode : null;

    public static string? Scalar(this YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? (child as YamlScalarNode)?.Value : null;

    public static YamlNode? Node(this YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    /// <summary>All scalar text under a node (keys and values), for "does this job run X" questions.</summary>
    public static string AllText(this YamlNode node) => node switch
    {
        YamlScalarNode s => s.Value ?? "",
        YamlMappingNode m => string.Join("\n", m.Children.Select(kv => kv.Key.AllText() + "\n" + kv.Value.AllText())),
        YamlSequenceNode q => string.Join("\n", q.Children.Select(AllText)),
        _ => "",
    };

    /// <summary>The text of a Jenkins <c>stage('name') { ... }</c> block, braces balanced.</summary>
    public static string JenkinsStage(string jenkinsfile, string name)
    {
        var start = jenkinsfile.IndexOf($"stage('{name}')", StringComparison.Ordinal);
        Assert.True(start >= 0, $"Jenkinsfile has no stage '{name}'");
        var open = jenkinsfile.IndexOf('{', start);
        var depth = 0;
        for (var i = open; i < jenkinsfile.Length; i++)
        {
            depth += jenkinsfile[i] switch { '{' => 1, '}' => -1, _ => 0 };
            if (depth == 0)
            {
                return jenkinsfile[start..(i + 1)];
            }
        }

        throw new InvalidOperationException($"unbalanced stage '{name}'");
    }

    /// <summary>
    /// The text of each stage of the stage model (lint, test, train, build-image, deploy-dev, deploy-production), by id:
    /// a GitHub or GitLab job's scalars, a Jenkins <c>stage('Title')</c> block, an Azure Pipelines stage's lines.
    /// </summary>
    public static IReadOnlyDictionary<string, string> StageTexts(string ci, string pipelineText)
    {
        string[] ids = ["lint", "test", "train", "build-image", "deploy-dev", "deploy-production"];
        var stages = new Dictionary<string, string>();
        switch (ci)
        {
            case "github":
            case "gitlab":
                var root = Yaml(pipelineText);
                var jobs = ci == "github" ? root.Mapping("jobs")! : root;
                foreach (var id in ids.Where(id => jobs.Children.ContainsKey(new YamlScalarNode(id))))
                {
                    stages[id] = jobs.Children[new YamlScalarNode(id)].AllText();
                }

                break;
            case "jenkins":
                foreach (var (id, title) in ids.Select(id => (id, char.ToUpperInvariant(id[0]) + id[1..].Replace('-', ' '))))
                {
                    if (pipelineText.Contains($"stage('{title}')", StringComparison.Ordinal))
                    {
                        stages[id] = JenkinsStage(pipelineText, title);
                    }
                }

                break;
            default:
                var parts = AzureStage().Split(pipelineText);
                foreach (var part in parts.Skip(1))
                {
                    var id = part[..part.IndexOf('\n')].Trim().Replace('_', '-');
                    stages[id] = part;
                }

                break;
        }

        return stages;
    }

    public static IReadOnlyList<string> JenkinsStageNames(string jenkinsfile) =>
        JenkinsStageName().Matches(jenkinsfile).Select(m => m.Groups[1].Value).ToList();

    /// <summary>
    /// The shell the pipeline runs, one block per step, with the shell that runs it: bash for GitHub Actions and
    /// Azure Pipelines, POSIX sh for Jenkins <c>sh</c> steps and GitLab jobs (Alpine images have no bash).
    /// </summary>
    public static IReadOnlyList<(string Shell, string Script)> ShellBlocks(string ci, string pipelineText)
    {
        if (ci == "jenkins")
        {
            // Inside Groovy ''' strings a doubled backslash is one backslash for the shell.
            return JenkinsShStep().Matches(pipelineText)
                .Select(m => ("sh", (m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).Replace(@"\\", @"\", StringComparison.Ordinal)))
                .ToList();
        }

        var blocks = new List<(string, string)>();
        var shell = ci == "gitlab" ? "sh" : "bash";
        void Walk(YamlNode node)
        {
            switch (node)
            {
                case YamlMappingNode mapping:
                    foreach (var (key, value) in mapping.Children)
                    {
                        var name = ((YamlScalarNode)key).Value;
                        if (name is "run" or "script" or "inlineScript" && value is YamlScalarNode script)
                        {
                            blocks.Add((shell, script.Value!));
                        }
                        else if (name == "script" && value is YamlSequenceNode lines)
                        {
                            blocks.Add((shell, string.Join("\n", lines.Children.Select(l => ((YamlScalarNode)l).Value))));
                        }
                        else
                        {
                            Walk(value);
                        }
                    }

                    break;
                case YamlSequenceNode sequence:
                    foreach (var child in sequence.Children)
                    {
                        Walk(child);
                    }

                    break;
            }
        }

        Walk(Yaml(pipelineText));
        return blocks;
    }

    [GeneratedRegex(@"\bsh '''\n(.*?)'''|\bsh '([^'\n]*)'", RegexOptions.Singleline)]
    private static partial Regex JenkinsShStep();

    [GeneratedRegex(@"^\s*(#|//)")]
    private static partial Regex CommentLine();

    /// <summary><c>make target</c> in command position: line start (after a YAML item, <c>run:</c> or <c>sh '</c>), or after <c>then</c>, <c>;</c>, <c>&amp;&amp;</c>.</summary>
    [GeneratedRegex(@"(?:^\s*(?:- )?(?:run: |script: |sh ')?|\bthen |[;&] ?)make ([a-z][a-z0-9-]*)")]
    private static partial Regex MakeCommand();

    [GeneratedRegex(@"^  - stage: ", RegexOptions.Multiline)]
    private static partial Regex AzureStage();

    [GeneratedRegex(@"stage\('([^']+)'\)")]
    private static partial Regex JenkinsStageName();
}
