// examples/quickstart through the user's own `pulumi` command (the CLI and the Node.js language host scripts/pulumi
// builds), against a fresh FeatBit emulator: login to a file backend, stack init, config set (plain and --secret),
// preview, up, preview --expect-no-changes, a changed input, refresh after drift, a bad input, destroy. The program is
// a copy of the example in its own folder; the language host runs it there, type-checking it with ts-node.
// The demo stack (the root Pulumi.yaml, whose main is the same program) runs through the runner, as `npm run demo`.
import * as fs from "node:fs";
import * as path from "node:path";
import {
  changed,
  copyProgram,
  digest,
  pulumiIn,
  userEnv,
  type CliRun,
  type PulumiFolder,
} from "./support/cli";
import { api, readPersisted, writes } from "./support/featbit";
import { expectOk, REPO_ROOT, resourceSteps, runStack } from "./support/stack";
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
  tags: string[];
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

/** What `pulumi preview` lists to create, as the user reads it: "+  <type> <name> create". */
function creates(run: CliRun): string[] {
  return [...run.stdout.matchAll(/^\s*\+\s+pulumi-nodejs:dynamic\/featbit:(\w+) (\S+) create/gm)]
    .map((m) => `${m[1]} ${m[2]}`)
    .sort();
}

describe("examples/quickstart through the user's own pulumi command", () => {
  const world = e2eWorld("quickstart");
  const emu = () => world.emulator;
  let program: string;
  let backend: string;
  let cli: PulumiFolder;
  let project: ProjectView;
  /** Everything every command printed, to look for the token in. */
  const printed: string[] = [];
  const run = async (args: string[], options?: { input?: string }): Promise<CliRun> => {
    const r = await cli.run(args, options);
    printed.push(r.stdout, r.stderr);
    return r;
  };
  const ok = async (args: string[], options?: { input?: string }): Promise<CliRun> => {
    const r = await run(args, options);
    if (r.status !== 0)
      throw new Error(`${r.command} exited with ${String(r.status)}:\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const stateFile = () => path.join(backend, ".pulumi", "stacks", "featbit-quickstart", "e2e.json");
  const prodEnv = (): ProjectView["environments"][number] => {
    const env = project.environments.find((e) => e.key === "prod");
    if (!env) throw new Error("prod environment missing");
    return env;
  };
  const getProject = async (): Promise<ProjectView | undefined> =>
    (await api<ProjectView[]>(emu(), "GET", "/projects")).data.find((p) => p.key === "shop");
  const getFlag = async (envId: string, key: string): Promise<FlagView> =>
    (await api<FlagView>(emu(), "GET", `/envs/${envId}/feature-flags/${key}`)).data;
  const outputs = async (...flags: string[]): Promise<Record<string, unknown>> =>
    JSON.parse((await ok(["stack", "output", "--json", ...flags])).stdout) as Record<string, unknown>;
  /** The three settings, as the README has the user set them: the token as a secret, through stdin. */
  const configure = async () => {
    await ok(["config", "set", "featbit:apiUrl", emu().url]);
    await ok(["config", "set", "--secret", "featbit:accessToken"], { input: emu().token });
    await ok(["config", "set", "featbit:organizationKey", world.settings().organizationKey ?? ""]);
  };

  beforeAll(async () => {
    // The program in its own folder; inside the repository, so pulumi-featbit and @pulumi/pulumi resolve from its
    // node_modules as they would from the program's own.
    program = path.join(world.stateDir, "quickstart");
    backend = path.join(world.stateDir, "backend");
    copyProgram(path.join(REPO_ROOT, "examples", "quickstart"), program);
    fs.mkdirSync(backend, { recursive: true });
    cli = pulumiIn(program, userEnv(path.join(world.stateDir, "pulumi-home"), "quickstart-e2e"));
    await ok(["login", `file://${backend}`]);
    await ok(["stack", "init", "e2e"]);
    await configure();
  });

  it("keeps the settings in the program's Pulumi.e2e.yaml, the token encrypted", () => {
    const config = fs.readFileSync(path.join(program, "Pulumi.e2e.yaml"), "utf8");
    expect(config).toContain(`featbit:apiUrl: ${emu().url}`);
    expect(config).toMatch(/featbit:accessToken:\n\s+secure: v1:/);
    expect(config).not.toContain(emu().token);
  });

  it("previews the creates without writing anything", async () => {
    emu().requests.clear();
    const r = await ok(["preview"]);
    expect(creates(r)).toEqual(EXPECTED_CREATES);
    expect(r.stdout).toContain("+ 10 to create");
    // FeatBit has assigned no variation ids yet: the map is unknown, not empty.
    expect(r.stdout).toMatch(/bannerVariationIds\s*: \[unknown\]/);
    expect(writes(emu().requests.all())).toEqual([]);
  });

  it("creates everything, with outputs that match FeatBit and secret SDK keys", async () => {
    const r = await ok(["up", "--yes"]);
    expect(r.stdout).toContain("+ 10 created");
    const found = await getProject();
    expect(found).toBeDefined();
    project = found as ProjectView;
    expect(project.name).toBe("Web shop");
    const out = await outputs();
    expect(out.projectId).toBe(project.id);
    expect(out.environments).toEqual({
      prod: prodEnv().id,
      dev: project.environments.find((e) => e.key === "dev")?.id,
    });
    expect(prodEnv().description).toBe("Production");
    for (const key of ["prodServerKey", "prodClientKey", "devServerKey"]) expect(out[key]).toBe("[secret]");
    const serverKey = prodEnv().secrets.find((s) => s.type === "server")?.value ?? "";
    expect(serverKey).not.toBe("");
    expect(r.stdout).not.toContain(serverKey);
    expect((await outputs("--show-secrets")).prodServerKey).toBe(serverKey);

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
      `/envs/${prodEnv().id}/segments/${out.segmentId as string}`,
    );
    expect(segment.data).toEqual(expect.objectContaining({ key: "beta-users", included: ["alice"] }));
    const banner = await getFlag(prodEnv().id, "promo-banner");
    expect(out.bannerVariationIds).toEqual(Object.fromEntries(banner.variations.map((v) => [v.name, v.id])));

    // Every step rewrites the whole state, so each resource stores no more than it must: the short provider text,
    // no second copy of the variation ids (the class derives `variationIds`), no adoption inputs nobody declared.
    const stored = (
      JSON.parse(fs.readFileSync(stateFile(), "utf8")) as {
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

  it("has nothing to change on `preview --expect-no-changes`, and makes zero API requests", async () => {
    emu().requests.clear();
    const r = await ok(["preview", "--expect-no-changes"]);
    expect(r.stdout).toContain("10 unchanged");
    expect(emu().requests.all()).toEqual([]);
  });

  it("previews and applies exactly one changed input (the Canada rollout)", async () => {
    await ok(["config", "set", "rolloutPercent", "40"]);
    const preview = digest(await ok(["preview", "--json"]));
    expect(changed(preview)).toEqual(["update checkout-targeting"]);
    const step = preview.steps.find((s) => s.urn.endsWith("::checkout-targeting"));
    expect(JSON.stringify(step?.newState?.inputs?.rules)).not.toBe(
      JSON.stringify(step?.oldState?.inputs?.rules),
    );

    emu().requests.clear();
    const up = await ok(["up", "--yes"]);
    expect(up.stdout).toContain("~ 1 updated");
    const flagPath = `/envs/${prodEnv().id}/feature-flags/new-checkout`;
    expect(writes(emu().requests.all())).toEqual([`PUT /api/v1${flagPath}/targeting`]);
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

    const refresh = digest(await ok(["refresh", "--yes", "--json"]));
    expect(refresh.summary).toEqual({ same: 9, update: 1 });
    const preview = digest(await ok(["preview", "--json"]));
    expect(changed(preview)).toEqual(["update banner"]);
    await ok(["up", "--yes"]);
    expect((await getFlag(prodEnv().id, "promo-banner")).name).toBe("Promo banner");
  });

  it("runs the program's resource transforms (the language host hands the program the engine's own monitor)", async () => {
    const index = path.join(program, "index.ts");
    const original = fs.readFileSync(index, "utf8");
    fs.writeFileSync(
      index,
      `${original}\npulumi.runtime.registerResourceTransform(async ({ type, props, opts }) =>\n` +
        `  type.endsWith(":FeatureFlag") ? { props: { ...props, tags: ["transformed"] }, opts } : undefined,\n);\n`,
    );
    try {
      const preview = digest(await ok(["preview", "--json"]));
      expect(changed(preview).sort()).toEqual(["update banner", "update checkout", "update checkout-dev"]);
    } finally {
      fs.writeFileSync(index, original);
    }
  });

  it("type-checks the program: a type error stops the preview with tsc's message", async () => {
    const index = path.join(program, "index.ts");
    const original = fs.readFileSync(index, "utf8");
    fs.writeFileSync(index, original.replace('name: "Web shop"', "name: 42"));
    try {
      emu().requests.clear();
      const r = await run(["preview"]);
      expect(r.status).not.toBe(0);
      expect(`${r.stdout}${r.stderr}`).toMatch(
        /index\.ts\(\d+,\d+\): error TS2322: Type 'number' is not assignable/,
      );
      expect(emu().requests.all()).toEqual([]);
    } finally {
      fs.writeFileSync(index, original);
    }
  });

  it("fails a bad input at preview with the property and the reason, before any API write", async () => {
    emu().requests.clear();
    // 150% to "On" leaves -50% for "Off": the provider's check must refuse it.
    await ok(["config", "set", "rolloutPercent", "150"]);
    try {
      const r = await run(["preview"]);
      expect(r.status).not.toBe(0);
      const text = `${r.stdout}${r.stderr}`;
      expect(text).toContain("checkout-targeting");
      expect(text).toMatch(/has a problem: rules\[1\]\.serve\.rollout\[\d\]\.percent: /);
      expect(text).not.toContain("<nil>");
      expect(writes(emu().requests.all())).toEqual([]);
    } finally {
      await ok(["config", "set", "rolloutPercent", "40"]);
      await ok(["preview", "--expect-no-changes"]);
    }
  });

  it("a second stack declaring the same project fails with the safe ways out, and its destroy leaves the first's", async () => {
    // Another stack (or this program after its folder was renamed, which starts a new stack) declares the same
    // project: exactly what the first stack created, so nothing about the object tells whose it is.
    const before = JSON.stringify(await getProject());
    await ok(["stack", "init", "dup"]);
    try {
      await configure();
      const r = await run(["up", "--yes"]);
      expect(r.status).not.toBe(0);
      const text = `${r.stdout}${r.stderr}`.replace(/\s+/g, " ");
      expect(text).toMatch(
        /a project with key 'shop' already exists in FeatBit \(id [0-9a-f-]+\), and this stack has no evidence that it created it/,
      );
      // The safe ways out, in order: the stack that created it, a killed run's recovery, adopting knowingly.
      expect(text).toMatch(
        /renamed or moved.*pulumi stack ls.*featbit-recover.*adopt: true.*released, not deleted/,
      );
      await ok(["destroy", "--yes"]);
      // The first stack's project is as it was, and its stack sees no change.
      expect(JSON.stringify(await getProject())).toBe(before);
      await ok(["stack", "select", "e2e"]);
      await ok(["preview", "--expect-no-changes"]);
    } finally {
      await ok(["stack", "select", "e2e"]);
    }
  });

  it("never writes the access token to the state, the stack's config or the CLI's output", () => {
    const state = fs.readFileSync(stateFile(), "utf8");
    expect(state).not.toContain(emu().token);
    expect(fs.readFileSync(path.join(program, "Pulumi.e2e.yaml"), "utf8")).not.toContain(emu().token);
    expect(printed.filter((text) => text.includes(emu().token))).toEqual([]);
    // SDK keys are secret outputs, so they are encrypted in state too.
    const serverKey = prodEnv().secrets.find((s) => s.type === "server")?.value ?? "";
    expect(state).not.toContain(serverKey);
  });

  it("destroys everything the stack made", async () => {
    const r = await ok(["destroy", "--yes"]);
    expect(r.stdout).toContain("- 10 deleted");
    expect(await getProject()).toBeUndefined();
    const persisted = readPersisted(world.started.dataFile);
    const ours = new Set([project.id, ...project.environments.map((e) => e.id)]);
    expect(persisted.projects.filter((p) => ours.has(p.id))).toEqual([]);
    expect(persisted.environments.filter((e) => ours.has(e.id))).toEqual([]);
    expect(persisted.flags.filter((f) => ours.has(f.envId))).toEqual([]);
    expect(persisted.segments.filter((s) => ours.has(s.envId))).toEqual([]);
  });

  it("the demo stack (the root Pulumi.yaml, main: examples/quickstart/index.ts) previews through the runner", async () => {
    const r = await runStack("preview", world.target(REPO_ROOT));
    expectOk(r);
    expect(r.project).toBe("featbit-demo");
    expect(
      resourceSteps(r)
        .filter((s) => s.op === "create")
        .map((s) => `${s.type.replace(DYNAMIC, "")} ${s.name}`)
        .sort(),
    ).toEqual(EXPECTED_CREATES);
  });
});
