// Test-side helpers around the stack driver (scripts/lib/driver.ts): state dirs, step filters, what a user would see.
import * as fs from "node:fs";
import * as path from "node:path";
import { resolveCli } from "../../../scripts/lib/cli";
import type { RunResult } from "../../../scripts/lib/driver";

export { runStack, startStack, type RunFlags, type StackTarget } from "../../../scripts/lib/driver";
export type { RunResult, StepInfo } from "../../../scripts/lib/driver";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

export function makeStateDir(label: string): string {
  const safe = label.replace(/[^A-Za-z0-9-]+/g, "-");
  const dir = path.join(REPO_ROOT, ".pulumi-state", `e2e-${safe}-${process.pid}-${Date.now().toString(36)}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Builds (first time only; minutes, with progress on stderr) or finds the CLI. Call from beforeAll. */
export function ensureCli(): string {
  return resolveCli();
}

/** Steps on resources the program declared (not the stack itself, not the implicit provider). */
export function resourceSteps(
  result: RunResult,
): { op: string; name: string; type: string; diffs: string[] }[] {
  return result.steps
    .filter((s) => s.type !== "pulumi:pulumi:Stack" && !s.type.startsWith("pulumi:providers:"))
    .map(({ op, name, type, diffs }) => ({ op, name, type, diffs }));
}

/** Everything a user could read from one run: CLI output, diagnostics, error, and the JSON outputs. */
export function visibleText(result: RunResult): string {
  return [
    result.log,
    result.error ?? "",
    JSON.stringify(result.diagnostics),
    JSON.stringify(result.outputs),
  ].join("\n");
}

/** Throws with what the user would have seen when an operation failed. */
export function expectOk(r: RunResult): void {
  if (!r.ok) {
    const errors = r.diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    throw new Error(
      `${r.operation} failed:\n${errors.join("\n")}\n--- CLI output ---\n${r.log || r.error || ""}`,
    );
  }
}

export function readState(result: RunResult): string {
  return fs.readFileSync(result.stateFile, "utf8");
}

export function removeStateDir(dir: string): void {
  if (dir.startsWith(path.join(REPO_ROOT, ".pulumi-state"))) fs.rmSync(dir, { recursive: true, force: true });
}
