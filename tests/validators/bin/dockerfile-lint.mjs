#!/usr/bin/env node
// Dockerfile checks of dockerfile-utils (the engine behind the Docker language server): syntax,
// instruction arguments, flags, multiple CMD/ENTRYPOINT/HEALTHCHECK, relative WORKDIR. Every
// optional check is switched on and any diagnostic, warning or error, fails the file.
import { createRequire } from "node:module";
import { run, problem, requireFiles, readInput } from "../lib/contract.mjs";

const { validate, ValidationSeverity } = createRequire(import.meta.url)("dockerfile-utils");

const strict = Object.fromEntries(
  [
    "deprecatedMaintainer",
    "directiveCasing",
    "emptyContinuationLine",
    "instructionCasing",
    "instructionCmdMultiple",
    "instructionEntrypointMultiple",
    "instructionHealthcheckMultiple",
    "instructionJSONInSingleQuotes",
    "instructionWorkdirRelative",
  ].map((setting) => [setting, ValidationSeverity.ERROR]),
);

await run("dockerfile-lint.mjs <Dockerfile>...", async (args) => {
  const problems = [];
  for (const file of requireFiles(args)) {
    for (const d of validate(readInput(file), strict)) {
      problems.push(problem(file, d.message, d.range.start.line + 1, d.range.start.character + 1));
    }
  }
  return problems;
});
