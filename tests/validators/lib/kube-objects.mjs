// The object loop shared by the Kubernetes validators: every mapping document of the input files (or stdin, `-`),
// with the problems of documents that are not objects, and "no Kubernetes objects found" for empty input.
import { problem, requireFiles, readInput } from "./contract.mjs";
import { loadDocuments } from "./yaml-documents.mjs";

/**
 * Calls `check(object, { file, label, document })` for each object; it returns its problems (or a promise of them).
 * Returns every problem found.
 */
export async function checkObjects(args, check) {
  const problems = [];
  let objects = 0;
  for (const file of requireFiles(args, { allowStdin: true })) {
    const name = file === "-" ? "<stdin>" : file;
    const { documents, problems: syntax } = loadDocuments(name, readInput(file));
    problems.push(...syntax);
    for (const document of documents) {
      const object = document.value;
      if (object === null || object === undefined) continue;
      if (typeof object !== "object" || Array.isArray(object)) {
        problems.push(problem(name, "document is not a Kubernetes object (a mapping)", document.line));
        continue;
      }
      objects++;
      const label = `${object.kind ?? "?"}/${object.metadata?.name ?? "?"}`;
      problems.push(...(await check(object, { file: name, label, document })));
    }
  }
  if (objects === 0 && problems.length === 0) problems.push(problem(args.join(" "), "no Kubernetes objects found"));
  return problems;
}
