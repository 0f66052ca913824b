// @actions/workflow-parser imports its schema with `import x from "./x.json"` and no import
// attribute, which Node 20 refuses. This hook supplies `type: "json"` for .json modules.
export async function load(url, context, nextLoad) {
  if (url.endsWith(".json")) {
    return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: "json" } });
  }
  return nextLoad(url, context);
}
