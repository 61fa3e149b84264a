// Builds the package (dist/) only when its sources changed since the last build, and says so when it does.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "./cli";

/** Written by `npm run build` (tsc --incremental): its mtime marks the last build. */
const BUILD_INFO = path.join(REPO_ROOT, "dist", ".tsbuildinfo");
const INPUTS = ["provider", "tsconfig.json", "tsconfig.build.json", "package.json"];

function newestInput(): { file: string; mtimeMs: number } {
  let newest = { file: "", mtimeMs: 0 };
  const visit = (p: string): void => {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p)) visit(path.join(p, name));
    } else if (st.mtimeMs > newest.mtimeMs && (p.endsWith(".ts") || p.endsWith(".json"))) {
      newest = { file: p, mtimeMs: st.mtimeMs };
    }
  };
  for (const input of INPUTS) visit(path.join(REPO_ROOT, input));
  return newest;
}

/** Why dist/ must be rebuilt, or undefined when it is up to date. */
function staleReason(): string | undefined {
  if (!fs.existsSync(path.join(REPO_ROOT, "dist", "index.js")) || !fs.existsSync(BUILD_INFO)) {
    return "dist/ has not been built yet";
  }
  const built = fs.statSync(BUILD_INFO).mtimeMs;
  const newest = newestInput();
  if (newest.mtimeMs > built) return `${path.relative(REPO_ROOT, newest.file)} changed since the last build`;
  return undefined;
}

/** Runs `npm run build` when needed; returns whether it built. Throws when the build fails. */
export function buildIfStale(log: (line: string) => void): boolean {
  const reason = staleReason();
  if (!reason) return false;
  const started = Date.now();
  log(`building pulumi-featbit with tsc (${reason}) ...`);
  const r = spawnSync("npm", ["run", "--silent", "build"], { cwd: REPO_ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm run build failed (see the errors above)");
  // tsc leaves its build info untouched when a source was saved without a change; mark the check as done anyway.
  const now = new Date();
  fs.utimesSync(BUILD_INFO, now, now);
  log(`built in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return true;
}
