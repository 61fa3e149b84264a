// examples/bootstrap: a platform stack standing up one project in two FeatBit installations (the default one and one
// named "cloud") with ProjectBootstrap, and an application stack reading its SDK key through a StackReference.
import * as fs from "node:fs";
import * as path from "node:path";
import { api, EMULATOR_ORG_KEY, startFreshEmulator, writes, type StartedEmulator } from "./support/featbit";
import {
  ensureCli,
  expectOk,
  makeStateDir,
  removeStateDir,
  REPO_ROOT,
  runStack,
  visibleText,
  type StackTarget,
} from "./support/stack";

interface ProjectView {
  id: string;
  key: string;
  environments: { id: string; key: string; name: string; secrets: { type: string; value: string }[] }[];
}

let selfHosted: StartedEmulator;
let cloud: StartedEmulator;
let stateDir: string;
let platform: StackTarget;
let app: StackTarget;
const savedEnv = { ...process.env };

beforeAll(
  async () => {
    ensureCli();
    [selfHosted, cloud] = await Promise.all([startFreshEmulator(), startFreshEmulator()]);
    stateDir = makeStateDir("bootstrap");
    // The named installation comes from FEATBIT_CLOUD_… variables here (stack config works alike, see the README).
    process.env.FEATBIT_CLOUD_API_URL = cloud.emulator.url;
    process.env.FEATBIT_CLOUD_ACCESS_TOKEN = cloud.emulator.token;
    process.env.FEATBIT_CLOUD_ORGANIZATION_KEY = EMULATOR_ORG_KEY;
    const settings = {
      apiUrl: selfHosted.emulator.url,
      accessToken: selfHosted.emulator.token,
      organizationKey: EMULATOR_ORG_KEY,
    };
    platform = { dir: path.join(REPO_ROOT, "examples/bootstrap/platform"), stack: "dev", stateDir, settings };
    app = {
      dir: path.join(REPO_ROOT, "examples/bootstrap/app"),
      stack: "dev",
      stateDir,
      settings,
      config: { platformStack: "organization/bootstrap-platform/dev" },
    };
  },
  40 * 60 * 1000,
);

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([selfHosted?.emulator.close(), cloud?.emulator.close()]);
  for (const e of [selfHosted, cloud]) if (e) fs.rmSync(e.tmpDir, { recursive: true, force: true });
  if (stateDir) removeStateDir(stateDir);
});

const shop = async (e: StartedEmulator) =>
  (await api<ProjectView[]>(e.emulator, "GET", "/projects")).data.find((p) => p.key === "shop");

it("stands the project up in both installations, each with its environments, flags and segments", async () => {
  const r = await runStack("up", platform);
  expectOk(r);
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
  expect(r.outputs.sdkKeys.secret).toBe(true);
  const state = fs.readFileSync(r.stateFile, "utf8");
  for (const token of [selfHosted.emulator.token, cloud.emulator.token]) {
    expect(state).not.toContain(token);
    expect(visibleText(r)).not.toContain(token);
  }
  for (const e of [selfHosted, cloud]) e.emulator.requests.clear();
  const again = await runStack("preview", platform, { expectNoChanges: true });
  expectOk(again);
  expect([...selfHosted.emulator.requests.all(), ...cloud.emulator.requests.all()]).toEqual([]);
});

it("an application stack reads its environment's SDK key through a StackReference, as a secret", async () => {
  const r = await runStack("up", app);
  expectOk(r);
  expect(r.outputs.featbitServerKey).toEqual({ value: "[secret]", secret: true });
  const shown = await runStack("outputs", { ...app, config: undefined }, { showSecrets: true });
  const prodKey = (await shop(cloud))!.environments
    .find((e) => e.key === "prod")!
    .secrets.find((s) => s.type === "server")!.value;
  expect(shown.outputs.featbitServerKey.value).toBe(prodKey);
  expect(fs.readFileSync(r.stateFile, "utf8")).not.toContain(prodKey);
});

it("destroys both stacks, leaving the installations as they were", async () => {
  expectOk(await runStack("destroy", app));
  const r = await runStack("destroy", platform);
  expectOk(r);
  expect(await shop(selfHosted)).toBeUndefined();
  expect(await shop(cloud)).toBeUndefined();
  expect(writes(cloud.emulator.requests.all()).length).toBeGreaterThan(0);
});
