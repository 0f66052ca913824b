"""A moto stand-in for CloudFormation and SageMaker (no AWS account here): creates the endpoint stack from its template
and parameters as `aws cloudformation deploy` would, then prints what SageMaker holds as JSON: the stack status, each
endpoint with its status, endpoint configuration and model. moto creates the SageMaker and IAM resources (an endpoint
goes straight to InService, as no container runs); it ignores EndpointName and EnableNetworkIsolation and skips the
Application Auto Scaling resources, which the C# test therefore reads from the template.

Usage: python3 sagemaker-endpoint-under-moto.py TEMPLATE PARAMETERS_JSON   (pyenv Python: moto and boto3)
"""

import json
import sys
import warnings

import boto3
from moto import mock_aws


def main(template_path: str, parameters_json: str) -> int:
    warnings.simplefilter("ignore")
    parameters = json.loads(parameters_json)
    with open(template_path, encoding="utf-8") as f:
        template = f.read()
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name="eu-west-1")
        cloudformation.create_stack(
            StackName="endpoint-under-moto",
            TemplateBody=template,
            Capabilities=["CAPABILITY_IAM"],
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        )
        stack = cloudformation.describe_stacks(StackName="endpoint-under-moto")["Stacks"][0]
        sagemaker = boto3.client("sagemaker", region_name="eu-west-1")
        endpoints = []
        for summary in sagemaker.list_endpoints()["Endpoints"]:
            endpoint = sagemaker.describe_endpoint(EndpointName=summary["EndpointName"])
            config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
            variant = config["ProductionVariants"][0]
            model = sagemaker.describe_model(ModelName=variant["ModelName"])
            role = boto3.client("iam", region_name="eu-west-1").get_role(RoleName=model["ExecutionRoleArn"].split("/")[-1])
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
