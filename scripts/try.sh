#!/usr/bin/env bash
# The README's first command: build the template package, install it for this user, generate a sample repository.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
artifacts="$root/artifacts"
sample="$artifacts/sample/churn-model"

rm -rf "$artifacts/package"
dotnet pack "$root/src/MlopsTemplates" -c Release -o "$artifacts/package" -nologo
package=$(find "$artifacts/package" -name 'MlopsTemplates.*.nupkg')

# Re-installing the same version over itself can corrupt the template cache: remove the old one first.
dotnet new uninstall MlopsTemplates >/dev/null 2>&1 || true
dotnet new install "$package"

rm -rf "$sample"
dotnet new mlops-project -n churn-model -o "$sample" --no-update-check "$@"
echo "Generated $sample"
