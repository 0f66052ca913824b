#!/usr/bin/env node
// GitLab CI through gitlab-ci-local (which validates against GitLab's schema and then resolves
// the pipeline as GitLab would: extends, !reference, rules, stages, needs): `--list` and
// `--preview` must both succeed. It needs a git repository with the files added and writes
// .gitlab-ci-local/, so it runs on a throw-away copy of the directory. Remote `include:`s cannot
// be resolved offline.
import { cpSync, mkdtempSync, rmSync, existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, basename } from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { run, problem, UsageError } from "../lib/contract.mjs";

const cli = createRequire(import.meta.url).resolve("gitlab-ci-local/dist/index.js");
const skipped = new Set([".git", ".gitlab-ci-local", "node_modules", ".venv"]);

function git(cwd, ...args) {
  execFileSync("git", args, {
    cwd,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, GIT_AUTHOR_NAME: "validator", GIT_AUTHOR_EMAIL: "validator@localhost", GIT_COMMITTER_NAME: "validator", GIT_COMMITTER_EMAIL: "validator@localhost" },
  });
}

// A committed main branch and an origin remote, so that gitlab-ci-local finds its predefined
// variables (CI_COMMIT_BRANCH, CI_PROJECT_PATH, CI_DEFAULT_BRANCH) instead of falling back.
function repositoryCopy(source) {
  const copy = mkdtempSync(join(tmpdir(), "gitlab-ci-local-"));
  cpSync(source, copy, { recursive: true, filter: (path) => !skipped.has(basename(path)) });
  git(copy, "init", "-q", "-b", "main");
  git(copy, "add", "-A");
  git(copy, "commit", "-q", "--no-gpg-sign", "-m", "validate");
  git(copy, "remote", "add", "origin", "https://gitlab.example.com/group/project.git");
  git(copy, "update-ref", "refs/remotes/origin/main", "HEAD");
  git(copy, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main");
  return copy;
}

function gitlabCiLocal(cwd, option) {
  const result = spawnSync(process.execPath, [cli, option], { cwd, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" } });
  const output = `${result.stdout}${result.stderr}`.trim();
  return { ok: result.status === 0, output };
}

await run("gitlab-ci.mjs <repository-dir>", async (args) => {
  if (args.length !== 1 || args[0].startsWith("-")) throw new UsageError("exactly one repository directory is expected");
  const [source] = args;
  if (!existsSync(source) || !statSync(source).isDirectory()) throw new UsageError(`not a directory: ${source}`);
  const file = join(source, ".gitlab-ci.yml");
  if (!existsSync(file)) return [problem(file, "missing")];
  const copy = repositoryCopy(source);
  try {
    const problems = [];
    for (const option of ["--list", "--preview"]) {
      const { ok, output } = gitlabCiLocal(copy, option);
      if (!ok) {
        const lines = output.split("\n").filter((l) => l.trim() && !/^(parsing and downloads|json schema validated)/.test(l));
        problems.push(problem(file, `gitlab-ci-local ${option} failed: ${lines.join(" | ") || "(no output)"}`));
      }
    }
    return problems;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
