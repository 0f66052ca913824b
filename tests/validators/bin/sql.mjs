#!/usr/bin/env node
// Parses SQL files with dt-sql-parser's ANTLR grammars of Spark SQL or HiveQL (the grammars of the
// engines themselves, ported by DTStack): every syntax error is a problem with its line and column.
// A file holds statements separated by ';'. Run with the import hook that Node 20 needs for the
// package's extension-less ESM imports:
//   node --import ./lib/register-extensionless.mjs bin/sql.mjs --dialect spark|hive FILE...
import { run, problem, requireFiles, readInput, UsageError } from "../lib/contract.mjs";

const usage = "node --import ./lib/register-extensionless.mjs bin/sql.mjs --dialect spark|hive <file.sql>...";

await run(usage, async (argv) => {
  if (argv[0] !== "--dialect" || !argv[1]) throw new UsageError("--dialect spark|hive is required");
  const { SparkSQL, HiveSQL } = await import("dt-sql-parser");
  const Parser = { spark: SparkSQL, hive: HiveSQL }[argv[1]];
  if (!Parser) throw new UsageError(`unknown dialect ${argv[1]}`);
  const parser = new Parser();
  const problems = [];
  for (const file of requireFiles(argv.slice(2))) {
    const sql = readInput(file);
    if (!/\S/.test(sql.replace(/--.*$/gm, ""))) {
      problems.push(problem(file, "no SQL statement"));
      continue;
    }
    for (const error of parser.validate(sql)) {
      problems.push(problem(file, error.message, error.startLine, error.startColumn));
    }
  }
  return problems;
});
