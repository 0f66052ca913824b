"""One CloudFormation stack created under moto (a library standing in for AWS: there is no AWS account here), the way
`aws cloudformation deploy` creates it, for the test scripts that then read what the stack made (Ci/, Platforms/).
Call inside `moto.mock_aws()`; the pyenv Python has moto and boto3.
"""

import json

import boto3

REGION = "eu-west-1"


def create_stack(template_path: str, parameters_json: str, capabilities: str, name: str = "under-moto") -> dict:
    """Creates the stack of the template with the parameters (a JSON object of name to value); returns its description."""
    with open(template_path, encoding="utf-8") as f:
        template = f.read()
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=template,
        Capabilities=[capabilities],
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in json.loads(parameters_json).items()],
    )
    return cloudformation.describe_stacks(StackName=name)["Stacks"][0]
