// The full lifecycle of the quickstart program through the real Pulumi CLI against a fresh FeatBit emulator, run once:
// on the root Pulumi.yaml (the stack `npm run demo` deploys), whose main is examples/quickstart/index.ts. What is
// specific to the example's own folder (its Pulumi.yaml, its entry found without `main`) costs one preview.
import * as path from "node:path";
import { api, readPersisted, writes } from "./support/featbit";
import {
  expectOk,
  makeStateDir,
  readState,
  REPO_ROOT,
  removeStateDir,
  resourceSteps,
  runStack,
  visibleText,
  type RunResult,
} from "./support/stack";
import { e2eWorld } from "./support/world";

interface ProjectView {
  id: string;
  key: string;
  name: string;
  environments: {
    id: string;
    key: string;
    name: string;
    description: string | null;
    secrets: { type: string; value: string }[];
  }[];
}
interface FlagView {
  key: string;
  name: string;
  isEnabled: boolean;
  variations: { id: string; name: string; value: string }[];
  targetUsers: { variationId: string; keyIds: string[] }[];
  rules: { name: string; variations: { id: string; rollout: [number, number] }[] }[];
}

const DYNAMIC = "pulumi-nodejs:dynamic/featbit:";
type Props = Record<string, unknown>;

const EXPECTED_CREATES = [
  "Environment shop-dev",
  "Environment shop-prod",
  "FeatureFlag banner",
  "FeatureFlag checkout",
  "FeatureFlag checkout-dev",
  "FeatureFlagTargeting checkout-dev-targeting",
  "FeatureFlagTargeting checkout-targeting",
  "Project shop",
  "Segment beta",
];

function creates(r: RunResult): string[] {
  return resourceSteps(r)
    .filter((s) => s.op === "create")
    .map((s) => `${s.type.replace(DYNAMIC, "")} ${s.name}`)
    .sort();
}

describe("quickstart program (root Pulumi.yaml, the demo stack) through the Pulumi CLI", () => {
  const world = e2eWorld("quickstart");
  const emu = () => world.emulator;
  const target = world.target(REPO_ROOT);
  let project: ProjectView;
  const prodEnv = (): ProjectView["environments"][number] => {
    const env = project.environments.find((e) => e.key === "prod");
    if (!env) throw new Error("prod environment missing");
    return env;
  };
  const getProject = async (): Promise<ProjectView | undefined> =>
    (await api<ProjectView[]>(emu(), "GET", "/projects")).data.find((p) => p.key === "shop");
  const getFlag = async (envId: string, key: string): Promise<FlagView> =>
    (await api<FlagView>(emu(), "GET", `/envs/${envId}/feature-flags/${key}`)).data;
  const ok = expectOk;

  it("previews the creates without writing anything", async () => {
    emu().requests.clear();
    const r = await runStack("preview", target);
    ok(r);
    expect(r.project).toBe("featbit-demo");
    expect(creates(r)).toEqual(EXPECTED_CREATES);
    expect(writes(emu().requests.all())).toEqual([]);
    // FeatBit has assigned no variation ids yet: the map is unknown, not empty.
    expect(visibleText(r)).toMatch(/bannerVariationIds\s*: \[unknown\]/);
  });

  it("previews the same program from examples/quickstart, under that folder's own project name", async () => {
    const exampleState = makeStateDir("quickstart-example");
    try {
      const r = await runStack("preview", {
        ...target,
        dir: path.join(REPO_ROOT, "examples", "quickstart"),
        stateDir: exampleState,
      });
      ok(r);
      expect(r.project).toBe("featbit-quickstart");
      expect(creates(r)).toEqual(EXPECTED_CREATES);
      expect(writes(emu().requests.all())).toEqual([]);
    } finally {
      removeStateDir(exampleState);
    }
  });

  it("creates everything, with outputs that match FeatBit and secret SDK keys", async () => {
    const r = await runStack("up", target);
    ok(r);
    expect(r.changes.create).toBe(10); // nine resources + the stack
    const found = await getProject();
    expect(found).toBeDefined();
    project = found as ProjectView;
    expect(project.name).toBe("Web shop");
    expect(r.outputs.projectId.value).toBe(project.id);
    expect(r.outputs.environments.value).toEqual({
      prod: prodEnv().id,
      dev: project.environments.find((e) => e.key === "dev")?.id,
    });
    expect(prodEnv().description).toBe("Production");

    for (const key of ["prodServerKey", "prodClientKey", "devServerKey"]) {
      expect(r.outputs[key]).toEqual({ value: "[secret]", secret: true });
    }
    const serverKey = prodEnv().secrets.find((s) => s.type === "server")?.value ?? "";
    expect(serverKey).not.toBe("");
    expect(r.log).not.toContain(serverKey);
    const revealed = await runStack("outputs", target, { showSecrets: true });
    expect(revealed.outputs.prodServerKey.value).toBe(serverKey);

    const flag = await getFlag(prodEnv().id, "new-checkout");
    expect(flag.isEnabled).toBe(true);
    expect(flag.variations.map((v) => v.name)).toEqual(["On", "Off"]);
    const on = flag.variations.find((v) => v.name === "On")?.id;
    expect(flag.targetUsers).toContainEqual(expect.objectContaining({ variationId: on, keyIds: ["alice"] }));
    expect(flag.rules.map((rule) => rule.name)).toEqual(["Beta users", "Canada"]);
    const canadaOn = flag.rules[1].variations.find((v) => v.id === on);
    expect((canadaOn?.rollout[1] ?? 0) - (canadaOn?.rollout[0] ?? 0)).toBeCloseTo(0.25);

    const segment = await api<{ key: string; included: string[] }>(
      emu(),
      "GET",
      `/envs/${prodEnv().id}/segments/${r.outputs.segmentId.value as string}`,
    );
    expect(segment.data).toEqual(expect.objectContaining({ key: "beta-users", included: ["alice"] }));

    const banner = await getFlag(prodEnv().id, "promo-banner");
    expect(r.outputs.bannerVariationIds.value).toEqual(
      Object.fromEntries(banner.variations.map((v) => [v.name, v.id])),
    );
    // Every step rewrites the whole state, so each resource stores no more than it must: the short provider text,
    // no second copy of the variation ids (the class derives `variationIds`), no adoption inputs nobody declared.
    const stored = (
      JSON.parse(readState(r)) as {
        checkpoint: { latest: { resources: { type: string; inputs: Props; outputs: Props }[] } };
      }
    ).checkpoint.latest.resources.filter((x) => x.type.startsWith(DYNAMIC));
    expect(stored).toHaveLength(9);
    for (const x of stored) {
      expect(Buffer.byteLength(JSON.stringify(x.inputs.__provider))).toBeLessThanOrEqual(256);
      expect(Object.keys(x.inputs)).not.toContain("adopt");
      expect(Object.keys(x.outputs)).not.toContain("adopt");
      expect(Object.keys(x.outputs)).not.toContain("variationIds");
    }
  });

  it("reports no changes on a second preview and makes zero API requests", async () => {
    emu().requests.clear();
    const r = await runStack("preview", target, { expectNoChanges: true });
    ok(r);
    expect(resourceSteps(r)).toEqual([]);
    expect(emu().requests.all()).toEqual([]);
  });

  it("previews and applies exactly one changed input (the Canada rollout)", async () => {
    const preview = await runStack("preview", target, { config: { rolloutPercent: "40" } });
    ok(preview);
    expect(resourceSteps(preview).map((s) => `${s.op} ${s.name}`)).toEqual(["update checkout-targeting"]);
    expect(resourceSteps(preview)[0].diffs).toContain("rules");

    emu().requests.clear();
    const up = await runStack("up", target);
    ok(up);
    expect(resourceSteps(up).map((s) => `${s.op} ${s.name}`)).toEqual(["update checkout-targeting"]);
    const flagPath = `/envs/${prodEnv().id}/feature-flags/new-checkout`;
    expect(writes(emu().requests.all())).toEqual([`PUT /api/v1${flagPath}/targeting`]);
    // Reads only of the flag being changed (current revision and variation ids) and of the segment its rules name
    // (which must be live in the flag's environment before a rule may name it).
    const segmentPath = `/envs/${prodEnv().id}/segments/${up.outputs.segmentId.value as string}`;
    for (const req of emu().requests.all()) {
      expect([flagPath, segmentPath].some((p) => req.path.startsWith(`/api/v1${p}`))).toBe(true);
    }
    expect(
      emu()
        .requests.all()
        .filter((r) => r.path.startsWith(`/api/v1${segmentPath}`)),
    ).toHaveLength(1);

    const flag = await getFlag(prodEnv().id, "new-checkout");
    const on = flag.variations.find((v) => v.name === "On")?.id;
    const canadaOn = flag.rules[1].variations.find((v) => v.id === on);
    expect((canadaOn?.rollout[1] ?? 0) - (canadaOn?.rollout[0] ?? 0)).toBeCloseTo(0.4);
  });

  it("reports drift made in FeatBit behind Pulumi's back on refresh, and up restores the code's value", async () => {
    const renamed = await api<string>(emu(), "PUT", `/envs/${prodEnv().id}/feature-flags/promo-banner/name`, {
      name: "Renamed in the UI",
    });
    expect(renamed.success).toBe(true);

    const r = await runStack("refresh", target);
    ok(r);
    expect(resourceSteps(r)).toEqual([expect.objectContaining({ op: "refresh", name: "banner" })]);
    expect(resourceSteps(r)[0].diffs).toContain("name");

    const preview = await runStack("preview", target);
    ok(preview);
    expect(resourceSteps(preview)).toEqual([expect.objectContaining({ op: "update", name: "banner" })]);
    ok(await runStack("up", target));
    expect((await getFlag(prodEnv().id, "promo-banner")).name).toBe("Promo banner");
  });

  it("fails a bad input at preview with the property and the reason, before any API write", async () => {
    emu().requests.clear();
    // 150% to "On" leaves -50% for "Off": the provider's check must refuse it.
    try {
      const r = await runStack("preview", target, { config: { rolloutPercent: "150" } });
      expect(r.ok).toBe(false);
      const text = visibleText(r);
      expect(text).toContain("checkout-targeting");
      expect(text).toMatch(/has a problem: rules\[1\]\.serve\.rollout\[\d\]\.percent: /);
      expect(text).not.toContain("<nil>");
      expect(text).toMatch(/percent/i);
      expect(writes(emu().requests.all())).toEqual([]);
    } finally {
      ok(await runStack("preview", target, { config: { rolloutPercent: "40" }, expectNoChanges: true }));
    }
  });

  it("a second stack declaring the same project fails with the safe ways out, and its destroy leaves the first's", async () => {
    // Another stack (or this program after its folder was renamed, which starts a new stack) declares the same
    // project: exactly what the first stack created, so nothing about the object tells whose it is.
    const dupState = makeStateDir("quickstart-dup");
    const before = JSON.stringify(await getProject());
    try {
      const r = await runStack("up", { ...target, stack: "dup", stateDir: dupState });
      expect(r.ok).toBe(false);
      const text = visibleText(r);
      expect(text).toMatch(
        /a project with key 'shop' already exists in FeatBit \(id [0-9a-f-]+\), and this stack has no evidence that it created it/,
      );
      // The safe ways out, in order: the stack that created it, a killed run's recovery, adopting knowingly.
      expect(text).toMatch(
        /renamed or moved.*pulumi stack ls.*featbit-recover.*adopt: true.*released, not deleted/s,
      );
      expect(text).not.toContain(emu().token);
      ok(await runStack("destroy", { ...target, stack: "dup", stateDir: dupState }));
      // The first stack's project is as it was, and its stack still sees no change.
      expect(JSON.stringify(await getProject())).toBe(before);
      ok(await runStack("preview", target, { expectNoChanges: true }));
    } finally {
      removeStateDir(dupState);
    }
  });

  it("never writes the access token to the state file or the CLI output", async () => {
    const r = await runStack("preview", target);
    ok(r);
    const state = readState(r);
    // Given as FEATBIT_ACCESS_TOKEN (the runner's settings), the token is not stack config, so not in the state in
    // any form (stack config would be, encrypted: see test/e2e/credentials.test.ts).
    expect(state).not.toContain("featbit:accessToken");
    expect(state).not.toContain(emu().token);
    expect(visibleText(r)).not.toContain(emu().token);
    // SDK keys are secret outputs, so they are encrypted in state too.
    const serverKey = prodEnv().secrets.find((s) => s.type === "server")?.value ?? "";
    expect(state).not.toContain(serverKey);
  });

  it("destroys everything the stack made", async () => {
    const r = await runStack("destroy", target);
    ok(r);
    expect(r.changes.delete).toBe(10);
    expect(await getProject()).toBeUndefined();
    expect(readState(r)).not.toContain(emu().token);
    const persisted = readPersisted(world.started.dataFile);
    const ours = new Set([project.id, ...project.environments.map((e) => e.id)]);
    expect(persisted.projects.filter((p) => ours.has(p.id))).toEqual([]);
    expect(persisted.environments.filter((e) => ours.has(e.id))).toEqual([]);
    expect(persisted.flags.filter((f) => ours.has(f.envId))).toEqual([]);
    expect(persisted.segments.filter((s) => ours.has(s.envId))).toEqual([]);
  });
});
