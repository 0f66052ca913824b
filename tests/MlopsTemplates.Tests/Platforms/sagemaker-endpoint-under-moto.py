"""A moto stand-in for CloudFormation and SageMaker (no AWS account here): creates the endpoint stack from its template
and parameters as `aws cloudformation deploy` would (after the stack of the execution roles, sagemaker-roles.yaml), then prints what SageMaker holds as JSON: the stack status, each
endpoint with its status, endpoint configuration and model. moto creates the SageMaker and IAM resources (an endpoint
goes straight to InService, as no container runs); it ignores EndpointName and EnableNetworkIsolation and skips the
Application Auto Scaling resources, which the C# test therefore reads from the template.

Usage: python3 sagemaker-endpoint-under-moto.py TEMPLATE PARAMETERS_JSON   (pyenv Python: moto and boto3)
"""

import json
import sys
import warnings
from pathlib import Path

import boto3
from moto import mock_aws

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Infrastructure"))
from moto_stack import REGION, create_stack  # noqa: E402 - the shared helper lives beside the test infrastructure


def main(template_path: str, parameters_json: str) -> int:
    warnings.simplefilter("ignore")
    with mock_aws():
        # The execution roles come from their own stack (infra/aws/sagemaker-roles.yaml beside the endpoint's), which
        # an administrator creates once; the endpoint stack only names its environment's role.
        parameters = json.loads(parameters_json)
        roles = {k: parameters[k] for k in ("ModelStoreBucket", "ModelStorePrefix")}
        create_stack(str(Path(template_path).with_name("sagemaker-roles.yaml")), json.dumps(roles), "CAPABILITY_NAMED_IAM", "roles")
        stack = create_stack(template_path, parameters_json, "CAPABILITY_IAM", "endpoint-under-moto")
        sagemaker = boto3.client("sagemaker", region_name=REGION)
        endpoints = []
        for summary in sagemaker.list_endpoints()["Endpoints"]:
            endpoint = sagemaker.describe_endpoint(EndpointName=summary["EndpointName"])
            config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
            variant = config["ProductionVariants"][0]
            model = sagemaker.describe_model(ModelName=variant["ModelName"])
            role = boto3.client("iam", region_name=REGION).get_role(RoleName=model["ExecutionRoleArn"].split("/")[-1])
            endpoints.append(
                {
                    "status": endpoint["EndpointStatus"],
                    "variant": {k: variant[k] for k in ("VariantName", "InstanceType", "InitialInstanceCount")},
                    "container": model["PrimaryContainer"],
                    "trust": role["Role"]["AssumeRolePolicyDocument"],
                }
            )
    json.dump({"stack": stack["StackStatus"], "endpoints": endpoints}, sys.stdout, indent=1, sort_keys=True, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
