"""What the Vertex AI stand-ins (vertex-deploy-under-stand-in.py, ../Orchestrators/vertex-pipeline-under-stand-in.py)
share: the aiplatform v1 message classes bundled with the installed google-cloud-cli, strict loading of a request
body into one of them (unknown fields rejected, as the real API answers 400), and the HTTP handler's plumbing
(JSON answers, errors, a record of every request, a bearer token check). Test code, never generated.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import threading
import sys
import urllib.parse

SDK = "/usr/lib/google-cloud-sdk"
sys.path[:0] = [f"{SDK}/lib", f"{SDK}/lib/third_party"]

from apitools.base.py import encoding  # noqa: E402,F401
from apitools.base.protorpclite import messages as protorpc  # noqa: E402
from googlecloudsdk.generated_clients.apis.aiplatform.v1 import aiplatform_v1_messages as m  # noqa: E402,F401

TOKEN = "stand-in-token"


def strict(cls, body: str):
    """The body as a message of cls; an unknown field anywhere is an error, as the real API answers 400."""
    message = encoding.JsonToMessage(cls, body or "{}")

    def walk(msg, path):
        unknown = msg.all_unrecognized_fields()
        if unknown:
            raise ValueError(f"{cls.__name__}: unknown field(s) {unknown} at {path or 'top'}")
        for field in msg.all_fields():
            if isinstance(field, protorpc.MessageField):
                value = msg.get_assigned_value(field.name)
                for i, item in enumerate(value if field.repeated else [value] if value is not None else []):
                    if isinstance(item, protorpc.Message):
                        walk(item, f"{path}.{field.name}[{i}]")

    walk(message, "")
    return message


class Handler(http.server.BaseHTTPRequestHandler):
    """Records every request in `requests` (a class attribute the stand-in sets) and calls route(method, url, body)
    once the bearer token is checked; a ValueError from route is a 400 naming the rejected field."""

    requests: list[dict] = []
    error_status = "FAILED_PRECONDITION"

    def log_message(self, *args):
        pass

    def answer(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, message):
        self.answer(status, {"error": {"code": status, "message": message, "status": self.error_status}})

    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        self.requests.append({"method": method, "path": url.path, "query": url.query, "body": body})
        try:
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self.error(401, "no bearer token")
            self.route(method, url, body)
        except ValueError as error:
            self.requests[-1]["rejected"] = str(error)
            self.error(400, str(error))

    def route(self, method, url, body):
        raise NotImplementedError

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")


def run_script(argv, repository, config, base, extra, overrides):
    """Runs a generated script with the real gcloud pointed at the stand-in on `base`: a dummy token file (gcloud
    auth print-access-token prints it), a private gcloud config under `config`, the aiplatform endpoint override,
    `extra` settings, then the run's own `overrides` (a None value removes the variable)."""
    token = os.path.join(config, "token")
    with open(token, "w") as f:
        f.write(TOKEN)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDSDK_")}
    env.update(
        CLOUDSDK_CONFIG=os.path.join(config, "gcloud"),
        CLOUDSDK_AUTH_ACCESS_TOKEN_FILE=token,
        CLOUDSDK_CORE_DISABLE_PROMPTS="1",
        CLOUDSDK_API_ENDPOINT_OVERRIDES_AIPLATFORM=f"{base}/",
        **extra,
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    done = subprocess.run(argv, cwd=repository, env=env, capture_output=True, text=True, timeout=300)
    return {"exit": done.returncode, "stdout": done.stdout, "stderr": done.stderr}


def serve(handler):
    """The stand-in listening on a free local port, in a thread: (server, base URL)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
