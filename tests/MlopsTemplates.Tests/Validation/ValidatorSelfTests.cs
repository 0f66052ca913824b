using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Validation;

/// <summary>
/// Each validator accepts its good fixture and rejects its bad one for the reason planted in it, so a validator that
/// passes everything (a broken install, a wrong flag, a swallowed error) fails here rather than hiding broken output.
/// </summary>
public sealed class ValidatorSelfTests
{
    private static string Fixtures => Path.Combine(RepositoryPaths.Validators, "fixtures");

    private sealed record Case(Validator Validator, string Good, string Bad, string[] Reasons);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["github-workflow"] = new(Validators.GitHubWorkflow, "github-workflow/good.yml", "github-workflow/bad.yml", ["'stepz'", "expression is not closed"]),
        ["actionlint"] = new(Validators.Actionlint, "github-workflow/good.yml", "github-workflow/bad.yml", ["\"tset\" which does not exist", "[syntax-check]"]),
        ["schema:dvc"] = new(Validators.Schema("dvc"), "schema/dvc/good.yaml", "schema/dvc/bad.yaml", ["/stages/train/deps must be array"]),
        ["schema:kustomization"] = new(Validators.Schema("kustomization"), "schema/kustomization/good.yaml", "schema/kustomization/bad.yaml", ["/replicas/0/count must be number"]),
        ["schema:compose"] = new(Validators.Schema("compose"), "schema/compose/good.yaml", "schema/compose/bad.yaml", ["healthcheck/interval must match format \"duration\""]),
        ["schema:compose-go"] = new(Validators.ComposeGo, "schema/compose/good.yaml", "schema/compose/bad.yaml", ["/depends_on/mlflow/condition must be one of", "/ports must be array"]),
        ["schema:azure-pipelines"] = new(Validators.Schema("azure-pipelines"), "schema/azure-pipelines/good.yaml", "schema/azure-pipelines/bad.yaml", ["\"scrip\""]),
        ["schema:azure-pipelines (shared)"] = new(Validators.SharedSchema("azure-pipelines"), "schema/azure-pipelines/good.yaml", "schema/azure-pipelines/bad.yaml", ["\"scrip\""]),
        ["schema:gitlab-ci"] = new(Validators.Schema("gitlab-ci"), "schema/gitlab-ci/good.yaml", "schema/gitlab-ci/bad.yaml", ["/test/script must be string or array"]),
        ["schema:dependabot"] = new(Validators.Schema("dependabot"), "schema/dependabot/good.yaml", "schema/dependabot/bad.yaml", ["/updates/0/schedule/interval"]),
        ["k8s-models"] = new(Validators.KubernetesModels, "k8s-models/good.yaml", "k8s-models/bad.yaml", ["unknown kind Ingres", "/spec/replicas must be integer"]),
        ["k8s-strict"] = new(Validators.KubernetesStrict, "k8s-strict/good.yaml", "k8s-strict/bad.yaml", ["unknown field /metadata/lables", "unknown field /spec/backofLimit", "securityContext/readOnlyRootFileSystem"]),
        ["dockerfile-lint"] = new(Validators.Dockerfile, "dockerfile/good.Dockerfile", "dockerfile/bad.Dockerfile", ["MAINTAINER has been deprecated", "Invalid containerPort"]),
        ["ruff"] = new(Validators.Ruff, "ruff/good", "ruff/bad", ["F821", "I001", "UP006", "B006"]),
        ["gitlab-ci-local"] = new(Validators.GitLabCi, "gitlab-ci/good", "gitlab-ci/bad", ["stage:tests not found"]),
        ["jenkinsfile-check"] = new(Validators.Jenkinsfile, "jenkinsfile/good.Jenkinsfile", "jenkinsfile/bad.Jenkinsfile", ["must have exactly one of steps", "duplicate stage name 'Build'", "unknown post condition 'allways'"]),
        ["jenkinsfile-check (syntax)"] = new(Validators.Jenkinsfile, "jenkinsfile/good.Jenkinsfile", "jenkinsfile/syntax-error.Jenkinsfile", ["syntax-error.Jenkinsfile:6:"]),
        ["mlproject-check"] = new(Validators.MlProject, "mlproject/good/MLproject", "mlproject/bad/MLproject", ["exactly one of python_env", "{seed}"]),
        ["yamllint"] = new(Validators.Yamllint, "yamllint/good.yml", "yamllint/bad.yml", ["key-duplicates", "(truthy)"]),
        ["shellcheck"] = new(Validators.Shellcheck, "shellcheck/good.sh", "shellcheck/bad.sh", ["SC2045"]),
        ["cfn-lint"] = new(Validators.CfnLint, "cloudformation/good.yaml", "cloudformation/bad.yaml", [":W2001:", ":E3530:", ":E3002:", ":E6101:"]),
        // data (issue 20): the SQL grammars, the spark-operator CRD closed, the NiFi flow checks (DataEngineering/DataValidators).
        ["dt-sql-parser:spark"] = new(DataEngineering.DataValidators.DtSqlParser("spark"), "sql/good.sql", "sql/bad.sql", ["bad.sql:1:11: 'FROM' is not valid"]),
        ["dt-sql-parser:hive"] = new(DataEngineering.DataValidators.DtSqlParser("hive"), "sql/good.sql", "sql/bad.sql", ["bad.sql:1:24: 'GROUP' is not valid"]),
        ["sqlfluff:sparksql"] = new(DataEngineering.DataValidators.Sqlfluff("sparksql"), "sql/good.sql", "sql/bad.sql", ["unparsable section: 'WHERE'"]),
        ["sqlfluff:hive"] = new(DataEngineering.DataValidators.Sqlfluff("hive"), "sql/good.sql", "sql/bad.sql", ["unparsable section: 'GROUP BY'"]),
        ["crd-schema:SparkApplication"] = new(DataEngineering.DataValidators.SparkApplication, "crd-schema/good.yaml", "crd-schema/bad.yaml", ["/spec/executor must NOT have additional properties (instanzes)", "metadata.generateName must be a DNS-1123 label's prefix"]),
        ["crd-schema:ScheduledSparkApplication"] = new(DataEngineering.DataValidators.ScheduledSparkApplication, "crd-schema-scheduled/good.yaml", "crd-schema-scheduled/bad.yaml", ["/spec/template must NOT have additional properties (spec)"]),
        ["nifi-flow-check"] = new(DataEngineering.DataValidators.NifiFlow(), "nifi-flow/good.json", "nifi-flow/bad.json", ["sensitive parameter 'http_source_token' has a value", "uses #{landing_dir}", "destination 00000000-0000-0000-0000-000000000000 is not a component"]),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    public static TheoryData<string> ContractValidators => new(Cases.Where(c => c.Key.StartsWith("schema:", StringComparison.Ordinal) || c.Value.Validator.Name is "github-workflow" or "actionlint" or "k8s-models" or "k8s-strict" or "dockerfile-lint" or "jenkinsfile-check" or "mlproject-check").Select(c => c.Key).Where(k => k != "jenkinsfile-check (syntax)"));

    [SkippableTheory]
    [MemberData(nameof(CaseNames))]
    public async Task Accepts_its_good_fixture(string name)
    {
        var c = Cases[name];
        await c.Validator.AssertValidAsync([c.Good], Fixtures);
    }

    [SkippableTheory]
    [MemberData(nameof(CaseNames))]
    public async Task Rejects_its_bad_fixture_for_the_planted_reasons(string name)
    {
        var c = Cases[name];
        await c.Validator.AssertInvalidAsync([c.Bad], Fixtures, expectedFragments: c.Reasons);
    }

    [SkippableTheory]
    [MemberData(nameof(ContractValidators))]
    public async Task A_missing_input_file_is_an_error_not_a_verdict(string name)
    {
        var result = await Cases[name].Validator.RunAsync(["does-not-exist.yml"], Fixtures);

        Assert.True(result.Verdict == Verdict.Error && result.Command.ExitCode == 2, $"expected a usage error (exit 2):{Environment.NewLine}{result}");
    }

    [SkippableFact]
    public async Task Kustomize_output_piped_to_kubernetes_models_is_judged_object_by_object()
    {
        var rendered = await Validators.AssertKustomizationValidAsync(Path.Combine(Fixtures, "kustomize", "good"));
        Assert.Contains("image: ghcr.io/acme/churn-model:1.0.0", rendered, StringComparison.Ordinal);

        var broken = await Validators.RenderKustomizationAsync(Path.Combine(Fixtures, "kustomize", "bad"));
        await Validators.KubernetesModels.AssertInvalidAsync(
            ["-"],
            standardInput: broken,
            expectedFragments: ["<stdin>:", "must have required property selector", "containerPort must be integer"]);
    }

    [SkippableFact]
    public async Task Cfn_lint_on_a_missing_template_is_an_error_not_a_verdict()
    {
        var result = await Validators.CfnLint.RunAsync(["does-not-exist.yaml"], Fixtures);

        Assert.True(result.Verdict == Verdict.Error, $"expected an error of the run, not a verdict:{Environment.NewLine}{result}");
    }

    [Fact]
    public void A_missing_tool_fails_under_ci_and_skips_elsewhere_saying_how_to_install_it()
    {
        var validator = new Validator("needs-a-tool", "no-such-program", [], [new Requirement("no-such-program", () => false)], _ => Verdict.Valid);

        var failure = Assert.Throws<Xunit.Sdk.FailException>(() => validator.EnsureAvailable(underCi: true));
        var skip = Assert.Throws<SkipException>(() => validator.EnsureAvailable(underCi: false));

        foreach (var message in new[] { failure.Message, skip.Message })
        {
            Assert.Contains("missing no-such-program", message, StringComparison.Ordinal);
            Assert.Contains("scripts/install-test-deps.sh", message, StringComparison.Ordinal);
        }
    }
}
