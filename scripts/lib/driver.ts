// The typed way to run stack operations from code (the e2e suite, the demo, the bench): one scripts/stack.js process
// per operation (see engine.ts for why), its JSON result parsed back into a RunResult.
import { spawn } from "node:child_process";
import * as path from "node:path";
import { SETTINGS, type SettingName } from "../../provider/client/settings";
import { REPO_ROOT } from "./cli";
import type { RunOptions } from "./engine";
import type { Operation, RunResult } from "./types";

export type { Operation, RunResult, StepInfo, StepState } from "./types";

const STACK_JS = path.join(REPO_ROOT, "scripts", "stack.js");

export interface StackTarget {
  /** Program folder; relative to `cwd`. Omitted: the runner uses its working directory. */
  dir?: string;
  stack: string;
  /** Omitted: the runner's default, <dir>/.pulumi-state/<stack>. */
  stateDir?: string;
  /** A `file://` backend for the stack; omitted: <stateDir>/backend. */
  backendUrl?: string;
  /** Working directory of the runner process; default this process's. */
  cwd?: string;
  /**
   * FeatBit settings, handed over as their environment variables (the runner turns them into stack config, the
   * token as a secret). The only settings the runner sees: inherited FEATBIT_* variables are dropped.
   */
  settings?: Partial<Record<SettingName, string>>;
  /** Stack config applied on every run. */
  config?: Record<string, string>;
  passphrase?: string;
  /** More environment for the runner, and through it the CLI (e.g. the bench's PULUMI_SKIP_CHECKPOINTS). */
  env?: Record<string, string>;
}

/** The operation's flags: the engine's own (see RunOptions), with config as the runner's command line takes it. */
export type RunFlags = Pick<
  RunOptions,
  | "removeConfig"
  | "path"
  | "showSecrets"
  | "expectNoChanges"
  | "refresh"
  | "clearPendingCreates"
  | "runProgram"
  | "parallel"
  | "showSames"
  | "onOutput"
> & {
  config?: Record<string, string>;
  secretConfig?: Record<string, string>;
  /** Kills the runner after this long; default 10 minutes, a backstop against a hung CLI. */
  timeoutMs?: number;
};

export interface RunningStack {
  /** The runner's process id (the CLI and the provider plugin are its descendants). */
  pid: number;
  result: Promise<RunResult>;
}

/** The runner's command-line arguments; secrets never appear in them. */
export function runnerArgs(op: Operation, target: StackTarget, flags: RunFlags = {}): string[] {
  const args = [op, "--json", "--stack", target.stack];
  if (target.dir !== undefined) args.push("--dir", target.dir);
  if (target.stateDir !== undefined) args.push("--state", target.stateDir);
  if (target.backendUrl !== undefined) args.push("--backend", target.backendUrl);
  for (const [k, v] of Object.entries({ ...target.config, ...flags.config }))
    args.push("--config", `${k}=${v}`);
  for (const k of Object.keys(flags.secretConfig ?? {})) args.push("--secret", k);
  for (const k of flags.removeConfig ?? []) args.push("--remove-config", k);
  if (flags.path) args.push("--path");
  if (flags.showSecrets) args.push("--show-secrets");
  if (flags.expectNoChanges) args.push("--expect-no-changes");
  if (flags.refresh) args.push("--refresh");
  if (flags.clearPendingCreates) args.push("--clear-pending-creates");
  if (flags.runProgram) args.push("--run-program");
  if (flags.parallel) args.push("--parallel", String(flags.parallel));
  if (flags.showSames) args.push("--show-sames");
  if (flags.onOutput) args.push("--stream");
  return args;
}

function runnerEnv(target: StackTarget): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const spec of Object.values(SETTINGS)) for (const name of spec.env) delete env[name];
  for (const [name, value] of Object.entries(target.settings ?? {}) as [SettingName, string | undefined][]) {
    if (value !== undefined) env[SETTINGS[name].env[0]] = value;
  }
  if (target.passphrase !== undefined) env.PULUMI_CONFIG_PASSPHRASE = target.passphrase;
  return { ...env, ...target.env };
}

/** Starts one operation; the result resolves when the runner exits (it never rejects for a failed operation). */
export function startStack(op: Operation, target: StackTarget, flags: RunFlags = {}): RunningStack {
  const secrets = Object.values(flags.secretConfig ?? {});
  if (secrets.some((v) => /[\r\n]/.test(v) || v === "")) {
    throw new Error(
      "secret config values must be non-empty single lines (the runner reads one line per secret)",
    );
  }
  const child = spawn(process.execPath, [STACK_JS, ...runnerArgs(op, target, flags)], {
    cwd: target.cwd ?? process.cwd(),
    env: runnerEnv(target),
    stdio: ["pipe", "pipe", "pipe"],
  });
  // Secrets go in through stdin: a command line is visible to every user of the machine.
  child.stdin.end(secrets.map((v) => `${v}\n`).join(""));
  const timer = setTimeout(() => child.kill("SIGKILL"), flags.timeoutMs ?? 10 * 60 * 1000);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => {
    stderr += s;
    flags.onOutput?.(s);
  });
  const result = new Promise<RunResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(line) as RunResult);
      } catch {
        const how = signal ? `killed by ${signal}` : `exit code ${String(code)}`;
        reject(new Error(`stack.js ${op} printed no result (${how})\n${stderr.trim()}`));
      }
    });
  });
  return { pid: child.pid ?? -1, result };
}

export function runStack(op: Operation, target: StackTarget, flags: RunFlags = {}): Promise<RunResult> {
  return startStack(op, target, flags).result;
}
