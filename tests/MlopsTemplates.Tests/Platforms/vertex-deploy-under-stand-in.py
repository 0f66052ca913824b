"""Runs a generated repository's infra/gcp/deploy-endpoint.sh against a local STAND-IN for Vertex AI and Cloud Storage.

There is no Google Cloud project here. The stand-in is test code, never generated: a small HTTP server answering the
aiplatform v1 REST calls the script makes through the real gcloud (pointed at it with
CLOUDSDK_API_ENDPOINT_OVERRIDES_AIPLATFORM / _STORAGE and a dummy token from CLOUDSDK_AUTH_ACCESS_TOKEN_FILE), including
the long-running operations gcloud polls. Every request body is loaded into the aiplatform v1 message class of its
method bundled with the installed google-cloud-cli, unknown fields rejected (HTTP 400), and every answer is built
from those classes too, so a field name the API does not have fails the run.

    python3 vertex-deploy-under-stand-in.py REPOSITORY STATE.json RUNS.json

STATE.json: {"project", "region", "endpoints": {ID: [[deployed model ID, model ID], ...] (the first gets 100%)},
"models": {ID: [image, artifactUri]}, "objects": ["bucket/object", ...]}. RUNS.json: a list of
{"environment", "env": {KEY: VALUE}}, run in order against the same state. Prints one JSON document: each run's exit
code, stdout, stderr and requests (method, path, body), and the final endpoints and models.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import urllib.parse

from vertex_stand_in import Handler, encoding, m, run_script, serve, strict  # noqa: E402

repository, state_file, runs_file = sys.argv[1:4]
with open(state_file) as f:
    state = json.load(f)
with open(runs_file) as f:
    runs = json.load(f)
project, region = state["project"], state["region"]
number = "123456789012"
parent = f"projects/{project}/locations/{region}"
# What the real API returns: resource names with the project number.
parent_number = f"projects/{number}/locations/{region}"
endpoints = {
    e: {"deployed": [{"id": d, "model": mid} for d, mid in dms], "traffic": {dms[0][0]: 100} if dms else {}}
    for e, dms in state["endpoints"].items()
}
models = {mid: {"image": image, "artifacts": uri} for mid, (image, uri) in state["models"].items()}
objects = set(state["objects"])
operations: dict[str, dict] = {}
requests: list[dict] = []
next_id = [9000]


def model_message(mid):
    model = models[mid]
    return m.GoogleCloudAiplatformV1Model(
        name=f"{parent_number}/models/{mid}",
        displayName=model["display"] if "display" in model else mid,
        artifactUri=model["artifacts"],
        containerSpec=m.GoogleCloudAiplatformV1ModelContainerSpec(imageUri=model["image"]),
        # What Vertex AI answers for a custom container: it deploys on dedicated machines only.
        supportedDeploymentResourcesTypes=[
            m.GoogleCloudAiplatformV1Model.SupportedDeploymentResourcesTypesValueListEntryValuesEnum.DEDICATED_RESOURCES
        ],
    )


def endpoint_message(eid):
    endpoint = endpoints[eid]
    traffic = m.GoogleCloudAiplatformV1Endpoint.TrafficSplitValue(
        additionalProperties=[
            m.GoogleCloudAiplatformV1Endpoint.TrafficSplitValue.AdditionalProperty(key=k, value=v)
            for k, v in endpoint["traffic"].items()
        ]
    )
    return m.GoogleCloudAiplatformV1Endpoint(
        name=f"{parent_number}/endpoints/{eid}",
        displayName=eid,
        deployedModels=[
            m.GoogleCloudAiplatformV1DeployedModel(id=d["id"], model=f"{parent_number}/models/{d['model']}")
            for d in endpoint["deployed"]
        ],
        trafficSplit=traffic,
    )


def operation(resource, response_type, response):
    """A long-running operation that gcloud finds done on its first poll (GET of its name)."""
    next_id[0] += 1
    name = f"{resource}/operations/{next_id[0]}"
    done = encoding.MessageToPyValue(response)
    done["@type"] = f"type.googleapis.com/google.cloud.aiplatform.v1.{response_type}"
    operations[name] = {"name": name, "done": True, "response": done}
    # The first answer is not done: gcloud must poll.
    return {"name": name, "done": False}


class StandIn(Handler):
    requests = requests

    def route(self, method, url, body):
        path = urllib.parse.unquote(url.path)
        match = re.fullmatch(r"/storage/v1/b/([^/]+)/o/(.+)", path)
        if match and method == "GET":
            name = f"{match[1]}/{match[2]}"
            if name in objects:
                return self.answer(200, {"kind": "storage#object", "bucket": match[1], "name": match[2], "size": "2"})
            return self.error(404, f"No such object: {name}")
        match = re.fullmatch(r"/(v1|v1beta1)/(projects/[^/]+/locations/[^/]+)/(.*)", path)
        if not match or match[2] not in (parent, parent_number):
            return self.error(404, f"not a resource of {parent}: {path}")
        rest = match[3]
        is_operation = method == "GET" and rest.split("/")[-2:-1] == ["operations"]
        # gcloud polls deploy-model's operation through v1beta1 (its operations client); everything else is v1.
        if match[1] != "v1" and not is_operation:
            return self.error(404, f"only operations are polled outside v1: {path}")
        if is_operation:
            name = f"{parent_number}/{rest}"
            return self.answer(200, operations[name]) if name in operations else self.error(404, name)
        if method == "GET" and (found := re.fullmatch(r"models/([^/@]+)", rest)):
            if found[1] not in models:
                return self.error(404, f"Model {found[1]} not found")
            return self.answer(200, encoding.MessageToPyValue(model_message(found[1])))
        if method == "POST" and rest == "models:upload":
            request = strict(m.GoogleCloudAiplatformV1UploadModelRequest, body)
            spec = request.model.containerSpec
            if not request.modelId or not spec or not spec.imageUri:
                raise ValueError("UploadModelRequest without modelId or containerSpec.imageUri")
            if request.modelId in models:
                return self.answer(409, {"error": {"code": 409, "message": "exists", "status": "ALREADY_EXISTS"}})
            models[request.modelId] = {
                "image": spec.imageUri,
                "artifacts": request.model.artifactUri,
                "display": request.model.displayName,
                "spec": encoding.MessageToPyValue(spec),
            }
            response = m.GoogleCloudAiplatformV1UploadModelResponse(model=f"{parent_number}/models/{request.modelId}")
            return self.answer(200, operation(f"{parent_number}/models/{request.modelId}", "UploadModelResponse", response))
        found = re.fullmatch(r"endpoints/([^/:]+)(:[A-Za-z]+)?", rest)
        if not found:
            return self.error(404, f"no such method: {method} {path}")
        eid, verb = found[1], found[2] or ""
        if eid not in endpoints:
            return self.error(404, f"Endpoint {eid} not found")
        endpoint = endpoints[eid]
        name = f"{parent_number}/endpoints/{eid}"
        if method == "GET" and verb == "":
            return self.answer(200, encoding.MessageToPyValue(endpoint_message(eid)))
        if method == "POST" and verb == ":deployModel":
            request = strict(m.GoogleCloudAiplatformV1DeployModelRequest, body)
            mid = request.deployedModel.model.rsplit("/", 1)[-1]
            if mid not in models:
                raise ValueError(f"DeployModelRequest names Model {request.deployedModel.model}, which does not exist")
            if not request.deployedModel.dedicatedResources:
                raise ValueError("a custom container needs dedicatedResources")
            next_id[0] += 1
            deployed = str(next_id[0])
            endpoint["deployed"].append({"id": deployed, "model": mid})
            split = {p.key: p.value for p in (request.trafficSplit.additionalProperties if request.trafficSplit else [])}
            endpoint["traffic"] = {(deployed if k == "0" else k): v for k, v in split.items()}
            response = m.GoogleCloudAiplatformV1DeployModelResponse(
                deployedModel=m.GoogleCloudAiplatformV1DeployedModel(id=deployed, model=f"{parent_number}/models/{mid}")
            )
            return self.answer(200, operation(name, "DeployModelResponse", response))
        if method == "POST" and verb == ":undeployModel":
            request = strict(m.GoogleCloudAiplatformV1UndeployModelRequest, body)
            if endpoint["traffic"].get(request.deployedModelId, 0) > 0:
                return self.error(400, f"deployed model {request.deployedModelId} still receives traffic")
            endpoint["deployed"] = [d for d in endpoint["deployed"] if d["id"] != request.deployedModelId]
            return self.answer(200, operation(name, "UndeployModelResponse", m.GoogleCloudAiplatformV1UndeployModelResponse()))
        if method == "PATCH" and verb == "":
            request = strict(m.GoogleCloudAiplatformV1Endpoint, body)
            mask = urllib.parse.parse_qs(url.query).get("updateMask", [""])[0]
            if "traffic_split" in mask or "trafficSplit" in mask:
                endpoint["traffic"] = {p.key: p.value for p in request.trafficSplit.additionalProperties}
            return self.answer(200, encoding.MessageToPyValue(endpoint_message(eid)))
        return self.error(404, f"no such method: {method} {path}")


server, base = serve(StandIn)
results = []
with tempfile.TemporaryDirectory() as config:
    for run in runs:
        first = len(requests)
        storage = dict(CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE=f"{base}/storage/v1/", CLOUDSDK_STORAGE_USE_GRPC_IF_AVAILABLE="false")
        argv = ["bash", "infra/gcp/deploy-endpoint.sh", run["environment"]]
        result = run_script(argv, repository, config, base, storage, run.get("env", {}))
        results.append(dict(result, requests=requests[first:]))
server.shutdown()
print(json.dumps({
    "runs": results,
    "endpoints": endpoints,
    "models": {mid: {k: v for k, v in model.items()} for mid, model in models.items()},
}))
