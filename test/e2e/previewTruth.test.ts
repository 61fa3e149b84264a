// Preview must tell the truth: for every input of every resource, changing it and running `pulumi preview` lists
// exactly the steps the following `pulumi up` takes (no phantom replacement, no phantom update), and afterwards a
// preview shows no change. The program (fixtures/preview-truth) changes one input of each resource per batch, so
// nine preview/up pairs cover every input, with parents and children changing together.
import * as path from "node:path";
import { writes } from "./support/featbit";
import { expectOk, REPO_ROOT, resourceSteps, runStack, type RunResult } from "./support/stack";
import { e2eWorld } from "./support/world";

const BATCHES = 9;

describe("preview lists exactly what up does, for every input of every resource", () => {
  const world = e2eWorld("preview-truth");
  const target = world.target(path.join(REPO_ROOT, "test/e2e/fixtures/preview-truth"));

  /** Every step but "same", as "<op> <resource name>", sorted. */
  const steps = (r: RunResult) =>
    resourceSteps(r)
      .map((s) => `${s.op} ${s.name}`)
      .sort();

  const previewThenUp = async (batch: number) => {
    const config = { batch: String(batch) };
    world.emulator.requests.clear();
    const preview = await runStack("preview", target, { config });
    expectOk(preview);
    // A preview talks to FeatBit for nothing.
    expect(writes(world.emulator.requests.all())).toEqual([]);
    const up = await runStack("up", target, { config });
    expectOk(up);
    const after = await runStack("preview", target, { config, expectNoChanges: true });
    expectOk(after);
    return { preview: steps(preview), up: steps(up) };
  };

  it("batch 0: the first preview lists the creates up makes", async () => {
    const { preview, up } = await previewThenUp(0);
    expect(preview).toEqual(up);
    expect(up.every((s) => s.startsWith("create "))).toBe(true);
    expect(up).toHaveLength(12);
  });

  it.each(Array.from({ length: BATCHES }, (_, i) => i + 1))("batch %i", async (batch) => {
    const { preview, up } = await previewThenUp(batch);
    expect(preview).toEqual(up);
    expect(up.length).toBeGreaterThan(0);
  });

  it("batch 1 renames the project and changes an environment's description in place: nothing is replaced", async () => {
    // Runs after the batches: a fresh stack at batch 0, then batch 1 again, to pin the case that lied before.
    const fresh = {
      ...target,
      stack: "e2e-rename",
      config: { ...target.config, "preview-truth:batch": "0" },
    };
    expectOk(await runStack("destroy", target, { config: { batch: String(BATCHES) } }));
    expectOk(await runStack("up", fresh));
    const preview = await runStack("preview", fresh, { config: { batch: "1" } });
    expectOk(preview);
    expect(steps(preview).filter((s) => !s.startsWith("update "))).toEqual([]);
    expect(steps(preview)).toContain("update shop");
    expect(steps(preview)).toContain("update prod");
    expectOk(await runStack("destroy", fresh, { config: { batch: "1" } }));
  });
});
