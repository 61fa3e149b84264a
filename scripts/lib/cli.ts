// The one place that asks scripts/pulumi which Pulumi CLI to use (it finds it, or builds it the first time).
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
const PULUMI_SH = path.join(REPO_ROOT, "scripts", "pulumi");

export function cacheDir(): string {
  return process.env.PULUMI_FEATBIT_CACHE ?? path.join(os.homedir(), ".cache", "pulumi-featbit");
}

let resolved: string | undefined;

/**
 * Path of the Pulumi CLI. The first call on a fresh machine builds it (minutes); scripts/pulumi prints its progress,
 * including while it waits for another process's build, on our stderr, so callers are never silent meanwhile.
 */
export function resolveCli(): string {
  if (resolved) return resolved;
  const out = execFileSync(PULUMI_SH, ["--print-path"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const cli = out.trim().split("\n").pop() ?? "";
  if (!cli) throw new Error("scripts/pulumi did not print a CLI path");
  resolved = cli;
  return cli;
}
