// `npm run chaos [-- --runs 20 --rate 0.2 --seed 1 --timeout 2 --hold 4000]`: deploys a 97-resource program
// (scripts/chaos/program) against an emulator that fails a share of all requests — 429, 500, 502, 503, 504, a reset
// before the request is handled, a reset after it was applied, and a timeout while the write lands later — once per
// seeded run, and checks what a user cares about: the first `up` succeeds, nothing is duplicated or orphaned or lost,
// and a preview afterwards (faults off) shows no change. The last line states the figures. Measures; asserts nothing.
import * as fs from "node:fs";
import * as path from "node:path";
import type * as EmulatorModule from "../../provider/emulator";
import { buildIfStale } from "./build";
import { REPO_ROOT, resolveCli } from "./cli";
import { runStack, type StackTarget } from "./driver";

const PROGRAM = path.join(REPO_ROOT, "scripts", "chaos", "program");
/** What the program declares (a project, two environments, four segments, 45 flags, 45 targetings). */
const DECLARED = 97;

interface Options {
  runs: number;
  rate: number;
  seed: number;
  /** featbit:httpTimeoutSeconds for the runs: short, so that held requests time out. */
  timeoutSeconds: number;
  /** How long a `timeout` fault holds a request before applying it (longer than the client waits). */
  holdMs: number;
  /** featbit:maxRetries; the package's default unless given. */
  maxRetries?: number;
  /** Further `up`s (faults still on) allowed for a run whose first one failed, to see whether it converges. */
  reruns: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    runs: 20,
    rate: 0.2,
    seed: 1,
    timeoutSeconds: 2,
    holdMs: 4000,
    reruns: 3,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = Number(inline ?? argv[++i]);
    const set: Record<string, keyof Options> = {
      "--runs": "runs",
      "--rate": "rate",
      "--seed": "seed",
      "--timeout": "timeoutSeconds",
      "--hold": "holdMs",
      "--max-retries": "maxRetries",
      "--reruns": "reruns",
    };
    const name = set[flag];
    if (!name || !Number.isFinite(value)) {
      throw new Error(`unknown option or bad value: ${argv[i]}; options: ${Object.keys(set).join(", ")}`);
    }
    opts[name] = value;
  }
  if (opts.rate < 0 || opts.rate >= 1) throw new Error("--rate is a share of requests, from 0 to below 1");
  return opts;
}

const KINDS = ["429;retryAfter=1", "500", "502", "503", "504", "reset-before", "reset-after", "timeout"];

/** Each kind fires with the same probability, so that together they hit `rate` of all requests. */
function faultSpec(opts: Options): string {
  const each = 1 - (1 - opts.rate) ** (1 / KINDS.length);
  return KINDS.map((kind) => {
    const [name, ...rest] = kind.split(";");
    const hold = name === "timeout" ? [`ms=${opts.holdMs}`] : [];
    return [`${name}=${each.toFixed(5)}`, ...rest, ...hold].join(";");
  }).join(",");
}

interface StateResource {
  type: string;
  id?: string;
  outputs?: Record<string, unknown>;
}

interface RunFigures {
  seed: number;
  firstUp: boolean;
  ups: number;
  converged: boolean;
  cleanPreview: boolean;
  duplicates: string[];
  orphans: string[];
  lost: string[];
  requests: number;
  faulted: number;
  seconds: number;
  error?: string;
}

/** Everything of project "chaos" in the emulator, as "<kind> <id>" with a key for duplicate checks. */
async function featbitObjects(emu: EmulatorModule.Emulator) {
  const get = async <T>(p: string): Promise<T> => {
    const res = await fetch(`${emu.url}/api/v1${p}`, { headers: { Authorization: emu.token } });
    return ((await res.json()) as { data: T }).data;
  };
  const objects: { id: string; kind: string; scope: string; key: string }[] = [];
  const projects =
    await get<{ id: string; key: string; environments: { id: string; key: string }[] }[]>("/projects");
  for (const project of projects.filter((p) => p.key === "chaos")) {
    objects.push({ id: project.id, kind: "Project", scope: "", key: project.key });
    for (const env of project.environments) {
      // FeatBit makes `dev` with every project; the program does not declare it.
      if (env.key !== "dev")
        objects.push({ id: `${project.id}/${env.id}`, kind: "Environment", scope: project.id, key: env.key });
      for (const archived of [false, true]) {
        const flags = await get<{ items: { key: string }[] }>(
          `/envs/${env.id}/feature-flags?pageSize=1000&isArchived=${archived}`,
        );
        for (const f of flags.items)
          objects.push({ id: `${env.id}/${f.key}`, kind: "FeatureFlag", scope: env.id, key: f.key });
        const segments = await get<{ items: { id: string; key: string }[] }>(
          `/envs/${env.id}/segments?pageSize=1000&isArchived=${archived}`,
        );
        for (const s of segments.items)
          objects.push({ id: `${env.id}/${s.id}`, kind: "Segment", scope: env.id, key: s.key });
      }
    }
  }
  return objects;
}

function stateResources(stateFile: string): StateResource[] {
  if (!fs.existsSync(stateFile)) return [];
  const checkpoint = JSON.parse(fs.readFileSync(stateFile, "utf8")) as {
    checkpoint?: { latest?: { resources?: StateResource[] } };
  };
  return (checkpoint.checkpoint?.latest?.resources ?? []).filter((r) =>
    r.type.startsWith("pulumi-nodejs:dynamic/"),
  );
}

async function oneRun(opts: Options, seed: number): Promise<RunFigures> {
  /* eslint-disable-next-line @typescript-eslint/no-require-imports -- the built package, as a program loads it */
  const { startEmulator } = require("pulumi-featbit/emulator") as typeof EmulatorModule;
  const emu = await startEmulator({ port: 0, seed });
  const stateDir = path.join(REPO_ROOT, ".pulumi-state", `chaos-${seed}-${Date.now().toString(36)}`);
  const target: StackTarget = {
    dir: PROGRAM,
    stack: "chaos",
    stateDir,
    settings: {
      apiUrl: emu.url,
      accessToken: emu.token,
      organizationKey: "playground",
      httpTimeoutSeconds: String(opts.timeoutSeconds),
      ...(opts.maxRetries !== undefined ? { maxRetries: String(opts.maxRetries) } : {}),
    },
  };
  const started = Date.now();
  const figures: RunFigures = {
    seed,
    firstUp: false,
    ups: 0,
    converged: false,
    cleanPreview: false,
    duplicates: [],
    orphans: [],
    lost: [],
    requests: 0,
    faulted: 0,
    seconds: 0,
  };
  try {
    const { parseFaultSpec } = require("pulumi-featbit/emulator") as typeof EmulatorModule; // eslint-disable-line @typescript-eslint/no-require-imports
    for (const rule of parseFaultSpec(faultSpec(opts))) emu.faults.add(rule);
    emu.faults.seed(seed);
    let stateFile = "";
    for (let up = 1; up <= 1 + opts.reruns && !figures.converged; up++) {
      const r = await runStack("up", target, { timeoutMs: 20 * 60 * 1000 });
      figures.ups = up;
      stateFile = r.stateFile;
      if (r.ok) figures.converged = true;
      else if (!figures.error)
        figures.error = (r.diagnostics.find((d) => d.severity === "error")?.message ?? r.error ?? "").split(
          "\n",
        )[0];
      if (up === 1) figures.firstUp = r.ok;
    }
    const log = emu.requests.all();
    figures.requests = log.length;
    figures.faulted = log.filter((q) => q.status === 0 || q.status === 429 || q.status >= 500).length;
    emu.faults.clear();
    const preview = await runStack("preview", target, { expectNoChanges: true });
    figures.cleanPreview = preview.ok;

    const inFeatBit = await featbitObjects(emu);
    const inState = stateResources(stateFile);
    const stateIds = new Set(inState.map((r) => `${r.type.split(":").pop()} ${r.id}`));
    const seen = new Map<string, number>();
    for (const o of inFeatBit) {
      const dup = `${o.kind} ${o.scope}/${o.key.toLowerCase()}`;
      seen.set(dup, (seen.get(dup) ?? 0) + 1);
      if (!stateIds.has(`${o.kind} ${o.id}`)) figures.orphans.push(`${o.kind} ${o.key} (${o.id})`);
    }
    figures.duplicates = [...seen].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
    const liveIds = new Set(inFeatBit.map((o) => `${o.kind} ${o.id}`));
    for (const r of inState) {
      const kind = r.type.split(":").pop() ?? "";
      // Targeting is part of its flag, not an object of its own.
      if (kind !== "FeatureFlagTargeting" && !liveIds.has(`${kind} ${r.id}`))
        figures.lost.push(`${kind} ${r.id}`);
    }
    if (figures.converged && inState.length < DECLARED)
      figures.lost.push(`${DECLARED - inState.length} declared resources not in state`);
  } catch (err) {
    figures.error = err instanceof Error ? err.message.split("\n")[0] : String(err);
  } finally {
    await emu.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
  figures.seconds = Math.round((Date.now() - started) / 1000);
  return figures;
}

async function run(argv: string[]): Promise<void> {
  const opts = parseArgs(argv);
  resolveCli();
  buildIfStale((line) => process.stderr.write(`${line}\n`));
  process.stderr.write(
    `chaos: ${opts.runs} runs, ${Math.round(opts.rate * 100)}% of requests faulted: ${faultSpec(opts)}\n`,
  );
  const all: RunFigures[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const seed = opts.seed + i;
    const f = await oneRun(opts, seed);
    all.push(f);
    const problems = [
      ...(f.duplicates.length ? [`duplicates: ${f.duplicates.join(", ")}`] : []),
      ...(f.orphans.length ? [`orphans: ${f.orphans.join(", ")}`] : []),
      ...(f.lost.length ? [`lost: ${f.lost.join(", ")}`] : []),
      ...(f.cleanPreview ? [] : ["preview after it shows changes"]),
    ];
    process.stderr.write(
      `  run ${i + 1}/${opts.runs} (seed ${seed}): ${f.firstUp ? "converged in one up" : f.converged ? `converged after ${f.ups} ups` : `not converged after ${f.ups} ups`}, ` +
        `${f.requests} requests (${f.faulted} faulted), ${f.seconds}s` +
        (problems.length ? `; ${problems.join("; ")}` : "") +
        (f.error && !f.firstUp ? `; first failure: ${f.error}` : "") +
        "\n",
    );
  }
  const out = path.join(REPO_ROOT, "chaos-results.json");
  fs.writeFileSync(
    out,
    JSON.stringify({ date: new Date().toISOString(), options: opts, runs: all }, null, 2) + "\n",
  );
  const count = (pick: (f: RunFigures) => number) => all.reduce((sum, f) => sum + pick(f), 0);
  console.log(
    `chaos: ${all.length} runs at ${Math.round(opts.rate * 100)}% faults: ${all.filter((f) => f.firstUp).length} converged in one up, ` +
      `${all.filter((f) => f.converged).length} in all; ${count((f) => f.duplicates.length)} duplicates, ` +
      `${count((f) => f.orphans.length)} orphans, ${count((f) => f.lost.length)} lost; ` +
      `${all.filter((f) => f.cleanPreview).length} clean previews after`,
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
