// A run killed mid-`up` (every process of it, as when a terminal or CI job dies), then recovered with the commands
// docs/engine.md gives: cancel, refresh --clear-pending-creates, up, and a clean preview.
import * as fs from "node:fs";
import * as path from "node:path";
import { api } from "./support/featbit";
import { aliveAfter, killTree } from "./support/processes";
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

  it("is killed while flags and the segment are being created", async () => {
    // Hold every flag and segment create, then drop it unapplied: the kill lands while they are in flight, and none
    // of them can land later behind the recovery's back.
    emu().faults.add({
      method: "POST",
      path: /\/(feature-flags|segments)$/,
      latencyMs: 15000,
      reset: "before",
    });
    const run = startStack("up", target);
    const deadline = Date.now() + 5 * 60 * 1000;
    let pending: PendingOperation[] = [];
    while (Date.now() < deadline) {
      pending = pendingOperations(stateFile).filter((p) => /:(FeatureFlag|Segment)$/.test(p.resource.type));
      if (pending.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(pending.length).toBeGreaterThan(0);
    killed = killTree(run.pid);
    await expect(run.result).rejects.toThrow(/killed by SIGKILL/);
    emu().faults.clear();
    expect(killed.length).toBeGreaterThanOrEqual(3); // the runner, the CLI, the provider plugin
    expect(await aliveAfter(killed)).toEqual([]);
    expect(pendingOperations(stateFile).map((p) => p.type)).toContain("creating");
  });

  it("refuses the next up because the stack is locked, and says how to unlock it", async () => {
    const r = await runStack("up", target);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/currently locked/);
    expect(r.error).toContain("scripts/stack.js cancel");
    expect(r.error).toContain("refresh --clear-pending-creates");
  });

  it("cancel removes the lock, and refresh --clear-pending-creates drops the pending creates", async () => {
    expectOk(await runStack("cancel", target));
    expect(pendingOperations(stateFile)).not.toEqual([]);
    const refresh = await runStack("refresh", target, { clearPendingCreates: true });
    expectOk(refresh);
    expect(pendingOperations(stateFile)).toEqual([]);
  });

  it("then up creates what the killed run did not, once, and the next preview is clean", async () => {
    const up: RunResult = await runStack("up", target);
    expectOk(up);
    expect(
      resourceSteps(up)
        .map((s) => `${s.op} ${s.name}`)
        .sort(),
    ).toEqual([
      "create banner",
      "create beta",
      "create checkout",
      "create checkout-dev",
      "create checkout-dev-targeting",
      "create checkout-targeting",
    ]);
    expectOk(await runStack("preview", target, { expectNoChanges: true }));

    const projects = (
      await api<{ key: string; environments: { id: string; key: string }[] }[]>(emu(), "GET", "/projects")
    ).data;
    expect(projects.filter((p) => p.key === "shop")).toHaveLength(1);
    const prod = projects.find((p) => p.key === "shop")?.environments.find((e) => e.key === "prod")?.id ?? "";
    const flags = await api<{ items: { key: string }[] }>(emu(), "GET", `/envs/${prod}/feature-flags`);
    expect(flags.data.items.map((f) => f.key).sort()).toEqual(["new-checkout", "promo-banner"]);
    const segments = await api<{ items: { key: string }[] }>(emu(), "GET", `/envs/${prod}/segments`);
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
