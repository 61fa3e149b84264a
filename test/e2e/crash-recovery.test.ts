// A run killed mid-`up` (every process of it, as when a terminal or CI job dies) while its creates are in flight:
// some land in FeatBit after the kill, some never do. Recovered with the commands docs/engine.md gives: cancel,
// recover (which records what the pending creates made, and drops those that never landed), up, and a clean preview.
import * as fs from "node:fs";
import * as path from "node:path";
import { api } from "./support/featbit";
import { aliveAfter, killTree } from "../../scripts/lib/processes";
import {
  expectOk,
  readState,
  REPO_ROOT,
  resourceSteps,
  runStack,
  startStack,
  visibleText,
  type RunResult,
} from "./support/stack";
import { e2eWorld } from "./support/world";

interface PendingOperation {
  type: string;
  resource: { urn: string; type: string };
}

function pendingOperations(stateFile: string): PendingOperation[] {
  try {
    const checkpoint = JSON.parse(fs.readFileSync(stateFile, "utf8")) as {
      checkpoint?: { latest?: { pending_operations?: PendingOperation[] } };
    };
    return checkpoint.checkpoint?.latest?.pending_operations ?? [];
  } catch {
    return []; // not written yet, or being rewritten
  }
}

describe("recovering from a run killed mid-up", () => {
  const world = e2eWorld("crash");
  const target = world.target(path.join(REPO_ROOT, "examples", "quickstart"), { stack: "crash" });
  let stateFile: string;
  let killed: number[] = [];
  const emu = () => world.emulator;

  beforeAll(() => {
    stateFile = path.join(world.stateDir, "backend", ".pulumi", "stacks", "featbit-quickstart", "crash.json");
  });

  const envId = async (key: "prod" | "dev") => {
    const projects = (
      await api<{ key: string; environments: { id: string; key: string }[] }[]>(emu(), "GET", "/projects")
    ).data;
    return projects.find((p) => p.key === "shop")?.environments.find((e) => e.key === key)?.id ?? "";
  };
  const prodId = () => envId("prod");
  /** The flags of one environment (prod by default: the quickstart's new-checkout and promo-banner). */
  const flagKeys = async (key: "prod" | "dev" = "prod") => {
    const env = await envId(key);
    if (!env) return [];
    const listed = await api<{ items: { key: string }[] }>(emu(), "GET", `/envs/${env}/feature-flags`);
    return listed.data.items.map((f) => f.key);
  };
  const until = async (done: () => Promise<boolean>, ms: number) => {
    const deadline = Date.now() + ms;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error("timed out");
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  it("is killed while flags and the segment are being created", async () => {
    // Flag creates are held, then applied after the kill (as a FeatBit behind a slow proxy finishes a request whose
    // client is gone); the segment's create is held, then dropped unapplied.
    emu().faults.add({ method: "POST", path: /\/feature-flags$/, reset: "timeout", holdMs: 6000 });
    emu().faults.add({ method: "POST", path: /\/segments$/, latencyMs: 15000, reset: "before" });
    const run = startStack("up", target);
    const deadline = Date.now() + 5 * 60 * 1000;
    let pending: PendingOperation[] = [];
    // The quickstart's three flags and its segment, all in flight.
    while (Date.now() < deadline && pending.length < 4) {
      pending = pendingOperations(stateFile).filter((p) => /:(FeatureFlag|Segment)$/.test(p.resource.type));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(pending).toHaveLength(4);
    killed = killTree(run.pid);
    await expect(run.result).rejects.toThrow(/killed by SIGKILL/);
    expect(killed.length).toBeGreaterThanOrEqual(3); // the runner, the CLI, the provider plugin
    expect(await aliveAfter(killed)).toEqual([]);
    expect(pendingOperations(stateFile).map((p) => p.type)).toContain("creating");
    // The held flag creates land after their client is gone.
    await until(async () => (await flagKeys()).length + (await flagKeys("dev")).length === 3, 30_000);
    emu().faults.clear();
  });

  it("refuses the next up because the stack is locked, and says how to unlock and recover", async () => {
    const r = await runStack("up", target);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/currently locked/);
    expect(r.error).toContain("scripts/stack.js cancel");
    expect(r.error).toContain("scripts/stack.js recover");
  });

  it("cancel removes the lock; recover records the flags that landed and drops the segment that did not", async () => {
    expectOk(await runStack("cancel", target));
    expect(pendingOperations(stateFile)).not.toEqual([]);
    const r = await runStack("recover", target);
    expectOk(r);
    expect(r.recovery?.recorded.map((x) => x.urn.split("::").pop()).sort()).toEqual([
      "banner",
      "checkout",
      "checkout-dev",
    ]);
    expect(r.recovery?.dropped.map((x) => x.urn.split("::").pop())).toEqual(["beta"]);
    expect(pendingOperations(stateFile)).toEqual([]);
    // Recorded as this stack's own creations: destroying the stack deletes them.
    const state = JSON.parse(readState(r)) as {
      checkpoint: {
        latest: { resources: { urn: string; outputs?: { origin?: string; flagId?: string } }[] };
      };
    };
    const checkout = state.checkpoint.latest.resources.find((x) => x.urn.endsWith("::checkout"));
    expect(checkout?.outputs).toMatchObject({ origin: "created", flagId: expect.any(String) });
  });

  it("then up creates what the killed run did not, once, and the next preview is clean", async () => {
    const up: RunResult = await runStack("up", target);
    expectOk(up);
    expect(
      resourceSteps(up)
        .map((s) => `${s.op} ${s.name}`)
        .sort(),
    ).toEqual(["create beta", "create checkout-dev-targeting", "create checkout-targeting"]);
    expectOk(await runStack("preview", target, { expectNoChanges: true }));

    const projects = (await api<{ key: string }[]>(emu(), "GET", "/projects")).data;
    expect(projects.filter((p) => p.key === "shop")).toHaveLength(1);
    expect((await flagKeys()).sort()).toEqual(["new-checkout", "promo-banner"]);
    expect(await flagKeys("dev")).toEqual(["new-checkout"]);
    const segments = await api<{ items: { key: string }[] }>(
      emu(),
      "GET",
      `/envs/${await prodId()}/segments`,
    );
    expect(segments.data.items.map((s) => s.key)).toEqual(["beta-users"]);

    expect(readState(up)).not.toContain(emu().token);
    expect(visibleText(up)).not.toContain(emu().token);
  });

  it("destroys everything afterwards", async () => {
    const r = await runStack("destroy", target);
    expectOk(r);
    expect(r.changes.delete).toBe(10);
  });
});
