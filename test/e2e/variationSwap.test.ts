// A served variation replaced in one edit (`Large` → `Huge`, the rule pointed at `Huge`), through the real engine:
// the preview passes, one `up` applies it, and the next preview is clean.
import * as path from "node:path";
import { api } from "./support/featbit";
import { expectOk as ok, resourceSteps, runStack } from "./support/stack";
import { e2eWorld } from "./support/world";

const world = e2eWorld("variation-swap");
const target = () => world.target(path.join(__dirname, "fixtures", "variation-swap"), { stack: "swap" });

const sizeFlag = async () => {
  const projects = (
    await api<{ key: string; environments: { id: string; key: string }[] }[]>(
      world.emulator,
      "GET",
      "/projects",
    )
  ).data;
  const env = projects.find((p) => p.key === "sizes")!.environments.find((e) => e.key === "prod")!.id;
  return (
    await api<{ variations: { id: string; name: string }[]; rules: { variations: { id: string }[] }[] }>(
      world.emulator,
      "GET",
      `/envs/${env}/feature-flags/size`,
    )
  ).data;
};

it("previews, applies in one up, and leaves nothing to change", async () => {
  ok(await runStack("up", target()));
  const swapped = { config: { swap: "true" } };
  const preview = await runStack("preview", target(), swapped);
  ok(preview);
  expect(resourceSteps(preview).map((s) => `${s.op} ${s.name}`)).toEqual(["update size", "update size"]);
  const up = await runStack("up", target(), swapped);
  ok(up);
  const flag = await sizeFlag();
  expect(flag.variations.map((v) => v.name)).toEqual(["Small", "Huge"]);
  expect(flag.rules[0].variations[0].id).toBe(flag.variations[1].id);
  ok(await runStack("preview", target(), { ...swapped, expectNoChanges: true }));
  ok(await runStack("refresh", target(), { ...swapped, expectNoChanges: true }));
  ok(await runStack("destroy", target(), swapped));
});
