// The lookups run in the user's program: they read the settings themselves (stack config, then the environment),
// find exactly what was asked for or say what was not found, keep SDK keys secret, and, in their Output form, make no
// API call while an argument is unknown.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DEVELOPER_POLICY_ID, startEmulator } from "../../provider/emulator";
import {
  getEnvironment,
  getEnvironmentOutput,
  getFeatureFlag,
  getFeatureFlagOutput,
  getGroup,
  getMember,
  getPolicy,
  getPolicyOutput,
  getProject,
  getSegment,
  LookupError,
} from "../../provider/lookups";
import { startProviderHarness, type ProviderHarness } from "../support/providerHarness";

interface ProjectView {
  id: string;
  key: string;
  environments: { id: string; key: string; secrets: { type: string; value: string }[] }[];
}

let h: ProviderHarness;
let project: ProjectView;
let prodId: string;
const SETTINGS_VARS = [
  "FEATBIT_API_URL",
  "FEATBIT_ACCESS_TOKEN",
  "FEATBIT_CI_API_URL",
  "FEATBIT_CI_ACCESS_TOKEN",
];

beforeAll(async () => {
  h = await startProviderHarness();
  project = (await h.api<ProjectView>("POST", "/projects", { name: "Shop", key: "shop" })).body;
  prodId = project.environments.find((e) => e.key === "prod")!.id;
  const on = "00000000-0000-4000-8000-000000000001";
  await h.api("POST", `/envs/${prodId}/feature-flags`, {
    name: "New checkout",
    key: "new-checkout",
    isEnabled: true,
    variationType: "boolean",
    variations: [
      { id: on, name: "On", value: "true" },
      { id: "00000000-0000-4000-8000-000000000002", name: "Off", value: "false" },
    ],
    enabledVariationId: on,
    disabledVariationId: "00000000-0000-4000-8000-000000000002",
    tags: ["checkout"],
  });
  for (const key of ["beta-users", "old-users"]) {
    await h.api("POST", `/envs/${prodId}/segments`, {
      type: "environment-specific",
      name: key,
      key,
      description: "",
      scopes: [`organization/playground:project/shop:env/prod`],
    });
  }
  const old = await h.api<{ items: { id: string; key: string }[] }>("GET", `/envs/${prodId}/segments`);
  await h.api(
    "PUT",
    `/envs/${prodId}/segments/${old.body.items.find((s) => s.key === "old-users")!.id}/archive`,
  );
  await h.api("POST", "/groups", { name: "Release engineers", description: "ship it" });
  await h.api("POST", "/members/add", { email: "Lead@Example.com", policyIds: [DEVELOPER_POLICY_ID] });
});
afterAll(async () => {
  for (const name of SETTINGS_VARS) delete process.env[name];
  await h.close();
});
beforeEach(() => {
  // The environment, as in CI; stack config is tested on its own below.
  process.env.FEATBIT_API_URL = h.emulator.url;
  process.env.FEATBIT_ACCESS_TOKEN = h.emulator.token;
  pulumi.runtime.setAllConfig({});
  h.emulator.requests.clear();
});

/** The value of an Output (and whether it is a secret). */
function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

async function failure(work: Promise<unknown>): Promise<string> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LookupError);
  // Pulumi shows a RunError's message alone, without a stack trace.
  expect(pulumi.RunError.isInstance(err)).toBe(true);
  const message = (err as Error).message;
  expect(message).not.toContain(h.emulator.token);
  return message;
}

describe("projects and environments", () => {
  test("a project by key (FeatBit compares keys ignoring case)", async () => {
    const found = await getProject({ key: "SHOP" });
    expect(found).toMatchObject({ projectId: project.id, key: "shop", name: "Shop" });
    expect(found.environments.map((e) => e.key).sort()).toEqual(["dev", "prod"]);
    expect(await failure(getProject({ key: "shopp" }))).toBe(
      "getProject(key 'shopp'): no project with key 'shopp' is visible to this access token; did you mean 'shop'?",
    );
  });

  test("an environment by project key or id, with its SDK keys as secrets", async () => {
    const env = await getEnvironment({ projectKey: "shop", key: "prod" });
    expect(env).toMatchObject({
      environmentId: prodId,
      projectId: project.id,
      projectKey: "shop",
      key: "prod",
    });
    const server = project.environments
      .find((e) => e.key === "prod")!
      .secrets.find((s) => s.type === "server")!;
    expect(await pulumi.isSecret(env.serverKey)).toBe(true);
    expect(await pulumi.isSecret(env.clientKey)).toBe(true);
    expect(await valueOf(env.serverKey)).toBe(server.value);
    expect(JSON.stringify(env)).not.toContain(server.value);

    expect((await getEnvironment({ projectId: project.id, key: "Dev" })).key).toBe("dev");
    expect(await failure(getEnvironment({ projectKey: "shop", key: "stage" }))).toBe(
      "getEnvironment(project 'shop', key 'stage'): project 'shop' has no environment with key 'stage' visible to this access token (it has 'prod', 'dev')",
    );
    expect(
      await failure(getEnvironment({ projectKey: "shop", projectId: project.id, key: "prod" })),
    ).toContain("give either projectKey or projectId, not both");
  });

  test("the Output form keeps the SDK keys secret and the rest plain", async () => {
    const env = getEnvironmentOutput({ projectKey: pulumi.output("shop"), key: "prod" });
    expect(await pulumi.isSecret(env.environmentId)).toBe(false);
    expect(await valueOf(env.environmentId)).toBe(prodId);
    expect(await pulumi.isSecret(env.serverKey)).toBe(true);
  });
});

describe("flags and segments", () => {
  test("a flag by environment and exact key", async () => {
    const flag = await getFeatureFlag({ environmentId: prodId, key: "new-checkout" });
    expect(flag).toMatchObject({
      environmentId: prodId,
      key: "new-checkout",
      name: "New checkout",
      variationType: "boolean",
      enabled: true,
      archived: false,
      tags: ["checkout"],
    });
    expect(flag.variations.map((v) => v.name)).toEqual(["On", "Off"]);
    expect(await failure(getFeatureFlag({ environmentId: prodId, key: "New-Checkout" }))).toBe(
      `getFeatureFlag(environment ${prodId}, key 'New-Checkout'): environment 'shop/prod' has no flag with key 'New-Checkout'; did you mean 'new-checkout'?`,
    );
    const missing = "11111111-2222-4333-8444-555555555555";
    expect(await failure(getFeatureFlag({ environmentId: missing, key: "x" }))).toContain(
      `no environment with id ${missing} is visible to this access token`,
    );
  });

  test("a segment by environment and key; an archived one is reported as such", async () => {
    const segment = await getSegment({ environmentId: prodId, key: "beta-users" });
    expect(segment).toMatchObject({ key: "beta-users", type: "environment-specific", environmentId: prodId });
    expect(await failure(getSegment({ environmentId: prodId, key: "old-users" }))).toContain(
      "segment 'old-users' of environment 'shop/prod' is archived",
    );
    expect(await failure(getSegment({ environmentId: prodId, key: "beta-user" }))).toContain(
      "has no segment with key 'beta-user'; did you mean 'beta-users'?",
    );
  });

  test("two active segments with one key are an error naming both, not a choice", async () => {
    for (const name of ["Twin A", "Twin B"]) {
      await h.api("POST", `/envs/${prodId}/segments`, {
        type: "environment-specific",
        name,
        key: "twins",
        description: "",
        scopes: [`organization/playground:project/shop:env/prod`],
      });
    }
    const listed = await h.api<{ items: { id: string; key: string }[] }>("GET", `/envs/${prodId}/segments`);
    const twins = listed.body.items.filter((s) => s.key === "twins").map((s) => s.id);
    expect(twins).toHaveLength(2);
    const message = await failure(getSegment({ environmentId: prodId, key: "twins" }));
    expect(message).toContain("2 segments of environment 'shop/prod' have key 'twins'");
    for (const id of twins) expect(message).toContain(id);
  });

  test("the Output form makes no API call while an argument is unknown", async () => {
    const unknownEnv = pulumi.output(pulumi.unknown) as unknown as pulumi.Output<string>;
    const flag = getFeatureFlagOutput({ environmentId: unknownEnv, key: "new-checkout" });
    let ran = false;
    flag.apply(() => (ran = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ran).toBe(false);
    expect(h.emulator.requests.all()).toEqual([]);
    // Known, it runs.
    const known = getFeatureFlagOutput({ environmentId: pulumi.output(prodId), key: "new-checkout" });
    expect(await valueOf(known.key)).toBe("new-checkout");
  });
});

describe("policies, groups and members", () => {
  test("a policy by exact name or by key, built-in ones included", async () => {
    const developer = await getPolicy({ name: "Developer" });
    expect(developer).toMatchObject({ policyId: DEVELOPER_POLICY_ID, key: "developer", builtIn: true });
    expect(developer.statements.length).toBeGreaterThan(0);
    expect((await getPolicy({ key: "DEVELOPER" })).policyId).toBe(DEVELOPER_POLICY_ID);
    expect(await failure(getPolicy({ name: "developer" }))).toBe(
      "getPolicy(name 'developer'): no policy is named 'developer'; did you mean 'Developer'?",
    );
    expect(await failure(getPolicy({}))).toContain("give either name or key, not neither");
    expect(await valueOf(getPolicyOutput({ name: "Owner" }).builtIn)).toBe(true);
  });

  test("two policies with one name are an error, not a choice", async () => {
    await h.api("POST", "/policies", { name: "Twice", key: "twice-1" });
    await h.api("POST", "/policies", { name: "Twice", key: "twice-2" });
    expect(await failure(getPolicy({ name: "Twice" }))).toContain("2 policies match");
  });

  test("a group by exact name, a member by email ignoring case", async () => {
    expect(await getGroup({ name: "Release engineers" })).toMatchObject({ description: "ship it" });
    expect(await failure(getGroup({ name: "release engineers" }))).toContain(
      "did you mean 'Release engineers'?",
    );
    const member = await getMember({ email: "lead@example.com" });
    expect(member).toMatchObject({ email: "Lead@Example.com", name: "Lead" });
    expect(Object.keys(member).sort()).toEqual(["email", "memberId", "name"]);
    expect(await failure(getMember({ email: "lea@example.com" }))).toContain(
      "no member of this organization has",
    );
  });
});

test("two members whose emails differ only in letter case: the one spelt as asked, else an error, never a choice", async () => {
  // FeatBit keeps users' emails as typed; the emulator refuses a second one, so the data is written directly.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lookups-members-"));
  const dataFile = path.join(dir, "data.json");
  try {
    await (await startEmulator({ dataFile })).close();
    const data = JSON.parse(fs.readFileSync(dataFile, "utf8")) as {
      users: { id: string; email: string; name: string; createdAt: string }[];
      members: { userId: string; invitorId: string | null; createdAt: string }[];
    };
    const twins = ["11111111-2222-4333-8444-000000000001", "11111111-2222-4333-8444-000000000002"];
    twins.forEach((id, i) => {
      data.users.push({
        id,
        email: i === 0 ? "twin@example.com" : "Twin@Example.com",
        name: "twin",
        createdAt: "",
      });
      data.members.push({ userId: id, invitorId: null, createdAt: "" });
    });
    fs.writeFileSync(dataFile, JSON.stringify(data));
    const emulator = await startEmulator({ dataFile });
    try {
      process.env.FEATBIT_API_URL = emulator.url;
      process.env.FEATBIT_ACCESS_TOKEN = emulator.token;
      // FeatBit compares emails as written: spelt exactly as one of them, that one is meant.
      expect((await getMember({ email: "Twin@Example.com" })).memberId).toBe(twins[1]);
      const err = await getMember({ email: "TWIN@example.com" }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err?.message).toMatch(/2 members have this email address/);
      for (const id of twins) expect(err?.message).toContain(id);
    } finally {
      await emulator.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe("settings", () => {
  test("stack config wins over the environment, and the token never shows in an error", async () => {
    process.env.FEATBIT_ACCESS_TOKEN = "api-wrong-token-00000000000000000000000000";
    pulumi.runtime.setAllConfig(
      { "featbit:apiUrl": h.emulator.url, "featbit:accessToken": h.emulator.token },
      ["featbit:accessToken"],
    );
    expect((await getProject({ key: "shop" })).projectId).toBe(project.id);
    pulumi.runtime.setAllConfig({});
    expect(await failure(getProject({ key: "shop" }))).toContain("FeatBit rejected the access token");
  });

  test("a named installation reads its own settings", async () => {
    delete process.env.FEATBIT_ACCESS_TOKEN;
    process.env.FEATBIT_CI_API_URL = h.emulator.url;
    process.env.FEATBIT_CI_ACCESS_TOKEN = h.emulator.token;
    expect((await getProject({ key: "shop", installation: "ci" })).projectId).toBe(project.id);
    expect(await failure(getProject({ key: "shop" }))).toContain(
      "getProject(key 'shop') cannot run: No FeatBit access token",
    );
    expect(await failure(getProject({ key: "shop", installation: "cloud" }))).toContain(
      "no FeatBit installation named 'cloud' is configured",
    );
  });
});
