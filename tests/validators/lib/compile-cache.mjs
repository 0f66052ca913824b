// Compiling a large JSON schema (Azure Pipelines', a KServe or Spark CRD) costs seconds of CPU, in every validator
// process, and the test suite starts hundreds of them. The compiled validator is kept as ajv's standalone code (the
// same generated function ajv runs, written out as a module) under node_modules/.cache, named by a hash of everything
// that shapes it: the schema, the caller's key (the ajv class and options) and ajv's version. A schema the standalone
// generator cannot express is compiled in process every time, as before.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import standaloneCode from "ajv/dist/standalone/index.js";

const cacheDir = join(dirname(fileURLToPath(import.meta.url)), "..", "node_modules", ".cache", "mlops-validators");
// The generated modules require ajv's runtime helpers, resolved from the cache folder (inside node_modules).
const require = createRequire(join(cacheDir, "index.cjs"));
const ajvVersion = createRequire(import.meta.url)("ajv/package.json").version;

/** `makeAjv(extraOptions)` builds the configured ajv instance; returns the validate function for `schema`. */
export function compileCached(key, makeAjv, schema) {
  const hash = createHash("sha256").update(`${ajvVersion}\u0000${key}\u0000`).update(JSON.stringify(schema)).digest("hex").slice(0, 40);
  const file = join(cacheDir, `${hash}.cjs`);
  if (existsSync(file)) return require(file);
  const ajv = makeAjv({ code: { source: true } });
  const validate = ajv.compile(schema);
  let code;
  try {
    code = standaloneCode(ajv, validate);
  } catch {
    return validate;
  }
  mkdirSync(cacheDir, { recursive: true });
  // Written aside and renamed: a validator running at the same time never reads half a module.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, code);
  renameSync(partial, file);
  return validate;
}
