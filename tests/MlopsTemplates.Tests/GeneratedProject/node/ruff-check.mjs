// usage: node check.mjs <repository> <settings JSON> [<repository> <settings JSON>...]
// ruff (WebAssembly build) over every *.py of each generated repository, with the [tool.ruff] settings of its
// pyproject.toml as JSON; per-file-ignores are applied by path here, because the WebAssembly build checks text
// without a file name. One process for all repositories: loading the WebAssembly module is the slow part.
import { Workspace, PositionEncoding } from "@astral-sh/ruff-wasm-nodejs";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

let problems = 0;
for (let i = 2; i + 1 < process.argv.length; i += 2) {
  problems += checkRepository(process.argv[i], JSON.parse(process.argv[i + 1]));
}
process.exit(problems ? 1 : 0);

function checkRepository(root, settings) {
  const perFile = settings.lint?.["per-file-ignores"] ?? {};
  if (settings.lint) delete settings.lint["per-file-ignores"];
  const workspaces = new Map();
  const workspaceFor = path => {
    const ignores = Object.entries(perFile)
      .filter(([glob]) => globToRegExp(glob).test(path))
      .flatMap(([, codes]) => codes);
    const key = ignores.join(",");
    if (!workspaces.has(key)) {
      const lint = { ...(settings.lint ?? {}), ignore: [...(settings.lint?.ignore ?? []), ...ignores] };
      workspaces.set(key, new Workspace({ ...settings, lint }, PositionEncoding.Utf16));
    }
    return workspaces.get(key);
  };

  const files = [];
  (function walk(dir) {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (!name.startsWith(".") && name !== "__pycache__" && name !== "node_modules") walk(path);
      } else if (name.endsWith(".py")) files.push(relative(root, path).split(sep).join("/"));
    }
  })(root);

  let count = 0;
  for (const file of files.sort()) {
    for (const d of workspaceFor(file).check(readFileSync(join(root, file), "utf8"))) {
      count++;
      console.log(`${root}/${file}:${d.start_location.row}:${d.start_location.column}: ${d.code} ${d.message}`);
    }
  }
  console.log(`ruff ${Workspace.version()}: ${root}: ${files.length} files, ${count} problem(s)`);
  return files.length ? count : 1;
}

function globToRegExp(glob) {
  const escape = part => part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*");
  return new RegExp("^" + glob.split("**").map(escape).join(".*") + "$");
}
