using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Ci;

/// <summary>
/// The cloud trust of a generated repository as a user would set it up: the subjects each CI dialect presents
/// (contract 4, written here independently of the template), a scratch copy of cloud.env and infra/ with the values a
/// user fills in, and a run of infra/CLOUD/setup-trust.sh against stand-ins for aws, az, gcloud and kubectl that
/// record every call (there is no cloud account here).
/// </summary>
public static class TrustSetup
{
    public const string Repository = "acme/churn-model";

    public const string JenkinsProject = "https://jenkins.example.com/job/ml/job/churn-model/";

    public const string AzdoIssuer = "https://login.microsoftonline.com/8a6c4e2f-0b1d-4f3a-9c5e-7b9d1f3a5c7e/v2.0";

    public const string GcpProjectNumber = "123456789012";

    public static readonly string[] Boundaries = ["PR", "MAIN", "DEPLOY_DEV", "DEPLOY_PROD"];

    /// <summary>Repositories with cloud trust: the CI covering set on a cloud, and --ci none with Kubernetes per cloud.</summary>
    public static IReadOnlyList<CiScenario> Scenarios { get; } =
        [
            .. CiScenarios.Covering.Where(s => s.Cloud != "local"),
            .. new[] { "aws", "azure", "gcp" }.Select((cloud, i) => new CiScenario("none", cloud, i % 2 == 0 ? "dvc" : "none", "kubernetes", i % 2 == 0 ? "none" : "mlflow", i == 1 ? "none" : "fastapi", "3.12")),
        ];

    public static TheoryData<CiScenario> For(Func<CiScenario, bool> which) => new(Scenarios.Where(which));

    /// <summary>The issuer the dialect's tokens carry, with the values of <see cref="FilledTrust"/>.</summary>
    public static string Issuer(string ci) => ci switch
    {
        "github" => "https://token.actions.githubusercontent.com",
        "gitlab" => "https://gitlab.com",
        "jenkins" => "https://jenkins.example.com/oidc",
        "azure" => AzdoIssuer,
        _ => throw new ArgumentOutOfRangeException(nameof(ci), ci, "no CI"),
    };

    /// <summary>The exact <c>sub</c> each boundary's jobs present; a trailing <c>*</c> means any pull request.</summary>
    public static IReadOnlyDictionary<string, string> Subjects(string ci) => ci switch
    {
        "github" => new Dictionary<string, string>
        {
            ["PR"] = $"repo:{Repository}:pull_request",
            ["MAIN"] = $"repo:{Repository}:ref:refs/heads/main",
            ["DEPLOY_DEV"] = $"repo:{Repository}:environment:dev",
            ["DEPLOY_PROD"] = $"repo:{Repository}:environment:production",
        },
        // GitLab's sub never names the environment (the deploy jobs run on main); merge requests run on their branch.
        "gitlab" => new Dictionary<string, string>
        {
            ["PR"] = $"project_path:{Repository}:ref_type:branch:ref:*",
            ["MAIN"] = $"project_path:{Repository}:ref_type:branch:ref:main",
            ["DEPLOY_DEV"] = $"project_path:{Repository}:ref_type:branch:ref:main",
            ["DEPLOY_PROD"] = $"project_path:{Repository}:ref_type:branch:ref:main",
        },
        // Multibranch builds run in child jobs: the branch job's URL, not the project's.
        "jenkins" => new Dictionary<string, string>
        {
            ["PR"] = $"{JenkinsProject}job/PR-*",
            ["MAIN"] = $"{JenkinsProject}job/main/",
            ["DEPLOY_DEV"] = $"{JenkinsProject}job/main/",
            ["DEPLOY_PROD"] = $"{JenkinsProject}job/main/",
        },
        // What Azure DevOps shows on each service connection (infra/setup-ci-azure.sh writes them into the data file).
        // As long as real ones (longer than the 127 bytes Google keeps of a subject).
        "azure" => Boundaries.ToDictionary(b => b, b => $"/eid1/c/pub/t/L05qii8LHU-c5ee9HzpcfA/a/{b.ToLowerInvariant()}AbCdEfGhIjKlMnOpQr/sc/0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e/5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"),
        _ => throw new ArgumentOutOfRangeException(nameof(ci), ci, "no CI"),
    };

    /// <summary>The values a user fills into infra/trust-subjects.env.</summary>
    public static IReadOnlyDictionary<string, string> FilledTrust(string ci) => ci switch
    {
        "github" or "gitlab" => new Dictionary<string, string> { ["TRUST_REPOSITORY"] = Repository },
        "jenkins" => new Dictionary<string, string> { ["TRUST_JENKINS_PROJECT_URL"] = JenkinsProject, ["TRUST_ISSUER"] = Issuer(ci) },
        "azure" => new Dictionary<string, string>(Subjects(ci).Select(kv => KeyValuePair.Create($"TRUST_SUBJECT_{kv.Key}", kv.Value)))
        {
            ["TRUST_AZDO_ORGANIZATION"] = "acme",
            ["TRUST_AZDO_PROJECT"] = "churn",
            ["TRUST_ISSUER"] = AzdoIssuer,
        },
        _ => new Dictionary<string, string>(),
    };

    /// <summary>The values a user fills into (or, for the model store, another component adds to) cloud.env.</summary>
    public static IReadOnlyDictionary<string, string> FilledCloud(string cloud) =>
        new Dictionary<string, string>(CloudEnv.FilledIn(cloud))
        {
            ["MODEL_STORE_URI"] = cloud switch { "aws" => "s3://churn-model-models/store", "azure" => "az://models/store", _ => "gs://churn-model-models/store" },
        };

    /// <summary>A scratch copy of cloud.env, data-lake.env (where there is one) and infra/ with the values filled in (keys missing from cloud.env appended).</summary>
    public static string ScratchCopy(GeneratedRepository repo, string ci, string cloud, bool fillTrust = true)
    {
        var root = Directory.CreateTempSubdirectory("trust-").FullName;
        foreach (var file in repo.Files.Where(f => f is "cloud.env" or "data-lake.env" || f.StartsWith("infra/", StringComparison.Ordinal)))
        {
            var target = Path.Combine(root, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(repo.PathOf(file), target);
            File.SetUnixFileMode(target, File.GetUnixFileMode(repo.PathOf(file)));
        }

        Fill(Path.Combine(root, "cloud.env"), FilledCloud(cloud), appendMissing: true);
        if (fillTrust && ci != "none")
        {
            Fill(Path.Combine(root, "infra", "trust-subjects.env"), FilledTrust(ci), appendMissing: false);
        }

        return root;
    }

    /// <summary>Sets each empty <c>KEY=</c> line that <paramref name="values"/> names.</summary>
    private static void Fill(string file, IReadOnlyDictionary<string, string> values, bool appendMissing)
    {
        var lines = File.ReadAllText(file).TrimEnd('\n').Split('\n').ToList();
        var keys = lines.Select(l => l.Split('=', 2)[0]).ToHashSet();
        lines = lines.Select(l => l.Split('=', 2) is [var key, ""] && values.TryGetValue(key, out var value) ? $"{key}={value}" : l).ToList();
        if (appendMissing)
        {
            lines.AddRange(values.Where(kv => !keys.Contains(kv.Key)).Select(kv => $"{kv.Key}={kv.Value}"));
        }

        File.WriteAllText(file, string.Join('\n', lines) + "\n");
    }

    /// <summary>
    /// Runs infra/CLOUD/setup-trust.sh in <paramref name="root"/> with stand-ins for the cloud CLIs first on PATH. With
    /// <paramref name="everythingExists"/> every describe/get succeeds, as on a second run; otherwise nothing exists yet.
    /// </summary>
    public static async Task<TrustRun> RunAsync(string root, string cloud, bool kubernetes, bool everythingExists = false, bool withStandIns = true)
    {
        var bin = Path.Combine(root, ".stand-ins");
        Directory.CreateDirectory(bin);
        var log = Path.Combine(bin, "calls.log");
        if (withStandIns)
        {
            foreach (var (name, script) in StandIns)
            {
                var path = Path.Combine(bin, name);
                // One record per call under a lock: the two ends of a pipeline (kubectl create ... | kubectl apply -f -)
                // log at once, and bash's printf may split a long record into several writes that interleave.
                File.WriteAllText(path, $"#!/usr/bin/env bash\n{{ flock 9; printf '%s\\n' \"$(($# + 1))\" {name} \"$@\" >>\"$STAND_IN_LOG\"; }} 9>>\"$STAND_IN_LOG.lock\"\n{script}");
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        else
        {
            // Only the shell's own tools: the cloud CLIs installed on this machine (gcloud is) must not be found.
            foreach (var tool in ShellTools)
            {
                File.CreateSymbolicLink(Path.Combine(bin, tool), Path.Combine("/usr/bin", tool));
            }
        }

        string[] clusters = !kubernetes ? [] : cloud == "azure" ? ["rg-dev/aks-dev", "rg-prod/aks-prod"] : ["dev-cluster", "prod-cluster"];
        var result = await Command.RunAsync(
            "/bin/bash",
            [$"infra/{cloud}/setup-trust.sh", .. clusters],
            root,
            new Dictionary<string, string?>
            {
                ["PATH"] = withStandIns ? $"{bin}:/usr/bin:/bin" : bin,
                ["STAND_IN_LOG"] = log,
                ["STAND_IN_EXISTS"] = everythingExists ? "1" : "0",
            });
        return new TrustRun(result, ReadCalls(log));
    }

    private static readonly string[] ShellTools = ["awk", "cat", "dirname", "grep", "mv", "sed", "tr"];

    private static IReadOnlyList<IReadOnlyList<string>> ReadCalls(string log)
    {
        var calls = new List<IReadOnlyList<string>>();
        if (!File.Exists(log))
        {
            return calls;
        }

        var lines = File.ReadAllLines(log);
        for (var i = 0; i < lines.Length;)
        {
            var count = int.Parse(lines[i], System.Globalization.CultureInfo.InvariantCulture);
            calls.Add(lines[(i + 1)..(i + 1 + count)]);
            i += count + 1;
        }

        return calls;
    }

    /// <summary>What each stand-in answers: just enough for the script to go on, and nothing that would hide a wrong call.</summary>
    private static readonly Dictionary<string, string> StandIns = new()
    {
        ["aws"] = """
            case "$1 $2" in
              "sts get-caller-identity") echo 210987654321 ;;
              "iam get-open-id-connect-provider"|"cloudformation describe-stack-resource") [ "$STAND_IN_EXISTS" = 1 ] || exit 254 ;;
              "eks describe-cluster")
                for a; do case $a in dev-cluster|prod-cluster) echo "https://oidc.eks.eu-west-1.amazonaws.com/id/${a%%-*}0123456789ABCDEF" ;; esac; done ;;
            esac
            """,
        // IDs Google Cloud refuses are refused here too, with the messages gcloud prints for them.
        ["gcloud"] = """
            case "$*" in
              "iam service-accounts create "*)
                [[ "$4" =~ ^[a-z][-a-z0-9]{4,28}[a-z0-9]$ ]] || { echo "ERROR: (gcloud.iam.service-accounts.create) argument NAME: Bad value [$4]: Service account name must be between 6 and 30 characters (inclusive), must begin with a lowercase letter, and consist of lowercase alphanumeric characters that can be separated by hyphens." >&2; exit 2; } ;;
              "iam workload-identity-pools create "*)
                [[ "$4" =~ ^[a-z0-9-]{4,32}$ && "$4" != gcp-* ]] || { echo "ERROR: (gcloud.iam.workload-identity-pools.create) INVALID_ARGUMENT: Invalid workload identity pool ID: $4 (4-32 characters of [a-z0-9-])." >&2; exit 1; } ;;
              "iam roles create "*)
                [[ "$4" =~ ^[a-zA-Z0-9_.]{3,64}$ ]] || { echo "ERROR: (gcloud.iam.roles.create) INVALID_ARGUMENT: Role ID [$4] must be 3 to 64 characters of letters, digits, underscores and periods." >&2; exit 1; } ;;
              "projects describe "*) echo 123456789012 ;;
              "auth print-access-token") echo ya29.stand-in-token ;;
              *" describe "*) [ "$STAND_IN_EXISTS" = 1 ] || exit 1 ;;
            esac
            """,
        // Vertex AI's REST API for an endpoint's IAM policy (no gcloud command): getIamPolicy answers the policy a second
        // run finds (a binding someone else made, and the deploy identity's own), or an empty one the first time.
        ["curl"] = """
            url="${*: -1}"
            case "$url" in
              *:getIamPolicy)
                if [ "$STAND_IN_EXISTS" = 1 ]; then
                  endpoint=${url%:getIamPolicy}
                  printf '{"version": 1, "etag": "BwXTmICm7mI=", "bindings": [{"role": "roles/aiplatform.user", "members": ["user:analyst@example.com"]}, {"role": "projects/churn-prod-4821/roles/churn_model_vertex_deployer", "members": ["serviceAccount:churn-model-deploy-%s@churn-prod-4821.iam.gserviceaccount.com"]}]}\n' "${endpoint##*-}"
                else
                  echo '{"etag": "ACAB"}'
                fi ;;
              *:setIamPolicy) echo '{}' ;;
              *) exit 22 ;;
            esac
            """,
        ["kubectl"] = """
            case "$1" in
              create) echo "kind: RoleBinding" ;;
              apply) cat >/dev/null ;;
            esac
            """,
        ["az"] = """
            name="" query="" prev=""
            for a; do case $prev in --name) name=$a ;; --query) query=$a ;; esac; prev=$a; done
            case "$1 $2" in
              "account show") echo 2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5e7a ;;
              "identity create") printf 'client-%s\tprincipal-%s\n' "$name" "$name" ;;
              "storage account") echo "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/$name" ;;
              "acr show") echo "/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerRegistry/registries/$name" ;;
              "aks show")
                if [ "$query" = oidcIssuerProfile.issuerUrl ]; then echo "https://westeurope.oic.prod-aks.azure.com/t/$name/"
                else echo "/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerService/managedClusters/$name"; fi ;;
            esac
            """,
    };
}

/// <summary>One run of a setup script: its result and the calls it made to the cloud CLIs, in order.</summary>
public sealed record TrustRun(CommandResult Result, IReadOnlyList<IReadOnlyList<string>> Calls)
{
    /// <summary>The calls whose leading words (program first) are <paramref name="words"/>.</summary>
    public IEnumerable<IReadOnlyList<string>> CallsOf(params string[] words) =>
        Calls.Where(c => c.Count >= words.Length && c.Take(words.Length).SequenceEqual(words));

    /// <summary>The value of <c>--name=value</c> or <c>--name value</c> in a call.</summary>
    public static string? Flag(IReadOnlyList<string> call, string name)
    {
        for (var i = 0; i < call.Count; i++)
        {
            if (call[i].StartsWith(name + "=", StringComparison.Ordinal))
            {
                return call[i][(name.Length + 1)..];
            }

            if (call[i] == name && i + 1 < call.Count)
            {
                return call[i + 1];
            }
        }

        return null;
    }

    public override string ToString() => $"{Result}{Environment.NewLine}calls:{Environment.NewLine}{string.Join(Environment.NewLine, Calls.Select(c => string.Join(" ", c)))}";
}
