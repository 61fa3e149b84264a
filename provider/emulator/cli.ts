#!/usr/bin/env node
// featbit-emulator [--port N] [--host H] [--token T] [--data FILE]
// Prints the URL and token as shell-friendly lines and serves until SIGINT/SIGTERM.
import { startEmulator, type EmulatorOptions } from "./index";

const USAGE = "usage: featbit-emulator [--port N] [--host H] [--token T]... [--data FILE] [--org-key KEY]";

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
    if (!["--port", "--host", "--token", "--data", "--org-key"].includes(name))
      throw new Error(`unknown option '${name}'`);
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
  process.stdout.write(`FEATBIT_API_URL=${emulator.url}\nFEATBIT_ACCESS_TOKEN=${emulator.token}\n`);
  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`featbit-emulator: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
