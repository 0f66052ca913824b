// YAML loading shared by the validators: every document of a (multi-document) file, with a way to
// turn a JSON pointer from a schema error back into the line a user should look at.
import { parseAllDocuments, LineCounter } from "yaml";
import { problem } from "./contract.mjs";

/**
 * Parses every document of `text`. Returns { documents, problems }: syntax errors become problems;
 * each document is { value, lineOf(pointer) }.
 */
export function loadDocuments(file, text) {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter });
  const problems = [];
  const documents = [];
  for (const document of Array.isArray(parsed) ? parsed : [parsed]) {
    if (document.errors?.length) {
      for (const error of document.errors) problems.push(problem(file, error.message.split("\n")[0], error.linePos?.[0]?.line));
      continue;
    }
    documents.push({
      value: document.toJS(),
      line: document.contents?.range ? lineCounter.linePos(document.contents.range[0]).line : undefined,
      lineOf: (pointer) => lineOf(document, lineCounter, pointer),
    });
  }
  return { documents, problems };
}

function lineOf(document, lineCounter, pointer) {
  const path = pointer.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  for (let n = path.length; n >= 0; n--) {
    const keys = path.slice(0, n).map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    const node = n === 0 ? document.contents : document.getIn(keys, true);
    if (node?.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}
