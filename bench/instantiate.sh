#!/usr/bin/env bash
# Instantiation speed of `dotnet new mlops-project`, next to `dotnet new console --no-restore`, to a trivial
# one-file template installed from a nupkg the same way, and to a plain template holding exactly the files
# mlops-project generates by default (no options, only the name replaced): what the engine costs to write this
# repository at all; and the same next to a copy of the template with three times its variants (a synthetic load).
# One run, isolated hives, commands taking turns, so that the ratios are comparable on a noisy machine.
# Prints medians and ratios; the target is mlops/plain <= 1.10, with today's variants and with three times as many.
# Usage: bench/instantiate.sh [runs]   (default 9)
set -euo pipefail
runs=${1:-9}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
hive="$work/hive"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet pack "$root/src/MlopsTemplates" -c Release -o "$work/package" -nologo >/dev/null

# The synthetic load: the same template with three times as many rendered variants, none of them chosen by default.
# An extra option `synthetic` (off | a | b) and, for every source, one copy per non-default value that
# lands under synthetic-<value>/ and is emitted only for it. The default output keeps its files (the answers file
# gains one line), so the same plain template measures the floor for both.
synthetic="$work/synthetic/templates"
mkdir -p "$synthetic"
cp -a "$root/templates/mlops-project" "$synthetic/"
python3 - "$synthetic/mlops-project" <<'PY'
import json, pathlib, re, sys
root = pathlib.Path(sys.argv[1])
manifest_path = root / ".template.config" / "template.json"
manifest = json.loads(manifest_path.read_text())
manifest["symbols"]["synthetic"] = {
    "type": "parameter", "datatype": "choice", "defaultValue": "off", "replaces": "mlops-opt-synthetic",
    "description": "Synthetic load for the benchmark.",
    "choices": [{"choice": v, "description": f"Synthetic {v}."} for v in ("off", "a", "b")],
}
manifest_path.write_text(json.dumps(manifest, indent=2))
for source in sorted(p for p in root.rglob("*.sbn") if ".partials" not in p.parts):
    text = source.read_text()
    for value in ("a", "b"):
        copy = re.sub(r'^output = "', f'output = "synthetic-{value}/', text, count=1, flags=re.M)
        if re.search(r"^only = \{", copy, flags=re.M):
            copy = re.sub(r"^only = \{", f'only = {{ synthetic: "{value}",', copy, count=1, flags=re.M)
        else:
            copy = re.sub(r'^(output = ".*")$', rf'\1\nonly = {{ synthetic: "{value}" }}', copy, count=1, flags=re.M)
        source.with_name(f"{source.stem}.synthetic-{value}.sbn").write_text(copy)
PY
dotnet pack "$root/src/MlopsTemplates" -c Release -o "$work/synthetic/package" -nologo \
  -p:TemplatesDirectory="$synthetic/" -p:StagingDirectory="$work/synthetic/staged/" | grep -o 'rendered .* variants' || true

# The trivial template: one file, one symbol, packed exactly like ours.
trivial="$work/trivial"
mkdir -p "$trivial/content/trivial/.template.config"
cat >"$trivial/content/trivial/.template.config/template.json" <<'JSON'
{ "identity": "Bench.Trivial", "name": "Trivial", "shortName": "bench-trivial", "sourceName": "TrivialName",
  "tags": { "type": "project" } }
JSON
echo "# TrivialName" >"$trivial/content/trivial/README.md"
cat >"$trivial/Bench.Trivial.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <PackageType>Template</PackageType><PackageId>Bench.Trivial</PackageId><Version>1.0.0</Version>
    <TargetFramework>net10.0</TargetFramework><IncludeBuildOutput>false</IncludeBuildOutput>
    <IncludeContentInPack>true</IncludeContentInPack><EnableDefaultItems>false</EnableDefaultItems>
    <NoDefaultExcludes>true</NoDefaultExcludes><NoWarn>NU5128</NoWarn><NuGetAudit>false</NuGetAudit>
  </PropertyGroup>
  <ItemGroup><Content Include="content/**/*" PackagePath="content/" /></ItemGroup>
</Project>
XML
dotnet pack "$trivial/Bench.Trivial.csproj" -o "$work/package" -nologo >/dev/null

dotnet new install "$work"/package/MlopsTemplates.*.nupkg --debug:custom-hive "$hive" >/dev/null
# The synthetic pack has the same identity, so it gets a hive of its own (with the plain template in it too).
synthetic_hive="$work/synthetic-hive"
dotnet new install "$work"/synthetic/package/MlopsTemplates.*.nupkg --debug:custom-hive "$synthetic_hive" >/dev/null

# The plain template: the default output of mlops-project as static content, its name as sourceName.
plain="$work/plain"
dotnet new mlops-project -n churn-model -o "$plain/content/plain" --debug:custom-hive "$hive" --no-update-check >/dev/null
mkdir -p "$plain/content/plain/.template.config"
# The same files means the same modes too: the package loses run bits, so the plain template restores them with the
# same chmod post action (the process it starts is part of writing these files).
executables=$(cd "$plain/content/plain" && find . -type f -perm -u+x -printf '"%P",' | sed 's/,$//')
cat >"$plain/content/plain/.template.config/template.json" <<JSON
{ "identity": "Bench.Plain", "name": "Plain", "shortName": "bench-plain", "sourceName": "churn-model",
  "tags": { "type": "project" },
  "postActions": [ { "actionId": "CB9A6CF3-4F5C-4860-B9D2-03A574959774", "continueOnError": true,
    "args": { "+x": [ $executables ] }, "manualInstructions": [ { "text": "chmod +x" } ] } ] }
JSON
sed 's/Bench.Trivial/Bench.Plain/' "$trivial/Bench.Trivial.csproj" >"$plain/Bench.Plain.csproj"
dotnet pack "$plain/Bench.Plain.csproj" -o "$work/package" -nologo >/dev/null
plain_files=$(find "$plain/content/plain" -type f -not -path '*/.template.config/*' | wc -l)

for package in "$work"/package/Bench.*.nupkg; do
  dotnet new install "$package" --debug:custom-hive "$hive" >/dev/null
  dotnet new install "$package" --debug:custom-hive "$synthetic_hive" >/dev/null
done
synthetic_files=$(dotnet new mlops-project -n churn-model -o "$work/synthetic-default" --debug:custom-hive "$synthetic_hive" --no-update-check >/dev/null && find "$work/synthetic-default" -type f | wc -l)
if [[ "$synthetic_files" != "$plain_files" ]]; then
  echo "the synthetic load changed the default output ($synthetic_files files, plain has $plain_files)" >&2
  exit 1
fi

# Wall time in milliseconds of one `dotnet new ARGS` into a fresh folder, appended to $work/times-LABEL.
# HIVE picks the hive (default: the main one).
time_one() {
  local label=$1 run=$2; shift 2
  local start end
  start=$(date +%s%N)
  dotnet new "$@" -o "$work/out-$label-$run" -n churn-model --debug:custom-hive "${HIVE:-$hive}" --no-update-check >/dev/null
  end=$(date +%s%N)
  echo $(((end - start) / 1000000)) >>"$work/times-$label"
}

median() { sort -n "$work/times-$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# One warm-up each, then the commands take turns, so that the machine's slow spells fall on all of them alike.
for ((i = 0; i <= runs; i++)); do
  time_one mlops "$i" mlops-project
  time_one trivial "$i" bench-trivial
  time_one plain "$i" bench-plain
  time_one console "$i" console --no-restore
  HIVE=$synthetic_hive time_one synthetic "$i" mlops-project
  HIVE=$synthetic_hive time_one plain3 "$i" bench-plain
  if ((i == 0)); then rm -f "$work"/times-*; fi
done
mlops=$(median mlops)
trivial_ms=$(median trivial)
plain_main_ms=$(median plain)
plain3_ms=$(median plain3)
console=$(median console)
synthetic_ms=$(median synthetic)
# The plain template is the same in both hives: its two medians show the noise; the ratios use all its runs.
cat "$work/times-plain3" >>"$work/times-plain"
plain_ms=$(median plain)

printf 'runs per command:               %d (median)\n' "$runs"
printf 'dotnet new mlops-project:       %d ms\n' "$mlops"
printf 'trivial one-file template:      %d ms\n' "$trivial_ms"
printf 'plain template, same %d files:  %d ms (%d and %d ms in the two hives: the noise)\n' "$plain_files" "$plain_ms" "$plain_main_ms" "$plain3_ms"
printf 'dotnet new console --no-restore: %d ms\n' "$console"
printf 'mlops-project, 3x variants:     %d ms\n' "$synthetic_ms"
awk -v m="$mlops" -v t="$trivial_ms" -v c="$console" -v p="$plain_ms" -v s="$synthetic_ms" 'BEGIN {
  printf "ratio mlops-project / plain:    %.2f (what selecting among variants adds; target <= 1.10)\n", m / p
  printf "ratio 3x variants / plain:      %.2f (the same with three times the variants; target <= 1.10)\n", s / p
  printf "ratio plain / trivial:          %.2f (the engine writing these files, no selection)\n", p / t
  printf "ratio mlops-project / trivial:  %.2f\n", m / t
  printf "ratio mlops-project / console:  %.2f\n", m / c
}'
