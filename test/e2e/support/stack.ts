// Test-side driver for scripts/stack.js: one child process per Pulumi operation, JSON result back.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Operation, RunResult } from "../../../scripts/lib/engine";

export type { RunResult, StepInfo } from "../../../scripts/lib/engine";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
const STACK_JS = path.join(REPO_ROOT, "scripts", "stack.js");
const PULUMI_SH = path.join(REPO_ROOT, "scripts", "pulumi");

export interface StackTarget {
  /** Program directory, relative to the repository root. */
  dir: string;
  stack: string;
  /** Inside the repository (see engine.ts), e.g. from makeStateDir(). */
  stateDir: string;
  apiUrl: string;
  token: string;
  /** Stack config applied on every run (e.g. featbit:organizationKey). */
  config?: Record<string, string>;
}

export interface RunFlags {
  config?: Record<string, string>;
  secretConfig?: Record<string, string>;
  removeConfig?: string[];
  showSecrets?: boolean;
  expectNoChanges?: boolean;
  refresh?: boolean;
  parallel?: number;
}

export function makeStateDir(label: string): string {
  const safe = label.replace(/[^A-Za-z0-9-]+/g, "-");
  const dir = path.join(REPO_ROOT, ".pulumi-state", `e2e-${safe}-${process.pid}-${Date.now().toString(36)}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Builds (first time only; minutes) or finds the CLI. Call from beforeAll with a long timeout. */
export function ensureCli(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(PULUMI_SH, ["--print-path"], { cwd: REPO_ROOT, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`scripts/pulumi failed: ${err.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

export function runStack(op: Operation, target: StackTarget, flags: RunFlags = {}): Promise<RunResult> {
  const args = [STACK_JS, op, "--dir", target.dir, "--stack", target.stack, "--state", target.stateDir];
  for (const [k, v] of Object.entries({ ...target.config, ...flags.config }))
    args.push("--config", `${k}=${v}`);
  for (const [k, v] of Object.entries(flags.secretConfig ?? {})) args.push("--secret", `${k}=${v}`);
  for (const k of flags.removeConfig ?? []) args.push("--remove-config", k);
  if (flags.showSecrets) args.push("--show-secrets");
  if (flags.expectNoChanges) args.push("--expect-no-changes");
  if (flags.refresh) args.push("--refresh");
  if (flags.parallel) args.push("--parallel", String(flags.parallel));
  // The token travels by environment, never on a command line that `ps` would show.
  const env = { ...process.env, FEATBIT_API_URL: target.apiUrl, FEATBIT_ACCESS_TOKEN: target.token };
  return new Promise((resolve, reject) => {
    // The timeout is a backstop so a hung CLI cannot outlive the suite; normal runs take seconds.
    const options = {
      cwd: REPO_ROOT,
      env,
      maxBuffer: 64 << 20,
      timeout: 10 * 60 * 1000,
      killSignal: "SIGKILL" as const,
    };
    execFile(process.execPath, args, options, (err, stdout, stderr) => {
      const line = stdout.trim().split("\n").pop() ?? "";
      try {
        const result = JSON.parse(line) as RunResult;
        (result as RunResult & { stderr: string }).stderr = stderr;
        resolve(result);
      } catch {
        reject(
          new Error(`stack.js ${op} printed no result (${err?.message ?? "exit 0"})\n${stderr}\n${stdout}`),
        );
      }
    });
  });
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
