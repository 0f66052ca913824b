#!/usr/bin/env node
// GitHub's own workflow parser (the one behind the Actions VS Code extension): schema errors,
// expression syntax, job graph (needs cycles, unknown needs) as GitHub itself reports them.
import { register } from "node:module";
import { run, problem, requireFiles, readInput } from "../lib/contract.mjs";

register("../lib/json-import-hook.mjs", import.meta.url);


await run("github-workflow.mjs <workflow.yml>...", async (args) => {
  const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await import("@actions/workflow-parser");
  const problems = [];
  for (const file of requireFiles(args)) {
    const parsed = parseWorkflow({ name: file, content: readInput(file) }, new NoOperationTraceWriter());
    for (const error of parsed.context.errors.getErrors()) problems.push(problem(file, error.rawMessage, error.range?.start?.line, error.range?.start?.column));
    if (parsed.value === undefined) {
      if (parsed.context.errors.getErrors().length === 0) problems.push(problem(file, "not a workflow"));
      continue;
    }
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    for (const error of template.errors ?? []) {
      // Conversion repeats the parse errors; report each message once.
      if (!problems.some((p) => p.file === file && error.Message.includes(p.message))) {
        problems.push(problem(file, error.Message));
      }
    }
  }
  return problems;
});
