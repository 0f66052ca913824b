#!/usr/bin/env bash
# Where the package tests spend their time: runs the suite once (or the tests a --filter selects) with the command
# log of tests/MlopsTemplates.Tests/Infrastructure/Command.cs and a trx report, then prints
#   - wall seconds per test class (summed over its tests, so parallel classes add up beyond the run's length),
#   - wall seconds per tool the tests start (dotnet new, yamllint, shellcheck, node validators, python...),
#   - how many processes ran identical command lines in the same folder layout (a hint of repeated work).
# Each figure comes from this one run; compare shares, not seconds, between machines.
# Usage: bench/suite-costs.sh [dotnet test arguments, e.g. --filter FullyQualifiedName~Pairwise]
# With SUITE_COSTS_KEEP=DIR the run's files (trx, command log, engine log, test output) stay in DIR for a closer look.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -n "${SUITE_COSTS_KEEP:-}" ]]; then
  work="$SUITE_COSTS_KEEP"
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
dotnet build "$root/MlopsTemplates.sln" -c Release -nologo -v quiet >/dev/null
start=$(date +%s)
MLOPS_COMMAND_LOG="$work/commands.tsv" MLOPS_INSTANTIATION_LOG="$work/generated.log" \
  dotnet test "$root/tests/MlopsTemplates.Tests" -c Release --no-build \
  --logger "trx;LogFileName=$work/tests.trx" "$@" >"$work/test.log" 2>&1 || { tail -30 "$work/test.log"; echo "(tests failed; costs below are still those of this run)"; }
echo "suite: $(( $(date +%s) - start )) s wall, $(grep -c '^generated' "$work/generated.log" 2>/dev/null || echo 0) runs of the engine"
/usr/bin/python3 - "$work" <<'PY'
import collections, pathlib, re, sys, xml.etree.ElementTree as ET
work = pathlib.Path(sys.argv[1])
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
def seconds(d):
    h, m, s = d.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)
classes = collections.Counter()
counts = collections.Counter()
for r in ET.parse(work / "tests.trx").getroot().iterfind(".//t:UnitTestResult", ns):
    name = re.sub(r"\(.*", "", r.get("testName"))
    cls = ".".join(name.split(".")[-2:-1])
    classes[cls] += seconds(r.get("duration", "0:0:0"))
    counts[cls] += 1
total = sum(classes.values())
print(f"\ntest classes, {total:.0f} test-seconds in all")
for cls, s in classes.most_common(25):
    print(f"{s:8.1f} s {100 * s / total:5.1f}%  {counts[cls]:4d} tests  {cls}")
tools = collections.Counter()
runs = collections.Counter()
lines = collections.Counter()
for line in (work / "commands.tsv").read_text().splitlines():
    wall, command = line.split("\t", 1)
    words = command.split()
    # The tool: the program, and for interpreters the script or module they run.
    tool = pathlib.Path(words[0]).name
    for w in words[1:4]:
        if w.endswith((".mjs", ".py", ".groovy", ".sh")) or w in ("new", "pytest") or (tool in ("dotnet",) and not w.startswith("-")):
            tool += " " + pathlib.Path(w).name
            break
        if w == "-m":
            continue
    tools[tool] += float(wall)
    runs[tool] += 1
    lines[re.sub(r"/tmp/\S+?/(out|generated)/\d+[^/ ]*", "<out>", command)] += 1
all_wall = sum(tools.values())
print(f"\ntools, {all_wall:.0f} process-seconds in all")
for tool, s in tools.most_common(25):
    print(f"{s:8.1f} s {100 * s / all_wall:5.1f}%  {runs[tool]:5d} runs  {tool}")
repeated = sum(n - 1 for n in lines.values() if n > 1)
print(f"\n{repeated} processes repeated a command line another process had run (output folders aside)")
for command, n in lines.most_common(8):
    if n > 1:
        print(f"{n:5d}x  {command[:150]}")
PY
