#!/usr/bin/env node
/* global fetch, Buffer */
// `npm run bench [-- --sizes 50,200] [--parallel N] [--out bench-results.json]`: times up / no-op preview /
// refresh / destroy of N flags through the real Pulumi CLI against a fresh in-process emulator, counts API requests
// per phase from the emulator's log, measures state size, and times the same N creates made directly with the
// client as the floor. Prints a table and writes JSON. Measures only; asserts nothing.
const { execFile } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { linkSelf } = require("./link-self");

const ROOT = path.resolve(__dirname, "..");
const PROGRAM = path.relative(ROOT, path.join(__dirname, "bench", "program"));

function parseArgs(argv) {
  const opts = { sizes: [50, 200], parallel: undefined, out: path.join(ROOT, "bench-results.json") };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i];
    if (flag === "--sizes")
      opts.sizes = value()
        .split(",")
        .map(Number)
        .filter((n) => n > 0);
    else if (flag === "--parallel") opts.parallel = Number(value());
    else if (flag === "--out") opts.out = path.resolve(value());
    else throw new Error(`unknown option ${flag}; use --sizes 50,200 --parallel N --out FILE`);
  }
  return opts;
}

function stackOp(op, stateDir, emu, extra) {
  const args = [
    path.join(__dirname, "stack.js"),
    op,
    "--dir",
    PROGRAM,
    "--stack",
    "bench",
    "--state",
    stateDir,
    ...extra,
  ];
  const env = { ...process.env, FEATBIT_API_URL: emu.url, FEATBIT_ACCESS_TOKEN: emu.token };
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: ROOT, env, maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      let result;
      try {
        result = JSON.parse(stdout.trim().split("\n").pop() || "");
      } catch {
        return reject(new Error(`stack.js ${op} printed no result: ${err ? err.message : ""}\n${stderr}`));
      }
      if (!result.ok) return reject(new Error(`${op} failed: ${(result.error || "").slice(0, 2000)}`));
      resolve({ wallMs, engineMs: result.durationMs, result });
    });
  });
}

function stateStats(stateFile) {
  const text = fs.readFileSync(stateFile, "utf8");
  const checkpoint = JSON.parse(text);
  const resources =
    (checkpoint.checkpoint && checkpoint.checkpoint.latest && checkpoint.checkpoint.latest.resources) || [];
  const dynamic = resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
  const providerBytes = dynamic.map((r) => {
    const size = (v) =>
      typeof v === "string" ? Buffer.byteLength(v) : v ? Buffer.byteLength(JSON.stringify(v)) : 0;
    return size(r.inputs && r.inputs.__provider) + size(r.outputs && r.outputs.__provider);
  });
  const total = providerBytes.reduce((a, b) => a + b, 0);
  return {
    stateBytes: Buffer.byteLength(text),
    resources: resources.length,
    dynamicResources: dynamic.length,
    stateBytesPerResource: Math.round(Buffer.byteLength(text) / Math.max(1, dynamic.length)),
    providerBytesPerResource: Math.round(total / Math.max(1, dynamic.length)),
  };
}

/** The floor: the same N flag creates made directly, with our client when it is built, else plain fetch. */
async function floor(emu, n) {
  const variations = () => {
    const on = crypto.randomUUID();
    const off = crypto.randomUUID();
    return {
      variations: [
        { id: on, name: "On", value: "true" },
        { id: off, name: "Off", value: "false" },
      ],
      on,
      off,
    };
  };
  const body = (i) => {
    const v = variations();
    return {
      name: `Floor ${i}`,
      key: `floor-${i}`,
      description: "benchmark flag",
      isEnabled: false,
      variationType: "boolean",
      variations: v.variations,
      enabledVariationId: v.on,
      disabledVariationId: v.off,
      tags: ["bench"],
    };
  };
  let client;
  try {
    const pkg = require("pulumi-featbit");
    const settings = pkg.client.resolveSettings(undefined, {
      FEATBIT_API_URL: emu.url,
      FEATBIT_ACCESS_TOKEN: emu.token,
    });
    client = pkg.client.createClient(settings);
  } catch {
    client = undefined;
  }
  const raw = async (method, p, b) => {
    const res = await fetch(`${emu.url}/api/v1${p}`, {
      method,
      headers: { Authorization: emu.token, "Content-Type": "application/json" },
      body: b === undefined ? undefined : JSON.stringify(b),
    });
    const json = await res.json();
    if (!json.success) throw new Error(`${method} ${p}: ${json.errors.join(",")}`);
    return json.data;
  };
  const project = client
    ? await client.projects.create({ name: `Floor ${n}`, key: `floor-${n}` })
    : await raw("POST", "/projects", { name: `Floor ${n}`, key: `floor-${n}` });
  const envId = project.environments.find((e) => e.key === "prod").id;
  emu.requests.clear();
  const started = process.hrtime.bigint();
  const items = Array.from({ length: n }, (_, i) => body(i));
  if (client) {
    await Promise.all(items.map((b) => client.flags.create(envId, b)));
  } else {
    // Plain fetch has no concurrency limit of its own; use 8 workers, close to what a client would allow.
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < items.length) await raw("POST", `/envs/${envId}/feature-flags`, items[next++]);
      }),
    );
  }
  return {
    via: client ? "client" : "fetch",
    wallMs: Number(process.hrtime.bigint() - started) / 1e6,
    requests: emu.requests.all().length,
  };
}

async function benchSize(n, opts) {
  const { startEmulator } = require("pulumi-featbit/emulator");
  const emu = await startEmulator({ port: 0 });
  const stateDir = path.join(ROOT, ".pulumi-state", `bench-${n}-${Date.now().toString(36)}`);
  const extra = [
    "--config",
    `flagCount=${n}`,
    ...(opts.parallel ? ["--parallel", String(opts.parallel)] : []),
  ];
  const phases = {};
  try {
    for (const [phase, op, flags] of [
      ["up", "up", extra],
      ["preview (no-op)", "preview", ["--expect-no-changes", ...extra]],
      ["refresh", "refresh", extra],
      ["destroy", "destroy", extra],
    ]) {
      emu.requests.clear();
      process.stderr.write(`  N=${n}: ${phase}...`);
      const r = await stackOp(op, stateDir, emu, flags);
      const requests = emu.requests.all();
      phases[phase] = {
        wallMs: Math.round(r.wallMs),
        engineMs: r.engineMs,
        requests: requests.length,
        writes: requests.filter((q) => q.method !== "GET").length,
        changes: r.result.changes,
      };
      process.stderr.write(` ${(r.wallMs / 1000).toFixed(1)}s, ${requests.length} requests\n`);
      if (op === "up") phases.state = stateStats(r.result.stateFile);
    }
    const f = await floor(emu, n);
    return { flags: n, phases, floor: f };
  } finally {
    await emu.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

function table(results) {
  const rows = [["N", "phase", "wall s", "requests", "writes", "ms/flag"]];
  const notes = [];
  for (const r of results) {
    for (const [phase, p] of Object.entries(r.phases)) {
      if (phase === "state") continue;
      rows.push([
        r.flags,
        phase,
        (p.wallMs / 1000).toFixed(2),
        p.requests,
        p.writes,
        (p.wallMs / r.flags).toFixed(1),
      ]);
    }
    const f = r.floor;
    rows.push([
      r.flags,
      `floor (${f.via})`,
      (f.wallMs / 1000).toFixed(2),
      f.requests,
      f.requests,
      (f.wallMs / r.flags).toFixed(1),
    ]);
    const s = r.phases.state;
    notes.push(
      `N=${r.flags}: state ${s.stateBytes} B for ${s.dynamicResources} FeatBit resources = ` +
        `${s.stateBytesPerResource} B/resource, of which __provider ${s.providerBytesPerResource} B/resource`,
    );
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  const lines = rows.map((row) =>
    row.map((c, i) => (i === 1 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  "),
  );
  return [...lines, "", ...notes].join("\n");
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  linkSelf();
  // Build (or find) the CLI first so its one-time build never counts as a phase.
  require("./lib/cli-path").resolveCliSync();
  const results = [];
  for (const n of opts.sizes) results.push(await benchSize(n, opts));
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    pulumiCli: require("./lib/cli-path").resolveCliSync(),
    results,
  };
  fs.writeFileSync(opts.out, JSON.stringify(report, null, 2) + "\n");
  console.log(`\n${table(results)}\n\nwrote ${path.relative(process.cwd(), opts.out)}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
