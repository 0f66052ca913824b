#!/usr/bin/env node
// Validates every Kubernetes object of (multi-document) YAML files against the OpenAPI schemas of
// the Kubernetes API, through kubernetes-models: missing required fields and wrong types. `-`
// reads stdin, e.g. `kubectl kustomize k8s/overlays/dev | node k8s-models.mjs -`.
import { run, problem } from "../lib/contract.mjs";
import { checkObjects } from "../lib/kube-objects.mjs";

async function modelFor(apiVersion, kind) {
  if (!/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion)) return undefined;
  try {
    const group = await import(`kubernetes-models/${apiVersion}`);
    return Object.hasOwn(group, kind) && typeof group[kind] === "function" ? group[kind] : undefined;
  } catch (error) {
    if (error.code === "ERR_PACKAGE_PATH_NOT_EXPORTED" || error.code === "ERR_MODULE_NOT_FOUND") return undefined;
    throw error;
  }
}

await run("k8s-models.mjs <file.yaml|->...", (args) =>
  checkObjects(args, async (object, { file, label, document }) => {
    const { apiVersion, kind } = object;
    if (typeof apiVersion !== "string" || typeof kind !== "string") {
      return [problem(file, `${label}: apiVersion and kind are required`, document.line)];
    }
    const Model = await modelFor(apiVersion, kind);
    if (!Model) return [problem(file, `${label}: unknown kind ${kind} in ${apiVersion}`, document.line)];
    try {
      new Model(object).validate();
      return [];
    } catch (error) {
      if (!Array.isArray(error.errors)) throw error;
      return error.errors.map((e) => {
        const detail = e.params?.additionalProperty ? ` "${e.params.additionalProperty}"` : "";
        return problem(file, `${label}: ${e.instancePath || "/"} ${e.message}${detail}`, document.lineOf(e.instancePath));
      });
    }
  }),
);
