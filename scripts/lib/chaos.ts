// `npm run chaos [-- --modes up,update,destroy,plain-destroy,crash --runs 20 --rate 0.2 --seed 1 …]` (`--help` lists
// the options): runs a program (scripts/chaos/program, or `--program <dir>`) through the real engine against an
// emulator that fails a share of all requests — 429, 500, 502, 503, 504, a reset before the request is handled, a reset
// after it was applied, and a timeout while the write lands later — once per seeded run, and checks what a user cares
// about. Modes:
//
//   up             the first `up` of a fresh stack, faults on;
//   update         an `up` that changes every resource (config revision=2) of a stack deployed without faults;
//   destroy        a `destroy` of a stack deployed without faults;
//   plain-destroy  `up` then `destroy`, no faults, at the engine's default parallelism, `--destroys` times in a row;
//   crash          the engine killed (every process of the run) mid-create and mid-destroy, with and without
//                  PULUMI_SKIP_CHECKPOINTS, then the recovery docs/engine.md documents, run as documented.
//
// Figures per run: whether the operation converged in one run (and in how many at most 1 + `--reruns`), duplicates
// (two objects holding one key), orphans (objects in FeatBit the state does not record, or anything left after a
// destroy), lost (state records an object FeatBit does not hold), archived (state records as live what FeatBit holds
// archived), and afterwards (faults off) whether a preview and a refresh find nothing to change. Every figure goes to
// chaos-results.json (`--out`); the last line sums them up. Measures; asserts nothing.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as EmulatorModule from "../../provider/emulator";
import { buildIfStale } from "./build";
import { REPO_ROOT, resolveCli } from "./cli";
import { runStack, startStack, type RunFlags, type StackTarget } from "./driver";
import { killTree } from "./processes";
import type { Operation, RunResult } from "./types";

const DEFAULT_PROGRAM = path.join(REPO_ROOT, "scripts", "chaos", "program");
const MODES = ["up", "update", "destroy", "plain-destroy", "crash"] as const;
type Mode = (typeof MODES)[number];

interface Options {
  modes: Mode[];
  program: string;
  out: string;
  runs: number;
  rate: number;
  seed: number;
  /** featbit:httpTimeoutSeconds for the runs: short, so that held requests time out. */
  timeoutSeconds: number;
  /** How long a `timeout` fault holds a request before applying it (longer than the client waits). */
  holdMs: number;
  /** featbit:maxRetries; the package's default unless given. */
  maxRetries?: number;
  /** Further runs of the operation (faults still on) allowed after a failed one, to see whether it converges. */
  reruns: number;
  /** plain-destroy: how many up + destroy rounds in a row. */
  destroys: number;
  /** crash: runs per kind (mid-create, mid-destroy; each with and without checkpoints). */
  crashRuns: number;
  /** The engine's --parallel; default: the engine's own default (4 × CPUs). */
  parallel?: number;
  /** update: the stack config the update applies. */
  updateConfig: Record<string, string>;
}

const USAGE = `npm run chaos [-- options]
  --modes LIST         of ${MODES.join(", ")} (default all)
  --program DIR        the program to run (default scripts/chaos/program); it should read config revision=2 for update
  --runs N             seeded runs per mode up, update, destroy (default 20)
  --rate R             share of requests faulted, 0 to below 1 (default 0.2)
  --seed N             first seed (default 1)
  --timeout S          featbit:httpTimeoutSeconds (default 2)
  --hold MS            how long a timeout fault holds a request before it lands (default 4000)
  --max-retries N      featbit:maxRetries (default: the package's)
  --reruns N           further runs allowed after a failed one (default 3)
  --destroys N         plain-destroy rounds (default 20)
  --crash-runs N       crash runs per kind (default 3)
  --parallel N         the engine's --parallel (default: its own)
  --update-config K=V  config the update sets (default revision=2; repeatable)
  --out FILE           where the figures go (default chaos-results.json)`;

export function parseArgs(argv: string[]): Options {
  const opts: Options = {
    modes: [...MODES],
    program: DEFAULT_PROGRAM,
    out: path.join(REPO_ROOT, "chaos-results.json"),
    runs: 20,
    rate: 0.2,
    seed: 1,
    timeoutSeconds: 2,
    holdMs: 4000,
    reruns: 3,
    destroys: 20,
    crashRuns: 3,
    updateConfig: {},
  };
  const numeric: Record<string, keyof Options> = {
    "--runs": "runs",
    "--rate": "rate",
    "--seed": "seed",
    "--timeout": "timeoutSeconds",
    "--hold": "holdMs",
    "--max-retries": "maxRetries",
    "--reruns": "reruns",
    "--destroys": "destroys",
    "--crash-runs": "crashRuns",
    "--parallel": "parallel",
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === "--help" || flag === "-h") throw new Error(USAGE);
    if (flag === "--modes") {
      const modes = value().split(",");
      const unknown = modes.filter((m) => !(MODES as readonly string[]).includes(m));
      if (unknown.length > 0)
        throw new Error(`unknown mode ${unknown.join(", ")}: modes are ${MODES.join(", ")}`);
      opts.modes = modes as Mode[];
    } else if (flag === "--program") opts.program = path.resolve(value());
    else if (flag === "--out") opts.out = path.resolve(value());
    else if (flag === "--update-config") {
      const [k, v] = value().split(/=(.*)/s, 2);
      if (!k || v === undefined) throw new Error(`--update-config takes key=value`);
      opts.updateConfig[k] = v;
    } else if (numeric[flag]) {
      const n = Number(value());
      if (!Number.isFinite(n)) throw new Error(`${flag} takes a number`);
      (opts as unknown as Record<string, number>)[numeric[flag]] = n;
    } else throw new Error(`unknown option ${argv[i]}\n${USAGE}`);
  }
  if (opts.rate < 0 || opts.rate >= 1) throw new Error("--rate is a share of requests, from 0 to below 1");
  if (Object.keys(opts.updateConfig).length === 0) opts.updateConfig = { revision: "2" };
  return opts;
}

const KINDS = ["429;retryAfter=1", "500", "502", "503", "504", "reset-before", "reset-after", "timeout"];

/** Each kind fires with the same probability, so that together they hit `rate` of all requests. */
export function faultSpec(rate: number, holdMs: number): string {
  const each = 1 - (1 - rate) ** (1 / KINDS.length);
  return KINDS.map((kind) => {
    const [name, ...rest] = kind.split(";");
    const hold = name === "timeout" ? [`ms=${holdMs}`] : [];
    return [`${name}=${each.toFixed(5)}`, ...rest, ...hold].join(";");
  }).join(",");
}

// ---------------------------------------------------------------------------------------------------------------
// What FeatBit holds and what the state records

/** One object in the emulator, named as the state names it. */
export interface FeatBitObject {
  kind: string;
  /** The Pulumi id a resource managing it would have. */
  id: string;
  /** Objects sharing this hold one key (the second is a duplicate). */
  key: string;
  archived: boolean;
}

interface EmulatorData {
  projects: { id: string; key: string }[];
  environments: { id: string; projectId: string; key: string }[];
  flags: { envId: string; key: string; isArchived: boolean }[];
  segments: { id: string; envId: string; key: string; isArchived: boolean }[];
  policies: { id: string; key: string }[];
  groups: { id: string; name: string }[];
  groupPolicies: { groupId: string; policyId: string }[];
  groupMembers: { groupId: string; memberId: string }[];
  memberPolicies: { memberId: string; policyId: string }[];
}

/** Every object in the emulator's data file, FeatBit's own (built-in policies, the seeded owner) included. */
export function featbitObjects(data: EmulatorData): FeatBitObject[] {
  const lower = (s: string) => s.toLowerCase();
  const objects: FeatBitObject[] = [];
  for (const p of data.projects)
    objects.push({ kind: "Project", id: p.id, key: lower(p.key), archived: false });
  for (const e of data.environments)
    objects.push({
      kind: "Environment",
      id: `${e.projectId}/${e.id}`,
      key: `${e.projectId}/${lower(e.key)}`,
      archived: false,
    });
  for (const f of data.flags)
    objects.push({
      kind: "FeatureFlag",
      id: `${f.envId}/${f.key}`,
      key: `${f.envId}/${lower(f.key)}`,
      archived: f.isArchived,
    });
  for (const s of data.segments)
    objects.push({
      kind: "Segment",
      id: `${s.envId}/${s.id}`,
      key: `${s.envId}/${lower(s.key)}`,
      archived: s.isArchived,
    });
  for (const p of data.policies)
    objects.push({ kind: "Policy", id: p.id, key: lower(p.key), archived: false });
  for (const g of data.groups) objects.push({ kind: "Group", id: g.id, key: lower(g.name), archived: false });
  const link = (kind: string, a: string, b: string) =>
    objects.push({ kind, id: `${a}/${b}`, key: `${a}/${b}`, archived: false });
  for (const l of data.groupPolicies) link("GroupPolicy", l.groupId, l.policyId);
  for (const l of data.groupMembers) link("GroupMember", l.groupId, l.memberId);
  for (const l of data.memberPolicies) link("MemberPolicy", l.memberId, l.policyId);
  return objects;
}

interface StateResource {
  type: string;
  id?: string;
}

/** The pulumi-featbit resources a checkpoint records, as "<Kind> <id>". */
export function stateResources(stateFile: string): { kind: string; id: string }[] {
  if (!fs.existsSync(stateFile)) return [];
  const checkpoint = JSON.parse(fs.readFileSync(stateFile, "utf8")) as {
    checkpoint?: { latest?: { resources?: StateResource[] } };
  };
  return (checkpoint.checkpoint?.latest?.resources ?? [])
    .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"))
    .map((r) => ({ kind: r.type.split(":").pop() ?? "", id: r.id ?? "" }));
}

export interface Agreement {
  duplicates: string[];
  orphans: string[];
  lost: string[];
  archived: string[];
}

/**
 * How FeatBit and the state agree. `before`: the objects FeatBit held before the stack existed (its own), never
 * counted. `made`: FeatBit's own environments of a project the stack created (prod and dev): not orphans while their
 * project lives. Targeting is part of its flag, not an object of its own.
 */
export function agreement(
  now: readonly FeatBitObject[],
  before: readonly FeatBitObject[],
  state: readonly { kind: string; id: string }[],
): Agreement {
  const existing = new Set(before.map((o) => `${o.kind} ${o.id}`));
  const ours = now.filter((o) => !existing.has(`${o.kind} ${o.id}`));
  const recorded = new Set(state.map((r) => `${r.kind} ${r.id}`));
  const byKey = new Map<string, string[]>();
  for (const o of ours) {
    const k = `${o.kind} ${o.key}`;
    byKey.set(k, [...(byKey.get(k) ?? []), o.id]);
  }
  const projects = new Set(state.filter((r) => r.kind === "Project").map((r) => r.id));
  const featbitsOwn = (o: FeatBitObject) =>
    o.kind === "Environment" && projects.has(o.id.split("/")[0]) && /\/(prod|dev)$/.test(o.key);
  const held = new Map(now.map((o) => [`${o.kind} ${o.id}`, o]));
  return {
    duplicates: [...byKey].filter(([, ids]) => ids.length > 1).map(([k, ids]) => `${k} ×${ids.length}`),
    orphans: ours
      .filter((o) => !recorded.has(`${o.kind} ${o.id}`) && !featbitsOwn(o))
      .map((o) => `${o.kind} ${o.id}${o.archived ? " (archived)" : ""}`),
    lost: state
      .filter((r) => r.kind !== "FeatureFlagTargeting" && !held.has(`${r.kind} ${r.id}`))
      .map((r) => `${r.kind} ${r.id}`),
    archived: state
      .filter((r) => held.get(`${r.kind} ${r.id}`)?.archived === true)
      .map((r) => `${r.kind} ${r.id}`),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// One emulator and one stack per run

interface World {
  emu: EmulatorModule.Emulator;
  target: StackTarget;
  stateFile: string;
  /** FeatBit's objects before anything was deployed. */
  before: FeatBitObject[];
  now(): FeatBitObject[];
  close(): Promise<void>;
}

function emulatorModule(): typeof EmulatorModule {
  /* eslint-disable-next-line @typescript-eslint/no-require-imports -- the built package, as a program loads it */
  return require("pulumi-featbit/emulator") as typeof EmulatorModule;
}

async function openWorld(opts: Options, seed: number, env?: Record<string, string>): Promise<World> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `featbit-chaos-${seed}-`));
  const dataFile = path.join(dir, "featbit.json");
  const emu = await emulatorModule().startEmulator({ port: 0, seed, dataFile });
  const stateDir = path.join(opts.program, ".pulumi-state", `chaos-${seed}-${Date.now().toString(36)}`);
  const now = () => featbitObjects(JSON.parse(fs.readFileSync(dataFile, "utf8")) as EmulatorData);
  const target: StackTarget = {
    dir: opts.program,
    stack: "chaos",
    stateDir,
    settings: {
      apiUrl: emu.url,
      accessToken: emu.token,
      organizationKey: emu.orgKey,
      httpTimeoutSeconds: String(opts.timeoutSeconds),
      ...(opts.maxRetries !== undefined ? { maxRetries: String(opts.maxRetries) } : {}),
    },
    ...(env ? { env } : {}),
  };
  const stateFile = path.join(
    stateDir,
    "backend",
    ".pulumi",
    "stacks",
    projectName(opts.program),
    "chaos.json",
  );
  return {
    emu,
    target,
    stateFile,
    before: now(),
    now,
    close: async () => {
      await emu.close();
      fs.rmSync(stateDir, { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function projectName(program: string): string {
  const yaml = fs.readFileSync(path.join(program, "Pulumi.yaml"), "utf8");
  return /^name:\s*(\S+)/m.exec(yaml)?.[1] ?? path.basename(program);
}

/** The first line of a run's first error that says something ("1 error occurred:" does not). */
const firstError = (r: RunResult): string => {
  const lines = (r.diagnostics.find((d) => d.severity === "error")?.message ?? r.error ?? "")
    .split("\n")
    .map((line) => line.replace(/^\s*\*\s*/, "").trim())
    .filter((line) => line !== "" && !/^\d+ errors? occurred:?$/.test(line));
  return lines[0] ?? "";
};

function faultsOn(world: World, opts: Options, seed: number): void {
  for (const rule of emulatorModule().parseFaultSpec(faultSpec(opts.rate, opts.holdMs)))
    world.emu.faults.add(rule);
  world.emu.faults.seed(seed);
}

/** Lets requests a `timeout` fault holds land before anything is looked at. */
const settle = (opts: Options) => new Promise((r) => setTimeout(r, opts.holdMs + 500));

// ---------------------------------------------------------------------------------------------------------------
// Modes

export interface RunFigures extends Agreement {
  mode: string;
  seed: number;
  /** The operation succeeded at its first run. */
  oneRun: boolean;
  /** Runs of the operation made (1 + reruns at most). */
  runs: number;
  converged: boolean;
  /** Faults off afterwards: a preview (nothing to do) and a refresh (state agrees with FeatBit) change nothing. */
  cleanPreview: boolean;
  cleanRefresh: boolean;
  /** When they did find something: what. */
  previewChanges?: string[];
  refreshChanges?: string[];
  requests: number;
  faulted: number;
  seconds: number;
  /** The first failure's first line. */
  error?: string;
  /** crash: the commands of the recovery, in order, and whether each succeeded. */
  recovery?: { op: string; ok: boolean; error?: string }[];
  /** crash: how many writes FeatBit had received when the run was killed. */
  killedAfterWrites?: number;
}

export function blankFigures(mode: string, seed: number): RunFigures {
  return {
    mode,
    seed,
    oneRun: false,
    runs: 0,
    converged: false,
    cleanPreview: false,
    cleanRefresh: false,
    duplicates: [],
    orphans: [],
    lost: [],
    archived: [],
    requests: 0,
    faulted: 0,
    seconds: 0,
  };
}

const flagsOf = (opts: Options): RunFlags => ({
  timeoutMs: 30 * 60 * 1000,
  ...(opts.parallel ? { parallel: opts.parallel } : {}),
});

/** Runs `op` until it succeeds, at most 1 + reruns times. */
async function converge(
  world: World,
  opts: Options,
  op: Operation,
  figures: RunFigures,
  flags: RunFlags = {},
): Promise<void> {
  for (let run = 1; run <= 1 + opts.reruns && !figures.converged; run++) {
    const r = await runStack(op, world.target, { ...flagsOf(opts), ...flags });
    figures.runs = run;
    if (r.ok) figures.converged = true;
    else figures.error ??= firstError(r);
    if (run === 1) figures.oneRun = r.ok;
  }
}

/** What a run that should have changed nothing would change ("update flag-3 [name]"), or its error. */
function changesOf(r: RunResult): string[] {
  const steps = r.steps.map(
    (st) => `${st.op} ${st.name}${st.diffs.length ? ` [${st.diffs.join(", ")}]` : ""}`,
  );
  return steps.length > 0 ? steps : [firstError(r)];
}

/** With faults off: a preview and a refresh that must find nothing to do, then how FeatBit and state agree. */
async function check(world: World, opts: Options, figures: RunFigures, destroyed = false): Promise<void> {
  const log = world.emu.requests.all();
  figures.requests = log.length;
  figures.faulted = log.filter((q) => q.status === 0 || q.status === 429 || q.status >= 500).length;
  world.emu.faults.clear();
  await settle(opts);
  if (!destroyed) {
    const preview = await runStack("preview", world.target, { expectNoChanges: true });
    figures.cleanPreview = preview.ok;
    if (!preview.ok) figures.previewChanges = changesOf(preview);
    const refresh = await runStack("refresh", world.target, { expectNoChanges: true });
    figures.cleanRefresh = refresh.ok;
    if (!refresh.ok) figures.refreshChanges = changesOf(refresh);
  } else {
    // Nothing left to preview: the stack is empty when the destroy converged.
    figures.cleanPreview = figures.cleanRefresh = stateResources(world.stateFile).length === 0;
  }
  Object.assign(figures, agreement(world.now(), world.before, stateResources(world.stateFile)));
}

/**
 * One run of a mode: a fresh emulator and stack (with `env` for the runner), `body` against them, timed, and any
 * failure of the harness itself recorded as the run's error.
 */
async function inWorld(
  mode: string,
  seed: number,
  opts: Options,
  body: (world: World, figures: RunFigures) => Promise<void>,
  env?: Record<string, string>,
): Promise<RunFigures> {
  const figures = blankFigures(mode, seed);
  const started = Date.now();
  try {
    const world = await openWorld(opts, seed, env);
    try {
      await body(world, figures);
    } finally {
      await world.close();
    }
  } catch (err) {
    figures.error ??= err instanceof Error ? err.message.split("\n")[0] : String(err);
  }
  figures.seconds = Math.round((Date.now() - started) / 1000);
  return figures;
}

/** A stack deployed without faults (the start of update and destroy runs); the request log starts afresh. */
async function deployed(world: World, opts: Options): Promise<void> {
  const r = await runStack("up", world.target, flagsOf(opts));
  if (!r.ok) throw new Error(`setting up (up without faults) failed: ${firstError(r)}`);
  world.emu.requests.clear();
}

const upRun = (opts: Options, seed: number) =>
  inWorld("up", seed, opts, async (world, f) => {
    faultsOn(world, opts, seed);
    await converge(world, opts, "up", f);
    await check(world, opts, f);
  });

const updateRun = (opts: Options, seed: number) =>
  inWorld("update", seed, opts, async (world, f) => {
    await deployed(world, opts);
    faultsOn(world, opts, seed);
    // The config persists with the stack, so the checks afterwards see the updated program.
    await converge(world, opts, "up", f, { config: opts.updateConfig });
    await check(world, opts, f);
  });

const destroyRun = (opts: Options, seed: number) =>
  inWorld("destroy", seed, opts, async (world, f) => {
    await deployed(world, opts);
    faultsOn(world, opts, seed);
    await converge(world, opts, "destroy", f);
    await check(world, opts, f, true);
  });

/** No faults, the engine's default parallelism: what a plain `pulumi destroy` of a review environment meets. */
const plainDestroyRun = (opts: Options, seed: number) =>
  inWorld("plain-destroy", seed, opts, async (world, f) => {
    await deployed(world, opts);
    const r = await runStack("destroy", world.target, flagsOf(opts));
    f.runs = 1;
    f.oneRun = f.converged = r.ok;
    if (!r.ok) f.error = firstError(r);
    await check(world, opts, f, true);
  });

type CrashKind = "create" | "destroy";

/**
 * Starts `op` with every write slowed down (so that some are in flight at any moment, and some `timeout` faults
 * land after the kill), and kills every process of the run once FeatBit has received `after` writes.
 */
async function killedRun(world: World, op: Operation, after: number, opts: Options): Promise<number> {
  const writes = () => world.emu.requests.all().filter((q) => q.method !== "GET").length;
  const start = writes();
  world.emu.faults.add({ method: "POST", probability: 0.1, reset: "timeout", holdMs: opts.holdMs });
  for (const method of ["POST", "PUT", "DELETE", "PATCH"]) world.emu.faults.add({ method, latencyMs: 300 });
  const run = startStack(op, world.target, flagsOf(opts));
  const deadline = Date.now() + 10 * 60 * 1000;
  let killed = false;
  const finished = run.result.then(
    () => undefined,
    () => undefined,
  );
  while (!killed && Date.now() < deadline) {
    if (writes() - start >= after) {
      killTree(run.pid);
      killed = true;
    } else if (await Promise.race([finished.then(() => true), sleep(50).then(() => false)])) break;
  }
  await finished;
  world.emu.faults.clear();
  await settle(opts);
  return killed ? writes() - start : -1;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The recovery docs/engine.md documents for a killed run, command by command. */
function recoverySteps(
  kind: CrashKind,
  checkpoints: boolean,
): { op: Operation; env?: Record<string, string> }[] {
  if (kind === "destroy") return [{ op: "cancel" }, { op: "destroy" }];
  if (checkpoints) return [{ op: "cancel" }, { op: "recover" }, { op: "up" }];
  // Nothing recorded the killed run's creates: the user vouches that what holds the program's keys is the stack's.
  return [{ op: "cancel" }, { op: "up", env: { FEATBIT_CLAIM_UNRECORDED: "true" } }];
}

const crashRun = (opts: Options, seed: number, kind: CrashKind, checkpoints: boolean) =>
  inWorld(
    `crash-${kind}${checkpoints ? "" : "-skip-checkpoints"}`,
    seed,
    opts,
    async (world, f) => {
      if (kind === "destroy") await deployed(world, opts);
      // Where the kill falls, seeded: early, midway or late in the run's writes (the program's up makes about 150,
      // its destroy about 100: a kill point past the end would measure a run that was never killed).
      const after = 5 + ((seed * 37) % (kind === "create" ? 90 : 80));
      f.killedAfterWrites = await killedRun(world, kind === "create" ? "up" : "destroy", after, opts);
      if (f.killedAfterWrites < 0) {
        f.runs = 1;
        f.oneRun = f.converged = false;
        f.error = `the run finished before its ${after}th write, so it was never killed: not a crash run`;
        await check(world, opts, f, kind === "destroy");
        return;
      }
      f.recovery = [];
      for (const step of recoverySteps(kind, checkpoints)) {
        const target = { ...world.target, env: { ...world.target.env, ...step.env } };
        const r = await runStack(step.op, target, flagsOf(opts));
        f.recovery.push({ op: step.op, ok: r.ok, ...(r.ok ? {} : { error: firstError(r) }) });
      }
      f.runs = 1;
      f.oneRun = f.converged = f.recovery.every((s) => s.ok);
      if (!f.converged) f.error = f.recovery.find((s) => !s.ok)?.error;
      await check(world, opts, f, kind === "destroy");
    },
    checkpoints ? undefined : { PULUMI_SKIP_CHECKPOINTS: "true" },
  );

// ---------------------------------------------------------------------------------------------------------------
// Reporting

function problems(f: RunFigures): string[] {
  return [
    ...(f.duplicates.length ? [`duplicates: ${f.duplicates.join(", ")}`] : []),
    ...(f.orphans.length ? [`orphans: ${f.orphans.join(", ")}`] : []),
    ...(f.lost.length ? [`lost: ${f.lost.join(", ")}`] : []),
    ...(f.archived.length ? [`archived but live in state: ${f.archived.join(", ")}`] : []),
    ...(f.cleanPreview
      ? []
      : [`a preview afterwards shows changes (${(f.previewChanges ?? []).join(", ")})`]),
    ...(f.cleanRefresh
      ? []
      : [`a refresh afterwards finds changes (${(f.refreshChanges ?? []).join(", ")})`]),
  ];
}

function describeRun(f: RunFigures): string {
  const outcome = f.oneRun
    ? "converged in one run"
    : f.converged
      ? `converged after ${f.runs} runs`
      : `not converged after ${f.runs} runs`;
  const recovery = f.recovery
    ? ` (killed after ${f.killedAfterWrites} writes; ${f.recovery.map((s) => `${s.op} ${s.ok ? "ok" : "failed"}`).join(", ")})`
    : "";
  const issues = problems(f);
  return (
    `${f.mode} seed ${f.seed}: ${outcome}${recovery}, ${f.requests} requests (${f.faulted} faulted), ${f.seconds}s` +
    (issues.length ? `; ${issues.join("; ")}` : "") +
    (f.error && !f.oneRun ? `; first failure: ${f.error}` : "")
  );
}

export interface Summary {
  runs: number;
  oneRun: number;
  converged: number;
  duplicates: number;
  orphans: number;
  lost: number;
  archived: number;
  cleanPreviews: number;
  cleanRefreshes: number;
}

export function summarize(runs: readonly RunFigures[]): Summary {
  const count = (pick: (f: RunFigures) => number) => runs.reduce((sum, f) => sum + pick(f), 0);
  return {
    runs: runs.length,
    oneRun: runs.filter((f) => f.oneRun).length,
    converged: runs.filter((f) => f.converged).length,
    duplicates: count((f) => f.duplicates.length),
    orphans: count((f) => f.orphans.length),
    lost: count((f) => f.lost.length),
    archived: count((f) => f.archived.length),
    cleanPreviews: runs.filter((f) => f.cleanPreview).length,
    cleanRefreshes: runs.filter((f) => f.cleanRefresh).length,
  };
}

const summaryLine = (mode: string, s: Summary) =>
  `${mode}: ${s.oneRun}/${s.runs} converged in one run, ${s.converged} in all; ${s.duplicates} duplicates, ` +
  `${s.orphans} orphans, ${s.lost} lost, ${s.archived} archived but live; ${s.cleanPreviews} clean previews, ` +
  `${s.cleanRefreshes} clean refreshes after`;

async function run(argv: string[]): Promise<void> {
  const opts = parseArgs(argv);
  resolveCli();
  buildIfStale((line) => process.stderr.write(`${line}\n`));
  process.stderr.write(
    `chaos: ${opts.modes.join(", ")} of ${path.relative(process.cwd(), opts.program) || "."}, ` +
      `${Math.round(opts.rate * 100)}% of requests faulted: ${faultSpec(opts.rate, opts.holdMs)}\n`,
  );
  const byMode = new Map<string, RunFigures[]>();
  const record = (f: RunFigures) => {
    byMode.set(f.mode, [...(byMode.get(f.mode) ?? []), f]);
    process.stderr.write(`  ${describeRun(f)}\n`);
    writeResults(opts, byMode);
  };
  for (const mode of opts.modes) {
    if (mode === "crash") {
      for (const kind of ["create", "destroy"] as const)
        for (const checkpoints of [true, false])
          for (let i = 0; i < opts.crashRuns; i++)
            record(await crashRun(opts, opts.seed + i, kind, checkpoints));
      continue;
    }
    const count = mode === "plain-destroy" ? opts.destroys : opts.runs;
    const one = { up: upRun, update: updateRun, destroy: destroyRun, "plain-destroy": plainDestroyRun }[mode];
    for (let i = 0; i < count; i++) record(await one(opts, opts.seed + i));
  }
  const rate = Math.round(opts.rate * 100);
  for (const [mode, runs] of byMode) {
    const faulted = mode === "up" || mode === "update" || mode === "destroy";
    console.log(`chaos ${faulted ? `at ${rate}% faults ` : ""}${summaryLine(mode, summarize(runs))}`);
  }
}

function writeResults(opts: Options, byMode: Map<string, RunFigures[]>): void {
  const modes = Object.fromEntries(
    [...byMode].map(([mode, runs]) => [mode, { summary: summarize(runs), runs }]),
  );
  fs.writeFileSync(
    opts.out,
    JSON.stringify(
      { date: new Date().toISOString(), options: opts, faults: faultSpec(opts.rate, opts.holdMs), modes },
      null,
      2,
    ) + "\n",
  );
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
