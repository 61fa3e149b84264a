#!/usr/bin/env node
// Background FeatBit emulator for `npm run demo`: persists to <dir>/data.json and records where it listens in
// <dir>/emulator.json (pid, url) and the access token in <dir>/token (mode 600, never printed).
//   node scripts/lib/emulator-daemon.js <dir>
const fs = require("node:fs");
const path = require("node:path");
const { startEmulator } = require("pulumi-featbit/emulator");

// Segment scopes name the organization; access tokens cannot read its key, so the demo configures it.
const ORG_KEY = "playground";

async function main() {
  const dir = path.resolve(process.argv[2] || ".featbit-demo");
  fs.mkdirSync(dir, { recursive: true });
  const tokenFile = path.join(dir, "token");
  const saved = fs.existsSync(tokenFile) ? fs.readFileSync(tokenFile, "utf8").trim() : "";
  const emulator = await startEmulator({
    port: Number(process.env.FEATBIT_DEMO_PORT || 0),
    dataFile: path.join(dir, "data.json"),
    // Keep the token stable across restarts so the demo stack's config keeps working.
    tokens: saved ? [saved] : undefined,
    orgKey: ORG_KEY,
  });
  fs.writeFileSync(tokenFile, emulator.token, { mode: 0o600 });
  fs.writeFileSync(
    path.join(dir, "emulator.json"),
    JSON.stringify({ pid: process.pid, url: emulator.url, orgKey: ORG_KEY }) + "\n",
  );
  const stop = () => emulator.close().finally(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  console.log(`emulator listening on ${emulator.url} (pid ${process.pid})`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack || err.message : String(err));
  process.exit(1);
});
