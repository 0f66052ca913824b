#!/usr/bin/env node
// Validates every Kubernetes object of (multi-document) YAML files against the OpenAPI schemas of
// the Kubernetes API, through kubernetes-models: missing required fields and wrong types. `-`
// reads stdin, e.g. `kubectl kustomize k8s/overlays/dev | node k8s-models.mjs -`.
import { run, problem, requireFiles, readInput } from "../lib/contract.mjs";
import { loadDocuments } from "../lib/yaml-documents.mjs";

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

await run("k8s-models.mjs <file.yaml|->...", async (args) => {
  const problems = [];
  let objects = 0;
  for (const file of requireFiles(args, { allowStdin: true })) {
    const name = file === "-" ? "<stdin>" : file;
    const { documents, problems: syntax } = loadDocuments(name, readInput(file));
    problems.push(...syntax);
    for (const document of documents) {
      const object = document.value;
      if (object === null || object === undefined) continue;
      if (typeof object !== "object" || Array.isArray(object)) {
        problems.push(problem(name, "document is not a Kubernetes object (a mapping)", document.line));
        continue;
      }
      objects++;
      const { apiVersion, kind } = object;
      const label = `${kind ?? "?"}/${object.metadata?.name ?? "?"}`;
      if (typeof apiVersion !== "string" || typeof kind !== "string") {
        problems.push(problem(name, `${label}: apiVersion and kind are required`, document.line));
        continue;
      }
      const Model = await modelFor(apiVersion, kind);
      if (!Model) {
        problems.push(problem(name, `${label}: unknown kind ${kind} in ${apiVersion}`, document.line));
        continue;
      }
      try {
        new Model(object).validate();
      } catch (error) {
        if (!Array.isArray(error.errors)) throw error;
        for (const e of error.errors) {
          const detail = e.params?.additionalProperty ? ` "${e.params.additionalProperty}"` : "";
          problems.push(problem(name, `${label}: ${e.instancePath || "/"} ${e.message}${detail}`, document.lineOf(e.instancePath)));
        }
      }
    }
  }
  if (objects === 0 && problems.length === 0) problems.push(problem(args.join(" "), "no Kubernetes objects found"));
  return problems;
});
