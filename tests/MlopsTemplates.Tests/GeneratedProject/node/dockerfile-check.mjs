// usage: node dockerfile-check.mjs <Dockerfile>...: dockerfile-utils' validator with every check at its
// default severity; prints each diagnostic and exits 1 if there is any.
import { validate } from "dockerfile-utils";
import { readFileSync } from "node:fs";

let count = 0;
for (const file of process.argv.slice(2)) {
  for (const d of validate(readFileSync(file, "utf8"))) {
    count++;
    console.log(`${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.code} ${d.message}`);
  }
}
console.log(`dockerfile-utils: ${process.argv.length - 2} file(s), ${count} problem(s)`);
process.exit(count ? 1 : 0);
