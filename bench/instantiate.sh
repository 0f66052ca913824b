#!/usr/bin/env bash
# Instantiation speed of `dotnet new mlops-project`, next to `dotnet new console --no-restore` and to a trivial
# one-file template installed from a nupkg the same way, in one run and one isolated hive, so that the ratios
# are comparable on a noisy machine. Prints medians and ratios; the target is mlops/trivial <= 1.2.
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

for package in "$work"/package/*.nupkg; do
  dotnet new install "$package" --debug:custom-hive "$hive" >/dev/null
done

# Median wall time in milliseconds of `dotnet new ARGS`, each run into a fresh folder.
median_ms() {
  local label=$1; shift
  local times=() i start end
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    dotnet new "$@" -o "$work/out-$label-$i" --debug:custom-hive "$hive" --no-update-check >/dev/null
    end=$(date +%s%N)
    times+=($(((end - start) / 1000000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# One warm-up each, so that first-run caches do not land on one side only.
median_ms warmup-mlops mlops-project -n warm >/dev/null
mlops=$(median_ms mlops mlops-project -n churn-model)
trivial_ms=$(median_ms trivial bench-trivial -n churn-model)
console=$(median_ms console console --no-restore -n churn-model)

printf 'runs per command:               %d (median)\n' "$runs"
printf 'dotnet new mlops-project:       %d ms\n' "$mlops"
printf 'trivial one-file template:      %d ms\n' "$trivial_ms"
printf 'dotnet new console --no-restore: %d ms\n' "$console"
awk -v m="$mlops" -v t="$trivial_ms" -v c="$console" 'BEGIN {
  printf "ratio mlops-project / trivial:  %.2f (target <= 1.2)\n", m / t
  printf "ratio mlops-project / console:  %.2f\n", m / c
}'
