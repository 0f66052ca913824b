#!/usr/bin/env node
// Custom resources against the openAPIV3Schema of their CustomResourceDefinition, closed: every object
// schema that lists `properties` gets `additionalProperties: false` (CRD schemas never reject unknown
// fields; the API server prunes them or, under fieldValidation=Strict, refuses them), except under
// `x-kubernetes-preserve-unknown-fields`. `metadata` is checked for a name (or a generateName prefix) and a namespace-safe shape.
//   node bin/crd-schema.mjs --crd CRD.yaml FILE...
import { readFileSync } from "node:fs";
import Ajv from "ajv-draft-04";
import { parseAllDocuments } from "yaml";
import { run, problem, UsageError } from "../lib/contract.mjs";
import { checkObjects } from "../lib/kube-objects.mjs";
import { compileCached } from "../lib/compile-cache.mjs";

const usage = "node bin/crd-schema.mjs --crd <crd.yaml> <file.yaml|->...";

/** A deep copy of `schema` in which object schemas with properties are closed. */
function close(schema) {
  if (Array.isArray(schema)) return schema.map(close);
  if (schema === null || typeof schema !== "object") return schema;
  if (schema["x-kubernetes-preserve-unknown-fields"]) return schema;
  const copy = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith("x-kubernetes-")) continue;
    copy[key] = key === "properties" ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, close(v)])) : close(value);
  }
  if (copy.properties && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return copy;
}

await run(usage, async (argv) => {
  if (argv[0] !== "--crd" || !argv[1]) throw new UsageError("--crd <crd.yaml> is required");
  const crd = parseAllDocuments(readFileSync(argv[1], "utf8"))[0].toJS();
  const group = crd.spec.group;
  const kind = crd.spec.names.kind;
  const makeAjv = (extra) => new Ajv({ allErrors: true, strict: false, validateFormats: false, logger: false, ...extra });
  const validators = new Map(
    crd.spec.versions.map((version) => {
      const schema = close(version.schema.openAPIV3Schema);
      delete schema.properties.metadata;
      schema.required = (schema.required ?? []).filter((key) => key !== "metadata");
      // draft-04 forbids an empty `required` (the InferenceService CRD requires nothing but metadata).
      if (schema.required.length === 0) delete schema.required;
      return [`${group}/${version.name}`, compileCached("crd-schema.mjs", makeAjv, schema)];
    }),
  );
  return checkObjects(argv.slice(2), (object, { file, label, document }) => {
    if (object.kind !== kind) return [problem(file, `${label}: kind ${object.kind} is not ${kind}`, document.line)];
    const validate = validators.get(object.apiVersion);
    if (!validate) return [problem(file, `${label}: apiVersion ${object.apiVersion} is not served by this CRD`, document.line)];
    const problems = [];
    const name = object.metadata?.name;
    const generateName = object.metadata?.generateName;
    if (generateName !== undefined && name === undefined) {
      // A name the API server completes with 5 characters (an Argo resource step's, for one run): a label's prefix.
      if (typeof generateName !== "string" || !/^[a-z0-9][-a-z0-9]*$/.test(generateName) || generateName.length > 58) {
        problems.push(problem(file, `${label}: metadata.generateName must be a DNS-1123 label's prefix`, document.line));
      }
    } else if (typeof name !== "string" || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
      problems.push(problem(file, `${label}: metadata.name must be a DNS-1123 label`, document.line));
    }
    const { metadata, ...rest } = object;
    if (!validate(rest)) {
      for (const error of validate.errors) {
        const where = error.instancePath || "/";
        const detail = error.params?.additionalProperty ? ` (${error.params.additionalProperty})` : "";
        problems.push(problem(file, `${label}: ${where} ${error.message}${detail}`, document.lineOf(error.instancePath)));
      }
    }
    return problems;
  });
});
