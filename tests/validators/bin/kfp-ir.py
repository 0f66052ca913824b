"""Kubeflow Pipelines IR files (the YAML the KFP compiler writes) parsed strictly with the pipeline spec's protobuf.

usage: kfp-ir.py --shared <shared/schemas> FILE...

pipeline_spec.proto (shared/schemas/kfp, upstream kubeflow/pipelines api/v2alpha1) is compiled with protoc into a
descriptor set and loaded with python3-protobuf. The first YAML document of each file must parse as
ml_pipelines.PipelineSpec and the second (kfp-kubernetes' settings), where present, as ml_pipelines.PlatformSpec, with
unknown fields rejected; the Struct-typed deploymentSpec is re-parsed as PipelineDeploymentConfig, so a misspelt
container field is an error too. Prints one line per problem; exit 0 valid, 1 invalid, 2 usage or setup error.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory


def load_messages(shared: Path) -> dict:
    proto_dir = shared / "kfp"
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "kfp.pb"
        subprocess.run(
            ["protoc", f"-I{proto_dir}", "--include_imports", f"--descriptor_set_out={out}", "pipeline_spec.proto"],
            check=True,
        )
        files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    # GetMessageClass since protobuf 4.21; Debian 12's 3.21 has only the factory's GetPrototype.
    factory = getattr(message_factory, "GetMessageClass", None) or message_factory.MessageFactory(pool).GetPrototype
    names = ["PipelineSpec", "PlatformSpec", "PipelineDeploymentConfig"]
    return {n: factory(pool.FindMessageTypeByName(f"ml_pipelines.{n}")) for n in names}


def check(path: Path, messages: dict) -> list[str]:
    try:
        documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    except yaml.YAMLError as error:
        return [f"{path}: not YAML: {error}"]
    if not documents:
        return [f"{path}: no pipeline spec"]
    problems = []
    kinds = ["PipelineSpec", "PlatformSpec"]
    if len(documents) > len(kinds):
        problems.append(f"{path}: {len(documents)} documents, at most 2 (PipelineSpec, PlatformSpec)")
    for kind, document in zip(kinds, documents, strict=False):
        try:
            json_format.ParseDict(document, messages[kind](), ignore_unknown_fields=False)
        except json_format.ParseError as error:
            problems.append(f"{path}: {kind}: {error}")
        if kind == "PipelineSpec" and isinstance(document, dict):
            for field in ("pipelineInfo", "root", "deploymentSpec", "schemaVersion", "sdkVersion"):
                if field not in document:
                    problems.append(f"{path}: PipelineSpec: no {field}")
            # deploymentSpec is a google.protobuf.Struct in PipelineSpec: anything parses there, so read it again as
            # what the backend reads it as.
            try:
                json_format.ParseDict(
                    document.get("deploymentSpec", {}), messages["PipelineDeploymentConfig"](), ignore_unknown_fields=False
                )
            except json_format.ParseError as error:
                problems.append(f"{path}: deploymentSpec: {error}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", required=True, type=Path)
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    try:
        messages = load_messages(args.shared)
    except (OSError, subprocess.CalledProcessError, KeyError) as error:
        print(f"setup: {error}", file=sys.stderr)
        return 2
    problems = [p for f in args.files for p in check(f, messages)]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
