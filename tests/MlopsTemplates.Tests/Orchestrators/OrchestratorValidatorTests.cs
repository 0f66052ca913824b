using MlopsTemplates.Tests.Infrastructure;

namespace MlopsTemplates.Tests.Orchestrators;

/// <summary>Each orchestrator validator accepts a good file and rejects a deliberately broken one for the planted reasons.</summary>
public sealed class OrchestratorValidatorTests
{
    private static string Fixtures => Path.Combine(RepositoryPaths.Validators, "fixtures");

    [SkippableFact]
    public async Task Argo_validator_accepts_a_good_workflow_template_and_cron_workflow()
    {
        await OrchestratorValidators.Argo.AssertValidAsync(["argo/good.yaml"], Fixtures);
    }

    [SkippableFact]
    public async Task Argo_validator_rejects_a_misspelt_field_and_the_dropped_singular_schedule_through_the_schema_and_the_models()
    {
        await OrchestratorValidators.Argo.AssertInvalidAsync(
            ["argo/bad.yaml"],
            Fixtures,
            expectedFragments: ["schema: /spec/templates/0/container must NOT have additional properties \"comand\"", "schema: /spec must NOT have additional properties \"schedule\"", "model: /spec must have required property schedules"]);
    }

    [SkippableFact]
    public async Task Argo_validator_finds_no_argo_object_in_plain_kubernetes_yaml()
    {
        await OrchestratorValidators.Argo.AssertInvalidAsync(["k8s-strict/good.yaml"], Fixtures, expectedFragments: ["no Argo Workflows objects found"]);
    }

    [SkippableFact]
    public async Task Airflow_dag_validator_accepts_an_airflow_3_dag()
    {
        await OrchestratorValidators.AirflowDag.AssertValidAsync(["airflow/good.py"], Fixtures);
    }

    [SkippableFact]
    public async Task Airflow_dag_validator_rejects_the_airflow_2_dag_import_and_a_dag_without_a_schedule()
    {
        await OrchestratorValidators.AirflowDag.AssertInvalidAsync(["airflow/bad.py"], Fixtures, expectedFragments: ["`airflow.DAG` is removed in Airflow 3.0", "should have an explicit `schedule` argument"]);
    }

    [SkippableFact]
    public async Task Kfp_ir_validator_accepts_a_compiled_pipeline_with_its_kubernetes_platform_spec()
    {
        await OrchestratorValidators.KfpIr.AssertValidAsync(["kfp/good.yaml"], Fixtures);
    }

    [SkippableFact]
    public async Task Kfp_ir_validator_rejects_an_unknown_top_level_field_a_misspelt_container_field_and_a_bad_platform_spec()
    {
        await OrchestratorValidators.KfpIr.AssertInvalidAsync(
            ["kfp/bad.yaml"],
            Fixtures,
            expectedFragments: ["has no field named \"schemaVersoin\"", "has no field named \"comand\" at \"PipelineDeploymentConfig.executors[exec-train].container\"", "PlatformSpec: Message type \"ml_pipelines.PlatformSpec\" has no field named \"platform\""]);
    }
}
