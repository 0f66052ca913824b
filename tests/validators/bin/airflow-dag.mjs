#!/usr/bin/env node
// Airflow DAG files through ruff (WebAssembly) with its Airflow rules (AIR: Airflow 3 imports and names, an explicit
// schedule, task ids) plus E, F, W, I, B and UP, as Python 3.12; preview on, so the Airflow 3 migration rules apply.
// Airflow itself is not installed here: this checks the source, not the DAG Airflow would build.
//   node bin/airflow-dag.mjs <dag.py>...
import { createRequire } from "node:module";
import { setFlagsFromString } from "node:v8";
import { run, problem, requireFiles, readInput } from "../lib/contract.mjs";

setFlagsFromString("--liftoff-only");
const ruff = createRequire(import.meta.url)("@astral-sh/ruff-wasm-nodejs");

await run("airflow-dag.mjs <dag.py>...", (args) => {
  const workspace = new ruff.Workspace({
    "line-length": 120,
    "target-version": "py312",
    preview: true,
    lint: { select: ["AIR", "E", "F", "W", "I", "B", "UP"] },
  });
  const problems = [];
  for (const file of requireFiles(args)) {
    for (const d of workspace.check(readInput(file))) {
      problems.push(problem(file, `${d.code ?? "syntax"} ${d.message}`, d.start_location?.row, d.start_location?.column));
    }
  }
  return problems;
});
