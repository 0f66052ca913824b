#!/usr/bin/env node
// Ruff (compiled to WebAssembly) over every *.py under a directory, with the [tool.ruff] settings
// of that directory's pyproject.toml plus at least the rules E, F, W, I, B and UP.
// The WebAssembly build checks source text without a file system, so the path-based parts of the
// configuration are applied here the way ruff applies them: excluded paths, per-file-ignores,
// first-party modules for import sorting (the names found in `src` roots), target version from
// requires-python.
import { createRequire } from "node:module";
import { setFlagsFromString } from "node:v8";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, basename, sep } from "node:path";
import { parse as parseToml } from "smol-toml";
import { run, problem, readInput, UsageError } from "../lib/contract.mjs";

// V8's optimizing WebAssembly compiler takes seconds of CPU on this module; the baseline compiler
// alone starts in a fraction of that and is fast enough for a few hundred files.
setFlagsFromString("--liftoff-only");
const ruff = createRequire(import.meta.url)("@astral-sh/ruff-wasm-nodejs");
const REQUIRED_RULES = ["E", "F", "W", "I", "B", "UP"];
// ruff's default exclusions (directory or file names).
const DEFAULT_EXCLUDE = [
  ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache", ".nox",
  ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache", ".svn", ".tox", ".venv", ".vscode",
  "__pypackages__", "_build", "buck-out", "dist", "node_modules", "site-packages", "venv", "build",
];

// ruff matches these patterns (globset, `*` may cross `/`) against the path and the file name.
function globToRegExp(pattern) {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") {
      if (pattern[i + 1] === "*") i++;
      if (pattern[i + 1] === "/" && pattern[i] === "*" && pattern[i - 1] === "*") {
        i++;
        source += "(?:.*/)?";
      } else source += ".*";
    } else if (c === "?") source += "[^/]";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

function matches(patterns, path) {
  return patterns.some((p) => {
    const re = globToRegExp(p.replace(/^\.\//, "").replace(/\/$/, ""));
    return re.test(path) || re.test(basename(path)) || path.split("/").some((_, i, parts) => re.test(parts.slice(0, i + 1).join("/")));
  });
}

function pythonFiles(root, excluded) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(root, path).split(sep).join("/");
      if (DEFAULT_EXCLUDE.includes(entry.name) || matches(excluded, rel)) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && (entry.name.endsWith(".py") || entry.name.endsWith(".pyi"))) files.push(rel);
    }
  };
  walk(root);
  return files.sort();
}

function targetVersion(project) {
  const minimum = /(?:>=|~=|==)\s*3\.(\d+)/.exec(project?.["requires-python"] ?? "");
  return minimum ? `py3${minimum[1]}` : undefined;
}

// Names that ruff's isort treats as first party: what sits directly in each `src` root.
function firstPartyNames(root, srcRoots) {
  const names = new Set();
  for (const src of srcRoots) {
    const dir = join(root, src);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".") || DEFAULT_EXCLUDE.includes(entry.name)) continue;
      if (entry.isDirectory() && /^[A-Za-z_]\w*$/.test(entry.name)) names.add(entry.name);
      else if (entry.isFile() && entry.name.endsWith(".py")) names.add(entry.name.slice(0, -3));
    }
  }
  return [...names].sort();
}

function settingsFor(root) {
  const pyproject = join(root, "pyproject.toml");
  const toml = existsSync(pyproject) ? parseToml(readInput(pyproject)) : {};
  const {
    src = [".", "src"], exclude = [], "extend-exclude": extendExclude = [], include, "force-exclude": forceExclude,
    "respect-gitignore": respectGitignore, "cache-dir": cacheDir, extend, ...options
  } = structuredClone(toml.tool?.ruff ?? {});
  if (extend !== undefined) throw new Error("[tool.ruff] extend (a second config file) is not supported here");
  const lint = (options.lint ??= {});
  const perFileIgnores = { ...(lint["per-file-ignores"] ?? {}), ...(lint["extend-per-file-ignores"] ?? {}) };
  const lintExclude = lint.exclude ?? [];
  delete lint["per-file-ignores"];
  delete lint["extend-per-file-ignores"];
  delete lint.exclude;
  // Without a select, ruff's defaults; the WebAssembly build's own defaults are the playground's.
  if (lint.select === undefined && options.select === undefined) lint.select = ["E4", "E7", "E9", "F"];
  lint["extend-select"] = [...(lint["extend-select"] ?? []), ...REQUIRED_RULES];
  lint.isort ??= {};
  lint.isort["known-first-party"] ??= firstPartyNames(root, src);
  options["target-version"] ??= targetVersion(toml.project);
  if (options["target-version"] === undefined) delete options["target-version"];
  return { options, excluded: [...exclude, ...extendExclude, ...lintExclude], perFileIgnores };
}

function ignored(perFileIgnores, path, code) {
  return Object.entries(perFileIgnores).some(
    ([pattern, codes]) => matches([pattern], path) && codes.some((c) => c === "ALL" || code.startsWith(c)),
  );
}

await run("ruff.mjs <project-dir>", async (args) => {
  if (args.length !== 1 || args[0].startsWith("-")) throw new UsageError("exactly one directory is expected");
  const root = args[0];
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`not a directory: ${root}`);
  let settings, workspace;
  try {
    settings = settingsFor(root);
    workspace = new ruff.Workspace(settings.options, ruff.PositionEncoding.Utf16);
  } catch (error) {
    return [problem(join(root, "pyproject.toml"), `ruff configuration: ${error.message ?? error}`)];
  }
  const files = pythonFiles(root, settings.excluded);
  if (files.length === 0) return [problem(root, "no Python files found")];
  const problems = [];
  for (const file of files) {
    for (const d of workspace.check(readInput(join(root, file)))) {
      const code = d.code ?? "invalid-syntax";
      if (ignored(settings.perFileIgnores, file, code)) continue;
      problems.push(problem(join(root, file), `${code} ${d.message}`, d.start_location.row, d.start_location.column));
    }
  }
  return problems;
});
