#!/usr/bin/env node
// Unknown fields are errors, as with `kubeconform -strict` or the API server's fieldValidation=Strict:
// every object of (multi-document) YAML files against a closed JSON Schema of its kind, in which every
// object schema has `additionalProperties: false`. The schemas are built from the Kubernetes OpenAPI
// definitions (release-1.36) that @kubernetes/client-node ships as one attribute map per type; maps
// (`{ [key: string]: T }`) stay open, as in the OpenAPI spec. Leaf types and required fields are
// k8s-models.mjs's job (kubernetes-models), so run both. `-` reads stdin.
import Ajv from "ajv";
import * as models from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js";
import { run, problem } from "../lib/contract.mjs";
import { checkObjects } from "../lib/kube-objects.mjs";

// Types whose JSON form is not their attribute map: free-form values and the int-or-string and time scalars.
const leafTypes = new Set(["string", "number", "boolean", "Date", "V1MicroTime", "any", "object", "IntOrString"]);

/** The JSON Schema of one OpenAPI type name as @kubernetes/client-node spells it. */
function schemaOf(type) {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { type: "array", items: schemaOf(array[1]) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return { type: "object", additionalProperties: schemaOf(map[1]) };
  if (leafTypes.has(type)) return {};
  if (typeof models[type]?.getAttributeTypeMap !== "function") throw new Error(`no model for type ${type}`);
  return { $ref: `#/definitions/${type}` };
}

let definitions;
const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map();

/** One closed definition per model type (built inside run(), so that a failure here is a crash, exit 3). */
function closedDefinitions() {
  const result = {};
  for (const [name, model] of Object.entries(models)) {
    if (typeof model?.getAttributeTypeMap !== "function") continue;
    const properties = {};
    for (const attribute of model.getAttributeTypeMap()) properties[attribute.baseName] = schemaOf(attribute.type);
    result[name] = { type: "object", properties, additionalProperties: false };
  }
  return result;
}

/** The closed schema of a kind: V1Deployment for apps/v1, V2HorizontalPodAutoscaler for autoscaling/v2, ... */
function validatorFor(apiVersion, kind) {
  definitions ??= closedDefinitions();
  const version = /^(?:[a-z0-9.-]+\/)?(v[0-9a-z]+)$/.exec(apiVersion)?.[1];
  if (!version) return undefined;
  const type = version[0].toUpperCase() + version.slice(1) + kind;
  if (!definitions[type]) return undefined;
  if (!validators.has(type)) validators.set(type, ajv.compile({ definitions, $ref: `#/definitions/${type}` }));
  return validators.get(type);
}

await run("k8s-strict.mjs <file.yaml|->...", (args) =>
  checkObjects(args, (object, { file, label, document }) => {
    const validate = validatorFor(String(object.apiVersion ?? ""), String(object.kind ?? ""));
    if (!validate) return [problem(file, `${label}: unknown kind ${object.kind} in ${object.apiVersion}`, document.line)];
    if (validate(object)) return [];
    return validate.errors
      .filter((e) => e.keyword === "additionalProperties")
      .map((e) => {
        const field = `${e.instancePath}/${e.params.additionalProperty}`;
        return problem(file, `${label}: unknown field ${field}`, document.lineOf(field));
      });
  }),
);
