#!/usr/bin/env node
// featbit-emulator [--port N] [--host H] [--token T] [--data FILE] [--org-key KEY] [--faults SPEC|FILE] [--seed N]
// Prints the URL, token and organization key as shell-friendly lines and serves until SIGINT/SIGTERM.
import { existsSync, readFileSync } from "node:fs";
import { parseFaultSpec } from "./faults";
import { startEmulator, type EmulatorOptions } from "./index";

const USAGE =
  "usage: featbit-emulator [--port N] [--host H] [--token T]... [--data FILE] [--org-key KEY]\n" +
  "                        [--faults SPEC|FILE] [--seed N]\n" +
  "  SPEC: e.g. '429=0.05;retryAfter=1,503=0.05,reset-after=0.02,timeout=0.02;ms=5000' or JSON rules";
const OPTIONS = ["--port", "--host", "--token", "--data", "--org-key", "--faults", "--seed"];

/** Single-quotes a value for POSIX shells unless it is made only of characters that need none. */
function shellValue(v: string): string {
  return /^[\w.:/@%+,=-]+$/.test(v) ? v : `'${v.replace(/'/g, "'\\''")}'`;
}

function parseArgs(argv: string[]): EmulatorOptions {
  const options: EmulatorOptions = { port: 5000 };
  const tokens: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const [name, inline] = flag.includes("=")
      ? [flag.slice(0, flag.indexOf("=")), flag.slice(flag.indexOf("=") + 1)]
      : [flag, undefined];
    if (name === "--help" || name === "-h") {
      process.stdout.write(USAGE + "\n");
      process.exit(0);
    }
    if (!OPTIONS.includes(name)) throw new Error(`unknown option '${name}'`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${name} needs a value`);
    switch (name) {
      case "--port": {
        const port = Number(value);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port '${value}'`);
        options.port = port;
        break;
      }
      case "--host":
        options.host = value;
        break;
      case "--token":
        tokens.push(value);
        break;
      case "--data":
        options.dataFile = value;
        break;
      case "--org-key":
        options.orgKey = value;
        break;
      case "--faults": {
        // A file name, or the spec itself; parsed now so a typo stops the start, not a request.
        const spec = existsSync(value) ? readFileSync(value, "utf8") : value;
        try {
          options.faults = parseFaultSpec(spec);
        } catch (e) {
          throw new Error(`--faults: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        }
        break;
      }
      case "--seed": {
        const seed = Number(value);
        if (!/^\d+$/.test(value) || !Number.isSafeInteger(seed)) throw new Error(`invalid seed '${value}'`);
        options.seed = seed;
        break;
      }
      default:
        throw new Error(`unknown option '${name}'`);
    }
  }
  if (tokens.length > 0) options.tokens = tokens;
  return options;
}

async function main(): Promise<void> {
  let options: EmulatorOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`featbit-emulator: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    process.exit(2);
  }
  const emulator = await startEmulator(options);
  process.stdout.write(
    `FEATBIT_API_URL=${shellValue(emulator.url)}\n` +
      `FEATBIT_ACCESS_TOKEN=${shellValue(emulator.token)}\n` +
      `FEATBIT_ORGANIZATION_KEY=${shellValue(emulator.orgKey)}\n`,
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  stopWithNpmShell(stop);
}

/**
 * `npx featbit-emulator` (npm exec, npm run) starts this through `sh -c`, and npm passes a SIGTERM or SIGINT sent to
 * its own pid on to that shell only, which dies without passing it on: the server would serve on, orphaned. Under
 * npm, then, the end of the process that started this one stops it too. Elsewhere (`node cli.js &` from a CI step,
 * say) the server outlives its starter as before.
 */
function stopWithNpmShell(stop: () => void): void {
  if (process.env.npm_command === undefined) return;
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 250).unref();
}

main().catch((e: unknown) => {
  process.stderr.write(`featbit-emulator: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
