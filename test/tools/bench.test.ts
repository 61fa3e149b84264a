// The bench's arithmetic and guards (scripts/lib/bench.ts, scripts/bench/report.ts), without running anything: the
// ratio pairs figures of the same round, a run that did something else than its phase is refused, state bytes are
// split by part, and the options parse as documented.
import {
  checkChanges,
  parseArgs,
  roundsFor,
  stateStats,
  summarize,
  type Measurement,
  type Variant,
} from "../../scripts/lib/bench";
import { curves, linearity, PHASES, spread, ticks, type Phase } from "../../scripts/bench/report";

const requests = (total: number) => ({ total, writes: 0, byRoute: {} });

function measurement(subject: string, phase: Phase, round: number, opMs: number, flags = 10): Measurement {
  return { subject, phase, flags, round, opMs, wallMs: opMs + 2000, requests: requests(flags) };
}

const DEFAULT: Variant = { name: "default", skipCheckpoints: false };

describe("summaries", () => {
  test("median and min over rounds; the ratio divides figures of the same round", () => {
    const ms: Measurement[] = [];
    // Round 1 on a busy machine (everything slower), round 0 and 2 quiet.
    const rounds = [
      { ours: 1100, engine: 1000, client: 100 },
      { ours: 3300, engine: 3000, client: 300 },
      { ours: 1320, engine: 1000, client: 100 },
    ];
    rounds.forEach((r, i) => {
      for (const phase of PHASES) {
        ms.push(measurement("ours (default)", phase, i, r.ours));
        ms.push(measurement("engine floor", phase, i, r.engine));
        ms.push(measurement("client floor", phase, i, r.client));
      }
    });
    const [summary] = summarize(10, ms, [DEFAULT]);
    const up = summary.phases.find((p) => p.phase === "up");
    expect(up?.ours).toEqual({ min: 1100, median: 1320, max: 3300, n: 3 });
    // Per round: 1.0, 1.0, 1.2 — not median(ours) / (median(engine) + median(client)).
    expect(up?.ratio.min).toBeCloseTo(1.0);
    expect(up?.ratio.median).toBeCloseTo(1.0);
    expect(up?.ratio.max).toBeCloseTo(1.2);
    expect(up?.msPerResource.ours).toBeCloseTo(1320 / 12);
    expect(up?.requestsPerResource.ours).toBeCloseTo(10 / 12);
  });

  test("linearity compares ms per resource of the largest size with the smallest", () => {
    const ms: Measurement[] = [];
    for (const [flags, ours] of [
      [48, 5000],
      [998, 150000],
    ]) {
      for (const phase of PHASES) {
        ms.push(measurement("ours (default)", phase, 0, ours, flags));
        ms.push(measurement("engine floor", phase, 0, ours / 2, flags));
        ms.push(measurement("client floor", phase, 0, 1, flags));
      }
    }
    const summaries = [...summarize(48, ms, [DEFAULT]), ...summarize(998, ms, [DEFAULT])];
    const [first] = linearity(summaries);
    expect(first).toMatchObject({ phase: "up", from: 48, to: 998 });
    expect(first.ours).toBeCloseTo(150000 / 1000 / (5000 / 50));
    const svg = curves(summaries, "default", "test");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/class="title"/g)).toHaveLength(PHASES.length);
  });

  test("the curves' value axis reaches the highest value (a preview bar of 17.2 s once ran off a 15 s axis)", () => {
    expect(ticks(17.22, 4)).toEqual([0, 5, 10, 15, 20]);
    expect(ticks(15, 4)).toEqual([0, 5, 10, 15]);
    expect(ticks(0.3, 4)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(ticks(0, 4)).toEqual([0]);
  });

  test("spread of an even count takes the middle two", () => {
    expect(spread([4, 1, 3, 2])).toEqual({ min: 1, median: 2.5, max: 4, n: 4 });
  });
});

describe("guards", () => {
  test("each phase must have done what it is named after", () => {
    expect(checkChanges("up", 10, { create: 13 })).toBeUndefined();
    expect(checkChanges("up", 10, { create: 5 })).toMatch(/expected 12 creates/);
    expect(checkChanges("update", 10, { update: 10, same: 3 })).toBeUndefined();
    expect(checkChanges("update", 10, { update: 9, same: 4 })).toMatch(/expected 10 updates/);
    expect(checkChanges("refresh", 10, { same: 13 })).toBeUndefined();
    expect(checkChanges("preview", 10, { update: 1 })).toMatch(/expected no changes/);
    expect(checkChanges("destroy", 10, { delete: 13 })).toBeUndefined();
    expect(checkChanges("up", 10, { create: 13, replace: 1 })).toMatch(/no replacement/);
  });

  test("state bytes per resource are split into provider, inputs, outputs and Pulumi's metadata", () => {
    const resource = {
      urn: "urn:pulumi:s::p::pulumi-nodejs:dynamic/featbit:FeatureFlag::f",
      type: "pulumi-nodejs:dynamic/featbit:FeatureFlag",
      inputs: { __provider: "exports.handler=1", key: "f" },
      outputs: { __provider: "exports.handler=1", key: "f", flagId: "x" },
    };
    const text = JSON.stringify({
      checkpoint: { latest: { resources: [{ urn: "stack", type: "pulumi:pulumi:Stack" }, resource] } },
    });
    const stats = stateStats(text);
    expect(stats).toMatchObject({ resources: 2, dynamicResources: 1 });
    const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));
    expect(stats.perResource).toEqual({
      total: bytes(resource),
      provider: 2 * bytes("exports.handler=1"),
      inputs: bytes({ key: "f" }),
      outputs: bytes({ key: "f", flagId: "x" }),
      metadata: bytes(resource) - bytes(resource.inputs) - bytes(resource.outputs),
    });
    expect(stats.perFlag).toEqual(stats.perResource);
  });
});

describe("options", () => {
  test("sizes, rounds per size, variants", () => {
    const opts = parseArgs([
      "--sizes",
      "50,200,1000",
      "--reps=3,2",
      "--max-concurrency",
      "4,8",
      "--skip-checkpoints",
      "--latency-ms",
      "50",
    ]);
    if (opts === "help") throw new Error("parsed as --help");
    expect(opts).toMatchObject({
      sizes: [50, 200, 1000],
      maxConcurrency: [4, 8],
      skipCheckpoints: true,
      latencyMs: 50,
    });
    expect([0, 1, 2].map((i) => roundsFor(opts, i))).toEqual([3, 2, 2]);
    expect(parseArgs(["--help"])).toBe("help");
    expect(() => parseArgs(["--sizes", "0"])).toThrow(/whole numbers above 0/);
    expect(() => parseArgs(["--size", "5"])).toThrow(/unknown option --size/);
  });
});
