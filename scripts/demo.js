#!/usr/bin/env node
/* global fetch, AbortSignal, setTimeout */
// `npm run demo [-- <command>]`: deploys the root Pulumi.yaml (examples/quickstart) against a local FeatBit
// emulator running in the background. Commands: up (default), preview, outputs, refresh, destroy, stop, status.
// State lives in .featbit-demo/ (git-ignored): emulator data, its token, the Pulumi file backend.
const { spawn, execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { linkSelf } = require("./link-self");

const ROOT = path.resolve(__dirname, "..");
const DEMO = path.join(ROOT, ".featbit-demo");
const INFO = path.join(DEMO, "emulator.json");
const TOKEN = path.join(DEMO, "token");
const STACK = "demo";

function readInfo() {
  try {
    return JSON.parse(fs.readFileSync(INFO, "utf8"));
  } catch {
    return undefined;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function responds(url) {
  try {
    const res = await fetch(`${url}/api/v1/workspaces`, { signal: AbortSignal.timeout(2000) });
    return res.status > 0;
  } catch {
    return false;
  }
}

async function runningEmulator() {
  const info = readInfo();
  if (info && alive(info.pid) && (await responds(info.url))) return info;
  return undefined;
}

async function ensureEmulator() {
  const running = await runningEmulator();
  if (running) {
    console.log(`FeatBit emulator already running at ${running.url} (pid ${running.pid})`);
    return running;
  }
  fs.mkdirSync(DEMO, { recursive: true });
  fs.rmSync(INFO, { force: true });
  const log = fs.openSync(path.join(DEMO, "emulator.log"), "a");
  // Detached with its own session, so it outlives this script and the npm process.
  const child = spawn(process.execPath, [path.join(__dirname, "lib", "emulator-daemon.js"), DEMO], {
    cwd: ROOT,
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
  throw new Error(`the emulator did not start; see ${path.relative(ROOT, path.join(DEMO, "emulator.log"))}`);
}

function stackOp(op, info, extra = []) {
  const args = [
    path.join(__dirname, "stack.js"),
    op,
    "--dir",
    ".",
    "--stack",
    STACK,
    "--state",
    DEMO,
    "--stream",
    // Segment scopes need the organization key, which access tokens cannot read.
    "--config",
    `featbit:organizationKey=${info.orgKey || "playground"}`,
  ];
  const env = {
    ...process.env,
    FEATBIT_API_URL: info.url,
    FEATBIT_ACCESS_TOKEN: fs.readFileSync(TOKEN, "utf8").trim(),
  };
  let out;
  try {
    out = execFileSync(process.execPath, [...args, ...extra], {
      cwd: ROOT,
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 64 << 20,
    });
  } catch (err) {
    out = err.stdout || "";
  }
  const line = out.trim().split("\n").pop() || "";
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`stack.js ${op} printed no result`);
  }
}

function printOutputs(outputs) {
  const names = Object.keys(outputs);
  if (names.length === 0) return;
  console.log("\nOutputs:");
  const width = Math.max(...names.map((n) => n.length));
  for (const name of names) {
    const { value } = outputs[name];
    console.log(`  ${name.padEnd(width)}  ${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
}

function summarize(result) {
  const changed = Object.entries(result.changes).filter(([op, n]) => op !== "same" && n > 0);
  if (changed.length === 0) return "no changes";
  return changed.map(([op, n]) => `${n} ${op}`).join(", ");
}

function printHelp(info) {
  console.log(`
Look around:
  npm run demo -- outputs          outputs again (add --show-secrets to reveal the SDK keys)
  npm run demo -- preview          what would change (edit examples/quickstart/index.ts first)
  npm run demo -- refresh          pick up edits made directly in FeatBit
  curl -s -H "Authorization: $(cat .featbit-demo/token)" ${info.url}/api/v1/projects
Tear down:
  npm run demo -- destroy          delete everything the stack created
  npm run demo -- stop             stop the background emulator (its data stays in .featbit-demo/data.json)
  rm -rf .featbit-demo             forget everything`);
}

async function main() {
  const [command = "up", ...rest] = process.argv.slice(2);
  linkSelf();
  if (command === "stop") {
    const info = readInfo();
    if (info && alive(info.pid)) {
      process.kill(info.pid, "SIGTERM");
      console.log(`stopped the FeatBit emulator (pid ${info.pid})`);
    } else {
      console.log("the FeatBit emulator is not running");
    }
    fs.rmSync(INFO, { force: true });
    return;
  }
  if (command === "status") {
    const info = await runningEmulator();
    console.log(
      info ? `FeatBit emulator running at ${info.url} (pid ${info.pid})` : "FeatBit emulator not running",
    );
    return;
  }
  if (!["up", "preview", "outputs", "refresh", "destroy"].includes(command)) {
    console.error(`unknown command '${command}': use up, preview, outputs, refresh, destroy, stop or status`);
    process.exit(2);
  }
  const info = await ensureEmulator();
  const extra = rest.filter((a) => a === "--show-secrets");
  console.log(
    `pulumi ${command} on stack '${STACK}' (project featbit-demo, state in .featbit-demo/backend)\n`,
  );
  const result = stackOp(command, info, extra);
  if (!result.ok) {
    const errors = result.diagnostics.filter((x) => x.severity === "error").map((d) => d.message);
    // The engine's own error text repeats the CLI output already streamed above; the diagnostics are the gist.
    console.error(`\n${command} failed${errors.length ? ":" : ` (${(result.error || "").split("\n")[0]})`}`);
    for (const message of errors) console.error(`  ${message.split("\n")[0]}`);
    process.exit(1);
  }
  if (command !== "outputs")
    console.log(`\n${command}: ${summarize(result)} (${(result.durationMs / 1000).toFixed(1)}s)`);
  if (command !== "destroy") printOutputs(result.outputs);
  printHelp(info);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
