// The user's own `pulumi` command, run as they run it: in the program's folder, found on PATH (the CLI scripts/pulumi
// built, with the Node.js language host beside it), logged in to a file backend, with nothing of this process's
// Pulumi or FeatBit settings. Results are read the way a user reads them (exit code, text) or, for assertions on
// steps, from the `--json` document the CLI prints.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureCli } from "./stack";

export const LANGUAGE_HOST = "pulumi-language-nodejs";

export interface CliRun {
  /** The command as typed, for messages. */
  command: string;
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A resource step of a `--json` run (the CLI's own shape, display.PreviewDigest's steps). */
export interface CliStep {
  op: string;
  urn: string;
  oldState?: { type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
  newState?: { type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
  diffReasons?: string[];
}

export interface CliDigest {
  steps: CliStep[];
  changeSummary: Record<string, number>;
  diagnostics?: { message: string; severity: string; urn?: string }[];
}

export interface PulumiFolder {
  readonly dir: string;
  /** Runs `pulumi <args>` in the folder; `input` goes to its stdin (a secret for `config set --secret`). */
  run(args: string[], options?: { input?: string; env?: Record<string, string> }): Promise<CliRun>;
  /** The same, throwing with everything the CLI printed unless it exits 0. */
  ok(args: string[], options?: { input?: string; env?: Record<string, string> }): Promise<CliRun>;
}

/** The directory of the CLI scripts/pulumi uses, which must hold the language host (built with the CLI). */
export function cliDirectory(): string {
  const dir = path.dirname(fs.realpathSync(ensureCli()));
  if (!fs.existsSync(path.join(dir, LANGUAGE_HOST))) {
    throw new Error(
      `${LANGUAGE_HOST} is not beside the CLI in ${dir}: scripts/pulumi builds it there (see its output and ` +
        `build-language-host.log in the CLI's cache folder); plain \`pulumi up\` needs it`,
    );
  }
  return dir;
}

/**
 * The environment of a user's shell: the CLI first on PATH, their own PULUMI_HOME, a passphrase for the stack's
 * secrets, and neither this process's FeatBit settings nor its Pulumi ones.
 */
export function userEnv(
  home: string,
  passphrase: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("FEATBIT_") && !name.startsWith("PULUMI_")) env[name] = value;
  }
  return {
    ...env,
    PATH: `${cliDirectory()}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_HOME: home,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    // A user's CLI may check for a newer release; offline that check only waits.
    PULUMI_SKIP_UPDATE_CHECK: "true",
    ...extra,
  };
}

/**
 * A copy of a program folder at `to`, with the package.json a user's program has (`pulumi new typescript`'s: its
 * `main` is what the language host runs; without one, Node would find this repository's package.json and run the
 * package instead). Inside this repository, its packages resolve from the repository's node_modules.
 */
export function copyProgram(from: string, to: string): string {
  fs.cpSync(from, to, { recursive: true });
  const manifest = path.join(to, "package.json");
  if (!fs.existsSync(manifest)) {
    const name = /^name:\s*(\S+)/m.exec(fs.readFileSync(path.join(to, "Pulumi.yaml"), "utf8"))?.[1];
    fs.writeFileSync(manifest, `${JSON.stringify({ name, main: "index.ts" }, null, 2)}\n`);
  }
  return to;
}

/** `pulumi` in `dir`, with `env` (see userEnv). */
export function pulumiIn(dir: string, env: NodeJS.ProcessEnv): PulumiFolder {
  const run: PulumiFolder["run"] = (args, options = {}) =>
    new Promise((resolve, reject) => {
      // Asynchronous: the emulator answering the provider may live in this very process.
      const child = spawn("pulumi", args, {
        cwd: dir,
        env: { ...env, ...options.env },
        stdio: ["pipe", "pipe", "pipe"],
      });
      child.stdin.end(options.input ?? "");
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
      child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
      child.on("error", reject);
      child.on("close", (status) => resolve({ command: `pulumi ${args.join(" ")}`, status, stdout, stderr }));
    });
  return {
    dir,
    run,
    ok: async (args, options) => {
      const r = await run(args, options);
      if (r.status !== 0) {
        throw new Error(`${r.command} exited with ${String(r.status)}:\n${r.stdout}\n${r.stderr}`);
      }
      return r;
    },
  };
}

/**
 * The document `pulumi preview --json` prints, which `up`, `refresh` and `destroy --json` print first, followed by
 * their engine events one per line; `summary` is the last run's resource changes (from its summary event, for those).
 */
export function digest(run: CliRun): CliDigest & { summary: Record<string, number>; events: unknown[] } {
  const text = run.stdout.trim();
  const decoder = text.indexOf("\n}\n");
  const head = decoder < 0 ? text : text.slice(0, decoder + 2);
  const document = JSON.parse(head) as CliDigest;
  const events = (decoder < 0 ? "" : text.slice(decoder + 3))
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const summaryEvent = events.find((e) => "summaryEvent" in e) as
    { summaryEvent: { resourceChanges: Record<string, number> } } | undefined;
  return {
    ...document,
    summary: summaryEvent?.summaryEvent.resourceChanges ?? document.changeSummary,
    events,
  };
}

export interface ResourceChange {
  op: string;
  /** The type token's last part: "FeatureFlagTargeting". */
  type: string;
  name: string;
  /** Top-level inputs that differ (dynamic providers report no per-property diff), the serialized provider aside. */
  diffs: string[];
}

/** The declared resources' steps other than `same` (the stack and its default provider left out). */
export function resourceChanges(d: CliDigest): ResourceChange[] {
  return d.steps.flatMap((step) => {
    const type = (step.newState ?? step.oldState)?.type ?? "";
    if (step.op === "same" || type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:"))
      return [];
    const olds = step.oldState?.inputs ?? {};
    const news = step.newState?.inputs ?? {};
    const diffs = [...new Set([...Object.keys(olds), ...Object.keys(news)])]
      .filter((k) => k !== "__provider" && JSON.stringify(olds[k]) !== JSON.stringify(news[k]))
      .sort();
    return [
      {
        op: step.op,
        type: type.split(":").pop() ?? type,
        name: step.urn.split("::").pop() ?? step.urn,
        diffs,
      },
    ];
  });
}

/** The same as "op name". */
export function changed(d: CliDigest): string[] {
  return resourceChanges(d).map((c) => `${c.op} ${c.name}`);
}
