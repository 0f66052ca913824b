"""Checks of a generated --orchestrator sagemaker repository that need Python (there is no AWS account here).

  python3 sagemaker-pipeline-under-moto.py shapes REPOSITORY
      every step's Arguments against botocore's request shape of the API the step calls (CreateProcessingJob,
      CreateTrainingJob, CreateModelPackage), with each {"Get": ...} / {"Std:JsonGet": ...} replaced by a value of its
      kind; prints JSON {step: [errors]}.
  python3 sagemaker-pipeline-under-moto.py schema REPOSITORY SCHEMA [broken]
      the definition against the published definition schema, after removing the fields the schema predates (listed in
      the output); with `broken`, a copy whose Train step has no Arguments. Prints JSON {errors, removed}.
  PYTHON sagemaker-pipeline-under-moto.py local REPOSITORY WORK MODEL_VERSION
      the definition's steps run here, in order, as SageMaker would run them in the image (no SageMaker): each
      processing step's ContainerEntrypoint and Environment with /opt/ml/processing under WORK, the training step as the
      image's `train` (platform_sagemaker, SAGEMAKER_OPT_ML under WORK), folders handed on by their pipeline expressions,
      then the condition evaluated on the EvaluationReport property file with MinRocAuc from params.yaml and the given
      ModelVersion. PYTHON: one with the project's dependencies and its src on PYTHONPATH. Prints JSON: each step's exit
      code, the report, the branch taken (and the one taken for the version the report names).
  python3 sagemaker-pipeline-under-moto.py run REPOSITORY ENV_JSON
      infra/aws/pipeline-run.sh against moto, a library standing in for AWS, served over HTTP (moto's server mode) so
      that the script's own `aws` CLI calls (which validate their parameters with botocore) reach it through
      AWS_ENDPOINT_URL. Prints JSON: exit code, stdout, stderr, the pipelines, their executions and parameters.
"""

import copy
import json
import os
import socket
import subprocess
import sys
import warnings
from pathlib import Path

REGION = "eu-west-1"
API = {"Processing": "CreateProcessingJob", "Training": "CreateTrainingJob", "RegisterModel": "CreateModelPackage"}
SAMPLE = {
    "Parameters.ImageUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn-model@sha256:" + "a" * 64,
    "Parameters.RoleArn": "arn:aws:iam::123456789012:role/churn-model-sagemaker-pipeline",
    "Steps.Train.ModelArtifacts.S3ModelArtifacts": "s3://bucket/pipeline-runs/x/training/job/output/model/",
}


def resolve(value):
    """A request as SageMaker sends it: each pipeline expression replaced by a value of its kind."""
    if isinstance(value, dict):
        if set(value) == {"Get"}:
            return SAMPLE.get(value["Get"], "s3://bucket/pipeline-runs/x/folder")
        return {k: resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v) for v in value]
    return value


def steps(definition):
    for step in definition["Steps"]:
        yield step
        for branch in ("IfSteps", "ElseSteps"):
            yield from step.get("Arguments", {}).get(branch, [])


def shapes(repository):
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model("sagemaker")
    definition = json.loads(Path(repository, "pipelines/sagemaker/pipeline.json").read_text())
    report = {}
    for step in steps(definition):
        if step["Type"] not in API:
            continue
        request = resolve(step["Arguments"])
        # The pipeline names each job itself; CreateModelPackage's group is in the arguments already.
        if step["Type"] == "Processing":
            request["ProcessingJobName"] = "pipelines-x-" + step["Name"]
        elif step["Type"] == "Training":
            request["TrainingJobName"] = "pipelines-x-" + step["Name"]
        shape = model.operation_model(API[step["Type"]]).input_shape
        errors = ParamValidator().validate(request, shape)
        report[step["Name"]] = [str(errors.generate_report())] if errors.has_errors() else []
    json.dump(report, sys.stdout, indent=1)
    return 0


# The fields of today's API that the published schema (last changed 2025-04) does not know: removed before the schema
# check; `shapes` checks them against botocore's request shapes instead.
def strip_newer(definition):
    removed = []
    for step in steps(definition):
        if "PropertyFiles" in step:
            del step["PropertyFiles"]
            removed.append(f"{step['Name']}.PropertyFiles")
        args = step.get("Arguments", {})
        if "CompressionType" in args.get("OutputDataConfig", {}):
            del args["OutputDataConfig"]["CompressionType"]
            removed.append(f"{step['Name']}.OutputDataConfig.CompressionType")
        for key in ("ModelApprovalStatus", "CustomerMetadataProperties"):
            if key in args and step["Type"] == "RegisterModel":
                del args[key]
                removed.append(f"{step['Name']}.{key}")
        for container in args.get("InferenceSpecification", {}).get("Containers", []):
            if "ModelDataSource" in container:
                del container["ModelDataSource"]
                removed.append(f"{step['Name']}.Containers.ModelDataSource")
        for condition in args.get("Conditions", []):
            for side in ("LeftValue", "RightValue"):
                if isinstance(condition.get(side), dict) and "Std:JsonGet" in condition[side]:
                    # The property file the value is read from: a Get, which the schema knows.
                    condition[side] = condition[side]["Std:JsonGet"]["PropertyFile"]
                    removed.append(f"{step['Name']}.{condition['Type']}.{side}.Std:JsonGet")
    return removed


def schema(repository, schema_path, broken=""):
    import jsonschema

    definition = json.loads(Path(repository, "pipelines/sagemaker/pipeline.json").read_text())
    if broken:
        for step in definition["Steps"]:
            if step["Name"] == "Train":
                del step["Arguments"]
    removed = strip_newer(definition)
    validator = jsonschema.Draft7Validator(json.loads(Path(schema_path).read_text()))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in validator.iter_errors(definition)]
    json.dump({"errors": errors, "removed": removed}, sys.stdout, indent=1)
    return 0


def local(repository, work, model_version):
    import shutil

    definition = json.loads(Path(repository, "pipelines/sagemaker/pipeline.json").read_text())
    params_path = str(Path(repository, "params.yaml").resolve())
    min_roc_auc = float(subprocess.run(
        [sys.executable, "-c", "import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))['evaluate']['min_roc_auc'])", params_path],
        capture_output=True, text=True, check=True).stdout)
    store = Path(work, "s3")  # what S3 would hold, by pipeline expression
    folder = lambda get: store / get.replace("/", "_")  # noqa: E731
    result = {"steps": {}}
    properties = {}
    for step in definition["Steps"]:
        args = step["Arguments"]
        root = Path(work, step["Name"])
        if step["Type"] == "Processing":
            mapped = lambda path: path.replace("/opt/ml/processing", str(root / "processing"))  # noqa: E731
            for item in args.get("ProcessingInputs", []):
                shutil.copytree(folder(item["S3Input"]["S3Uri"]["Get"]), mapped(item["S3Input"]["LocalPath"]))
            env = {**os.environ, **{k: mapped(v) if v.startswith("/opt/ml") else v for k, v in args["Environment"].items()}}
            env.update({"PARAMS_PATH": params_path, "TRACKING_DIR": str(root / "runs"), "MODEL_PATH": str(root / "models/model.joblib")})
            command = [sys.executable if part == "python" else part for part in args["AppSpecification"]["ContainerEntrypoint"]]
            done = subprocess.run(command, cwd=root.mkdir(parents=True, exist_ok=True) or root, env=env, capture_output=True, text=True)
            result["steps"][step["Name"]] = {"exit": done.returncode, "stderr": done.stderr[-2000:]}
            for item in args["ProcessingOutputConfig"]["Outputs"]:
                shutil.copytree(mapped(item["S3Output"]["LocalPath"]), folder(item["S3Output"]["S3Uri"]["Get"]))
            for file in step.get("PropertyFiles", []):
                output = next(o for o in args["ProcessingOutputConfig"]["Outputs"] if o["OutputName"] == file["OutputName"])
                path = folder(output["S3Output"]["S3Uri"]["Get"]) / file["FilePath"]
                properties[f"Steps.{step['Name']}.PropertyFiles.{file['PropertyFileName']}"] = json.loads(path.read_text())
        elif step["Type"] == "Training":
            opt_ml = root / "opt" / "ml"
            for channel in args["InputDataConfig"]:
                source = folder(channel["DataSource"]["S3DataSource"]["S3Uri"]["Get"])
                shutil.copytree(source, opt_ml / "input" / "data" / channel["ChannelName"])
            env = {**os.environ, "SAGEMAKER_OPT_ML": str(opt_ml), "PARAMS_PATH": params_path}
            package = next(p.name for p in Path(repository, "src").iterdir() if (p / "platform_sagemaker.py").exists())
            done = subprocess.run([sys.executable, "-m", f"{package}.platform_sagemaker", "train"], cwd=root, env=env,
                                  capture_output=True, text=True)
            result["steps"][step["Name"]] = {"exit": done.returncode, "stderr": done.stderr[-2000:]}
            shutil.copytree(opt_ml / "model", folder(f"Steps.{step['Name']}.ModelArtifacts.S3ModelArtifacts"))
        elif step["Type"] == "Condition":
            parameters = {"Parameters.MinRocAuc": min_roc_auc, "Parameters.ModelVersion": model_version}

            def value(operand):
                if "Std:JsonGet" in operand:
                    return properties[operand["Std:JsonGet"]["PropertyFile"]["Get"]][operand["Std:JsonGet"]["Path"]]
                return parameters[operand["Get"]]

            tests = {"GreaterThanOrEqualTo": lambda a, b: a >= b, "Equals": lambda a, b: a == b}
            def branch():
                passed = all(tests[c["Type"]](value(c["LeftValue"]), value(c["RightValue"])) for c in args["Conditions"])
                return [(s["Name"], s["Type"]) for s in args["IfSteps" if passed else "ElseSteps"]]

            result["branch"] = branch()
            # And as the run script would start it for the version this evaluation reported.
            parameters["Parameters.ModelVersion"] = next(iter(properties.values()))["model_version"]
            result["branch_for_reported_version"] = branch()
        if step["Type"] in ("Processing", "Training") and result["steps"][step["Name"]]["exit"] != 0:
            break
    result["report"] = next(iter(properties.values()), None)
    json.dump(result, sys.stdout, indent=1)
    return 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(repository, env_json):
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    warnings.simplefilter("ignore")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint_url = f"http://127.0.0.1:{port}"
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"})
    try:
        sagemaker = boto3.client("sagemaker", region_name=REGION, endpoint_url=endpoint_url)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MODEL_", "IMAGE_"))}
        env.update(json.loads(env_json))
        env.update({"AWS_ENDPOINT_URL": endpoint_url, "AWS_DEFAULT_REGION": REGION, "AWS_PAGER": "",
                    "PIPELINE_POLL_SECONDS": "1"})
        runs = []
        # Twice: the first run creates the pipeline, the second updates it.
        for _ in range(int(env.pop("RUNS", "1"))):
            done = subprocess.run(["bash", "infra/aws/pipeline-run.sh"], cwd=repository, env=env, capture_output=True,
                                  text=True, timeout=300)
            runs.append({"exit": done.returncode, "stdout": done.stdout, "stderr": done.stderr})
        pipelines = []
        for summary in sagemaker.list_pipelines()["PipelineSummaries"]:
            described = sagemaker.describe_pipeline(PipelineName=summary["PipelineName"])
            executions = []
            for e in sagemaker.list_pipeline_executions(PipelineName=summary["PipelineName"])["PipelineExecutionSummaries"]:
                arn = e["PipelineExecutionArn"]
                parameters = sagemaker.list_pipeline_parameters_for_execution(PipelineExecutionArn=arn)["PipelineParameters"]
                executions.append({"status": e["PipelineExecutionStatus"],
                                   "parameters": {p["Name"]: p["Value"] for p in parameters}})
            pipelines.append({"name": summary["PipelineName"], "role": described["RoleArn"],
                              "definition": json.loads(described["PipelineDefinition"]), "executions": executions})
    finally:
        server.stop()
    json.dump({"runs": runs, "pipelines": pipelines}, sys.stdout, indent=1, default=str)
    return 0


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    sys.exit({"shapes": shapes, "schema": schema, "local": local, "run": run}[command](*rest))
