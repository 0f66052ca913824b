#!/usr/bin/env node
// usage: node ruff-format-check.mjs <project-dir>: what `ruff format --check` would say (the generated Makefile's
// `lint` target runs it in CI), with ruff's WebAssembly build from tests/validators and the project's line-length.
// Exit 0 when every *.py is formatted, 1 listing the files ruff would reformat.
import { createRequire } from "node:module";
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

const validators = new URL("../../validators/", import.meta.url);
const ruff = createRequire(validators)("@astral-sh/ruff-wasm-nodejs");
const root = process.argv[2];
const lineLength = Number(/^line-length\s*=\s*(\d+)/m.exec(readFileSync(join(root, "pyproject.toml"), "utf8"))?.[1] ?? 88);
const workspace = new ruff.Workspace({ "line-length": lineLength }, ruff.PositionEncoding.Utf16);

const unformatted = [];
let count = 0;
(function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "__pycache__") walk(path);
    else if (entry.isFile() && entry.name.endsWith(".py")) {
      count++;
      const source = readFileSync(path, "utf8");
      if (workspace.format(source) !== source) unformatted.push(relative(root, path));
    }
  }
})(root);

for (const file of unformatted) console.log(`${file}: would be reformatted by ruff format`);
console.log(unformatted.length || !count ? `${unformatted.length} of ${count} file(s) not formatted` : "OK");
process.exit(unformatted.length || !count ? 1 : 0);
