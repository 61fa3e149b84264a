// `npm run demo [-- <command> [options]]`: deploys the root Pulumi.yaml (examples/quickstart) against a local FeatBit
// emulator running in the background. State lives in .featbit-demo/ (git-ignored): emulator data, its token, the
// Pulumi file backend.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describeRecovery } from "../../provider/tools/recover";
import { invocation, type Invocation } from "./advice";
import { buildIfStale } from "./build";
import { REPO_ROOT, resolveCli } from "./cli";
import { runStack, type RunFlags, type StackTarget } from "./driver";
import { OPTIONS_BY_OPERATION, type Operation, type RunFlagName, type RunResult } from "./types";

const DEMO = path.join(REPO_ROOT, ".featbit-demo");
const INFO = path.join(DEMO, "emulator.json");
const TOKEN = path.join(DEMO, "token");
const STACK = "demo";
const DYNAMIC = "pulumi-nodejs:dynamic/featbit:";

interface EmulatorInfo {
  pid: number;
  url: string;
  orgKey: string;
}

const STACK_COMMANDS = ["up", "preview", "outputs", "refresh", "destroy", "cancel", "recover"] as const;
type StackCommand = (typeof STACK_COMMANDS)[number] & Operation;
const COMMANDS = [...STACK_COMMANDS, "stop", "status"];

/** The command-line spelling of each runner option the demo passes through. */
const FLAGS: Record<RunFlagName, string> = {
  config: "--config key=value",
  refresh: "--refresh",
  expectNoChanges: "--expect-no-changes",
  parallel: "--parallel N",
  showSecrets: "--show-secrets",
  clearPendingCreates: "--clear-pending-creates",
  runProgram: "--run-program",
};

/** An error's advice with the runner's commands on the demo's stack said as the demo's own. */
export function asDemoCommands(text: string, inv: Invocation): string {
  const escaped = (t: string) => t.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return text.replace(
    new RegExp(`${escaped(inv.runner)} (${STACK_COMMANDS.join("|")}) ${escaped(inv.where)}`, "g"),
    "npm run demo -- $1",
  );
}

const NOTHING_RECOVERED = { recorded: [], dropped: [], kept: [] };

function readInfo(): EmulatorInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(INFO, "utf8")) as EmulatorInfo;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function responds(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/api/v1/workspaces`, { signal: AbortSignal.timeout(2000) });
    return res.status > 0;
  } catch {
    return false;
  }
}

async function runningEmulator(): Promise<EmulatorInfo | undefined> {
  const info = readInfo();
  if (info && alive(info.pid) && (await responds(info.url))) return info;
  return undefined;
}

async function ensureEmulator(): Promise<EmulatorInfo> {
  const running = await runningEmulator();
  if (running) {
    console.log(`FeatBit emulator already running at ${running.url} (pid ${running.pid})`);
    return running;
  }
  fs.mkdirSync(DEMO, { recursive: true });
  fs.rmSync(INFO, { force: true });
  const log = fs.openSync(path.join(DEMO, "emulator.log"), "a");
  // Detached with its own session, so it outlives this script and the npm process.
  const child = spawn(process.execPath, [path.join(__dirname, "emulator-daemon.js"), DEMO], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ["ignore", log, log],
  });
  child.unref();
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const info = readInfo();
    if (info && (await responds(info.url))) {
      console.log(
        `started FeatBit emulator at ${info.url} (pid ${info.pid}), data in .featbit-demo/data.json`,
      );
      return info;
    }
    if (child.exitCode !== null) break;
  }
  throw new Error("the emulator did not start; see .featbit-demo/emulator.log");
}

export interface DemoCommand {
  command: string;
  flags: RunFlags;
}

/** Parses `<command> [options]`; refuses options the command does not take instead of dropping them. */
export function parseDemoArgs(argv: string[]): DemoCommand {
  const [command = "up", ...rest] = argv;
  if (!COMMANDS.includes(command)) {
    throw new Error(`unknown command '${command}': use ${COMMANDS.join(", ")}`);
  }
  const allowed: readonly RunFlagName[] = (STACK_COMMANDS as readonly string[]).includes(command)
    ? OPTIONS_BY_OPERATION[command as StackCommand]
    : [];
  const flags: RunFlags = {};
  const refuse = (option: string): never => {
    const supported = allowed.map((name) => FLAGS[name]).join(", ");
    throw new Error(
      `'npm run demo -- ${command}' does not take ${option}; ` +
        (supported ? `it takes ${supported}` : "it takes no options"),
    );
  };
  for (let i = 0; i < rest.length; i++) {
    const option = rest[i];
    const name = (Object.keys(FLAGS) as RunFlagName[]).find((n) => FLAGS[n].split(" ")[0] === option);
    if (!name || !allowed.includes(name)) refuse(option);
    switch (name) {
      case "config": {
        const kv = rest[++i] ?? "";
        const eq = kv.indexOf("=");
        if (eq <= 0) throw new Error(`--config expects key=value, got '${kv}'`);
        flags.config = { ...flags.config, [kv.slice(0, eq)]: kv.slice(eq + 1) };
        break;
      }
      case "parallel": {
        const n = Number(rest[++i]);
        if (!Number.isInteger(n) || n < 1) throw new Error("--parallel expects a whole number from 1");
        flags.parallel = n;
        break;
      }
      default:
        flags[name as Exclude<RunFlagName, "config" | "parallel">] = true;
    }
  }
  return { command, flags };
}

/**
 * Copies the CLI's output through, minus its advice to run `pulumi stack rm`: that needs the full CLI and a backend
 * login, neither of which this demo uses (printDestroyAdvice says what works here).
 */
function outputFilter(): { write: (chunk: string) => void; flush: () => void } {
  let pending = "";
  const emit = (line: string): void => {
    if (!line.includes("pulumi stack rm")) process.stdout.write(line);
  };
  return {
    write: (chunk) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        emit(pending.slice(0, nl + 1));
        pending = pending.slice(nl + 1);
      }
    },
    flush: () => {
      emit(pending);
      pending = "";
    },
  };
}

function printOutputs(outputs: RunResult["outputs"]): void {
  const names = Object.keys(outputs);
  if (names.length === 0) return;
  console.log("\nOutputs:");
  const width = Math.max(...names.map((n) => n.length));
  for (const name of names) {
    const { value } = outputs[name];
    console.log(`  ${name.padEnd(width)}  ${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
}

function summarize(result: RunResult): string {
  const changed = Object.entries(result.changes).filter(([op, n]) => op !== "same" && n > 0);
  if (changed.length === 0) return "no changes";
  return changed.map(([op, n]) => `${n} ${op}`).join(", ");
}

const SYMBOLS: Record<string, string> = { create: "+", update: "~", delete: "-", replace: "+-" };

/** What `up` would do, one line per resource, so a preview never reads as "nothing will change". */
function printPlan(result: RunResult): void {
  const steps = result.steps.filter(
    (s) => s.type !== "pulumi:pulumi:Stack" && !s.type.startsWith("pulumi:providers:"),
  );
  if (steps.length === 0) {
    console.log("\npreview: no changes; the FeatBit emulator already matches the program.");
    return;
  }
  console.log(`\npreview: ${steps.length} planned change(s), nothing applied yet:`);
  for (const s of steps) {
    const props = s.replaceKeys.length > 0 ? s.replaceKeys : s.diffs;
    const detail = props.length > 0 ? `  (${props.join(", ")})` : "";
    console.log(
      `  ${(SYMBOLS[s.op] ?? " ").padEnd(2)} ${s.op.padEnd(7)} ${s.type.replace(DYNAMIC, "")} ${s.name}${detail}`,
    );
  }
  console.log("\nRun `npm run demo` to apply them.");
}

function printDestroyAdvice(): void {
  console.log(`
The stack 'demo' is now empty; its history and config stay in .featbit-demo/backend and .featbit-demo/work.
  npm run demo                     deploy it again
  npm run demo -- stop && rm -rf .featbit-demo
                                   forget everything (the emulator's data, its token and the stack)`);
}

function printHelp(info: EmulatorInfo): void {
  console.log(`
Look around:
  npm run demo -- outputs          outputs again (add --show-secrets to reveal the SDK keys)
  npm run demo -- preview          what would change (edit examples/quickstart/index.ts first,
                                   or try --config rolloutPercent=40)
  npm run demo -- refresh          pick up edits made directly in FeatBit
  curl -s -H "Authorization: $(cat .featbit-demo/token)" ${info.url}/api/v1/projects
After a killed run ("the stack is currently locked"):
  npm run demo -- cancel && npm run demo -- recover && npm run demo
Tear down:
  npm run demo -- destroy          delete everything the stack created
  npm run demo -- stop             stop the background emulator (its data stays in .featbit-demo/data.json)`);
}

async function stackCommand(command: StackCommand, flags: RunFlags): Promise<number> {
  resolveCli(); // a first run builds the CLI here, with progress, before anything else is started
  // outputs and cancel read and write only the state: no program to run, so no build and no emulator.
  const runsProgram = command !== "outputs" && command !== "cancel";
  let info: EmulatorInfo | undefined;
  const target: StackTarget = { dir: REPO_ROOT, stack: STACK, stateDir: DEMO };
  if (runsProgram) {
    buildIfStale((line) => console.log(line));
    info = await ensureEmulator();
    target.settings = {
      apiUrl: info.url,
      accessToken: fs.readFileSync(TOKEN, "utf8").trim(),
      // Segment scopes need the organization key, which access tokens cannot read.
      organizationKey: info.orgKey,
    };
  }
  console.log(
    `pulumi ${command} on stack '${STACK}' (project featbit-demo, state in .featbit-demo/backend)\n`,
  );
  const out = outputFilter();
  const result = await runStack(command, target, { ...flags, onOutput: out.write });
  out.flush();
  if (!result.ok) {
    const errors = result.diagnostics.filter((x) => x.severity === "error").map((d) => d.message);
    // The engine's own error text repeats the CLI output already streamed above; the diagnostics are the gist.
    console.error(`\n${command} failed${errors.length ? ":" : ""}`);
    for (const message of errors) console.error(`  ${message.split("\n")[0]}`);
    if (errors.length === 0) {
      const advice = asDemoCommands(
        result.error ?? "",
        invocation({ dir: REPO_ROOT, stack: STACK, stateDir: DEMO }),
      );
      console.error(`  ${advice.trim().split("\n").slice(-6).join("\n  ")}`);
    }
    return 1;
  }
  switch (command) {
    case "preview":
      printPlan(result);
      // Like `pulumi config set`, --config is stored with the stack: say so, or the next `up` would surprise.
      if (flags.config)
        console.log(`(${Object.keys(flags.config).join(", ")} now set in the stack's config)`);
      return 0;
    case "destroy":
      console.log(`\ndestroy: ${summarize(result)} (${(result.durationMs / 1000).toFixed(1)}s)`);
      printDestroyAdvice();
      return 0;
    case "cancel":
      // Dropping the pending creates (refresh --clear-pending-creates) would leave what they made in FeatBit with no
      // record that the stack made it: the next up would refuse each one. recover records them instead.
      console.log("\ncancel: the stack's lock is gone. If the killed run left creates pending, run:");
      console.log("  npm run demo -- recover     (records what they made in FeatBit), then npm run demo");
      return 0;
    case "recover":
      console.log(`\nrecover:\n${describeRecovery(result.recovery ?? NOTHING_RECOVERED).join("\n")}`);
      console.log("then: npm run demo");
      return 0;
    case "outputs":
      printOutputs(result.outputs);
      return 0;
    default:
      console.log(`\n${command}: ${summarize(result)} (${(result.durationMs / 1000).toFixed(1)}s)`);
      printOutputs(result.outputs);
      if (info) printHelp(info);
      return 0;
  }
}

async function run(argv: string[]): Promise<number> {
  let parsed: DemoCommand;
  try {
    parsed = parseDemoArgs(argv);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 2;
  }
  const { command, flags } = parsed;
  if (command === "stop") {
    const info = readInfo();
    if (info && alive(info.pid)) {
      process.kill(info.pid, "SIGTERM");
      console.log(`stopped the FeatBit emulator (pid ${info.pid})`);
    } else {
      console.log("the FeatBit emulator is not running");
    }
    fs.rmSync(INFO, { force: true });
    return 0;
  }
  if (command === "status") {
    const info = await runningEmulator();
    console.log(
      info ? `FeatBit emulator running at ${info.url} (pid ${info.pid})` : "FeatBit emulator not running",
    );
    return 0;
  }
  return stackCommand(command as StackCommand, flags);
}

export function main(argv: string[]): void {
  run(argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
