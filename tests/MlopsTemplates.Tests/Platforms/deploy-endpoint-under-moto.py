"""Runs the generated infra/aws/deploy-endpoint.sh against moto, a library standing in for AWS (there is no AWS account
here), served over HTTP (moto's server mode) so that the script's own `aws` CLI calls reach it through
AWS_ENDPOINT_URL: `aws cloudformation deploy` (change sets, waiters), `aws s3api head-object` and the describe calls.
Before the run, as the administrator's one-time setup would: the model store bucket with the published version's
manifest.json, and the stack of infra/aws/sagemaker-roles.yaml (the execution and deployer roles).

Usage: python3 deploy-endpoint-under-moto.py REPOSITORY ENVIRONMENT ENV_JSON
  REPOSITORY  a scratch copy of the generated repository whose cloud.env has AWS_ACCOUNT_ID=123456789012 (moto's)
  ENV_JSON    the environment of the run (MODEL_VERSION, IMAGE_DIGESTS, ...) as a JSON object
Prints JSON: the script's exit code, stdout and stderr, every stack with its status, and each endpoint with its status
and the image and model data of its model.
"""

import json
import os
import socket
import subprocess
import sys
import warnings
from pathlib import Path

import boto3
from moto.sagemaker.models import FakeEndpoint
from moto.server import ThreadedMotoServer

# moto names a stack's AWS::SageMaker::Endpoint after its logical ID, where CloudFormation takes the EndpointName the
# template gives (the name the script then describes): the stand-in is told to do as the real service does.
FakeEndpoint.cloudformation_name_type = staticmethod(lambda: "EndpointName")

REGION = "eu-west-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def quiet_server(port: int) -> ThreadedMotoServer:
    """moto's server without its request log on stdout, which carries this script's JSON."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    return ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)


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
        published = run_env.pop("PUBLISHED", run_env.get("MODEL_VERSION", ""))
        if published:
            s3.put_object(Bucket=bucket, Key=f"{prefix.strip('/')}/{published}/manifest.json", Body=b"{}")
            s3.put_object(Bucket=bucket, Key=f"{prefix.strip('/')}/{published}/model.joblib", Body=b"model")
        cloudformation = client("cloudformation")
        cloudformation.create_stack(
            StackName="roles",
            TemplateBody=Path(repository, "infra/aws/sagemaker-roles.yaml").read_text(),
            Capabilities=["CAPABILITY_NAMED_IAM"],
            Parameters=[
                {"ParameterKey": "ModelStoreBucket", "ParameterValue": bucket},
                {"ParameterKey": "ModelStorePrefix", "ParameterValue": prefix.strip("/")},
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
                }
            )
    finally:
        server.stop()
    result = {"exit": run.returncode, "stdout": run.stdout, "stderr": run.stderr, "stacks": stacks, "endpoints": endpoints}
    json.dump(result, sys.stdout, indent=1, sort_keys=True, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
