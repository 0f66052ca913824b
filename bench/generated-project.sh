#!/usr/bin/env bash
# Benchmark of the generated ML project (issue 4), for the default options unless others are given:
#   bench/generated-project.sh [dotnet new options, e.g. --serving flask]
# Prints the time to instantiate, to run the generated test suite, to train on the sample data, and the
# requests/s and p99 latency of /predict next to a bare endpoint of the same framework served by the same
# command (wrk --latency); with --ui react also the gateway's /api/predict next to a direct /predict.
# Needs: dotnet, Debian's python3 with the packages of shared/docs/offline-validators.md, wrk (and node, npm for --ui react).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=/usr/bin/python3
duration=${BENCH_SECONDS:-8}
rounds=${BENCH_ROUNDS:-3}
work=$(mktemp -d /tmp/mlops-bench-XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

seconds_since() { echo "$(( $(date +%s%N) - $1 ))" | awk '{printf "%.2f", $1 / 1e9}'; }

free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), load $(cut -d' ' -f1-3 /proc/loadavg)"

# Packing is the template's build, not the user's wait: it is not part of the figures.
dotnet pack "$root/src/MlopsTemplates" -c Release -o "$work/package" -nologo >"$work/pack.log" 2>&1 || { cat "$work/pack.log"; exit 1; }
dotnet new install "$work"/package/MlopsTemplates.*.nupkg --debug:custom-hive "$work/hive" >"$work/install.log" 2>&1 \
    || { cat "$work/install.log"; exit 1; }

repo="$work/churn-model"
start=$(date +%s%N)
dotnet new mlops-project -n churn-model -o "$repo" --debug:custom-hive "$work/hive" --no-update-check "$@" >/dev/null
instantiate=$(seconds_since "$start")
package=churn_model
export PYTHONPATH="$repo/src" PYTHONDONTWRITEBYTECODE=1
cd "$repo"

start=$(date +%s%N)
"$python" -m pytest -q -p no:cacheprovider >"$work/pytest.log" 2>&1 || { cat "$work/pytest.log"; exit 1; }
tests=$(seconds_since "$start")
passed=$(grep -Eo '[0-9]+ passed' "$work/pytest.log")

"$python" -m "$package.data" >/dev/null 2>&1
start=$(date +%s%N)
"$python" -m "$package.train" >"$work/train.log" 2>&1 || { cat "$work/train.log"; exit 1; }
train=$(seconds_since "$start")
# The gate promotes the candidate to models/model.joblib, which the service loads (not part of the figures).
"$python" -m "$package.evaluate" >"$work/evaluate.log" 2>&1 || { cat "$work/evaluate.log"; exit 1; }

printf 'instantiate       %6ss\n' "$instantiate"
printf 'generated tests   %6ss  (%s)\n' "$tests" "$passed"
printf 'train             %6ss\n' "$train"
printf 'total             %6ss  (target < 30 s)\n' "$(awk -v a="$instantiate" -v b="$tests" -v c="$train" 'BEGIN {printf "%.2f", a + b + c}')"

if [ ! -f "src/$package/service.py" ]; then
    echo "no service (--serving none): no throughput figures"
    exit 0
fi

# The image's own server command (the Dockerfile's CMD), bound to 127.0.0.1 on a free port.
mapfile -t server < <("$python" -c '
import json, re, sys
cmd = json.loads(re.findall(r"^CMD\s+(\[.*\])\s*$", open("Dockerfile").read(), re.M)[-1])
print("\n".join(cmd))')
app_target=$(printf '%s\n' "${server[@]}" | grep -E "^$package\.service:")

# The bare endpoint: the same framework, the same JSON body parsed, a constant answer.
mkdir -p "$work/bare/bench_bare"
if grep -q '^from fastapi' "src/$package/service.py"; then
    bare_target="bench_bare.app:app"
    cat >"$work/bare/bench_bare/app.py" <<'PY'
from typing import Any, Dict

from fastapi import FastAPI

app = FastAPI()


@app.post("/predict")
async def predict(payload: Dict[str, Any]) -> Dict[str, Any]:
    return {"ok": True}
PY
# --- Django (--serving django, issue 18): a bare view, the same JSON body parsed, no middleware ---
elif grep -q '^from django' "src/$package/service.py"; then
    bare_target="bench_bare.app:application"
    cat >"$work/bare/bench_bare/app.py" <<'PY'
import json

from django.conf import settings

settings.configure(DEBUG=False, SECRET_KEY="bench-" + "x" * 50, ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__, MIDDLEWARE=[])

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402


def predict(request):
    json.loads(request.body)
    return JsonResponse({"ok": True})


urlpatterns = [path("predict", predict)]
application = get_wsgi_application()
PY
# --- end of the Django block ---
else
    bare_target="bench_bare.app:create_app()"
    cat >"$work/bare/bench_bare/app.py" <<'PY'
from flask import Flask, jsonify, request


def create_app():
    app = Flask(__name__)

    @app.post("/predict")
    def predict():
        request.get_json()
        return jsonify({"ok": True})

    return app
PY
fi
touch "$work/bare/bench_bare/__init__.py"

start_server() { # $1 = app target, $2 = port; prints the pid
    local args=() arg
    for arg in "${server[@]:1}"; do
        arg=${arg//0.0.0.0:8080/127.0.0.1:$2}
        arg=${arg//0.0.0.0/127.0.0.1}
        [ "$arg" = 8080 ] && arg=$2
        [ "$arg" = "$app_target" ] && arg=$1
        args+=("$arg")
    done
    PYTHONPATH="$repo/src:$work/bare" "$python" -m "${server[0]}" "${args[@]}" >"$work/server-$2.log" 2>&1 &
    echo $!
}

wait_ready() { # $1 = url
    for _ in $(seq 100); do
        curl -fs -o /dev/null -X POST -H 'Content-Type: application/json' -d "$body" "$1" && return 0
        sleep 0.2
    done
    echo "server at $1 did not answer" >&2
    cat "$work"/server-*.log >&2
    exit 1
}

body=$("$python" -c '
import csv, json
row = next(csv.DictReader(open("data/processed/test.csv")))
print(json.dumps({k: float(v) for k, v in row.items() if k.startswith("mean_")}))')
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$body'
LUA

predict_port=$(free_port)
pids+=("$(start_server "$app_target" "$predict_port")")
bare_port=$(free_port)
pids+=("$(start_server "$bare_target" "$bare_port")")
wait_ready "http://127.0.0.1:$predict_port/predict"
wait_ready "http://127.0.0.1:$bare_port/predict"

load() { # $1 = url; prints "requests/s p99-in-ms", failing on any non-2xx answer
    local out
    out=$(wrk -t1 -c8 -d"${duration}s" --latency -s "$work/post.lua" "$1")
    if grep -q 'Non-2xx' <<<"$out"; then echo "non-2xx answers from $1:" >&2; echo "$out" >&2; exit 1; fi
    # wrk prints the percentile with its unit (us, ms or s).
    awk '/Requests\/sec/ {rps = $2}
         $1 == "99%" {v = $2; f = 1; if (v ~ /us$/) f = 0.001; else if (v ~ /ms$/) f = 1; else if (v ~ /s$/) f = 1000
                      sub(/[a-z]+$/, "", v); p99 = v * f}
         END {printf "%s %.2f\n", rps, p99}' <<<"$out"
}

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

compare() { # $1 $2 = label and URL measured, $3 $4 = label and URL it is compared with; alternating rounds
    local runs=() p99s=() base_runs=() base_p99s=() result rps p99 measured base
    for _ in $(seq "$rounds"); do
        # Assigned first, so that a failing run stops the script (set -e).
        result=$(load "$2")
        read -r rps p99 <<<"$result"
        runs+=("$rps") p99s+=("$p99")
        result=$(load "$4")
        read -r rps p99 <<<"$result"
        base_runs+=("$rps") base_p99s+=("$p99")
    done
    measured=$(median "${runs[@]}")
    base=$(median "${base_runs[@]}")
    printf '%-20s %8.0f req/s  p99 %7.2f ms  (rounds: %s; p99: %s)\n' "$1" "$measured" "$(median "${p99s[@]}")" "${runs[*]}" "${p99s[*]}"
    printf '%-20s %8.0f req/s  p99 %7.2f ms  (rounds: %s; p99: %s)\n' "$3" "$base" "$(median "${base_p99s[@]}")" "${base_runs[*]}" "${base_p99s[*]}"
    printf '%-20s %8.2f' ratio "$(awk -v p="$measured" -v b="$base" 'BEGIN {print p / b}')"
}

echo "image command: ${server[*]}, served on 127.0.0.1 by Debian python (wrk -t1 -c8, ${rounds} alternating rounds of ${duration}s)"
compare /predict "http://127.0.0.1:$predict_port/predict" "bare endpoint" "http://127.0.0.1:$bare_port/predict"
echo "        (target >= 0.7)"

# --- web UI (--ui react, issue 18): the gateway's /api/predict next to a direct /predict to the same service ---
if [ -d gateway ]; then
    (cd gateway && npm ci --omit=dev --prefer-offline --no-audit --no-fund) >"$work/gateway-npm.log" 2>&1 \
        || { cat "$work/gateway-npm.log"; exit 1; }
    gateway_port=$(free_port)
    mkdir -p "$work/ui-dist"
    # The API only (no built UI), and a rate limit no benchmark reaches: here wrk is the one client.
    HOST=127.0.0.1 PORT="$gateway_port" MODEL_SERVICE_URL="http://127.0.0.1:$predict_port" UI_DIST="$work/ui-dist" \
        RATE_LIMIT_PER_MINUTE=1000000000 node gateway/src/server.js >"$work/server-gateway.log" 2>&1 &
    pids+=("$!")
    wait_ready "http://127.0.0.1:$gateway_port/api/predict"
    echo "gateway: node $(node --version) gateway/src/server.js in front of the same /predict"
    compare "gateway /api/predict" "http://127.0.0.1:$gateway_port/api/predict" "direct /predict" "http://127.0.0.1:$predict_port/predict"
    echo "        (the gateway's share of a request: validation, proxying, security headers)"
fi
# --- end of the web UI block
