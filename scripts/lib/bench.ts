// `npm run bench [-- --sizes 50,200] [--parallel N] [--out bench-results.json]`: times up / no-op preview /
// refresh / destroy of N flags through the real Pulumi CLI against a fresh in-process emulator, counts API requests
// per phase from the emulator's log, measures state size, and times the same N creates made directly with the
// client as the floor. Prints a table and writes JSON. Measures only; asserts nothing.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as Package from "../../provider";
import type * as EmulatorModule from "../../provider/emulator";
import { buildIfStale } from "./build";
import { REPO_ROOT, resolveCli } from "./cli";
import { runStack, type StackTarget } from "./driver";
import type { Operation, RunResult } from "./types";

const PROGRAM = path.join(REPO_ROOT, "scripts", "bench", "program");

type Emulator = EmulatorModule.Emulator;

interface BenchOptions {
  sizes: number[];
  parallel?: number;
  out: string;
}

interface PhaseResult {
  wallMs: number;
  engineMs: number;
  requests: number;
  writes: number;
  changes: Record<string, number>;
}

interface StateStats {
  stateBytes: number;
  resources: number;
  dynamicResources: number;
  stateBytesPerResource: number;
  providerBytesPerResource: number;
}

interface FloorResult {
  via: "client";
  wallMs: number;
  requests: number;
}

interface SizeResult {
  flags: number;
  phases: Record<string, PhaseResult>;
  state: StateStats;
  floor: FloorResult;
}

function parseArgs(argv: string[]): BenchOptions {
  const opts: BenchOptions = { sizes: [50, 200], out: path.join(REPO_ROOT, "bench-results.json") };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = (): string => inline ?? argv[++i] ?? "";
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

interface CheckpointResource {
  type: string;
  inputs?: { __provider?: unknown };
  outputs?: { __provider?: unknown };
}

function stateStats(stateFile: string): StateStats {
  const text = fs.readFileSync(stateFile, "utf8");
  const checkpoint = JSON.parse(text) as { checkpoint?: { latest?: { resources?: CheckpointResource[] } } };
  const resources = checkpoint.checkpoint?.latest?.resources ?? [];
  const dynamic = resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
  const size = (v: unknown): number =>
    typeof v === "string" ? Buffer.byteLength(v) : v ? Buffer.byteLength(JSON.stringify(v)) : 0;
  const total = dynamic.reduce((sum, r) => sum + size(r.inputs?.__provider) + size(r.outputs?.__provider), 0);
  const perResource = (bytes: number): number => Math.round(bytes / Math.max(1, dynamic.length));
  return {
    stateBytes: Buffer.byteLength(text),
    resources: resources.length,
    dynamicResources: dynamic.length,
    stateBytesPerResource: perResource(Buffer.byteLength(text)),
    providerBytesPerResource: perResource(total),
  };
}

/** The floor: the same N flag creates made directly with the package's client. */
async function floor(pkg: typeof Package, emu: Emulator, n: number): Promise<FloorResult> {
  const settings = pkg.client.resolveSettings(undefined, {
    FEATBIT_API_URL: emu.url,
    FEATBIT_ACCESS_TOKEN: emu.token,
  });
  const client = pkg.client.createClient(settings);
  const project = await client.projects.create({ name: `Floor ${n}`, key: `floor-${n}` });
  const envId = project.environments.find((e) => e.key === "prod")?.id ?? "";
  const body = (i: number) => {
    const on = crypto.randomUUID();
    const off = crypto.randomUUID();
    return {
      name: `Floor ${i}`,
      key: `floor-${i}`,
      description: "benchmark flag",
      isEnabled: false,
      variationType: "boolean" as const,
      variations: [
        { id: on, name: "On", value: "true" },
        { id: off, name: "Off", value: "false" },
      ],
      enabledVariationId: on,
      disabledVariationId: off,
      tags: ["bench"],
    };
  };
  emu.requests.clear();
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: n }, (_, i) => client.flags.create(envId, body(i))));
  return {
    via: "client",
    wallMs: Number(process.hrtime.bigint() - started) / 1e6,
    requests: emu.requests.all().length,
  };
}

async function timed(op: Operation, target: StackTarget, flags: Parameters<typeof runStack>[2]) {
  const started = process.hrtime.bigint();
  const result: RunResult = await runStack(op, target, flags);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (!result.ok) throw new Error(`${op} failed: ${(result.error ?? "").slice(0, 2000)}`);
  return { wallMs, result };
}

async function benchSize(n: number, opts: BenchOptions): Promise<SizeResult> {
  // The built package, as a user's program would load it (the program itself imports it too).
  /* eslint-disable @typescript-eslint/no-require-imports -- resolved through node_modules/pulumi-featbit */
  const { startEmulator } = require("pulumi-featbit/emulator") as typeof EmulatorModule;
  const pkg = require("pulumi-featbit") as typeof Package;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const emu = await startEmulator({ port: 0 });
  const stateDir = path.join(REPO_ROOT, ".pulumi-state", `bench-${n}-${Date.now().toString(36)}`);
  const target: StackTarget = {
    dir: PROGRAM,
    stack: "bench",
    stateDir,
    settings: { apiUrl: emu.url, accessToken: emu.token },
    config: { flagCount: String(n) },
  };
  const phases: Record<string, PhaseResult> = {};
  let state: StateStats | undefined;
  try {
    const plan: [string, Operation, boolean][] = [
      ["up", "up", false],
      ["preview (no-op)", "preview", true],
      ["refresh", "refresh", false],
      ["destroy", "destroy", false],
    ];
    for (const [phase, op, expectNoChanges] of plan) {
      emu.requests.clear();
      process.stderr.write(`  N=${n}: ${phase}...`);
      const r = await timed(op, target, { parallel: opts.parallel, expectNoChanges });
      const requests = emu.requests.all();
      phases[phase] = {
        wallMs: Math.round(r.wallMs),
        engineMs: r.result.durationMs,
        requests: requests.length,
        writes: requests.filter((q) => q.method !== "GET").length,
        changes: r.result.changes,
      };
      process.stderr.write(` ${(r.wallMs / 1000).toFixed(1)}s, ${requests.length} requests\n`);
      if (op === "up") state = stateStats(r.result.stateFile);
    }
    if (!state) throw new Error("up recorded no state");
    return { flags: n, phases, state, floor: await floor(pkg, emu, n) };
  } finally {
    await emu.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

function table(results: SizeResult[]): string {
  const rows: (string | number)[][] = [["N", "phase", "wall s", "requests", "writes", "ms/flag"]];
  const notes: string[] = [];
  for (const r of results) {
    for (const [phase, p] of Object.entries(r.phases)) {
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
    const s = r.state;
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

async function run(argv: string[]): Promise<void> {
  const opts = parseArgs(argv);
  // Build (or find) the CLI and the package first so that neither one-time cost counts as a phase.
  const pulumiCli = resolveCli();
  buildIfStale((line) => process.stderr.write(`${line}\n`));
  const results: SizeResult[] = [];
  for (const n of opts.sizes) results.push(await benchSize(n, opts));
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    pulumiCli,
    results,
  };
  fs.writeFileSync(opts.out, JSON.stringify(report, null, 2) + "\n");
  console.log(`\n${table(results)}\n\nwrote ${path.relative(process.cwd(), opts.out)}`);
}

export function main(argv: string[]): void {
  run(argv).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
