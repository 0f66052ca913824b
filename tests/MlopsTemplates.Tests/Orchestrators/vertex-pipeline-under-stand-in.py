"""Runs a generated repository's infra/gcp/pipeline-run.sh against a local STAND-IN for Vertex AI Pipelines.

There is no Google Cloud project here. The stand-in is test code, never generated: a small HTTP server answering the
aiplatform v1 REST calls the script makes with curl (projects.locations.pipelineJobs.create and .get), reached through
gcloud's own endpoint override (CLOUDSDK_API_ENDPOINT_OVERRIDES_AIPLATFORM), with the token the real gcloud prints
(gcloud auth print-access-token reading CLOUDSDK_AUTH_ACCESS_TOKEN_FILE). Every request body is loaded into the
aiplatform v1 PipelineJob message class bundled with the installed google-cloud-cli, unknown fields rejected (HTTP 400),
and every answer is built from that class, so a field name the API does not have fails the run.

    python3 vertex-pipeline-under-stand-in.py REPOSITORY RUNS.json

RUNS.json: a list of {"env": {KEY: VALUE}, "outcome": "succeed" | "fail"}: each run's job answers RUNNING to its
first GET, then the outcome. Prints each run's exit code, stdout, stderr and requests (method, path, query, body).
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Platforms"))
from vertex_stand_in import Handler, encoding, m, run_script, serve, strict  # noqa: E402

repository, runs_file = sys.argv[1:3]
with open(runs_file) as f:
    runs = json.load(f)
Job = m.GoogleCloudAiplatformV1PipelineJob
State = Job.StateValueValuesEnum
jobs: dict[str, dict] = {}
requests: list[dict] = []
outcome = ["succeed"]


class StandIn(Handler):
    requests = requests
    error_status = "INVALID_ARGUMENT"

    def route(self, method, url, body):
        match = re.fullmatch(r"/v1/projects/([^/]+)/locations/([^/]+)/pipelineJobs(/[^/]+)?", url.path)
        if not match:
            return self.error(404, f"no such method: {method} {url.path}")
        parent = f"projects/{match[1]}/locations/{match[2]}"
        if method == "POST" and not match[3]:
            job_id = urllib.parse.parse_qs(url.query).get("pipelineJobId", [""])[0]
            if not re.fullmatch(r"[a-z][-a-z0-9]{0,127}", job_id):
                raise ValueError(f"pipelineJobId '{job_id}' is not [a-z][-a-z0-9]{{0,127}}")
            job = strict(Job, body)
            if not job.serviceAccount or not job.runtimeConfig or not job.runtimeConfig.gcsOutputDirectory:
                raise ValueError("a PipelineJob without serviceAccount or runtimeConfig.gcsOutputDirectory")
            if job.pipelineSpec is None:
                raise ValueError("a PipelineJob without pipelineSpec")
            if job_id in jobs:
                return self.answer(409, {"error": {"code": 409, "message": "exists", "status": "ALREADY_EXISTS"}})
            job.name = f"{parent}/pipelineJobs/{job_id}"
            job.state = State.PIPELINE_STATE_PENDING
            jobs[job_id] = {"job": job, "polls": 0, "outcome": outcome[0]}
            return self.answer(200, encoding.MessageToPyValue(job))
        if method == "GET" and match[3]:
            entry = jobs.get(match[3][1:])
            if entry is None:
                return self.error(404, f"PipelineJob {match[3][1:]} not found")
            entry["polls"] += 1
            job = entry["job"]
            if entry["polls"] == 1:
                job.state = State.PIPELINE_STATE_RUNNING
            elif entry["outcome"] == "succeed":
                job.state = State.PIPELINE_STATE_SUCCEEDED
            else:
                job.state = State.PIPELINE_STATE_FAILED
                job.error = m.GoogleRpcStatus(code=9, message="The DAG failed because some tasks failed: evaluate")
            return self.answer(200, encoding.MessageToPyValue(job))
        return self.error(404, f"no such method: {method} {url.path}")


server, base = serve(StandIn)
results = []
with tempfile.TemporaryDirectory() as config:
    for run in runs:
        first = len(requests)
        outcome[0] = run.get("outcome", "succeed")
        argv = ["bash", "infra/gcp/pipeline-run.sh"]
        result = run_script(argv, repository, config, base, dict(PIPELINE_RUN_POLL_SECONDS="0"), run.get("env", {}))
        results.append(dict(result, requests=requests[first:]))
server.shutdown()
print(json.dumps({"runs": results}))
