#!/usr/bin/env node
// JSON Schema validation of YAML/JSON files against the offline copy of SchemaStore in the
// `schemastore` package (the schemas editors and CI linters use), with ajv.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import Ajv2019 from "ajv/dist/2019.js";
import Ajv2020 from "ajv/dist/2020.js";
import AjvDraft04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import { run, problem, requireFiles, readInput, UsageError } from "../lib/contract.mjs";
import { loadDocuments } from "../lib/yaml-documents.mjs";
import { compileCached } from "../lib/compile-cache.mjs";

const require = createRequire(import.meta.url);
const store = (path) => require(`schemastore/schemas/json/${path}`);

// Compose durations are Go durations ("30s", "1m30s"), not ISO 8601 as ajv-formats' "duration".
const composeFormats = {
  duration: /^[-+]?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/,
  // "8080", "8080-8081", "127.0.0.1:8080:80/tcp", "[::1]:8080:80"
  ports: /^((\[[0-9a-fA-F:.]+\]|[0-9.]+|\$\{[^}]+\}):)?((\d+(-\d+)?|\$\{[^}]+\}):)?(\d+(-\d+)?|\$\{[^}]+\})(\/(tcp|udp|sctp))?$/,
  expose: /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  subnet_ip_address: /^([0-9.]+\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/,
};

const schemas = {
  // Patterns such as ^\${.*?}$ are valid only without the u flag (as in the editors that use them).
  dvc: { file: "raw.githubusercontent.com/iterative/dvcyaml-schema/master/schema.json", ajv: Ajv, options: { unicodeRegExp: false } },
  kustomization: { file: "kustomization.json", ajv: AjvDraft04 },
  compose: {
    file: "raw.githubusercontent.com/compose-spec/compose-spec/master/schema/compose-spec.json",
    ajv: Ajv2019,
    formats: composeFormats,
    annotationIds: true,
  },
  "azure-pipelines": {
    file: "raw.githubusercontent.com/microsoft/azure-pipelines-vscode/master/service-schema.json",
    // With --shared: the newer copy in shared/schemas (see its README), which knows the current task versions.
    shared: "azure-pipelines/service-schema.json",
    ajv: Ajv,
    // Its patterns use classes such as [^\s] inside character ranges that the u flag rejects.
    options: { unicodeRegExp: false },
  },
  "gitlab-ci": { file: "gitlab.com/gitlab-org/gitlab/-/raw/master/app/assets/javascripts/editor/schema/ci.json", ajv: Ajv },
  "github-workflow": { file: "github-workflow.json", ajv: Ajv },
  "github-action": { file: "github-action.json", ajv: Ajv },
  dependabot: { file: "dependabot-2.0.json", ajv: AjvDraft04 },
  renovate: { file: "docs.renovatebot.com/renovate-schema.json", ajv: AjvDraft04 },
  pyproject: { file: "pyproject.json", ajv: Ajv },
  // Databricks Asset Bundles (databricks.yml): the CLI's own bundle schema, only in shared/schemas (--shared); its
  // objects are closed (additionalProperties: false), so a misspelt or retired field is an error.
  "databricks-bundle": { shared: "databricks/declarative-automation-bundles.json", ajv: Ajv },
  // The compose-go v2.13.0 schema (what `docker compose` itself validates with): only in shared/schemas (--shared).
  "compose-go": { shared: "compose/compose-go-v2.13.0/compose-spec.json", ajv: Ajv2020, formats: composeFormats },
};

function compile(name, sharedDir) {
  const spec = schemas[name];
  if (!spec) throw new UsageError(`unknown schema "${name}"; known: ${Object.keys(schemas).join(", ")}`);
  if (sharedDir && !spec.shared) throw new UsageError(`schema "${name}" has no copy in shared/schemas`);
  if (!sharedDir && !spec.file) throw new UsageError(`schema "${name}" is only in shared/schemas: pass --shared SCHEMAS_DIR`);
  const makeAjv = (extra) => {
    const ajv = new spec.ajv({ allErrors: true, strict: false, ...spec.options, ...extra });
    addFormats(ajv);
    for (const [format, pattern] of Object.entries(spec.formats ?? {})) ajv.addFormat(format, pattern);
    if (spec.annotationIds) {
      // The compose schema labels its parts with draft-04 style "id"s; in 2019-09 they are mere annotations.
      ajv.removeKeyword("id");
      ajv.addKeyword({ keyword: "id", schemaType: "string" });
    }
    return ajv;
  };
  // The draft is chosen above by the ajv class; the schemas' own $schema URIs are not always ones
  // ajv knows (compose's "http://json-schema.org/draft/2019-09/schema#", Renovate's self-reference);
  const source = sharedDir ? JSON.parse(readFileSync(join(sharedDir, spec.shared), "utf8")) : store(spec.file);
  const { $schema, ...schema } = source;
  // Custom formats are regular expressions of this file, which standalone code would not carry: compiled here.
  if (spec.formats) return makeAjv({}).compile(schema);
  return compileCached(`schema.mjs ${name}`, makeAjv, schema);
}

// Errors of oneOf/anyOf/if schemas list every failed branch. The errors deepest in the document
// point at the offending value, so those come first; the alternatives one value failed (several
// "required", "type" or "enum" errors at one path) are merged into one line; only a few are shown.
const MAX_ERRORS = 6;
const wrappers = new Set(["oneOf", "anyOf", "allOf", "if", "not", "then", "else"]);

function merge(errors) {
  const groups = new Map();
  for (const e of errors) {
    const key = `${e.instancePath}\u0000${e.keyword}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(e);
  }
  const lines = [];
  for (const group of groups.values()) {
    const [first] = group;
    const at = first.instancePath || "/";
    const unique = (values) => [...new Set(values)].join(", ");
    switch (first.keyword) {
      case "required":
        lines.push({ at, text: `must have required property ${unique(group.map((e) => `'${e.params.missingProperty}'`)).replace(/, ([^,]*)$/, " or $1")}` });
        break;
      case "type":
        lines.push({ at, text: `must be ${unique(group.flatMap((e) => [e.params.type].flat())).replace(/, ([^,]*)$/, " or $1")}` });
        break;
      case "enum":
      case "const":
        lines.push({ at, text: `must be one of ${unique(group.flatMap((e) => e.params.allowedValues ?? [e.params.allowedValue]).map((v) => JSON.stringify(v)))}` });
        break;
      case "additionalProperties":
        lines.push({ at, text: `has unknown propert${group.length > 1 ? "ies" : "y"} ${unique(group.map((e) => `"${e.params.additionalProperty}"`))}` });
        break;
      default:
        for (const text of new Set(group.map((e) => e.message))) lines.push({ at, text });
    }
  }
  return lines;
}

function relevant(errors) {
  const specific = errors.filter((e) => !wrappers.has(e.keyword));
  const pool = specific.length > 0 ? specific : errors;
  const depth = (line) => (line.at.match(/\//g) ?? []).length - (line.at === "/" ? 1 : 0);
  return merge(pool).sort((a, b) => depth(b) - depth(a));
}

await run("schema.mjs --schema <" + Object.keys(schemas).join("|") + "> [--shared SCHEMAS_DIR] <file>...", async (args) => {
  if (args[0] !== "--schema" || args.length < 2) throw new UsageError("--schema NAME is required first");
  const shared = args[2] === "--shared" ? args[3] : undefined;
  if (args[2] === "--shared" && !shared) throw new UsageError("--shared needs the shared/schemas folder");
  const validate = compile(args[1], shared);
  const problems = [];
  for (const file of requireFiles(args.slice(shared ? 4 : 2))) {
    const { documents, problems: syntax } = loadDocuments(file, readInput(file));
    problems.push(...syntax);
    if (syntax.length > 0) continue;
    if (documents.length !== 1) {
      problems.push(problem(file, `expected exactly one YAML/JSON document, found ${documents.length}`));
      continue;
    }
    const [document] = documents;
    if (validate(document.value)) continue;
    const errors = relevant(validate.errors);
    for (const { at, text } of errors.slice(0, MAX_ERRORS)) {
      problems.push(problem(file, `${at} ${text}`, document.lineOf(at === "/" ? "" : at)));
    }
    if (errors.length > MAX_ERRORS) problems.push(problem(file, `(${errors.length - MAX_ERRORS} more schema errors)`));
  }
  return problems;
});
