"""A moto stand-in for CloudFormation and IAM (no AWS account here): creates one stack from a template and its
parameters the way `aws cloudformation deploy` would, then prints the IAM roles it made as JSON, with each trust
policy and inline policy parsed. moto resolves the intrinsic functions (Sub, If, Join, GetAtt) and rejects a stack
whose policy documents are not valid JSON; it does not evaluate the policies (nor create OIDC providers or EKS
access entries, which it skips), so the C# test asserts what the documents say.

Usage: python3 cloudformation-under-moto.py TEMPLATE PARAMETERS_JSON   (pyenv Python: moto and boto3)
"""

import ast
import json
import sys
import warnings
from pathlib import Path

import boto3
from moto import mock_aws

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Infrastructure"))
from moto_stack import REGION, create_stack  # noqa: E402 - the shared helper lives beside the test infrastructure


def document(value):
    """A policy document as moto returns it: a dict, JSON text, or (for documents written as YAML) a Python repr."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return ast.literal_eval(value)


def main(template_path: str, parameters_json: str) -> int:
    warnings.simplefilter("ignore")
    with mock_aws():
        stack = create_stack(template_path, parameters_json, "CAPABILITY_NAMED_IAM")
        if stack["StackStatus"] != "CREATE_COMPLETE":
            print(f"stack {stack['StackStatus']}: {stack.get('StackStatusReason')}", file=sys.stderr)
            return 1
        iam = boto3.client("iam", region_name=REGION)
        roles = {}
        for role in iam.list_roles()["Roles"]:
            name = role["RoleName"]
            policies = {
                p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
                for p in iam.list_role_policies(RoleName=name)["PolicyNames"]
            }
            roles[name] = {
                "trust": document(role["AssumeRolePolicyDocument"]),
                "policies": {k: document(v) for k, v in policies.items()},
            }
    json.dump(roles, sys.stdout, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
