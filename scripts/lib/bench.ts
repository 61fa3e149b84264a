// `npm run bench [-- options]` (`--help` lists them): the lifecycle of N flags through the real Pulumi CLI against a
// fresh in-process emulator, side by side with its two floors, measured in the same run:
//
// - ours: scripts/bench/program (a project, its prod environment, N flags) with pulumi-featbit;
// - the engine floor: scripts/bench/floor, the same resources with the same inputs as dynamic resources whose
//   provider calls nothing (what Pulumi itself costs for them);
// - the client floor: the API calls each phase needs, made with pulumi-featbit's client alone (what FeatBit costs).
//
// Phases: up (create), a one-field update of every flag, a no-op preview, refresh, destroy. Each round runs every
// phase for every subject, phase by phase, in an order that rotates between rounds, so a machine that gets busier
// weighs on all of them alike. It times the operation itself (the CLI's command, see RunResult.operationMs), counts
// API requests per phase from the emulator's log, measures state bytes per resource, prints progress, a table and
// writes every figure to bench-results.json and the curves to an SVG. It measures only; it asserts nothing but that
// every phase did what it should (so a figure never comes from a failed run).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import type * as Package from "../../provider";
import type * as EmulatorModule from "../../provider/emulator";
import {
  curves,
  linearity,
  PHASES,
  spread,
  table,
  type Linearity,
  type Phase,
  type PhaseSummary,
  type VariantSummary,
} from "../bench/report";
import { buildIfStale } from "./build";
import { REPO_ROOT, resolveCli } from "./cli";
import { runStack, type StackTarget } from "./driver";
import type { Operation } from "./types";

const PROGRAMS = {
  ours: path.join(REPO_ROOT, "scripts", "bench", "program"),
  floor: path.join(REPO_ROOT, "scripts", "bench", "floor"),
};

type Emulator = EmulatorModule.Emulator;
type Client = Package.client.FeatBitClient;

const USAGE = `npm run bench -- [options]
  --sizes 50,200,1000      flag counts (default 50,200)
  --reps 3                 rounds per size (default 3), or one count per size (3,3,2); figures are medians
                           and minimums over rounds
  --parallel N             Pulumi's --parallel (default: the CLI's, 4 x CPUs)
  --latency-ms 50          latency the emulator adds to every request (default 0)
  --max-concurrency 4,8    featbit:maxConcurrency values to compare (default: the setting's default)
  --skip-checkpoints       also run both stacks with PULUMI_SKIP_CHECKPOINTS=true (the engine saves state once)
  --out FILE               every figure as JSON (default bench-results.json)
  --svg FILE               the curves (default bench-results.svg)`;

interface BenchOptions {
  sizes: number[];
  /** Rounds per size (the last count repeats for further sizes). */
  reps: number[];
  parallel?: number;
  latencyMs: number;
  /** Empty: the setting's default only. */
  maxConcurrency: number[];
  skipCheckpoints: boolean;
  out: string;
  svg: string;
}

/** Rounds for the size at `index`. */
export const roundsFor = (opts: Pick<BenchOptions, "reps">, index: number): number =>
  opts.reps[Math.min(index, opts.reps.length - 1)];

export function parseArgs(argv: readonly string[]): BenchOptions | "help" {
  const opts: BenchOptions = {
    sizes: [50, 200],
    reps: [3],
    latencyMs: 0,
    maxConcurrency: [],
    skipCheckpoints: false,
    out: path.join(REPO_ROOT, "bench-results.json"),
    svg: path.join(REPO_ROOT, "bench-results.svg"),
  };
  const list = (flag: string, text: string): number[] => {
    const values = text.split(",").map(Number);
    if (text === "" || values.some((n) => !Number.isInteger(n) || n < 1))
      throw new Error(`${flag} takes whole numbers above 0, e.g. ${flag} 50,200`);
    return values;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = (): string => inline ?? argv[++i] ?? "";
    if (flag === "--help" || flag === "-h") return "help";
    else if (flag === "--sizes") opts.sizes = list(flag, value());
    else if (flag === "--reps") opts.reps = list(flag, value());
    else if (flag === "--parallel") opts.parallel = list(flag, value())[0];
    else if (flag === "--latency-ms") opts.latencyMs = Number(value()) || 0;
    else if (flag === "--max-concurrency") opts.maxConcurrency = list(flag, value());
    else if (flag === "--skip-checkpoints") opts.skipCheckpoints = true;
    else if (flag === "--out") opts.out = path.resolve(value());
    else if (flag === "--svg") opts.svg = path.resolve(value());
    else throw new Error(`unknown option ${flag}\n${USAGE}`);
  }
  return opts;
}

// ---------------------------------------------------------------------------------------------------------------
// Subjects: what runs in each round

export interface Variant {
  name: string;
  maxConcurrency?: number;
  skipCheckpoints: boolean;
}

function variants(opts: BenchOptions): Variant[] {
  const out: Variant[] = [];
  const concurrencies = opts.maxConcurrency.length > 0 ? opts.maxConcurrency : [undefined];
  for (const skipCheckpoints of opts.skipCheckpoints ? [false, true] : [false]) {
    for (const maxConcurrency of concurrencies) {
      const parts = [
        ...(maxConcurrency !== undefined ? [`maxConcurrency ${maxConcurrency}`] : []),
        ...(skipCheckpoints ? ["no checkpoints"] : []),
      ];
      out.push({ name: parts.length > 0 ? parts.join(", ") : "default", maxConcurrency, skipCheckpoints });
    }
  }
  return out;
}

type Subject =
  | { kind: "ours"; label: string; variant: Variant; slug: string }
  | { kind: "engine"; label: string; skipCheckpoints: boolean; slug: string }
  | { kind: "client"; label: string; maxConcurrency?: number; slug: string };

function subjectsOf(list: readonly Variant[]): Subject[] {
  const subjects = new Map<string, Subject>();
  list.forEach((v, i) => {
    subjects.set(`ours ${v.name}`, { kind: "ours", label: `ours (${v.name})`, variant: v, slug: `o${i}` });
    const engine = `engine floor${v.skipCheckpoints ? " (no checkpoints)" : ""}`;
    if (!subjects.has(engine))
      subjects.set(engine, {
        kind: "engine",
        label: engine,
        skipCheckpoints: v.skipCheckpoints,
        slug: `e${v.skipCheckpoints ? 1 : 0}`,
      });
    const client = `client floor${v.maxConcurrency !== undefined ? ` (maxConcurrency ${v.maxConcurrency})` : ""}`;
    if (!subjects.has(client))
      subjects.set(client, {
        kind: "client",
        label: client,
        maxConcurrency: v.maxConcurrency,
        slug: `c${i}`,
      });
  });
  return [...subjects.values()];
}

const engineOf = (v: Variant) => `engine floor${v.skipCheckpoints ? " (no checkpoints)" : ""}`;
const clientOf = (v: Variant) =>
  `client floor${v.maxConcurrency !== undefined ? ` (maxConcurrency ${v.maxConcurrency})` : ""}`;

// ---------------------------------------------------------------------------------------------------------------
// Measurements

export interface RequestStats {
  total: number;
  writes: number;
  /** By method and route, ids and keys replaced: "GET /envs/{id}/feature-flags/{key}". */
  byRoute: Record<string, number>;
}

export interface Measurement {
  subject: string;
  phase: Phase;
  flags: number;
  round: number;
  /** The operation itself (stacks: the CLI's command; client floor: the calls). */
  opMs: number;
  /** Stacks: the whole runner process, start-up and the CLI calls around the operation included. */
  wallMs: number;
  requests: RequestStats;
  changes?: Record<string, number>;
}

function route(p: string): string {
  return p
    .replace(/^\/api\/v1/, "")
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "{id}")
    .replace(/\/feature-flags\/(?!all-tags)[^/]+/, "/feature-flags/{key}");
}

function requestStats(emu: Emulator): RequestStats {
  const all = emu.requests.all();
  const byRoute: Record<string, number> = {};
  for (const q of all) {
    const key = `${q.method} ${route(q.path.split("?")[0])}`;
    byRoute[key] = (byRoute[key] ?? 0) + 1;
  }
  return { total: all.length, writes: all.filter((q) => q.method !== "GET").length, byRoute };
}

/** Where the bytes of a checkpoint's FeatBit resources go, per resource (compact JSON, as the engine's payload). */
interface StateStats {
  fileBytes: number;
  resources: number;
  /** FeatBit (dynamic) resources only. */
  dynamicResources: number;
  fileBytesPerResource: number;
  perResource: {
    total: number;
    provider: number;
    inputs: number;
    outputs: number;
    /** Pulumi's own bookkeeping: urn, dependencies, propertyDependencies, source positions, timestamps, … */
    metadata: number;
  };
  /** The same, for one flag. */
  perFlag: StateStats["perResource"];
}

interface CheckpointResource {
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  [key: string]: unknown;
}

export function stateStats(text: string): StateStats {
  const checkpoint = JSON.parse(text) as { checkpoint?: { latest?: { resources?: CheckpointResource[] } } };
  const resources = checkpoint.checkpoint?.latest?.resources ?? [];
  const dynamic = resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
  const bytes = (v: unknown): number => (v === undefined ? 0 : Buffer.byteLength(JSON.stringify(v)));
  const breakdown = (list: CheckpointResource[]) => {
    const sum = { total: 0, provider: 0, inputs: 0, outputs: 0, metadata: 0 };
    for (const r of list) {
      const { __provider: pIn, ...inputs } = r.inputs ?? {};
      const { __provider: pOut, ...outputs } = r.outputs ?? {};
      const total = bytes(r);
      sum.total += total;
      sum.provider += bytes(pIn) + bytes(pOut);
      sum.inputs += bytes(inputs);
      sum.outputs += bytes(outputs);
      sum.metadata += total - bytes(r.inputs) - bytes(r.outputs);
    }
    const n = Math.max(1, list.length);
    return {
      total: Math.round(sum.total / n),
      provider: Math.round(sum.provider / n),
      inputs: Math.round(sum.inputs / n),
      outputs: Math.round(sum.outputs / n),
      metadata: Math.round(sum.metadata / n),
    };
  };
  const fileBytes = Buffer.byteLength(text);
  return {
    fileBytes,
    resources: resources.length,
    dynamicResources: dynamic.length,
    fileBytesPerResource: Math.round(fileBytes / Math.max(1, dynamic.length)),
    perResource: breakdown(dynamic),
    perFlag: breakdown(dynamic.filter((r) => r.type.endsWith(":FeatureFlag"))),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// One round of one size

const DESCRIPTIONS = { initial: "benchmark flag", updated: "benchmark flag, updated" };

const OPERATIONS: Record<Phase, Operation> = {
  up: "up",
  update: "up",
  preview: "preview",
  refresh: "refresh",
  destroy: "destroy",
};

/** What each phase must have done: a figure from a run that did something else would mislead. */
export function checkChanges(
  phase: Phase,
  flags: number,
  changes: Record<string, number>,
): string | undefined {
  const resources = flags + 2;
  const count = (op: string) => changes[op] ?? 0;
  const problem = (what: string) => `${what}, got ${JSON.stringify(changes)}`;
  if (count("replace") > 0) return problem("expected no replacement");
  switch (phase) {
    case "up":
      // The stack resource counts too.
      return count("create") >= resources && count("update") + count("delete") === 0
        ? undefined
        : problem(`expected ${resources} creates`);
    case "update":
      return count("update") === flags && count("create") + count("delete") === 0
        ? undefined
        : problem(`expected ${flags} updates`);
    case "destroy":
      return count("delete") >= resources ? undefined : problem(`expected ${resources} deletes`);
    default:
      return count("create") + count("update") + count("delete") === 0
        ? undefined
        : problem("expected no changes");
  }
}

interface ClientFloorState {
  projectId: string;
  envId: string;
}

/**
 * The API calls a phase of the bench program needs, made directly with the client. A client per phase: the
 * concurrency limit is per apiUrl and process-wide, and the last client made sets it (see client/http.ts).
 */
async function clientPhase(
  phase: Phase,
  client: () => Client,
  n: number,
  state: { current?: ClientFloorState },
  projectKey: string,
): Promise<void> {
  const keys = Array.from({ length: n }, (_, i) => `flag-${i}`);
  switch (phase) {
    case "up": {
      const c = client();
      const project = await c.projects.create({ name: "Client floor", key: projectKey });
      const env = project.environments.find((e) => e.key === "prod") ?? project.environments[0];
      state.current = { projectId: project.id, envId: env.id };
      await Promise.all(
        keys.map((key, i) =>
          c.flags.create(env.id, {
            name: `Flag ${i}`,
            key,
            description: DESCRIPTIONS.initial,
            variationType: "boolean",
            variations: [
              { id: `${key}-on`, name: "On", value: "true" },
              { id: `${key}-off`, name: "Off", value: "false" },
            ],
            enabledVariationId: `${key}-on`,
            disabledVariationId: `${key}-off`,
            tags: ["bench"],
          }),
        ),
      );
      return;
    }
    case "update": {
      const c = client();
      const { envId } = need(state.current);
      await Promise.all(
        keys.map((k) => c.flags.updateDescription(envId, k, { description: DESCRIPTIONS.updated })),
      );
      return;
    }
    case "preview":
      return;
    case "refresh": {
      const c = client();
      const { projectId, envId } = need(state.current);
      await Promise.all([
        c.projects.get(projectId),
        c.environments.get(projectId, envId),
        ...keys.map((k) => c.flags.get(envId, k)),
      ]);
      return;
    }
    case "destroy": {
      const c = client();
      const { projectId, envId } = need(state.current);
      // FeatBit deletes only archived flags.
      await Promise.all(keys.map((k) => c.flags.archive(envId, k).then(() => c.flags.delete(envId, k))));
      await c.projects.delete(projectId);
      state.current = undefined;
      return;
    }
  }
}

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("the client floor's up did not run");
  return value;
}

interface RoundResult {
  measurements: Measurement[];
  state: Record<string, StateStats>;
}

async function round(
  n: number,
  roundIndex: number,
  rounds: number,
  subjects: readonly Subject[],
  opts: BenchOptions,
  progress: (line: string) => void,
): Promise<RoundResult> {
  /* eslint-disable @typescript-eslint/no-require-imports -- the built package, as a user's program loads it */
  const { startEmulator } = require("pulumi-featbit/emulator") as typeof EmulatorModule;
  const pkg = require("pulumi-featbit") as typeof Package;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const emu = await startEmulator({ port: 0 });
  if (opts.latencyMs > 0) emu.faults.add({ latencyMs: opts.latencyMs });
  const stamp = `${n}-${roundIndex}-${Date.now().toString(36)}`;
  const targets = new Map<string, StackTarget>();
  for (const s of subjects) {
    if (s.kind === "client") continue;
    const program = s.kind === "ours" ? PROGRAMS.ours : PROGRAMS.floor;
    const skip = s.kind === "ours" ? s.variant.skipCheckpoints : s.skipCheckpoints;
    const maxConcurrency = s.kind === "ours" ? s.variant.maxConcurrency : undefined;
    targets.set(s.label, {
      dir: program,
      stack: "bench",
      stateDir: path.join(program, ".pulumi-state", `bench-${s.slug}-${stamp}`),
      settings: {
        apiUrl: emu.url,
        accessToken: emu.token,
        ...(maxConcurrency !== undefined ? { maxConcurrency: String(maxConcurrency) } : {}),
      },
      config: { flagCount: String(n), projectKey: `bench-${s.slug}` },
      env: skip ? { PULUMI_SKIP_CHECKPOINTS: "true" } : {},
    });
  }
  const clientFloors = new Map<string, { current?: ClientFloorState }>();
  const clientFor = (s: Subject & { kind: "client" }) => () =>
    pkg.client.createClient(
      pkg.client.resolveSettings(undefined, {
        FEATBIT_API_URL: emu.url,
        FEATBIT_ACCESS_TOKEN: emu.token,
        ...(s.maxConcurrency !== undefined ? { FEATBIT_MAX_CONCURRENCY: String(s.maxConcurrency) } : {}),
      }),
    );
  const measurements: Measurement[] = [];
  const state: Record<string, StateStats> = {};
  try {
    for (const [phaseIndex, phase] of PHASES.entries()) {
      const shift = (roundIndex + phaseIndex) % subjects.length;
      const order = [...subjects.slice(shift), ...subjects.slice(0, shift)];
      for (const s of order) {
        emu.requests.clear();
        let m: Measurement;
        if (s.kind === "client") {
          const floorState = clientFloors.get(s.label) ?? {};
          clientFloors.set(s.label, floorState);
          const started = process.hrtime.bigint();
          await clientPhase(phase, clientFor(s), n, floorState, `client-floor-${s.slug}`);
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          m = {
            subject: s.label,
            phase,
            flags: n,
            round: roundIndex,
            opMs: ms,
            wallMs: ms,
            requests: requestStats(emu),
          };
        } else {
          const target = targets.get(s.label);
          if (!target) throw new Error(`no stack for ${s.label}`);
          const started = process.hrtime.bigint();
          const result = await runStack(OPERATIONS[phase], target, {
            parallel: opts.parallel,
            expectNoChanges: phase === "preview" || phase === "refresh",
            config: { description: phase === "up" ? DESCRIPTIONS.initial : DESCRIPTIONS.updated },
            timeoutMs: 60 * 60 * 1000,
          });
          const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
          if (!result.ok)
            throw new Error(`${s.label}: ${phase} failed: ${(result.error ?? "").slice(0, 3000)}`);
          const wrong = checkChanges(phase, n, result.changes);
          if (wrong) throw new Error(`${s.label}: ${phase}: ${wrong}`);
          if (phase === "up") state[s.label] = stateStats(fs.readFileSync(result.stateFile, "utf8"));
          m = {
            subject: s.label,
            phase,
            flags: n,
            round: roundIndex,
            opMs: result.operationMs ?? result.durationMs,
            wallMs,
            requests: requestStats(emu),
            changes: result.changes,
          };
        }
        measurements.push(m);
        progress(
          `N=${n} round ${roundIndex + 1}/${rounds} ${phase}: ${s.label} ${(m.opMs / 1000).toFixed(2)} s` +
            (s.kind === "client" ? "" : ` (process ${(m.wallMs / 1000).toFixed(1)} s)`) +
            (s.kind === "engine" ? "" : `, ${m.requests.total} requests`),
        );
      }
    }
    return { measurements, state };
  } finally {
    await emu.close();
    for (const t of targets.values()) if (t.stateDir) fs.rmSync(t.stateDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Summaries

export function summarize(
  n: number,
  measurements: readonly Measurement[],
  list: readonly Variant[],
): VariantSummary[] {
  const resources = n + 2;
  const of = (subject: string, phase: Phase) =>
    measurements.filter((m) => m.flags === n && m.subject === subject && m.phase === phase);
  return list.map((v) => {
    const phases: PhaseSummary[] = PHASES.map((phase) => {
      const ours = of(`ours (${v.name})`, phase);
      const engine = of(engineOf(v), phase);
      const client = of(clientOf(v), phase);
      const ratios = ours.flatMap((o) => {
        const e = engine.find((m) => m.round === o.round);
        const c = client.find((m) => m.round === o.round);
        return e && c ? [o.opMs / (e.opMs + c.opMs)] : [];
      });
      const oursSpread = spread(ours.map((m) => m.opMs));
      const engineSpread = spread(engine.map((m) => m.opMs));
      return {
        phase,
        ours: oursSpread,
        engineFloor: engineSpread,
        clientFloor: spread(client.map((m) => m.opMs)),
        ratio: spread(ratios),
        msPerResource: { ours: oursSpread.median / resources, engineFloor: engineSpread.median / resources },
        requestsPerResource: {
          ours: spread(ours.map((m) => m.requests.total)).median / resources,
          clientFloor: spread(client.map((m) => m.requests.total)).median / resources,
        },
      };
    });
    return { variant: v.name, flags: n, resources, phases };
  });
}

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

async function run(opts: BenchOptions): Promise<void> {
  const progress = (line: string) =>
    process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  // Build (or find) the CLI and the package first so that neither one-time cost counts as a phase.
  const pulumiCli = resolveCli();
  buildIfStale((line) => process.stderr.write(`${line}\n`));
  const list = variants(opts);
  const subjects = subjectsOf(list);
  progress(
    `sizes ${opts.sizes.join(", ")}, rounds ${opts.sizes.map((_, i) => roundsFor(opts, i)).join(", ")}, subjects: ${subjects.map((s) => s.label).join(", ")}` +
      `${opts.latencyMs ? `, ${opts.latencyMs} ms per request` : ""}; load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
  );
  const measurements: Measurement[] = [];
  const state: Record<string, Record<string, StateStats>> = {};
  const loadAverages: { at: string; flags: number; round: number; load: number[] }[] = [];
  for (const [sizeIndex, n] of opts.sizes.entries()) {
    const rounds = roundsFor(opts, sizeIndex);
    for (let r = 0; r < rounds; r++) {
      loadAverages.push({ at: new Date().toISOString(), flags: n, round: r, load: os.loadavg() });
      const result = await round(n, r, rounds, subjects, opts, progress);
      measurements.push(...result.measurements);
      if (r === 0) state[String(n)] = result.state;
      const s = result.state[`ours (${list[0].name})`];
      if (s && r === 0) {
        progress(
          `N=${n} state: ${s.perResource.total} B per FeatBit resource (provider ${s.perResource.provider}, ` +
            `inputs ${s.perResource.inputs}, outputs ${s.perResource.outputs}, metadata ${s.perResource.metadata}); ` +
            `file ${s.fileBytes} B`,
        );
      }
    }
  }
  const summaries = opts.sizes.flatMap((n) => summarize(n, measurements, list));
  const linear: Linearity[] = linearity(summaries);
  const report = {
    date: new Date().toISOString(),
    commit: git(["rev-parse", "--short", "HEAD"]),
    dirty: git(["status", "--porcelain", "--untracked-files=no"]) !== "",
    node: process.version,
    cpus: os.cpus().length,
    pulumiCli,
    options: { ...opts, out: undefined, svg: undefined },
    loadAverages,
    summaries,
    linearity: linear,
    state,
    measurements,
  };
  fs.writeFileSync(opts.out, JSON.stringify(report, null, 2) + "\n");
  const caption =
    `rounds per size ${opts.reps.join("/")}, ${os.cpus().length} CPUs, ${report.date.slice(0, 10)}, commit ${report.commit}` +
    `${opts.latencyMs ? `, ${opts.latencyMs} ms per request` : ""}`;
  const withoutCheckpoints = list.find(
    (v) => v.skipCheckpoints && v.maxConcurrency === list[0].maxConcurrency,
  );
  fs.writeFileSync(opts.svg, curves(summaries, list[0].name, caption, withoutCheckpoints?.name));
  const lines = [
    "",
    table(summaries),
    "",
    ...linear.map(
      (l) =>
        `${l.variant} ${l.phase}: ms per resource at N=${l.to} over N=${l.from}: ours ${l.ours.toFixed(2)}, engine floor ${l.engineFloor.toFixed(2)}`,
    ),
    "",
    ...Object.entries(state).flatMap(([n, bySubject]) =>
      Object.entries(bySubject).map(
        ([subject, s]) =>
          `N=${n} ${subject}: ${s.perResource.total} B per resource (provider ${s.perResource.provider}, inputs ` +
          `${s.perResource.inputs}, outputs ${s.perResource.outputs}, metadata ${s.perResource.metadata}); flag ` +
          `${s.perFlag.total} B; checkpoint file ${s.fileBytes} B`,
      ),
    ),
    "",
    `wrote ${path.relative(process.cwd(), opts.out)} and ${path.relative(process.cwd(), opts.svg)}`,
  ];
  console.log(lines.join("\n"));
}

export function main(argv: string[]): void {
  let opts: BenchOptions | "help";
  try {
    opts = parseArgs(argv);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  }
  if (opts === "help") {
    console.log(USAGE);
    process.exit(0);
  }
  run(opts).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
