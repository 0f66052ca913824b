"""Runs the generated infra/aws/deploy-endpoint.sh against moto, a library standing in for AWS (there is no AWS account
here), served over HTTP (moto's server mode) so that the script's own `aws` CLI calls reach it through
AWS_ENDPOINT_URL: `aws cloudformation deploy` (change sets, waiters), `aws s3api head-object` and the describe calls.
Before the run, as the administrator's one-time setup would: the model store bucket with the published version's
manifest.json, and the stack of infra/aws/sagemaker-roles.yaml (the execution and deployer roles).

Usage: python3 deploy-endpoint-under-moto.py REPOSITORY ENVIRONMENT ENV_JSON
  REPOSITORY  a scratch copy of the generated repository whose cloud.env has AWS_ACCOUNT_ID=123456789012 (moto's)
  ENV_JSON    the environment of the run (MODEL_VERSION, IMAGE_DIGESTS, ...) as a JSON object, and optionally
              SECRETS          {name: SecretString}: Secrets Manager secrets the administrator created beforehand
              ROLE_PARAMETERS  {key: value}: more parameters of the roles stack (as infra/aws/setup-trust.sh passes)
              READS            a list of STORE_SECRET values (the string MODEL: the one the endpoint's model has) with
                               which the generated store/settings.py reads its settings, as the container does at start
Prints JSON: the script's exit code, stdout and stderr, every stack with its status, each endpoint with its status
and the image, model data, environment and VPC of its model, the secrets' ARNs, each role's inline policies, and each
read's settings (url, auth) or error.
"""

import ast
import json
import os
import socket
import subprocess
import sys
import warnings
from pathlib import Path

import boto3
from cfnlint.decode import decode_str
from moto.sagemaker.models import FakeEndpoint
from moto.server import ThreadedMotoServer

# moto names a stack's AWS::SageMaker::Endpoint after its logical ID, where CloudFormation takes the EndpointName the
# template gives (the name the script then describes): the stand-in is told to do as the real service does.
FakeEndpoint.cloudformation_name_type = staticmethod(lambda: "EndpointName")

REGION = "eu-west-1"


# Resources moto's CloudFormation cannot create (with --orchestrator sagemaker the roles stack holds the pipeline's model
# package group): left out of the roles stack here, with the outputs that name them. The endpoint's roles stay as written.
UNSUPPORTED = {"AWS::SageMaker::ModelPackageGroup"}


def roles_template(repository: str) -> str:
    template, problems = decode_str(Path(repository, "infra/aws/sagemaker-roles.yaml").read_text())
    assert not problems, problems
    dropped = {name for name, r in template["Resources"].items() if r["Type"] in UNSUPPORTED}
    # ... and what refers to them (the pipeline role's policy names the group).
    dropped |= {name for name, r in template["Resources"].items() if any(d in json.dumps(r) for d in dropped)}
    template["Resources"] = {n: r for n, r in template["Resources"].items() if n not in dropped}
    template["Outputs"] = {n: o for n, o in template["Outputs"].items() if not any(d in json.dumps(o) for d in dropped)}
    return json.dumps(template)


def policy_document(document) -> dict:
    """moto answers a role's own Policies (those of AWS::IAM::Role) with the Python repr of the document."""
    if isinstance(document, str):
        try:
            return json.loads(document)
        except json.JSONDecodeError:
            return ast.literal_eval(document)
    return document


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def quiet_server(port: int) -> ThreadedMotoServer:
    """moto's server without its request log on stdout, which carries this script's JSON."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    return ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)


# The container's start as far as the prediction log goes: the generated code reads its settings from the secret
# STORE_SECRET names (through moto, over AWS_ENDPOINT_URL), printing the URL and login it would use.
READ_SETTINGS = """
import json, sys
sys.path.insert(0, "src")
package = __import__(sys.argv[1] + ".store.settings", fromlist=["StoreSettings"])
settings = package.StoreSettings.from_env()
print(json.dumps({"url": settings.url, "auth": settings.auth}))
"""


def read_settings(repository: str, store_secret: str, env: dict) -> dict:
    package = next(p.parent.parent.name for p in Path(repository, "src").glob("*/store/settings.py"))
    run_env = {k: v for k, v in env.items() if not k.startswith("STORE_")}
    run_env.update({"STORE_SECRET": store_secret, "PYTHONDONTWRITEBYTECODE": "1"})
    read = subprocess.run(
        [sys.executable, "-c", READ_SETTINGS, package], cwd=repository, env=run_env, capture_output=True, text=True, timeout=120
    )
    if read.returncode == 0:
        return json.loads(read.stdout)
    return {"error": (read.stderr.strip().splitlines() or [""])[-1], "exit": read.returncode}


def main(repository: str, environment: str, env_json: str) -> int:
    warnings.simplefilter("ignore")
    port = free_port()
    server = quiet_server(port)
    server.start()
    endpoint_url = f"http://127.0.0.1:{port}"
    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}
    os.environ.update(credentials)
    try:
        client = lambda name: boto3.client(name, region_name=REGION, endpoint_url=endpoint_url)  # noqa: E731
        cloud_env = dict(
            line.split("=", 1) for line in Path(repository, "cloud.env").read_text().splitlines() if "=" in line and not line.startswith("#")
        )
        bucket, _, prefix = cloud_env["MODEL_STORE_URI"].removeprefix("s3://").partition("/")
        run_env = json.loads(env_json)
        s3 = client("s3")
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        secrets = run_env.pop("SECRETS", {})
        role_parameters = run_env.pop("ROLE_PARAMETERS", {})
        reads = run_env.pop("READS", [])
        secretsmanager = client("secretsmanager")
        arns = {name: secretsmanager.create_secret(Name=name, SecretString=value)["ARN"] for name, value in secrets.items()}
        published = run_env.pop("PUBLISHED", run_env.get("MODEL_VERSION", ""))
        if published:
            s3.put_object(Bucket=bucket, Key=f"{prefix.strip('/')}/{published}/manifest.json", Body=b"{}")
            s3.put_object(Bucket=bucket, Key=f"{prefix.strip('/')}/{published}/model.joblib", Body=b"model")
        cloudformation = client("cloudformation")
        cloudformation.create_stack(
            StackName="roles",
            TemplateBody=roles_template(repository),
            Capabilities=["CAPABILITY_NAMED_IAM"],
            Parameters=[
                {"ParameterKey": "ModelStoreBucket", "ParameterValue": bucket},
                {"ParameterKey": "ModelStorePrefix", "ParameterValue": prefix.strip("/")},
                *({"ParameterKey": k, "ParameterValue": v} for k, v in role_parameters.items()),
            ],
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MODEL_", "IMAGE_"))}
        env.update(run_env)
        env.update({"AWS_ENDPOINT_URL": endpoint_url, "AWS_DEFAULT_REGION": REGION, "AWS_PAGER": ""})
        run = subprocess.run(
            ["bash", "infra/aws/deploy-endpoint.sh", environment], cwd=repository, env=env, capture_output=True, text=True, timeout=600
        )
        stacks = {s["StackName"]: s["StackStatus"] for s in cloudformation.describe_stacks()["Stacks"]}
        sagemaker = client("sagemaker")
        endpoints = []
        for summary in sagemaker.list_endpoints()["Endpoints"]:
            endpoint = sagemaker.describe_endpoint(EndpointName=summary["EndpointName"])
            config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
            model = sagemaker.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
            endpoints.append(
                {
                    "status": endpoint["EndpointStatus"],
                    "image": model["PrimaryContainer"]["Image"],
                    "data": model["PrimaryContainer"]["ModelDataSource"]["S3DataSource"]["S3Uri"],
                    "role": model["ExecutionRoleArn"],
                    "environment": model["PrimaryContainer"].get("Environment", {}),
                    "vpc": model.get("VpcConfig", {}),
                }
            )
        iam = client("iam")
        roles = {}
        for role in iam.list_roles()["Roles"]:
            name = role["RoleName"]
            roles[name] = {
                policy: policy_document(iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"])
                for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]
            }
        model_secret = endpoints[0]["environment"].get("STORE_SECRET", "") if endpoints else ""
        settings = [read_settings(repository, model_secret if r == "MODEL" else r, env) for r in reads]
    finally:
        server.stop()
    result = {
        "exit": run.returncode,
        "stdout": run.stdout,
        "stderr": run.stderr,
        "stacks": stacks,
        "endpoints": endpoints,
        "secrets": arns,
        "roles": roles,
        "reads": settings,
    }
    json.dump(result, sys.stdout, indent=1, sort_keys=True, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
