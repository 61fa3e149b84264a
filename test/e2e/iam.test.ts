// examples/ci-access through the real Pulumi CLI against the emulator: the admin program (every IAM resource and every
// lookup) is created, previewed without a change, updated in place, refreshed after drift made in FeatBit and
// destroyed; between those, the pipeline program runs with a service token that carries exactly the policy's
// statements, and FeatBit (the emulator enforces policies as FeatBit does) allows its change in dev and refuses the
// same change in prod, with the permission it lacks named.
import * as path from "node:path";
import { startEmulator, type Emulator as EmulatorHandle } from "../../provider/emulator";
import type { PolicyStatement } from "../../provider/client";
import { api, writes } from "./support/featbit";
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
  type StackTarget,
} from "./support/stack";
import { e2eWorld } from "./support/world";

const CI_TOKEN = "api-ci-pipeline-service-token-0000000000000";
const DYNAMIC = "pulumi-nodejs:dynamic/featbit:";
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

interface ProjectView {
  id: string;
  environments: { id: string; key: string }[];
}
interface PolicyView {
  id: string;
  key: string;
  name: string;
  description: string;
  statements: PolicyStatement[];
}
interface Listed {
  items: { id: string; name: string | null; email?: string }[];
}

const steps = (r: RunResult) =>
  resourceSteps(r)
    .map((s) => `${s.op} ${s.type.replace(DYNAMIC, "")} ${s.name}`)
    .sort();

describe("examples/ci-access: IAM as code and a restricted CI token, through the Pulumi CLI", () => {
  const world = e2eWorld("iam");
  /** The emulator now serving the data file (restarted once, to give the CI token its permissions). */
  const emu = () => world.emulator;
  let owner: string;
  let admin: StackTarget;
  let project: ProjectView;
  const envId = (key: string) => project.environments.find((e) => e.key === key)?.id ?? "";
  const memberIds: Record<string, string> = {};
  let releaseGroupId = "";

  const get = async <T>(apiPath: string): Promise<T> => (await api<T>(emu(), "GET", apiPath)).data;
  const policy = async (): Promise<PolicyView | undefined> =>
    (await get<{ items: PolicyView[] }>("/policies?name=CI:")).items.find(
      (p) => p.key === "ci-targeting-shop-dev",
    );
  const listed = async (apiPath: string) => (await get<Listed>(apiPath)).items.map((i) => i.id).sort();

  beforeAll(async () => {
    owner = emu().token;
    // What other teams and FeatBit's UI made: a project with a flag and a segment in each environment, two
    // members, and a group.
    project = (await api<ProjectView>(emu(), "POST", "/projects", { name: "Shop", key: "shop" })).data;
    for (const env of ["dev", "prod"]) {
      await api(emu(), "POST", `/envs/${envId(env)}/feature-flags`, {
        name: "New checkout",
        key: "new-checkout",
        isEnabled: false,
        variationType: "boolean",
        variations: [
          { id: "c6a5f2f4-0000-4000-8000-000000000001", name: "On", value: "true" },
          { id: "c6a5f2f4-0000-4000-8000-000000000002", name: "Off", value: "false" },
        ],
        enabledVariationId: "c6a5f2f4-0000-4000-8000-000000000001",
        disabledVariationId: "c6a5f2f4-0000-4000-8000-000000000002",
        tags: [],
      });
      await api(emu(), "POST", `/envs/${envId(env)}/segments`, {
        type: "environment-specific",
        name: "Beta users",
        key: "beta-users",
        description: "",
        scopes: [`organization/playground:project/shop:env/${env}`],
      });
    }
    for (const email of ["ci-bot@example.com", "release-lead@example.com"]) {
      await api(emu(), "POST", "/members/add", { email });
      memberIds[email] = (await get<Listed>(`/members?searchText=${email}`)).items[0].id;
    }
    releaseGroupId = (await api<{ id: string }>(emu(), "POST", "/groups", { name: "Release engineers" })).data
      .id;
    admin = world.target(path.join(REPO_ROOT, "examples/ci-access/admin"), {
      stack: "admin",
      settings: { apiUrl: emu().url, accessToken: owner },
    });
  });

  const CREATES = [
    "create Group ci-pipelines",
    "create GroupMember ci-pipelines-member",
    "create GroupPolicy ci-pipelines-policy",
    "create GroupPolicy release-engineers-ci",
    "create GroupPolicy release-engineers-developer",
    "create MemberPolicy release-lead-ci",
    "create Policy ci-targeting",
  ];

  it("previews the IAM resources without writing, then creates them", async () => {
    emu().requests.clear();
    const preview = await runStack("preview", admin);
    expectOk(preview);
    expect(steps(preview)).toEqual(CREATES);
    expect(writes(emu().requests.all())).toEqual([]);

    const up = await runStack("up", admin);
    expectOk(up);
    expect(steps(up)).toEqual(CREATES);
    const held = await policy();
    expect(held).toMatchObject({ name: "CI: new-checkout targeting in shop/dev" });
    expect(up.outputs.policyId.value).toBe(held?.id);
    // Resource names built from the lookups' keys, in canonical order.
    expect(up.outputs.ciTokenPermissions.value).toEqual([
      { effect: "allow", resourceType: "env", actions: ["CanAccessEnv"], resources: ["project/shop:env/*"] },
      {
        effect: "allow",
        resourceType: "flag",
        actions: [
          "ToggleFlag",
          "UpdateFlagDefaultRule",
          "UpdateFlagIndividualTargeting",
          "UpdateFlagTargetingRules",
        ],
        resources: ["project/shop:env/dev:flag/new-checkout"],
      },
      {
        effect: "allow",
        resourceType: "project",
        actions: ["CanAccessProject"],
        resources: ["project/shop"],
      },
      {
        effect: "allow",
        resourceType: "segment",
        actions: ["UpdateSegmentTargetingUsers"],
        resources: ["project/shop:env/dev:segment/beta-users"],
      },
    ]);
    const ciGroup = up.outputs.groupId.value as string;
    expect(await listed(`/groups/${ciGroup}/policies`)).toEqual([held?.id]);
    expect(await listed(`/groups/${ciGroup}/members`)).toEqual([memberIds["ci-bot@example.com"]]);
    expect(await listed(`/groups/${releaseGroupId}/policies`)).toEqual(
      [held?.id, "66f3687f-939d-4257-bd3f-c3553d39e1b6"].sort(),
    );
    expect(await listed(`/members/${memberIds["release-lead@example.com"]}/direct-policies`)).toContain(
      held?.id,
    );
  });

  it("previews no change afterwards: the resources make no request, the lookups only their reads", async () => {
    emu().requests.clear();
    const r = await runStack("preview", admin, { expectNoChanges: true });
    expectOk(r);
    expect(resourceSteps(r)).toEqual([]);
    const requests = emu()
      .requests.all()
      .map((q) => `${q.method} ${q.path.replace(/^\/api\/v1/, "")}`);
    expect(writes(emu().requests.all())).toEqual([]);
    // Only the lookups' reads: no resource read (those are by id: /policies/<id>, /groups/<id>/…, /members/<id>/…).
    const lookupReads = new RegExp(
      `^GET (/projects(/${UUID})?|/envs/${UUID}/(feature-flags/new-checkout|segments(/by-ids)?)|/policies|/groups|/members)(\\?.*)?$`,
    );
    expect(requests.filter((q) => !lookupReads.test(q))).toEqual([]);
    expect(requests.length).toBeGreaterThan(0);
  });

  it("updates the policy and the group in place, and replaces the group's member binding", async () => {
    const preview = await runStack("preview", admin, { config: { revision: "2" } });
    expectOk(preview);
    const planned = steps(preview);
    expect(planned).toEqual([
      "create-replacement GroupMember ci-pipelines-member",
      "delete-replaced GroupMember ci-pipelines-member",
      "replace GroupMember ci-pipelines-member",
      "update Group ci-pipelines",
      "update Policy ci-targeting",
    ]);
    const policyStep = resourceSteps(preview).find((s) => s.name === "ci-targeting");
    expect(policyStep?.diffs.sort()).toEqual(["description", "statements"]);

    emu().requests.clear();
    const up = await runStack("up", admin);
    expectOk(up);
    expect(steps(up)).toEqual(planned);
    const held = (await policy()) as PolicyView;
    const ciGroup = up.outputs.groupId.value as string;
    expect(writes(emu().requests.all()).sort()).toEqual(
      [
        `PUT /api/v1/policies/${held.id}/settings`,
        `PUT /api/v1/policies/${held.id}/statements`,
        `PUT /api/v1/groups/${ciGroup}`,
        `PUT /api/v1/groups/${ciGroup}/add-member/${memberIds["release-lead@example.com"]}`,
        `PUT /api/v1/groups/${ciGroup}/remove-member/${memberIds["ci-bot@example.com"]}`,
      ].sort(),
    );
    expect(held.statements.find((s) => s.resourceType === "flag")?.actions).toContain(
      "UpdateFlagOffVariation",
    );
    expect(await listed(`/groups/${ciGroup}/members`)).toEqual([memberIds["release-lead@example.com"]]);
  });

  it("refresh reports drift made in FeatBit, and up puts the code's version back", async () => {
    const held = (await policy()) as PolicyView;
    const ciGroup = (await get<Listed>("/groups?name=CI pipelines")).items[0].id;
    // Someone edits the group in the UI, undoes three bindings and widens the policy.
    const lead = memberIds["release-lead@example.com"];
    await api(emu(), "PUT", `/groups/${ciGroup}`, {
      name: "CI pipelines",
      description: "edited in the UI",
    });
    await api(emu(), "PUT", `/groups/${releaseGroupId}/remove-policy/${held.id}`);
    await api(emu(), "PUT", `/groups/${ciGroup}/remove-member/${lead}`);
    await api(emu(), "PUT", `/members/${lead}/remove-policy/${held.id}`);
    await api(emu(), "PUT", `/policies/${held.id}/statements`, [
      ...held.statements,
      {
        id: "x",
        effect: "allow",
        resourceType: "flag",
        actions: ["*"],
        resources: ["project/shop:env/prod:flag/*"],
      },
    ]);

    const refresh = await runStack("refresh", admin);
    expectOk(refresh);
    expect(steps(refresh)).toEqual(["refresh Group ci-pipelines", "refresh Policy ci-targeting"]);
    expect(resourceSteps(refresh).find((s) => s.name === "ci-targeting")?.diffs).toEqual(["statements"]);
    // The bindings removed in FeatBit are dropped from the stack by the refresh (the next up makes them again).
    for (const binding of ["release-engineers-ci", "ci-pipelines-member", "release-lead-ci"])
      expect(readState(refresh)).not.toContain(binding);

    const up = await runStack("up", admin);
    expectOk(up);
    expect(steps(up)).toEqual([
      "create GroupMember ci-pipelines-member",
      "create GroupPolicy release-engineers-ci",
      "create MemberPolicy release-lead-ci",
      "update Group ci-pipelines",
      "update Policy ci-targeting",
    ]);
    expect((await policy())?.statements).toHaveLength(4);
    expect(await listed(`/groups/${releaseGroupId}/policies`)).toContain(held.id);
    expect(await listed(`/groups/${ciGroup}/members`)).toEqual([lead]);
    expect(await listed(`/members/${lead}/direct-policies`)).toContain(held.id);
  });

  it("a lookup that finds nothing fails the preview, naming what it looked for and what is close", async () => {
    await api(emu(), "PUT", `/groups/${releaseGroupId}`, {
      name: "Release Engineers",
      description: "",
    });
    try {
      emu().requests.clear();
      // A mistyped flag key too: the policy needs that lookup, and other resources need the policy (a chain that
      // would leave Pulumi waiting forever if the lookup's failure were not reported and left unknown in preview).
      const r = await runStack("preview", admin, { config: { flagKey: "new-chekout" } });
      expect(r.ok).toBe(false);
      const text = visibleText(r);
      expect(text).toContain(
        "getGroup(name 'Release engineers'): no group is named 'Release engineers'; did you mean 'Release Engineers'?",
      );
      expect(text).toContain(
        `getFeatureFlag(environment ${envId("dev")}, key 'new-chekout'): environment 'shop/dev' has no flag with key 'new-chekout'`,
      );
      // A lookup's failure is shown as its message alone, not as a crash with a stack trace.
      expect(text).not.toMatch(/unhandled exception|lookups\.js:\d+/);
      expect(writes(emu().requests.all())).toEqual([]);
    } finally {
      await api(emu(), "PUT", `/groups/${releaseGroupId}`, {
        name: "Release engineers",
        description: "",
      });
    }
  });

  describe("the pipeline, with a service token carrying the policy's statements", () => {
    let pipelineState: string;
    const pipeline = (stack: string, environmentKey: string): StackTarget => ({
      dir: path.join(REPO_ROOT, "examples/ci-access/pipeline"),
      stack,
      stateDir: pipelineState,
      settings: { apiUrl: emu().url, accessToken: CI_TOKEN },
      config: { environmentKey },
    });

    beforeAll(async () => {
      // FeatBit gives a service token its own copy of permissions: an administrator pastes the policy's statements
      // into the token (Integrations › Access tokens). Here: the emulator restarts on its data with that token.
      const statements = ((await policy()) as PolicyView).statements;
      expect(statements.map((s) => s.resources).flat()).not.toContain("project/shop:env/prod:flag/*");
      await emu().close();
      // Same port: the stacks' provider configuration (kept in their state) goes on naming this address.
      const restarted: EmulatorHandle = await startEmulator({
        port: Number(new URL(emu().url).port),
        dataFile: world.started.dataFile,
        tokens: [owner, { token: CI_TOKEN, type: "Service", permissions: statements }],
      });
      world.replaceEmulator(restarted);
      pipelineState = makeStateDir("iam-pipeline");
    });
    afterAll(() => removeStateDir(pipelineState));

    it("changes the flag's targeting in dev: allowed", async () => {
      const r = await runStack("up", pipeline("dev", "dev"));
      expectOk(r);
      expect(steps(r)).toEqual(["create FeatureFlagTargeting targeting"]);
      const flag = await get<{ isEnabled: boolean; rules: { name: string }[] }>(
        `/envs/${envId("dev")}/feature-flags/new-checkout`,
      );
      expect(flag.isEnabled).toBe(true);
      expect(flag.rules.map((x) => x.name)).toEqual(["Beta users"]);
      expect(visibleText(r)).not.toContain(CI_TOKEN);
      expect(readState(r)).not.toContain(CI_TOKEN);
    });

    it("the same change in prod is refused, with the permission the token lacks and how to grant it", async () => {
      emu().requests.clear();
      const r = await runStack("up", pipeline("prod", "prod"));
      expect(r.ok).toBe(false);
      const text = visibleText(r);
      expect(text).toContain("creating targeting of feature flag 'new-checkout'");
      expect(text).toContain(
        "the access token may not make this change: the flag exists, so FeatBit's 403 means the token's " +
          "permissions do not grant both UpdateFlagTargetingRules and UpdateFlagDefaultRule on " +
          "project/shop:env/prod:flag/new-checkout",
      );
      expect(text).toContain("Grant them with a statement such as { effect: 'allow', resourceType: 'flag'");
      expect(text).not.toContain(CI_TOKEN);
      // FeatBit refused every write to prod, and the flag there is as it was.
      const prodWrites = emu()
        .requests.all()
        .filter((q) => q.method !== "GET" && q.path.includes(envId("prod")));
      expect(prodWrites.length).toBeGreaterThan(0);
      expect(prodWrites.every((q) => q.status === 403)).toBe(true);
      const flag = await get<{ isEnabled: boolean; rules: unknown[] }>(
        `/envs/${envId("prod")}/feature-flags/new-checkout`,
      );
      expect(flag).toMatchObject({ isEnabled: false, rules: [] });
    });

    it("destroys the pipeline's stack with its own token", async () => {
      expectOk(await runStack("destroy", pipeline("dev", "dev")));
    });
  });

  it("destroys every IAM object the admin stack made, and leaves what it only looked up", async () => {
    const held = (await policy()) as PolicyView;
    const r = await runStack("destroy", admin, { config: { flagKey: "new-checkout" } });
    expectOk(r);
    expect(r.changes.delete).toBe(8); // seven resources + the stack
    expect(await policy()).toBeUndefined();
    expect((await get<Listed>("/groups?name=CI pipelines")).items).toEqual([]);
    expect(await listed(`/groups/${releaseGroupId}/policies`)).toEqual([]);
    expect(await listed(`/members/${memberIds["release-lead@example.com"]}/direct-policies`)).not.toContain(
      held.id,
    );
    expect((await get<Listed>("/groups?name=Release engineers")).items).toHaveLength(1);
    expect(readState(r)).not.toContain(owner);
  });
});
