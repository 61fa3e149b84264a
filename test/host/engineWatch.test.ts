// The dynamic-provider process must not outlive its engine (a killed `pulumi up` left it serving for ever).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
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

test("a provider process whose engine died exits; one whose engine lives keeps serving", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-watch-"));
  // Stands in for @pulumi/pulumi/cmd/dynamic-provider/index.js: loads the watch and serves until stopped.
  const provider = path.join(dir, "dynamic-provider", "index.js");
  fs.mkdirSync(path.dirname(provider));
  fs.writeFileSync(
    provider,
    `require(${JSON.stringify(path.join(ROOT, "dist", "host", "engineWatch.js"))}).exitWithEngine();\n` +
      `require("fs").writeFileSync(process.argv[2], String(process.pid));\n` +
      `setInterval(() => undefined, 1000);\n`,
  );
  // The "engine" starts the provider, reports its pid, and exits after `lifeMs`.
  const engine = path.join(dir, "engine.js");
  fs.writeFileSync(
    engine,
    `const child = require("child_process").spawn(process.execPath, [${JSON.stringify(provider)}, process.argv[2]], { stdio: "ignore" });\n` +
      `child.unref();\n` +
      // Counted from the provider's start: an engine gone before the provider ran would leave nothing to watch.
      `const started = setInterval(() => {\n` +
      `  if (!require("fs").existsSync(process.argv[2])) return;\n` +
      `  clearInterval(started);\n` +
      `  setTimeout(() => process.exit(0), Number(process.argv[3]));\n` +
      `}, 20);\n`,
  );
  const start = async (lifeMs: number) => {
    const pidFile = path.join(dir, `pid-${lifeMs}`);
    const run = spawn(process.execPath, [engine, pidFile, String(lifeMs)], { stdio: "ignore" });
    await until(
      () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, "utf8") !== "",
      "the provider to start",
    );
    return { pid: Number(fs.readFileSync(pidFile, "utf8")), engine: run };
  };
  const orphaned = await start(200);
  const served = await start(60_000);
  try {
    // The watch looks every second; a loaded machine may take longer, so wait (bounded) rather than sleep.
    await until(() => !alive(orphaned.pid), "the orphaned provider to exit");
    expect(alive(served.pid)).toBe(true);
  } finally {
    served.engine.kill();
    for (const pid of [orphaned.pid, served.pid]) if (alive(pid)) process.kill(pid);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
