#!/usr/bin/env bash
# Instantiation speed of `dotnet new mlops-project`, next to `dotnet new console --no-restore`, to a trivial
# one-file template installed from a nupkg the same way, and to a plain template holding exactly the files
# mlops-project generates by default (no options, only the name replaced): what the engine costs to write this
# repository at all. One run, one isolated hive, so that the ratios are comparable on a noisy machine.
# Prints medians and ratios; the target is mlops/trivial <= 1.2.
# Usage: bench/instantiate.sh [runs]   (default 9)
set -euo pipefail
runs=${1:-9}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
hive="$work/hive"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet pack "$root/src/MlopsTemplates" -c Release -o "$work/package" -nologo >/dev/null

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

# The plain template: the default output of mlops-project as static content, its name as sourceName.
plain="$work/plain"
dotnet new mlops-project -n churn-model -o "$plain/content/plain" --debug:custom-hive "$hive" --no-update-check >/dev/null
mkdir -p "$plain/content/plain/.template.config"
cat >"$plain/content/plain/.template.config/template.json" <<'JSON'
{ "identity": "Bench.Plain", "name": "Plain", "shortName": "bench-plain", "sourceName": "churn-model",
  "tags": { "type": "project" } }
JSON
sed 's/Bench.Trivial/Bench.Plain/' "$trivial/Bench.Trivial.csproj" >"$plain/Bench.Plain.csproj"
dotnet pack "$plain/Bench.Plain.csproj" -o "$work/package" -nologo >/dev/null
plain_files=$(find "$plain/content/plain" -type f -not -path '*/.template.config/*' | wc -l)

for package in "$work"/package/Bench.*.nupkg; do
  dotnet new install "$package" --debug:custom-hive "$hive" >/dev/null
done

# Wall time in milliseconds of one `dotnet new ARGS` into a fresh folder, appended to $work/times-LABEL.
time_one() {
  local label=$1 run=$2; shift 2
  local start end
  start=$(date +%s%N)
  dotnet new "$@" -o "$work/out-$label-$run" -n churn-model --debug:custom-hive "$hive" --no-update-check >/dev/null
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
  if ((i == 0)); then rm -f "$work"/times-*; fi
done
mlops=$(median mlops)
trivial_ms=$(median trivial)
plain_ms=$(median plain)
console=$(median console)

printf 'runs per command:               %d (median)\n' "$runs"
printf 'dotnet new mlops-project:       %d ms\n' "$mlops"
printf 'trivial one-file template:      %d ms\n' "$trivial_ms"
printf 'plain template, same %d files:  %d ms\n' "$plain_files" "$plain_ms"
printf 'dotnet new console --no-restore: %d ms\n' "$console"
awk -v m="$mlops" -v t="$trivial_ms" -v c="$console" -v p="$plain_ms" 'BEGIN {
  printf "ratio mlops-project / trivial:  %.2f (target <= 1.2)\n", m / t
  printf "ratio plain / trivial:          %.2f (the engine writing these files, no selection)\n", p / t
  printf "ratio mlops-project / plain:    %.2f (what selecting among variants adds)\n", m / p
  printf "ratio mlops-project / console:  %.2f\n", m / c
}'
