#!/usr/bin/env node
// Argo Workflows objects (WorkflowTemplate, CronWorkflow, Workflow, ...) of multi-document YAML, two ways:
//   1. the official JSON schema of Argo Workflows (shared/schemas/argo-workflows/schema.json, api/jsonschema of the
//      release) with every object schema closed, so an unknown or misspelt field is an error (upstream leaves them
//      open: the schemas README, note 2);
//   2. @kubernetes-models/argo-workflows, the typed models generated from Argo's Go types (required fields, types).
// Objects of other API groups are skipped (k8s-strict.mjs and k8s-models.mjs check those); no Argo object at all fails.
//   node bin/argo.mjs --shared SCHEMAS_DIR <file.yaml|->...
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { run, problem, UsageError } from "../lib/contract.mjs";
import { checkObjects } from "../lib/kube-objects.mjs";

const GROUP = "argoproj.io/v1alpha1";

/** Adds additionalProperties: false to every schema that lists properties and says nothing of others. */
function close(node) {
  if (Array.isArray(node)) {
    node.forEach(close);
  } else if (node && typeof node === "object") {
    if (node.properties && node.additionalProperties === undefined && node.patternProperties === undefined) {
      node.additionalProperties = false;
    }
    Object.values(node).forEach(close);
  }
}

function compile(sharedDir) {
  const { $schema, ...schema } = JSON.parse(readFileSync(join(sharedDir, "argo-workflows", "schema.json"), "utf8"));
  close(schema);
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  // OpenAPI's numeric and byte formats, which the Go types carry into the schema: the type is checked, not the range.
  for (const format of ["int32", "int64", "byte"]) ajv.addFormat(format, true);
  ajv.addSchema(schema, "argo");
  return (kind) => ajv.getSchema(`argo#/definitions/io.argoproj.workflow.v1alpha1.${kind}`);
}

async function modelFor(kind) {
  try {
    const module = await import(`@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/${kind}`);
    return module[kind];
  } catch (error) {
    if (error.code === "ERR_PACKAGE_PATH_NOT_EXPORTED" || error.code === "ERR_MODULE_NOT_FOUND") return undefined;
    throw error;
  }
}

await run("argo.mjs --shared SCHEMAS_DIR <file.yaml|->...", async (args) => {
  if (args[0] !== "--shared" || !args[1]) throw new UsageError("--shared SCHEMAS_DIR is required first");
  const schemaOf = compile(args[1]);
  let argoObjects = 0;
  const problems = await checkObjects(args.slice(2), async (object, { file, label, document }) => {
    if (object.apiVersion !== GROUP) return [];
    argoObjects++;
    const validate = typeof object.kind === "string" ? schemaOf(object.kind) : undefined;
    const Model = typeof object.kind === "string" ? await modelFor(object.kind) : undefined;
    if (!validate || !Model) return [problem(file, `${label}: unknown Argo kind ${object.kind}`, document.line)];
    const found = [];
    if (!validate(object)) {
      for (const e of validate.errors) {
        const detail = e.params?.additionalProperty ? ` "${e.params.additionalProperty}"` : "";
        found.push(problem(file, `${label}: schema: ${e.instancePath || "/"} ${e.message}${detail}`, document.lineOf(e.instancePath)));
      }
    }
    try {
      new Model(object).validate();
    } catch (error) {
      if (!Array.isArray(error.errors)) throw error;
      for (const e of error.errors) {
        found.push(problem(file, `${label}: model: ${e.instancePath || "/"} ${e.message}`, document.lineOf(e.instancePath)));
      }
    }
    return found;
  });
  if (argoObjects === 0 && problems.length === 0) problems.push(problem(args.slice(2).join(" "), "no Argo Workflows objects found"));
  return problems;
});
