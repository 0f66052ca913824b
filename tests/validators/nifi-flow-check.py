"""Checks a NiFi 2 flow snapshot (what a Git flow registry client stores, or a downloaded flow definition).

    /usr/bin/python3 nifi-flow-check.py [--raw-zone LOCATION] FLOW.json...

No validator of NiFi's own exists offline (apache/nifi ships no schema of the format; NiFi checks a
flow when it imports it), so this checks what can be checked without NiFi:
- the JSON shape: flowContents a PROCESS_GROUP with processors, connections and controller services
  of the fields NiFi writes, each component with an identifier, a type and a bundle;
- every #{parameter} is defined in the group's parameter context;
- every connection's source and destination, and every controller service a property names, exist;
- sensitive parameters hold no value, and are referenced only from sensitive properties;
- with --raw-zone, a processor writes there: the data lake's raw/ location the prepare stage reads
  (PutFile Directory, PutS3Object Bucket/Object Key, PutAzureDataLakeStorage, PutGCSObject), with
  parameters resolved.
Exit 0 and OK when valid, 1 with file: message lines, 2 on wrong arguments (tests/validators' contract).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

PARAMETER = re.compile(r"#\{([^}]+)\}")
GROUP_KEYS = ("identifier", "name", "processors", "connections", "controllerServices", "processGroups", "componentType")
PROCESSOR_KEYS = ("identifier", "name", "type", "bundle", "properties", "schedulingStrategy", "scheduledState", "componentType")
CONNECTION_KEYS = ("identifier", "source", "destination", "selectedRelationships", "componentType")
# Properties NiFi marks sensitive in the components this template uses (a dynamic one says so in its descriptor).
SENSITIVE_PROPERTIES = {"storage-account-key", "Secret Key", "Access Key", "sas-token", "service-principal-client-secret"}


def raw_zone_targets(processor: dict, resolve) -> list[str]:
    """Where a put processor writes, as a location without a file name."""
    kind = processor["type"].rsplit(".", 1)[-1]
    props = processor.get("properties", {})
    if kind == "PutFile":
        return [resolve(props.get("Directory", ""))]
    if kind == "PutS3Object":
        return [f"s3://{resolve(props.get('Bucket', ''))}/{resolve(props.get('Object Key', '')).rsplit('/', 1)[0]}"]
    if kind == "PutGCSObject":
        return [f"gs://{resolve(props.get('gcs-bucket', ''))}/{resolve(props.get('gcs-key', '')).rsplit('/', 1)[0]}"]
    if kind == "PutAzureDataLakeStorage":
        return [f"abfs://{resolve(props.get('filesystem-name', ''))}/{resolve(props.get('directory-name', ''))}"]
    return []


def check(path: Path, raw_zone: str | None) -> list[str]:
    try:
        flow = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        return [f"{path}: not JSON: {error}"]
    problems: list[str] = []
    group = flow.get("flowContents")
    if not isinstance(group, dict) or group.get("componentType") != "PROCESS_GROUP":
        return [f"{path}: flowContents must be a PROCESS_GROUP"]
    problems += [f"{path}: flowContents lacks {key}" for key in GROUP_KEYS if key not in group]
    contexts = flow.get("parameterContexts", {})
    context = contexts.get(group.get("parameterContextName", ""))
    if group.get("parameterContextName") and context is None:
        problems.append(f"{path}: parameter context {group['parameterContextName']!r} is not in parameterContexts")
    parameters = {p["name"]: p for p in (context or {}).get("parameters", [])}
    for name, parameter in parameters.items():
        if parameter.get("sensitive") and parameter.get("value") not in (None, ""):
            problems.append(f"{path}: sensitive parameter {name!r} has a value in the flow: keep it empty in Git")

    components = {}
    for processor in group.get("processors", []):
        problems += [f"{path}: processor {processor.get('name')!r} lacks {k}" for k in PROCESSOR_KEYS if k not in processor]
        components[processor.get("identifier")] = processor
    for kind in ("inputPorts", "outputPorts", "funnels"):
        for component in group.get(kind, []):
            components[component.get("identifier")] = component
    services = {service.get("identifier"): service for service in group.get("controllerServices", [])}
    for service in services.values():
        problems += [f"{path}: controller service {service.get('name')!r} lacks {k}" for k in ("identifier", "type", "bundle", "properties")
                     if k not in service]

    for component in [*components.values(), *services.values()]:
        descriptors = component.get("propertyDescriptors", {})
        for key, value in (component.get("properties") or {}).items():
            if not isinstance(value, str):
                continue
            sensitive_property = key in SENSITIVE_PROPERTIES or descriptors.get(key, {}).get("sensitive", False)
            for name in PARAMETER.findall(value):
                if name not in parameters:
                    problems.append(f"{path}: {component.get('name')!r} property {key!r} uses #{{{name}}}, which the parameter context does not define")
                elif parameters[name].get("sensitive") and not sensitive_property:
                    problems.append(f"{path}: sensitive parameter {name!r} is used by the non-sensitive property {key!r}")
                elif sensitive_property and not parameters[name].get("sensitive"):
                    problems.append(f"{path}: sensitive property {key!r} takes the non-sensitive parameter {name!r}")
            if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", value) and value not in services:
                problems.append(f"{path}: {component.get('name')!r} property {key!r} names controller service {value}, which is not in the flow")
            if sensitive_property and not PARAMETER.fullmatch(value) and value:
                problems.append(f"{path}: sensitive property {key!r} holds a literal value: use a sensitive parameter")

    for connection in group.get("connections", []):
        problems += [f"{path}: connection {connection.get('identifier')} lacks {k}" for k in CONNECTION_KEYS if k not in connection]
        for end in ("source", "destination"):
            target = (connection.get(end) or {}).get("id")
            if target not in components:
                problems.append(f"{path}: connection {connection.get('identifier')} {end} {target} is not a component of the flow")
        if not connection.get("selectedRelationships") and (connection.get("source") or {}).get("type") == "PROCESSOR":
            problems.append(f"{path}: connection {connection.get('identifier')} selects no relationship")

    if raw_zone is not None:
        def resolve(text: str) -> str:
            return PARAMETER.sub(lambda m: str(parameters.get(m.group(1), {}).get("value") or ""), text)

        targets = [t.rstrip("/") for p in components.values() if "type" in p for t in raw_zone_targets(p, resolve)]
        if raw_zone.rstrip("/") not in targets:
            problems.append(f"{path}: no processor writes to the raw zone {raw_zone} (writes: {', '.join(targets) or 'nothing'})")
    return problems


def main(argv: list[str]) -> int:
    raw_zone = None
    if argv[:1] == ["--raw-zone"]:
        if len(argv) < 2:
            print(__doc__, file=sys.stderr)
            return 2
        raw_zone, argv = argv[1], argv[2:]
    if not argv or any(not Path(name).is_file() for name in argv):
        print(__doc__, file=sys.stderr)
        return 2
    problems = [line for name in argv for line in check(Path(name), raw_zone)]
    print("\n".join(problems) if problems else "OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
