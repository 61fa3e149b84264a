// examples/multi-env-flags: the same flags in three environments (two adopted, one created) with per-environment
// targeting, through the real Pulumi CLI against a fresh emulator.
import * as path from "node:path";
import { api, writes } from "./support/featbit";
import { expectOk, readState, REPO_ROOT, resourceSteps, runStack } from "./support/stack";
import { e2eWorld } from "./support/world";

interface ProjectView {
  id: string;
  key: string;
  environments: { id: string; key: string }[];
}

describe("examples/multi-env-flags through the Pulumi CLI", () => {
  const world = e2eWorld("multi-env");
  const target = world.target(path.join(REPO_ROOT, "examples/multi-env-flags"));
  const ok = expectOk;
  const payments = async (): Promise<ProjectView | undefined> =>
    (await api<ProjectView[]>(world.emulator, "GET", "/projects")).data.find((p) => p.key === "payments");

  it("creates three environments with two flags each, and per-environment targeting", async () => {
    const r = await runStack("up", target);
    ok(r);
    // project + 3 environments + 6 flags + 6 targetings + the stack
    expect(r.changes.create).toBe(17);
    const project = await payments();
    expect(project?.environments.map((e) => e.key).sort()).toEqual(["dev", "prod", "staging"]);
    const envId = (key: string): string => project?.environments.find((e) => e.key === key)?.id ?? "";
    const flag = async (env: string): Promise<{ isEnabled: boolean; rules: { name: string }[] }> =>
      (
        await api<{ isEnabled: boolean; rules: { name: string }[] }>(
          world.emulator,
          "GET",
          `/envs/${envId(env)}/feature-flags/instant-payouts`,
        )
      ).data;
    expect((await flag("prod")).isEnabled).toBe(false);
    expect((await flag("dev")).isEnabled).toBe(true);
    expect((await flag("staging")).rules.map((x) => x.name)).toEqual(["Staff"]);
    // A map of secrets: each value must stay masked (the Automation API alone would print them in clear text).
    expect(r.outputs.serverKeys).toEqual({
      value: { prod: "[secret]", dev: "[secret]", staging: "[secret]" },
      secret: true,
    });
    const keys = await api<{ environments: { secrets: { value: string }[] }[] }>(
      world.emulator,
      "GET",
      `/projects/${project?.id ?? ""}`,
    );
    const secretValues = keys.data.environments.flatMap((e) => e.secrets.map((x) => x.value));
    expect(secretValues.length).toBe(6);
    for (const value of secretValues) {
      expect(JSON.stringify(r.outputs)).not.toContain(value);
      expect(r.log).not.toContain(value);
      expect(readState(r)).not.toContain(value);
    }
  });

  it("is a no-op on the second preview, with zero API requests", async () => {
    world.emulator.requests.clear();
    const r = await runStack("preview", target, { expectNoChanges: true });
    ok(r);
    expect(resourceSteps(r)).toEqual([]);
    expect(world.emulator.requests.all()).toEqual([]);
  });

  it("adding an environment creates only that environment's objects", async () => {
    world.emulator.requests.clear();
    const r = await runStack("up", target, { config: { environments: "staging,qa" } });
    ok(r);
    expect(resourceSteps(r).filter((s) => s.op !== "create")).toEqual([]);
    expect(
      resourceSteps(r)
        .map((s) => s.name)
        .sort(),
    ).toEqual([
      "3ds-v2-qa",
      "3ds-v2-qa-targeting",
      "instant-payouts-qa",
      "instant-payouts-qa-targeting",
      "payments-qa",
    ]);
    const project = await payments();
    const qa = project?.environments.find((e) => e.key === "qa")?.id ?? "missing";
    for (const w of writes(world.emulator.requests.all()).slice(1)) expect(w).toContain(qa);
  });

  it("destroys everything, leaving no project and no token in state", async () => {
    const r = await runStack("destroy", target);
    ok(r);
    expect(await payments()).toBeUndefined();
    expect(readState(r)).not.toContain(world.emulator.token);
  });
});
