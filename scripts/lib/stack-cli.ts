// Command line of the runner (scripts/stack.js): one operation per process. People read what the CLI prints, with
// the runner's own commands in its advice; programs pass --json and read one JSON result line (types.ts: RunResult).
import * as fs from "node:fs";
import { configFromEnvironment, SETTINGS } from "../../provider/client/settings";
import { asRunnerCommands, invocation, killedRunAdvice, type Invocation } from "./advice";
import { DEFAULT_PASSPHRASE, runOperation, type RunOptions } from "./engine";
import {
  OPERATIONS,
  OPTIONS_BY_OPERATION,
  type ConfigEntry,
  type Operation,
  type RunFlagName,
  type RunResult,
} from "./types";

const settingLines = Object.values(SETTINGS)
  .map((s) => `     ${s.env.join(" or ")} -> ${s.key}`)
  .join("\n");

const USAGE = `usage: node scripts/stack.js <${OPERATIONS.join("|")}> [--dir <program dir>] --stack <name> [options]
  --dir <dir>               the program folder (Pulumi.yaml, index.ts, node_modules); default: the current folder.
                            The program runs there; its Pulumi.<stack>.yaml, if any, is the stack's config
  --state <dir>             file backend + work dir; default <dir>/.pulumi-state/<stack> (git-ignore .pulumi-state/)
  --backend file://<dir>    keep the stack in this file backend instead of <state>/backend (as PULUMI_BACKEND_URL)
  --config key=value        set stack config, as \`pulumi config set key value\` (keys without ':' get the project's name)
  --secret key              set secret stack config; the values are read from stdin, one line per --secret, in order
  --remove-config key       remove a config key first
  --path                    the --config, --secret and --remove-config keys are paths, as \`pulumi config set --path\`:
                            --path --config featbit:installations.cloud.apiUrl=https://app-api.featbit.co
  --show-secrets            up/refresh/outputs: show secret outputs in clear text
  --expect-no-changes       preview/up/refresh: fail if anything would change
  --refresh                 preview/up/destroy: refresh first
  --clear-pending-creates   refresh: drop the creates a killed run left pending (see cancel)
  --run-program             refresh/destroy: run the program, so the provider gets this run's config (a rotated
                            token given with --secret) instead of the copy stored at the last up
  --parallel N              engine parallelism
  --show-sames              preview/up: list unchanged resources in steps too (op "same"), with their states
  --json                    print one JSON line with the whole result (steps, diagnostics, outputs, the CLI's log)
                            instead of the CLI's output
  --stream                  with --json: copy the CLI's output to stderr as it runs
After a killed run: cancel removes its lock; recover records what its pending creates made in FeatBit (and drops
those that never landed); then up.
env (read by the provider when it runs, never stored in the stack; --config/--secret of the same key win):
${settingLines}
     PULUMI_CONFIG_PASSPHRASE encrypts secrets in the state (default "${DEFAULT_PASSPHRASE}", refused for a FeatBit
     that is not on this machine)`;

export interface CliOptions extends RunOptions {
  stream: boolean;
  /** One JSON result line on stdout instead of the CLI's output (what scripts/lib/driver.ts reads). */
  json: boolean;
}

const FLAG_NAMES: Record<string, RunFlagName> = {
  "--config": "config",
  "--secret": "config",
  "--remove-config": "config",
  "--path": "config",
  "--show-secrets": "showSecrets",
  "--expect-no-changes": "expectNoChanges",
  "--refresh": "refresh",
  "--clear-pending-creates": "clearPendingCreates",
  "--run-program": "runProgram",
  "--parallel": "parallel",
};

/** `readSecrets` returns the stdin lines for the --secret keys; injected so tests need no real stdin. */
export function parseArgs(
  argv: string[],
  env: NodeJS.ProcessEnv,
  readSecrets: (count: number) => string[],
): CliOptions {
  const [op, ...rest] = argv;
  if (!op || !(OPERATIONS as readonly string[]).includes(op)) {
    throw new Error(`the first argument must be an operation: ${OPERATIONS.join(", ")}; see --help`);
  }
  const operation = op as Operation;
  const explicit: Record<string, ConfigEntry> = {};
  const secretKeys: string[] = [];
  const opts: CliOptions = { operation, dir: ".", stack: "", stream: false, json: false, removeConfig: [] };
  const take = (i: number, flag: string): string => {
    const v = rest[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value; see --help`);
    return v;
  };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const name = FLAG_NAMES[flag];
    if (name && !OPTIONS_BY_OPERATION[operation].includes(name)) {
      throw new Error(`${flag} does not apply to ${operation}; see --help`);
    }
    switch (flag) {
      case "--dir":
        opts.dir = take(i++, flag);
        break;
      case "--stack":
        opts.stack = take(i++, flag);
        break;
      case "--state":
        opts.stateDir = take(i++, flag);
        break;
      case "--backend":
        opts.backendUrl = take(i++, flag);
        break;
      case "--show-sames":
        if (operation !== "preview" && operation !== "up") {
          throw new Error(`${flag} does not apply to ${operation}; see --help`);
        }
        opts.showSames = true;
        break;
      case "--config": {
        const kv = take(i++, flag);
        const eq = kv.indexOf("=");
        if (eq <= 0) throw new Error(`--config expects key=value, got '${kv}'`);
        explicit[kv.slice(0, eq)] = { value: kv.slice(eq + 1) };
        break;
      }
      case "--secret": {
        const key = take(i++, flag);
        // A value here would sit on the command line, where `ps` shows it to every user of the machine.
        if (key.includes("=")) throw new Error("--secret takes a key only; its value is read from stdin");
        secretKeys.push(key);
        break;
      }
      case "--remove-config":
        opts.removeConfig?.push(take(i++, flag));
        break;
      case "--show-secrets":
        opts.showSecrets = true;
        break;
      case "--expect-no-changes":
        opts.expectNoChanges = true;
        break;
      case "--refresh":
        opts.refresh = true;
        break;
      case "--clear-pending-creates":
        opts.clearPendingCreates = true;
        break;
      case "--run-program":
        opts.runProgram = true;
        break;
      case "--stream":
        opts.stream = true;
        break;
      case "--json":
        opts.json = true;
        break;
      case "--path":
        opts.path = true;
        break;
      case "--parallel": {
        const n = Number(take(i++, flag));
        if (!Number.isInteger(n) || n < 1) throw new Error("--parallel expects a whole number from 1");
        opts.parallel = n;
        break;
      }
      default:
        throw new Error(`unknown option ${flag}; see --help`);
    }
  }
  if (!opts.stack) throw new Error(`--stack is required; see --help`);
  if (opts.stream && !opts.json)
    throw new Error("--stream goes with --json (without it, the CLI's output is shown)");
  const secrets = secretKeys.length > 0 ? readSecrets(secretKeys.length) : [];
  secretKeys.forEach((key, i) => (explicit[key] = { value: secrets[i], secret: true }));
  opts.config = explicit;
  // Settings in the environment reach the provider as they are, read when it runs: never stored in the stack's
  // config (which Pulumi copies into the state, and which plain refresh and destroy would then use after the token
  // was rotated). A stored copy of the same key, left by an older runner, would win over them: remove it, unless
  // this run sets the key explicitly.
  if (operation !== "cancel" && operation !== "outputs") {
    for (const key of Object.keys(configFromEnvironment(env)))
      if (!(key in explicit)) opts.removeConfig?.push(key);
  }
  return opts;
}

function stdinLines(count: number): string[] {
  const lines = fs.readFileSync(0, "utf8").split(/\r?\n/);
  if (lines.length < count || lines.slice(0, count).some((l) => l === "")) {
    throw new Error(`--secret: expected ${count} non-empty line(s) on stdin, one value per --secret`);
  }
  return lines.slice(0, count);
}

export function main(argv: string[]): void {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  let opts: CliOptions;
  try {
    opts = parseArgs(argv, process.env, stdinLines);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const { stream, json, ...runOpts } = opts;
  const human = json ? undefined : new HumanOutput(opts);
  runOperation({
    ...runOpts,
    diff: human !== undefined,
    onOutput: human ? (s) => human.out(s) : stream ? (s: string) => process.stderr.write(s) : undefined,
    onError: human ? (s) => human.err(s) : undefined,
  })
    .then((result) => {
      // Pulumi's runtime can leave handles open after an inline program, so leave once the result is out: only
      // then, since exiting with a large result still queued for a pipe cut it short (the bench at N = 200).
      const text = human ? human.end(result) : `${JSON.stringify(result)}\n`;
      process.stdout.write(text, () => process.exit(result.ok ? 0 : 1));
    })
    .catch((err: unknown) => {
      process.stderr.write(`stack.js: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}

/**
 * What a person sees: the CLI's own output as it runs (with each change's diff), its `pulumi …` advice turned into
 * this runner's commands line by line, then what `outputs` asked for or, after a failure, what to do next.
 */
class HumanOutput {
  private readonly pending = { out: "", err: "" };
  private readonly inv: Invocation;
  private printed = false;

  constructor(private readonly opts: CliOptions) {
    this.inv = invocation(opts);
  }

  out(chunk: string): void {
    this.write("out", chunk);
  }

  err(chunk: string): void {
    this.write("err", chunk);
  }

  /** The closing text for stdout; flushes what is left of the streams first. */
  end(result: RunResult): string {
    for (const stream of ["out", "err"] as const) this.write(stream, "", true);
    if (!result.ok) {
      const error = result.error ?? "the operation failed";
      // The CLI printed its error already; a failure before it ran (config, the program's folder) only here.
      const text = this.printed ? killedRunAdvice(error, this.inv).trimStart() : error;
      if (text) process.stderr.write(`${asRunnerCommands(text, this.opts.operation, this.inv)}\n`);
      return "";
    }
    if (this.opts.operation !== "outputs") return "";
    const lines = Object.entries(result.outputs).map(
      ([key, o]) =>
        `    ${key}: ${o.secret && !this.opts.showSecrets ? "[secret]" : JSON.stringify(o.value)}`,
    );
    return `Current stack outputs (${lines.length}):\n${lines.join("\n")}\n`;
  }

  /** Whole lines only (a command split across two chunks would escape the rewriting); `flush` the rest too. */
  private write(stream: "out" | "err", chunk: string, flush = false): void {
    const text = this.pending[stream] + chunk;
    const cut = flush ? text.length : text.lastIndexOf("\n") + 1;
    this.pending[stream] = text.slice(cut);
    const lines = text.slice(0, cut);
    if (lines.trim() === "") return;
    this.printed = true;
    const translated = asRunnerCommands(lines, this.opts.operation, this.inv);
    (stream === "out" ? process.stdout : process.stderr).write(
      translated.endsWith("\n") ? translated : `${translated}\n`,
    );
  }
}
