#!/usr/bin/python3
"""Offline check of an MLflow MLproject file (no third-party validator exists for it).

Checks what `mlflow run` would trip over: exactly one environment key (python_env, conda_env or
docker_env) and its file present, known top-level keys, every entry point with a command, every
parameter with an explicit MLflow type and a default of that type, and every {placeholder} in a
command declared as a parameter.

Usage: /usr/bin/python3 mlproject-check.py <MLproject>...
Exit 0 (prints OK) when valid, 1 with "file: message" lines when not, 2 on usage errors,
3 when the checker itself failed.
"""

import re
import string
import sys
from pathlib import Path

import yaml

ENVIRONMENTS = ("python_env", "conda_env", "docker_env")
TOP_LEVEL = {"name", "entry_points", *ENVIRONMENTS}
TYPES = {"float", "int", "string", "path", "uri"}


def default_matches(kind, value):
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def placeholders(command):
    try:
        return {field for _, field, _, _ in string.Formatter().parse(command) if field is not None}
    except ValueError as error:
        raise ValueError(f"command is not a valid format string: {error}") from error


def check_environment(path, project, problems):
    present = [key for key in ENVIRONMENTS if key in project]
    if len(present) != 1:
        found = ", ".join(present) or "none"
        problems.append(f"exactly one of {', '.join(ENVIRONMENTS)} is required (found {found})")
        return
    key = present[0]
    value = project[key]
    if key == "docker_env":
        if not isinstance(value, dict) or not isinstance(value.get("image"), str):
            problems.append("docker_env needs an image")
        return
    if not isinstance(value, str):
        problems.append(f"{key} must name a file")
        return
    env_file = path.parent / value
    if not env_file.is_file():
        problems.append(f"{key} file {value} does not exist")
        return
    content = yaml.safe_load(env_file.read_text(encoding="utf-8"))
    if key == "python_env" and not (isinstance(content, dict) and "python" in content):
        problems.append(f"{value} (python_env) must be a mapping with a python version")
    if key == "conda_env" and not (isinstance(content, dict) and "dependencies" in content):
        problems.append(f"{value} (conda_env) must be a mapping with dependencies")


def check_entry_point(name, entry, problems):
    where = f"entry point {name!r}"
    if not isinstance(entry, dict) or not isinstance(entry.get("command"), str) or not entry["command"].strip():
        problems.append(f"{where} has no command")
        return
    parameters = entry.get("parameters") or {}
    if not isinstance(parameters, dict):
        problems.append(f"{where}: parameters must be a mapping")
        return
    for parameter, spec in parameters.items():
        kind = spec if isinstance(spec, str) else spec.get("type") if isinstance(spec, dict) else None
        if kind not in TYPES:
            problems.append(f"{where}: parameter {parameter!r} needs a type, one of {', '.join(sorted(TYPES))}")
        elif isinstance(spec, dict) and "default" in spec and not default_matches(kind, spec["default"]):
            problems.append(f"{where}: default of parameter {parameter!r} is not a {kind}: {spec['default']!r}")
    try:
        used = placeholders(entry["command"])
    except ValueError as error:
        problems.append(f"{where}: {error}")
        return
    for placeholder in sorted(used - set(parameters)):
        problems.append(f"{where}: command uses {{{placeholder}}} which is not a declared parameter")
    for placeholder in sorted(p for p in used if not re.fullmatch(r"[A-Za-z_][\w-]*", p)):
        problems.append(f"{where}: placeholder {{{placeholder}}} is not a parameter name")


def check(path):
    problems = []
    try:
        project = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        return [f"not valid YAML: {error}".replace("\n", " ")]
    if not isinstance(project, dict):
        return ["MLproject must be a YAML mapping"]
    for key in sorted(set(project) - TOP_LEVEL):
        problems.append(f"unknown top-level key {key!r}")
    check_environment(path, project, problems)
    entry_points = project.get("entry_points")
    if not isinstance(entry_points, dict) or not entry_points:
        problems.append("entry_points must list at least one entry point")
    else:
        for name, entry in entry_points.items():
            check_entry_point(name, entry, problems)
    return problems


def main(args):
    if not args or any(a.startswith("-") for a in args) or not all(Path(a).is_file() for a in args):
        print("usage: mlproject-check.py <MLproject>... (every argument an existing file)", file=sys.stderr)
        return 2
    failed = False
    for arg in args:
        for problem in check(Path(arg)):
            failed = True
            print(f"{arg}: {problem}")
    if not failed:
        print("OK")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception:  # noqa: BLE001 - a crash of the checker must not read as "invalid MLproject"
        import traceback

        traceback.print_exc()
        sys.exit(3)
