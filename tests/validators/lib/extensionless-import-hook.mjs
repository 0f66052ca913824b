// dt-sql-parser's ESM build imports its own modules without extensions ("./parser", "./lib/x"),
// which Node 20's resolver refuses. This hook retries such a relative specifier as "<x>.js" and
// "<x>/index.js", the way the bundlers it was written for resolve it.
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (!specifier.startsWith(".") || !["ERR_MODULE_NOT_FOUND", "ERR_UNSUPPORTED_DIR_IMPORT"].includes(error?.code)) {
      throw error;
    }
    for (const candidate of [`${specifier}.js`, `${specifier}/index.js`]) {
      try {
        return await nextResolve(candidate, context);
      } catch {
        // try the next form
      }
    }
    throw error;
  }
}
