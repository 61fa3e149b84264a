// Every API-area module against the emulator: requests are well formed and answers fit the zod schemas.
import { createClient, isFeatBitApiError, Segment, type FeatBitClient } from "../../provider/client";
import { startEmulator, type Emulator } from "../../provider/emulator";

let emu: Emulator;
let client: FeatBitClient;

beforeAll(async () => {
  emu = await startEmulator();
  client = createClient({
    apiUrl: emu.url,
    accessToken: emu.token,
    maxRetries: 0,
    httpTimeoutSeconds: 5,
    maxConcurrency: 4,
    allowInsecureHttp: false,
  });
});
afterAll(() => emu.close());

async function failure(work: Promise<unknown>) {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isFeatBitApiError(err)) throw new Error(`expected a FeatBit error, got ${String(err)}`);
  expect(err.message).not.toContain(emu.token);
  return err;
}

test("projects and environments", async () => {
  const project = await client.projects.create({ name: "Areas", key: "areas" });
  expect(project.environments.map((e) => e.key)).toEqual(["prod", "dev"]);
  expect((await client.projects.list()).some((p) => p.id === project.id)).toBe(true);
  expect(await client.projects.update(project.id, { name: "Areas 2" })).toEqual({
    id: project.id,
    name: "Areas 2",
  });

  const env = await client.environments.create(project.id, { name: "QA", key: "qa", description: "tests" });
  expect(env.secrets.map((s) => s.type).sort()).toEqual(["client", "server"]);
  const updated = await client.environments.update(project.id, env.id, {
    name: "QA 2",
    description: null,
    settings: { requireChangeComment: true },
  });
  expect(updated).toMatchObject({ name: "QA 2", settings: { requireChangeComment: true } });
  expect(await client.environments.get(project.id, env.id)).toMatchObject({ id: env.id, name: "QA 2" });
  expect(await client.environments.delete(project.id, env.id)).toBe(true);
  expect((await failure(client.environments.get(project.id, env.id))).status).toBe(403);
  expect(await client.projects.delete(project.id)).toBe(true);
  expect((await failure(client.projects.get(project.id))).status).toBe(500);
});

test("feature flags: create, granular updates returning revisions, archive, delete", async () => {
  const project = await client.projects.create({ name: "Flags", key: "flag-area" });
  const envId = project.environments[0].id;
  const variations = [
    { id: "v-on", name: "On", value: "true" },
    { id: "v-off", name: "Off", value: "false" },
  ];
  const flag = await client.flags.create(envId, {
    name: "Checkout",
    key: "checkout",
    variationType: "boolean",
    variations,
    enabledVariationId: "v-on",
    disabledVariationId: "v-off",
    tags: ["web"],
  });
  expect(flag.fallthrough.variations).toEqual([{ id: "v-on", rollout: [0, 1], exptRollout: 1 }]);
  const r1 = await client.flags.updateName(envId, "checkout", { name: "Checkout 2" });
  expect(r1).not.toBe(flag.revision);
  const r2 = await client.flags.toggle(envId, "checkout", true);
  const r3 = await client.flags.updateOffVariation(envId, "checkout", {
    revision: r2,
    offVariationId: "v-on",
  });
  expect(
    (await failure(client.flags.updateVariations(envId, "checkout", { revision: r2, variations }))).status,
  ).toBe(409);
  await client.flags.updateTargeting(envId, "checkout", {
    revision: r3,
    targeting: { targetUsers: [], rules: [], fallthrough: flag.fallthrough, exptIncludeAllTargets: true },
  });
  expect(await client.flags.setTags(envId, "checkout", { tags: ["a"] })).toBe(true);
  expect(await client.flags.allTags(envId)).toEqual(["a"]);
  expect((await client.flags.list(envId, { sortBy: "key" })).items.map((f) => f.key)).toEqual(["checkout"]);
  expect(await client.flags.pendingChanges(envId, "checkout")).toEqual([]);
  expect((await failure(client.flags.delete(envId, "checkout"))).codes).toEqual([
    "CannotDeleteUnarchivedFeatureFlag",
  ]);
  expect(await client.flags.archive(envId, "checkout")).toBe(true);
  expect(await client.flags.delete(envId, "checkout")).toBe(true);
  expect((await failure(client.flags.get(envId, "checkout"))).status).toBe(404);
});

test("IAM: policies with statements, groups and members with their bindings", async () => {
  const policy = await client.policies.create({
    name: "Flag editors",
    key: "flag-editors",
    description: "d",
  });
  expect(policy).toMatchObject({ type: "CustomerManaged", statements: [] });
  const statement = {
    id: "3f6c0000-0000-4000-8000-000000000001",
    resourceType: "flag",
    effect: "allow" as const,
    actions: ["ToggleFlag"],
    resources: ["project/*:env/*:flag/*"],
  };
  expect((await client.policies.setStatements(policy.id, [statement])).statements).toEqual([statement]);
  expect(await client.policies.updateSettings(policy.id, { name: "Editors", description: "" })).toMatchObject(
    {
      name: "Editors",
    },
  );
  const builtIn = (await client.policies.list({ pageSize: 100 })).items.find((p) => p.type === "SysManaged");
  expect(builtIn).toBeDefined();
  expect(
    (await failure(client.policies.updateSettings(builtIn?.id ?? "", { name: "x", description: "" }))).codes,
  ).toEqual(["CannotModifySysManagedPolicy"]);

  const group = await client.groups.create({ name: "Release managers" });
  expect(await client.groups.update(group.id, { name: "Releasers", description: "ship it" })).toMatchObject({
    name: "Releasers",
  });
  expect(await client.members.add({ email: "dev@example.com" })).toBe(true);
  const member = (await client.members.list({ searchText: "dev@example.com" })).items[0];
  expect(member.email).toBe("dev@example.com");
  expect(await client.members.get(member.id)).toMatchObject({ id: member.id });

  await client.groups.addMember(group.id, member.id);
  await client.groups.addPolicy(group.id, policy.id);
  await client.members.addPolicy(member.id, policy.id);
  expect((await client.groups.members(group.id)).items).toEqual([
    expect.objectContaining({ id: member.id, isGroupMember: true }),
  ]);
  expect((await client.groups.policies(group.id)).items).toEqual([
    expect.objectContaining({ id: policy.id, isGroupPolicy: true }),
  ]);
  // A member added without policies or groups got the organization's default (the built-in Developer policy).
  expect((await client.members.directPolicies(member.id)).items).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ id: policy.id, isMemberPolicy: true }),
      expect.objectContaining({ name: "Developer", type: "SysManaged" }),
    ]),
  );
  expect((await client.policies.groups(policy.id)).items.map((g) => g.id)).toEqual([group.id]);
  expect((await client.policies.members(policy.id)).items.map((m) => m.id)).toEqual([member.id]);

  await client.members.removePolicy(member.id, policy.id);
  await client.groups.removePolicy(group.id, policy.id);
  await client.groups.removeMember(group.id, member.id);
  expect((await client.groups.members(group.id)).items).toEqual([]);
  expect(await client.groups.delete(group.id)).toBe(true);
  expect(await client.policies.delete(policy.id)).toBe(true);
  expect((await failure(client.policies.get(policy.id))).status).toBe(404);
  expect(await client.members.removeFromOrganization(member.id)).toBe(true);
});

test("workspace and segments", async () => {
  expect((await client.workspace.get()).key).toBe("default-workspace");
  const project = await client.projects.create({ name: "Segs", key: "seg-area" });
  const env = project.environments[0];
  const segment = await client.segments.create(env.id, {
    type: "environment-specific",
    name: "Beta",
    key: "beta",
    scopes: [`organization/playground:project/seg-area:env/${env.key}`],
  });
  await client.segments.updateTargeting(env.id, segment.id, { included: ["a"], excluded: [], rules: [] });
  expect((await client.segments.byIds(env.id, [segment.id]))[0]).toMatchObject({ included: ["a"] });
  expect((await client.segments.list(env.id)).items.map((s) => s.id)).toEqual([segment.id]);
  expect(await client.segments.flagReferences(env.id, segment.id)).toEqual([]);
  expect(await client.segments.archive(env.id, segment.id)).toBe(true);
  expect(await client.segments.delete(env.id, segment.id)).toBe(true);
});

test("a segment rule stored without an id (written through the API) still reads", () => {
  const stored = {
    id: "s1",
    name: "Beta",
    key: "beta",
    type: "environment-specific",
    scopes: [],
    description: null,
    included: [],
    excluded: [],
    rules: [{ id: null, name: "Rule 1", conditions: [] }],
    tags: [],
    isArchived: false,
    createdAt: "2026-06-30T10:00:00.123Z",
    updatedAt: "2026-06-30T10:00:00.123Z",
  };
  expect(Segment.parse(stored).rules[0]).toEqual({ id: null, name: "Rule 1", conditions: [] });
});
