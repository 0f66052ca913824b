#!/usr/bin/env bash
# The README's second command: install what the tests need, then run the whole suite.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install-test-deps.sh"
dotnet test "$root/MlopsTemplates.sln" -c Release --logger "console;verbosity=normal" "$@"
