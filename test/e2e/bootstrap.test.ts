// examples/bootstrap through the user's own `pulumi` command: a platform stack standing up one project in two FeatBit
// installations (the default one and one named "cloud", configured with `pulumi config set --path
// featbit:installations.cloud.…` as the README shows) with ProjectBootstrap, and an application stack reading its SDK
// key through a StackReference from the same backend.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { copyProgram, digest, pulumiIn, userEnv, type PulumiFolder } from "./support/cli";
import { api, EMULATOR_ORG_KEY, startFreshEmulator, writes, type StartedEmulator } from "./support/featbit";
import { ensureCli, makeStateDir, removeStateDir, REPO_ROOT } from "./support/stack";

interface ProjectView {
  id: string;
  key: string;
  environments: { id: string; key: string; name: string; secrets: { type: string; value: string }[] }[];
}

let selfHosted: StartedEmulator;
let cloud: StartedEmulator;
let stateDir: string;
let backend: string;
let platform: PulumiFolder;
let app: PulumiFolder;
const printed: string[] = [];

/** Runs `pulumi <args>` in the folder, keeping what it printed; throws unless it exits 0. */
const ok = async (folder: PulumiFolder, args: string[], input?: string) => {
  const r = await folder.ok(args, { input });
  printed.push(r.stdout, r.stderr);
  return r;
};
const stateOf = (project: string) => path.join(backend, ".pulumi", "stacks", project, "dev.json");

beforeAll(
  async () => {
    ensureCli();
    [selfHosted, cloud] = await Promise.all([startFreshEmulator(), startFreshEmulator()]);
    stateDir = makeStateDir("bootstrap");
    backend = path.join(stateDir, "backend");
    fs.mkdirSync(backend);
    const env = userEnv(path.join(stateDir, "pulumi-home"), "bootstrap-e2e");
    const copy = (name: string) =>
      copyProgram(path.join(REPO_ROOT, "examples", "bootstrap", name), path.join(stateDir, name));
    platform = pulumiIn(copy("platform"), env);
    app = pulumiIn(copy("app"), env);
    await ok(platform, ["login", `file://${backend}`]);
    await ok(platform, ["stack", "init", "dev"]);
    // The default installation…
    await ok(platform, ["config", "set", "featbit:apiUrl", selfHosted.emulator.url]);
    await ok(platform, ["config", "set", "--secret", "featbit:accessToken"], selfHosted.emulator.token);
    await ok(platform, ["config", "set", "featbit:organizationKey", EMULATOR_ORG_KEY]);
    // …and the one named "cloud", under featbit:installations.
    await ok(platform, ["config", "set", "--path", "featbit:installations.cloud.apiUrl", cloud.emulator.url]);
    await ok(
      platform,
      ["config", "set", "--path", "--secret", "featbit:installations.cloud.accessToken"],
      cloud.emulator.token,
    );
    await ok(platform, [
      "config",
      "set",
      "--path",
      "featbit:installations.cloud.organizationKey",
      EMULATOR_ORG_KEY,
    ]);
    await ok(app, ["stack", "init", "dev"]);
    await ok(app, ["config", "set", "platformStack", "organization/bootstrap-platform/dev"]);
  },
  40 * 60 * 1000,
);

afterAll(async () => {
  await Promise.all([selfHosted?.emulator.close(), cloud?.emulator.close()]);
  for (const e of [selfHosted, cloud]) if (e) fs.rmSync(e.tmpDir, { recursive: true, force: true });
  if (stateDir) removeStateDir(stateDir);
});

const shop = async (e: StartedEmulator) =>
  (await api<ProjectView[]>(e.emulator, "GET", "/projects")).data.find((p) => p.key === "shop");

it("keeps the named installation's settings nested in the stack's config, its token encrypted", () => {
  const config = fs.readFileSync(path.join(platform.dir, "Pulumi.dev.yaml"), "utf8");
  const installations = (parse(config) as { config: Record<string, unknown> }).config[
    "featbit:installations"
  ];
  expect(installations).toEqual({
    cloud: {
      apiUrl: cloud.emulator.url,
      accessToken: { secure: expect.stringMatching(/^v1:/) as unknown },
      organizationKey: EMULATOR_ORG_KEY,
    },
  });
  expect(config).not.toContain(cloud.emulator.token);
});

it("stands the project up in both installations, each with its environments, flags and segments", async () => {
  const r = await ok(platform, ["up", "--yes"]);
  expect(r.stdout).toMatch(/\+ \d+ created/);
  const staging = await shop(selfHosted);
  const prod = await shop(cloud);
  expect(staging?.environments.map((e) => e.key).sort()).toEqual(["dev", "prod", "staging"]);
  expect(prod?.environments.find((e) => e.key === "prod")?.name).toBe("Production");
  for (const [e, env] of [
    [selfHosted, "staging"],
    [selfHosted, "dev"],
    [cloud, "prod"],
  ] as const) {
    const envId = (await shop(e))!.environments.find((x) => x.key === env)!.id;
    const flags = await api<{ items: { key: string }[] }>(e.emulator, "GET", `/envs/${envId}/feature-flags`);
    expect(flags.data.items.map((f) => f.key).sort()).toEqual(["new-checkout", "theme"]);
  }
  const outputs = JSON.parse((await ok(platform, ["stack", "output", "--json"])).stdout) as Record<
    string,
    unknown
  >;
  expect(JSON.stringify(outputs.sdkKeys)).toContain("[secret]");
  for (const e of [selfHosted, cloud]) e.emulator.requests.clear();
  const again = digest(await ok(platform, ["preview", "--expect-no-changes", "--json"]));
  expect(Object.keys(again.changeSummary)).toEqual(["same"]);
  expect([...selfHosted.emulator.requests.all(), ...cloud.emulator.requests.all()]).toEqual([]);
});

it("an application stack reads its environment's SDK key through a StackReference, as a secret", async () => {
  await ok(app, ["up", "--yes"]);
  const masked = JSON.parse((await ok(app, ["stack", "output", "--json"])).stdout) as Record<string, unknown>;
  expect(masked.featbitServerKey).toBe("[secret]");
  const prodKey = (await shop(cloud))!.environments
    .find((e) => e.key === "prod")!
    .secrets.find((s) => s.type === "server")!.value;
  expect((await ok(app, ["stack", "output", "featbitServerKey", "--show-secrets"])).stdout.trim()).toBe(
    prodKey,
  );
  expect(fs.readFileSync(stateOf("bootstrap-app"), "utf8")).not.toContain(prodKey);
});

it("destroys both stacks, leaving the installations as they were", async () => {
  await ok(app, ["destroy", "--yes"]);
  await ok(platform, ["destroy", "--yes"]);
  expect(await shop(selfHosted)).toBeUndefined();
  expect(await shop(cloud)).toBeUndefined();
  expect(writes(cloud.emulator.requests.all()).length).toBeGreaterThan(0);
});

it("never wrote either token to a state, a stack's config or the CLI's output", () => {
  const files = [
    stateOf("bootstrap-platform"),
    stateOf("bootstrap-app"),
    path.join(platform.dir, "Pulumi.dev.yaml"),
  ];
  for (const token of [selfHosted.emulator.token, cloud.emulator.token]) {
    expect(files.filter((f) => fs.readFileSync(f, "utf8").includes(token))).toEqual([]);
    expect(printed.filter((text) => text.includes(token))).toEqual([]);
  }
});
