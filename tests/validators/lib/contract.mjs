// The one contract every bin/*.mjs validator follows, so that the C# harness can treat them alike:
//   exit 0 + "OK: ..." when every input is valid,
//   exit 1 + "file: message" lines when something is invalid,
//   exit 2 + usage text when the arguments are wrong (missing file, unknown option),
//   exit 3 + the stack when the validator itself failed, so a crash never reads as "invalid input".
import { readFileSync, existsSync } from "node:fs";

export class UsageError extends Error {}

/** A problem found in a file; line and column are optional (1-based). */
export function problem(file, message, line, column) {
  return { file, message, line, column };
}

function format(p) {
  const where = [p.file, p.line, p.line && p.column].filter(Boolean).join(":");
  return `${where}: ${String(p.message).replace(/\s*\n\s*/g, " ")}`;
}

/**
 * Runs a validator. `main(argv)` returns (or resolves to) the list of problems and may throw UsageError.
 * `usage` is printed on UsageError. Any other exception is a crash of the validator itself (exit 3).
 */
export async function run(usage, main) {
  let problems;
  try {
    problems = await main(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\nusage: ${usage}\n`);
      process.exit(2);
    }
    process.stderr.write(`validator crashed: ${error?.stack ?? error}\n`);
    process.exit(3);
  }
  if (problems.length > 0) {
    process.stdout.write(problems.map(format).join("\n") + "\n");
    process.exit(1);
  }
  process.stdout.write("OK\n");
  process.exit(0);
}

/** Checks that every argument names an existing file; `-` (stdin) is allowed when allowStdin. */
export function requireFiles(args, { allowStdin = false } = {}) {
  if (args.length === 0) throw new UsageError("no input files given");
  for (const arg of args) {
    if (arg.startsWith("-") && !(allowStdin && arg === "-")) throw new UsageError(`unknown option ${arg}`);
    if (arg !== "-" && !existsSync(arg)) throw new UsageError(`no such file: ${arg}`);
  }
  return args;
}

export function readInput(file) {
  return readFileSync(file === "-" ? 0 : file, "utf8");
}
