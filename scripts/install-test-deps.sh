#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian 12 machine (run as root, or with sudo):
# the Debian packages that run the generated Python project and the offline validators, then the
# pinned npm validators of tests/validators with `npm ci`. Each part is skipped when already in
# place, so on a warm machine this takes seconds. Needs only the Debian and npm registries.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
validators_dir="$repo_root/tests/validators"

debian_packages=(
  # run the generated project and its tests with Debian's Python (PyPI is not assumed reachable)
  python3-sklearn python3-pandas python3-fastapi python3-flask python3-uvicorn
  python3-pytest python3-httpx python3-yaml python3-joblib gunicorn
  # --serving django: Debian's Django 3.2 and WhiteNoise run the generated Django project
  python3-django python3-whitenoise
  # the model store (fsspec) and `make test` with coverage, as `make install` sets them up
  python3-fsspec python3-pytest-cov
  # validators: Jenkinsfile (Groovy on Java 17), YAML, shell scripts, load test of the service
  groovy openjdk-17-jre-headless yamllint shellcheck wrk
  git make
  # the CI tests run the pipelines' own checks (jq in the Azure production gate)
  jq
  # data engineering (issue 20): sqlfluff's hive and sparksql grammars for the generated HiveQL and Spark SQL
  sqlfluff
  # the web UI's browser test (--ui react): Debian's Chromium, driven by playwright-core from tests/validators
  chromium fonts-dejavu-core
  # the prediction log (--store): a throwaway PostgreSQL 15 server, its driver, pymongo and mongomock (a fake, not a server)
  postgresql python3-sqlalchemy python3-alembic python3-psycopg2 python3-pymongo python3-mongomock
  # pipeline orchestrators (issue 16): the Kubeflow IR parsed strictly as a PipelineSpec (pipeline_spec.proto compiled by protoc);
  # libprotobuf-dev holds the well-known types it imports (google/protobuf/struct.proto, ...), only a recommendation of
  # protobuf-compiler, which --no-install-recommends leaves out
  protobuf-compiler libprotobuf-dev python3-protobuf
)

log() { printf 'install-test-deps: %s\n' "$*" >&2; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    log "need root (or sudo) to run: $*"
    exit 1
  fi
}

missing_debian_packages() {
  local package status
  for package in "${debian_packages[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)"
    [[ $status == installed ]] || printf '%s\n' "$package"
  done
}

install_debian_packages() {
  local missing
  mapfile -t missing < <(missing_debian_packages)
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "Debian packages present"
    return
  fi
  log "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

check_node() {
  local major
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    log "node (>= 20) and npm are required for tests/validators; install Node.js 20 or newer"
    exit 1
  fi
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if ((major < 20)); then
    log "node $(node --version) is too old for tests/validators; Node.js 20 or newer is required"
    exit 1
  fi
}

# node_modules is reinstalled only when the lock file or the Node version changed since the last
# successful `npm ci`, which is recorded in a stamp inside node_modules (npm ci removes it).
install_npm_validators() {
  local stamp="$validators_dir/node_modules/.install-stamp" expected
  expected="$(sha256sum "$validators_dir/package-lock.json" | cut -d' ' -f1) node-$(node --version)"
  if [[ -f $stamp && "$(<"$stamp")" == "$expected" ]]; then
    log "npm validators up to date"
    return
  fi
  log "installing npm validators (npm ci in tests/validators)"
  (cd "$validators_dir" && npm ci --no-audit --no-fund --loglevel=error)
  printf '%s\n' "$expected" >"$stamp"
}

install_debian_packages
check_node
install_npm_validators
log "done"
