// Runs one Pulumi operation on a program folder through the Automation API in inline mode.
//
// Why inline mode: the program runs in this process and the CLI is given `--client`, so no language host is needed,
// and a caller driving many stacks (the demo, the bench, the chaos run, tests of steps and states) gets each one's
// events and outputs as data. Users run plain `pulumi` with the language host scripts/pulumi builds (docs/engine.md).
// The engine still starts the real dynamic-provider plugin (through the pulumi-resource-pulumi-nodejs shim).
//
// Why one operation per process: Pulumi keeps global runtime state and Node caches the program's modules, so a second
// operation in the same process would see the first one's resources. Callers use scripts/stack.js (one process per
// operation), usually through driver.ts.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as automation from "@pulumi/pulumi/automation";
import { parse as parseYaml } from "yaml";
import { invocation, killedRunAdvice } from "./advice";
import { cacheDir, resolveCli } from "./cli";
import { featbitUrls, passphraseFor } from "./passphrase";
import {
  describeRecovery,
  featbitLocator,
  recoverPendingCreates,
  type Deployment,
} from "../../provider/tools/recover";
import { checkWorkDir, loadAutomation, readProgram, registerTypeScript, type Program } from "./program";
import type {
  ConfigEntry,
  Diagnostic,
  Operation,
  OutputValue,
  RunResult,
  StepInfo,
  StepState,
} from "./types";

export { DEFAULT_PASSPHRASE } from "./passphrase";

export interface RunOptions {
  operation: Operation;
  /** Program folder: holds Pulumi.yaml (name, optional main) or an index.ts. */
  dir: string;
  stack: string;
  /**
   * Where this stack's file backend and Pulumi work directory live; default <dir>/.pulumi-state/<stack>. The provider
   * plugin starts in the work directory, so the program's node_modules must resolve from there (see checkWorkDir).
   */
  stateDir?: string;
  /**
   * The stack's backend, a `file://` folder (as in PULUMI_BACKEND_URL); default <stateDir>/backend. The work
   * directory stays under the state dir either way.
   */
  backendUrl?: string;
  passphrase?: string;
  /** Keys without a namespace get the project name, like `pulumi config set`. */
  config?: Record<string, ConfigEntry>;
  /** Config keys to remove before the operation. */
  removeConfig?: string[];
  /** Config keys (set and removed) are paths into structured values, like `pulumi config set --path`. */
  path?: boolean;
  /** Preview/up: the CLI's output shows each change's property diff (`--diff`), for people reading it. */
  diff?: boolean;
  showSecrets?: boolean;
  /** Preview/up/refresh: fail unless nothing would change (maps to --expect-no-changes). */
  expectNoChanges?: boolean;
  /** Pulumi `--refresh` before preview/up/destroy. */
  refresh?: boolean;
  /** Refresh only: drop the creates a killed run left pending (`pulumi refresh --clear-pending-creates`). */
  clearPendingCreates?: boolean;
  /**
   * Refresh/destroy: run the program, so the provider is configured with this run's stack config rather than the
   * copy stored at the last `up` (`--run-program`): what a rotated token in stack config needs.
   */
  runProgram?: boolean;
  parallel?: number;
  /** Preview/up: record the steps of unchanged resources too (op "same"), with their states, like `--show-sames`. */
  showSames?: boolean;
  /** Receives the CLI's output as it is produced (the result's `log` has all of it either way). */
  onOutput?: (chunk: string) => void;
  /** Receives the CLI's error output as it is produced (the result's `error` has it on failure). */
  onError?: (chunk: string) => void;
}

const SECRET_MASK = "[secret]";

function defaultStateDir(dir: string, stack: string): string {
  return path.join(path.resolve(dir), ".pulumi-state", stack);
}

/** The folder of a `file://` backend URL; default <stateDir>/backend. */
export function backendFolder(stateDir: string, backendUrl?: string): string {
  if (backendUrl === undefined) return path.join(path.resolve(stateDir), "backend");
  if (!backendUrl.startsWith("file://")) {
    throw new Error(
      `backend '${backendUrl}': this runner keeps state in a folder (file://<path>); other backends need the full pulumi CLI`,
    );
  }
  return path.resolve(backendUrl.slice("file://".length).replace(/^~(?=\/)/, process.env.HOME ?? "~"));
}

/** The file backend keeps one checkpoint per stack at .pulumi/stacks/<project>/<stack>.json. */
function stateFilePath(backendDir: string, project: string, stack: string): string {
  return path.join(backendDir, ".pulumi", "stacks", project, `${stack}.json`);
}

/** Environment for the CLI and, through it, the provider plugin: offline, file backend, no prompts. */
function pulumiEnv(backendDir: string, passphrase: string, cliPath: string): Record<string, string> {
  fs.mkdirSync(backendDir, { recursive: true });
  const home = path.join(cacheDir(), "pulumi-home");
  fs.mkdirSync(home, { recursive: true });
  return {
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_HOME: home,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    // The CLI's directory first: the engine finds the pulumi-resource-pulumi-nodejs shim there as well.
    PATH: `${path.dirname(fs.realpathSync(cliPath))}${path.delimiter}${process.env.PATH ?? ""}`,
  };
}

function qualify(key: string, project: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/**
 * Stack outputs with secrets masked at any depth. The Automation API's `outputs()` only flags an output as secret
 * when the whole value is one; a map such as `{prod: env.serverKey}` comes back in clear text with secret=false.
 * The CLI's own masked JSON (`stack output --json` without --show-secrets) marks nested secrets, so use that.
 */
function readOutputs(
  cli: string,
  workDir: string,
  stack: string,
  env: Record<string, string>,
  showSecrets: boolean,
): Record<string, OutputValue> {
  const run = (extra: string[]): Record<string, unknown> =>
    JSON.parse(
      execFileSync(cli, ["stack", "output", "--json", "--stack", stack, ...extra], {
        cwd: workDir,
        env: { ...process.env, ...env },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 64 << 20,
      }) || "{}",
    ) as Record<string, unknown>;
  const masked = run([]);
  const plain = showSecrets ? run(["--show-secrets"]) : masked;
  const result: Record<string, OutputValue> = {};
  for (const [key, value] of Object.entries(plain)) {
    const secret = JSON.stringify(masked[key]).includes(JSON.stringify(SECRET_MASK));
    result[key] = { value, secret };
  }
  return result;
}

function countSteps(steps: StepInfo[], sames: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of steps) if (s.op !== "same") counts[s.op] = (counts[s.op] ?? 0) + 1;
  if (sames > 0) counts.same = sames;
  return counts;
}

/** The blinded form a secret takes in engine events (signature key, ciphertext "[secret]"). */
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

/** Secrets as `pulumi preview --json` prints them: the string "[secret]", at any depth. */
function asPreviewValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asPreviewValue);
  if (value === null || typeof value !== "object") return value;
  const object = value as Record<string, unknown>;
  if (SECRET_SIGNATURE in object) return SECRET_MASK;
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, asPreviewValue(v)]));
}

/** Without the serialized provider: ~2 KB of the same code in every resource, of no use to a reader of steps. */
function propertiesOf(props: Record<string, unknown> | undefined): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props ?? {})) if (k !== "__provider") result[k] = asPreviewValue(v);
  return result;
}

function stepState(m: automation.StepEventStateMetadata | undefined): StepState | undefined {
  if (!m) return undefined;
  return {
    type: m.type,
    urn: m.urn,
    id: m.id ?? "",
    ...(m.parent ? { parent: m.parent } : {}),
    ...(m.custom !== undefined ? { custom: m.custom } : {}),
    inputs: propertiesOf(m.inputs),
    outputs: propertiesOf(m.outputs),
  };
}

/**
 * Runs one operation. Call it once per process (see the file comment). Never throws for an operation failure:
 * the result carries ok=false, the error and the diagnostics, so callers can assert on what the user would see.
 */
export async function runOperation(opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const program = readProgram(opts.dir);
  const stateDir = path.resolve(opts.stateDir ?? defaultStateDir(program.dir, opts.stack));
  const backendDir = backendFolder(stateDir, opts.backendUrl);
  // Pulumi writes Pulumi.yaml and Pulumi.<stack>.yaml into the work dir. Keeping them under the state dir leaves the
  // program folder's own Pulumi.yaml untouched (the Automation API would rewrite it).
  const workDir = path.join(stateDir, "work", program.project);
  checkWorkDir(program, workDir);
  fs.mkdirSync(workDir, { recursive: true });
  const stackConfig = folderStackConfig(program, workDir, opts.stack);
  let passphrase: string;
  try {
    passphrase =
      opts.passphrase ??
      passphraseFor(
        process.env,
        featbitUrls(process.env, opts.config ?? {}, path.join(workDir, `Pulumi.${opts.stack}.yaml`)),
      );
  } catch (err) {
    return refused(opts, program, backendDir, started, errorText(err));
  }
  const cli = resolveCli();
  const env = pulumiEnv(backendDir, passphrase, cli);
  // The inline program and the Automation API both read process.env (e.g. the passphrase), so set it here too.
  Object.assign(process.env, env);

  const auto = loadAutomation(program);
  const repaired = repairTornAttributes(stateFilePath(backendDir, program.project, opts.stack));
  const steps: StepInfo[] = [];
  const diagnostics: Diagnostic[] = [];
  let sames = 0;
  let log = "";
  const onOutput = (chunk: string): void => {
    log += chunk;
    opts.onOutput?.(chunk);
  };
  if (repaired) onOutput(`${repaired}\n`);
  const onEvent = (event: automation.EngineEvent): void => {
    if (event.resourcePreEvent) {
      const m = event.resourcePreEvent.metadata;
      if (m.op === "same") {
        sames++;
        if (!opts.showSames) return;
      }
      steps.push({
        op: m.op,
        urn: m.urn,
        type: m.type,
        name: m.urn.split("::").pop() ?? m.urn,
        // Dynamic providers report no per-property diff, so derive it from the step's old and new inputs; a "same"
        // step changes nothing, though its inputs may differ in what only accompanies a change (an audit comment).
        diffs:
          m.op === "same"
            ? []
            : m.diffs && m.diffs.length > 0
              ? m.diffs
              : changedKeys(m.old?.inputs, m.new?.inputs),
        replaceKeys: m.keys ?? [],
        oldState: stepState(m.old),
        newState: stepState(m.new),
      });
    } else if (event.resOutputsEvent) {
      // A refresh step's result is only known afterwards (the engine reports it as op "update" when the read
      // found drift): record which outputs the read changed.
      const m = event.resOutputsEvent.metadata;
      const step = steps.find((s) => s.urn === m.urn && s.op === "refresh");
      if (step) {
        step.diffs = changedKeys(m.old?.outputs, m.new?.outputs);
        step.newState = stepState(m.new);
      }
    } else if (event.diagnosticEvent) {
      const d = event.diagnosticEvent;
      // Debug diagnostics echo every RPC payload (plaintext inputs included) and are noise for callers.
      if ((d.severity as string) === "debug") return;
      diagnostics.push({ severity: d.severity, message: d.message.trim(), urn: d.urn || undefined });
    }
  };

  const result: RunResult = {
    ok: false,
    operation: opts.operation,
    project: program.project,
    stack: opts.stack,
    durationMs: 0,
    changes: {},
    steps,
    diagnostics,
    outputs: {},
    stateFile: stateFilePath(backendDir, program.project, opts.stack),
    log: "",
  };

  // Verbose engine logs print every RPC payload, secrets in clear: what the stack holds before and after the run
  // (a destroy's keys are gone afterwards, a create's appear) is scrubbed from what the run reports.
  const verbose = verboseLogging(process.env);
  const secrets = verbose ? settingSecrets(process.env) : [];
  try {
    const pulumiCommand = await commandFor(auto, cli);
    const stack = await auto.LocalWorkspace.createOrSelectStack(
      {
        projectName: program.project,
        stackName: opts.stack,
        program: inlineProgram(program),
      },
      {
        workDir,
        pulumiCommand,
        envVars: env,
        projectSettings: { name: program.project, runtime: "nodejs" },
      },
    );
    await applyConfig(stack, opts, program, cli, workDir, env);
    if (verbose) secrets.push(...stackSecrets(cli, workDir, opts.stack, env));
    const common = { color: "never" as const, onOutput, onEvent, onError: opts.onError };
    const parallel = opts.parallel;
    const operationStarted = process.hrtime.bigint();
    switch (opts.operation) {
      case "preview": {
        const r = await stack.preview({
          ...common,
          parallel,
          refresh: opts.refresh,
          expectNoChanges: opts.expectNoChanges,
          diff: opts.diff ?? false,
        });
        result.changes = { ...r.changeSummary };
        break;
      }
      case "up": {
        const r = await stack.up({
          ...common,
          parallel,
          refresh: opts.refresh,
          expectNoChanges: opts.expectNoChanges,
          diff: opts.diff,
        });
        result.changes = { ...(r.summary.resourceChanges ?? {}) };
        break;
      }
      case "refresh": {
        const r = await stack.refresh({
          ...common,
          parallel,
          expectNoChanges: opts.expectNoChanges,
          clearPendingCreates: opts.clearPendingCreates,
          runProgram: opts.runProgram,
        });
        result.changes = { ...(r.summary.resourceChanges ?? {}) };
        break;
      }
      case "destroy": {
        const r = await stack.destroy({
          ...common,
          parallel,
          refresh: opts.refresh,
          runProgram: opts.runProgram,
        });
        result.changes = { ...(r.summary.resourceChanges ?? {}) };
        break;
      }
      case "recover": {
        // The checkpoint's pending creates, recorded or dropped (provider/tools/recover.ts), then a refresh that
        // completes what the recorded ones' outputs lack.
        const exported = await stack.exportStack();
        const config = await stack.getAllConfig();
        const recovery = await recoverPendingCreates(
          exported.deployment as Deployment,
          featbitLocator({ get: (key) => config[key]?.value }, process.env),
        );
        result.recovery = {
          recorded: recovery.recorded,
          dropped: recovery.dropped,
          kept: recovery.kept,
        };
        onOutput(`${describeRecovery(recovery).join("\n")}\n`);
        if (recovery.recorded.length + recovery.dropped.length > 0) {
          await stack.importStack({ ...exported, deployment: recovery.deployment });
          const r = await stack.refresh({ ...common, parallel });
          result.changes = { ...(r.summary.resourceChanges ?? {}) };
        }
        break;
      }
      case "cancel":
        // Removes the lock a killed run left behind (`pulumi cancel --yes`); the state itself is untouched.
        await stack.cancel();
        break;
      case "outputs":
        break;
    }
    result.operationMs = Number(process.hrtime.bigint() - operationStarted) / 1e6;
    dropCleanRefreshes(steps);
    if (Object.keys(result.changes).length === 0) result.changes = countSteps(steps, sames);
    if (opts.operation !== "cancel" && opts.operation !== "recover") {
      result.outputs = readOutputs(cli, workDir, opts.stack, env, opts.showSecrets ?? false);
    }
    result.ok = true;
  } catch (err) {
    result.error = withAdvice(errorText(err), opts, program);
    if (Object.keys(result.changes).length === 0) result.changes = countSteps(steps, sames);
  }
  stackConfig.saveBack();
  result.log = log;
  if (verbose) {
    secrets.push(...stackSecrets(cli, workDir, opts.stack, env));
    scrub(result, secrets);
  }
  result.durationMs = Date.now() - started;
  return result;
}

/** Whether the CLI logs verbosely (`-v`, `--logtostderr`, `--logflow` through PULUMI_OPTION_*, or TF_LOG). */
export function verboseLogging(env: NodeJS.ProcessEnv): boolean {
  const on = (v: string | undefined) =>
    v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
  return (
    Number(env.PULUMI_OPTION_VERBOSE ?? 0) > 0 ||
    on(env.PULUMI_OPTION_LOGTOSTDERR) ||
    on(env.PULUMI_OPTION_LOGFLOW) ||
    on(env.TF_LOG)
  );
}

/** The credentials the run was given as settings (FEATBIT_ACCESS_TOKEN and the like, installations' included). */
function settingSecrets(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([name, value]) => /^FEATBIT_(?:.+_)?(?:ACCESS_)?TOKEN$/.test(name) && value)
    .map(([, value]) => value as string);
}

/** Every secret the stack holds, in clear: its state's secret values (SDK keys) and its config's secrets. */
export function stackSecrets(
  cli: string,
  workDir: string,
  stack: string,
  env: Record<string, string>,
): string[] {
  const run = (args: string[]) =>
    execFileSync(cli, [...args, "--stack", stack], {
      cwd: workDir,
      env: { ...process.env, ...env },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 256 << 20,
    });
  const found: string[] = [];
  const json = (args: string[]): unknown => {
    try {
      return JSON.parse(run(args));
    } catch {
      return undefined; // no stack yet (a first run that failed early): nothing of it to scrub
    }
  };
  const collect = (value: unknown): void => {
    if (typeof value === "string") found.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value !== null && typeof value === "object") Object.values(value).forEach(collect);
  };
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (value === null || typeof value !== "object") return;
    const object = value as Record<string, unknown>;
    if (SECRET_SIGNATURE in object && typeof object.plaintext === "string") {
      try {
        collect(JSON.parse(object.plaintext));
      } catch {
        collect(object.plaintext);
      }
      return;
    }
    Object.values(object).forEach(walk);
  };
  walk(json(["stack", "export", "--show-secrets"]));
  const config = (json(["config", "--show-secrets", "--json"]) ?? {}) as Record<
    string,
    { value?: string; secret?: boolean }
  >;
  for (const entry of Object.values(config)) if (entry.secret && entry.value) found.push(entry.value);
  // Short values (a boolean, a port) would scrub half the log: credentials are long.
  return found.filter((s) => s.length >= 8);
}

/** Replaces every secret in what the run reports (the CLI's output, the error, the diagnostics) with [secret]. */
export function scrub(result: RunResult, secrets: readonly string[]): void {
  const longestFirst = [...new Set(secrets)].sort((a, b) => b.length - a.length);
  const clean = (text: string) => longestFirst.reduce((t, secret) => t.split(secret).join(SECRET_MASK), text);
  result.log = clean(result.log);
  if (result.error !== undefined) result.error = clean(result.error);
  for (const d of result.diagnostics) d.message = clean(d.message);
}

/**
 * A run killed while the file backend wrote the checkpoint's attributes (`<stack>.json.attrs`, the blob store's
 * content type and checksum beside it) can leave that file empty, and every later command then fails with
 * "failed to load checkpoint: EOF". The backend treats a missing attributes file as default attributes, so an empty
 * one is removed (it held nothing). Returns what was done, for the log.
 */
function repairTornAttributes(stateFile: string): string | undefined {
  const attrs = `${stateFile}.attrs`;
  try {
    if (fs.statSync(attrs).size !== 0) return undefined;
    fs.rmSync(attrs);
    return `removed the empty ${attrs} a killed run left (it would fail every command with "failed to load checkpoint: EOF")`;
  } catch {
    return undefined;
  }
}

/** The result of a run refused before Pulumi was started. */
function refused(
  opts: RunOptions,
  program: Program,
  backendDir: string,
  started: number,
  error: string,
): RunResult {
  return {
    ok: false,
    operation: opts.operation,
    project: program.project,
    stack: opts.stack,
    durationMs: Date.now() - started,
    changes: {},
    steps: [],
    diagnostics: [],
    outputs: {},
    stateFile: stateFilePath(backendDir, program.project, opts.stack),
    log: "",
    error,
  };
}

/**
 * The program folder's own `Pulumi.<stack>.yaml`, when it has one, is the stack's config as it is for the CLI (written
 * by `pulumi config set` there, say): it replaces the copy in the work dir before the operation, and what the
 * operation's --config/--secret changed goes back to it. Without one, the stack's config stays in the work dir.
 */
function folderStackConfig(program: Program, workDir: string, stack: string): { saveBack(): void } {
  const own = path.join(program.dir, `Pulumi.${stack}.yaml`);
  const copy = path.join(workDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(own)) return { saveBack: () => undefined };
  const original = fs.readFileSync(own, "utf8");
  fs.writeFileSync(copy, original);
  return {
    saveBack: () => {
      const now = fs.existsSync(copy) ? fs.readFileSync(copy, "utf8") : original;
      if (now !== original) fs.writeFileSync(own, now);
    },
  };
}

function inlineProgram(program: Program): () => Promise<Record<string, unknown>> {
  return async () => {
    // The language host runs a program in its folder: relative paths in it (a FlagSet's `path: "flags"`) mean the same.
    process.chdir(program.dir);
    registerTypeScript(program);
    // The program is an ordinary Pulumi program: top-level code plus `export const` outputs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path known only at run time
    const exported = require(program.entry) as Record<string, unknown>;
    return { ...exported };
  };
}

async function applyConfig(
  stack: automation.Stack,
  opts: RunOptions,
  program: Program,
  cli: string,
  workDir: string,
  env: Record<string, string>,
): Promise<void> {
  // Each CLI call costs a CLI start: remove only keys the stack holds, in one call.
  const held = storedConfigKeys(workDir, opts.stack);
  const removed = (opts.removeConfig ?? [])
    .map((k) => qualify(k, program.project))
    .filter((k) => held.has(k));
  if (removed.length > 0) await stack.removeAllConfig(removed, opts.path);
  const plain: automation.ConfigMap = {};
  for (const [key, entry] of Object.entries(opts.config ?? {})) {
    if (entry.secret) {
      // The Automation API puts config values on the CLI's command line, where `ps` shows them: secrets go in
      // through stdin instead (`pulumi config set <key>` reads the value from stdin when none is given).
      execFileSync(
        cli,
        [
          "config",
          "set",
          "--secret",
          "--stack",
          opts.stack,
          "--non-interactive",
          ...(opts.path ? ["--path"] : []),
          qualify(key, program.project),
        ],
        {
          cwd: workDir,
          env: { ...process.env, ...env },
          input: entry.value,
          stdio: ["pipe", "ignore", "pipe"],
        },
      );
    } else {
      plain[qualify(key, program.project)] = { value: entry.value, secret: false };
    }
  }
  // One CLI call for all plain values: each call costs a CLI start.
  if (Object.keys(plain).length > 0) await stack.setAllConfig(plain, opts.path);
}

/** The top-level keys of the stack's config file (Pulumi.<stack>.yaml in the work dir), read without the CLI. */
function storedConfigKeys(workDir: string, stack: string): Set<string> {
  try {
    const parsed = parseYaml(fs.readFileSync(path.join(workDir, `Pulumi.${stack}.yaml`), "utf8")) as {
      config?: Record<string, unknown>;
    } | null;
    return new Set(Object.keys(parsed?.config ?? {}));
  } catch {
    return new Set();
  }
}

async function commandFor(auto: typeof automation, cli: string): Promise<automation.PulumiCommand> {
  // PulumiCommand.get({root}) runs <root>/bin/pulumi; any other layout is found through PATH (set in pulumiEnv).
  const real = fs.realpathSync(cli);
  if (path.basename(real) === "pulumi" && path.basename(path.dirname(real)) === "bin") {
    return auto.PulumiCommand.get({ root: path.dirname(path.dirname(real)) });
  }
  return auto.PulumiCommand.get();
}

/** Top-level keys whose values differ, ignoring the serialized provider (it is the same code either way). */
function changedKeys(before?: Record<string, unknown>, after?: Record<string, unknown>): string[] {
  if (!before || !after) return [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  keys.delete("__provider");
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

/** A refresh that found nothing different is not a change; keep only the drifted resources. */
function dropCleanRefreshes(steps: StepInfo[]): void {
  for (let i = steps.length - 1; i >= 0; i--) {
    if (steps[i].op === "refresh" && steps[i].diffs.length === 0) steps.splice(i, 1);
  }
}

export function errorText(err: unknown): string {
  // CommandError's message embeds the CLI's stdout/stderr: that is what a user would read. Its last part, the
  // underlying error, repeats the whole stderr (which starts with the same "Command failed" line): each line once.
  const result = (
    err as { commandResult?: { stdout?: string; stderr?: string; code?: number; err?: Error } } | undefined
  )?.commandResult;
  if (result?.err !== undefined && result.stderr) {
    const cause = String(result.err).split("\n")[0];
    const repeated = result.stderr.includes(cause.replace(/^Error: /, ""));
    return `code: ${result.code}\n stdout: ${result.stdout ?? ""}\n stderr: ${result.stderr}\n${repeated ? "" : ` err?: ${cause}\n`}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The CLI's advice after a crash names `pulumi cancel` and interactive refreshes: say what works here. */
function withAdvice(error: string, opts: RunOptions, program: Program): string {
  return error + killedRunAdvice(error, invocation({ ...opts, dir: program.dir }));
}
