// Conformance: IAM policies, groups, members (§4.12) and permission checks for scoped tokens (§2.4).
import { OWNER_POLICY_ID, DEVELOPER_POLICY_ID, type Emulator } from "../../provider/emulator";
import { Api, flagBody, MISSING, start, type Paged, type ProjectView } from "./support";

interface PolicyVm {
  id: string;
  name: string;
  key: string;
  type: string;
  description: string | null;
  statements: { resourceType: string; effect: string; actions: string[]; resources: string[] }[];
}
interface MemberVm {
  id: string;
  email: string;
  name: string;
  initialPassword: string | null;
  groups: { id: string; isGroupMember: boolean }[];
}

const FLAG_ONLY = "api-flag-only-token-0000000000000000000000";
const DENY_PROD = "api-deny-prod-token-00000000000000000000000";
const PERSONAL = "api-personal-token-000000000000000000000000";

let emulator: Emulator;
let api: Api;

beforeAll(async () => {
  ({ emulator, api } = await start({
    seed: 11,
    tokens: [
      "api-owner-token-0000000000000000000000000000",
      {
        token: FLAG_ONLY,
        permissions: [
          {
            id: "s1",
            resourceType: "env",
            effect: "allow",
            actions: ["CanAccessEnv"],
            resources: ["project/web:env/*"],
          },
          {
            id: "s2",
            resourceType: "flag",
            effect: "allow",
            actions: ["ToggleFlag"],
            resources: ["project/web:env/dev:flag/*"],
          },
          {
            id: "s3",
            resourceType: "flag",
            effect: "allow",
            actions: ["*"],
            resources: ["project/w*:env/prod:flag/*;beta"],
          },
          {
            id: "s4",
            resourceType: "project",
            effect: "allow",
            actions: ["CanAccessProject"],
            resources: ["project/web"],
          },
        ],
      },
      {
        token: DENY_PROD,
        permissions: [
          { id: "a", resourceType: "flag", effect: "allow", actions: ["*"], resources: ["project/*"] },
          {
            id: "d",
            resourceType: "flag",
            effect: "deny",
            actions: ["ToggleFlag"],
            resources: ["project/web:env/prod"],
          },
        ],
      },
      { token: PERSONAL, type: "Personal" },
    ],
  }));
});
afterAll(() => emulator.close());

describe("policies", () => {
  it("lists the three SysManaged built-ins with their fixed ids", async () => {
    const page = await api.ok<Paged<PolicyVm>>("GET", "/policies?pageSize=50");
    const sys = page.items.filter((p) => p.type === "SysManaged");
    expect(sys.map((p) => [p.key, p.id]).sort()).toEqual(
      [
        ["administrator", "3e961f0f-6fd4-4cf4-910f-52d356f8cc08"],
        ["developer", DEVELOPER_POLICY_ID],
        ["owner", OWNER_POLICY_ID],
      ].sort(),
    );
    expect(sys.find((p) => p.key === "owner")?.statements).toEqual([
      expect.objectContaining({ resourceType: "*", effect: "allow" }),
    ]);
  });

  it("lists policies newest created first: updating one does not move it", async () => {
    const older = await api.ok<PolicyVm>("POST", "/policies", { name: "Order older", key: "order-older" });
    const newer = await api.ok<PolicyVm>("POST", "/policies", { name: "Order newer", key: "order-newer" });
    await api.ok("PUT", `/policies/${older.id}/settings`, { name: "Order older", description: "touched" });
    await api.ok("PUT", `/policies/${older.id}/statements`, []);
    const page = await api.ok<Paged<PolicyVm>>("GET", "/policies?name=order");
    expect(page.items.map((p) => p.id)).toEqual([newer.id, older.id]);
    for (const p of [older, newer]) await api.ok("DELETE", `/policies/${p.id}`);
  });

  it("lists a policy's groups newest created first", async () => {
    const policy = await api.ok<PolicyVm>("POST", "/policies", { name: "Grouped", key: "grouped" });
    const older = await api.ok<{ id: string }>("POST", "/groups", { name: "Older group" });
    const newer = await api.ok<{ id: string }>("POST", "/groups", { name: "Newer group" });
    await api.ok("PUT", `/groups/${older.id}`, { name: "Older group", description: "touched" });
    for (const g of [older, newer]) await api.ok("PUT", `/groups/${g.id}/add-policy/${policy.id}`);
    const page = await api.ok<Paged<{ id: string }>>("GET", `/policies/${policy.id}/groups`);
    expect(page.items.map((g) => g.id)).toEqual([newer.id, older.id]);
    for (const g of [older, newer]) await api.ok("DELETE", `/groups/${g.id}`);
    await api.ok("DELETE", `/policies/${policy.id}`);
  });

  it("creates with empty statements, sets statements, settings, clones and deletes", async () => {
    const p = await api.ok<PolicyVm>("POST", "/policies", { name: "Flags", key: "flags", description: "d" });
    expect(p).toMatchObject({ type: "CustomerManaged", statements: [] });
    const statements = [
      { id: "x", resourceType: "flag", effect: "allow", actions: ["*"], resources: ["project/*"] },
    ];
    expect((await api.ok<PolicyVm>("PUT", `/policies/${p.id}/statements`, statements)).statements).toEqual(
      statements,
    );
    expect(
      await api.ok<PolicyVm>("PUT", `/policies/${p.id}/settings`, { name: "Flag admins", description: null }),
    ).toMatchObject({
      name: "Flag admins",
      description: null,
    });
    expect(await api.ok<PolicyVm>("GET", `/policies/${p.id}`)).toMatchObject({
      id: p.id,
      name: "Flag admins",
    });
    const found = await api.ok<Paged<PolicyVm>>("GET", "/policies?name=flag%20adm");
    expect(found.items.map((x) => x.id)).toEqual([p.id]);
    const clone = await api.ok<PolicyVm>("POST", "/policies/clone/flags", {
      name: "Copy",
      key: "flags-copy",
      description: "",
      originPolicyType: "CustomerManaged",
    });
    expect(clone.statements[0]).toMatchObject({ resources: ["project/*"] });
    const dup = await api.call("POST", "/policies/clone/flags", {
      name: "Copy",
      key: "flags-copy",
      originPolicyType: "CustomerManaged",
    });
    expect(dup.status).toBe(422);
    expect(dup.body?.errors).toEqual(["KeyHasBeenUsed"]);
    expect(await api.ok("DELETE", `/policies/${clone.id}`)).toBe(true);
    expect((await api.call("GET", `/policies/${clone.id}`)).status).toBe(404);
  });

  it("does not check key uniqueness on create, and validates name/key/originPolicyType", async () => {
    await api.ok("POST", "/policies", { name: "A", key: "same" });
    await api.ok("POST", "/policies", { name: "B", key: "same" });
    expect((await api.call("POST", "/policies", {})).body?.errors).toEqual([
      "name_is_required",
      "key_is_required",
    ]);
    expect(
      (await api.call("POST", "/policies/clone/owner", { name: "n", key: "k", originPolicyType: "Other" }))
        .body?.errors,
    ).toEqual(["originPolicyType_is_invalid"]);
  });

  it("refuses to modify SysManaged policies (422) but clones them", async () => {
    const res = await api.call("PUT", `/policies/${OWNER_POLICY_ID}/settings`, {
      name: "x",
      description: "",
    });
    expect(res.status).toBe(422);
    expect(res.body?.errors).toEqual(["CannotModifySysManagedPolicy"]);
    expect((await api.call("PUT", `/policies/${OWNER_POLICY_ID}/statements`, [])).status).toBe(422);
    const clone = await api.ok<PolicyVm>("POST", "/policies/clone/developer", {
      name: "Dev 2",
      key: "dev-2",
      originPolicyType: "SysManaged",
    });
    expect(clone.type).toBe("CustomerManaged");
  });
});

describe("groups and members", () => {
  it("runs group CRUD, membership and policy attachments", async () => {
    const g = await api.ok<{ id: string; name: string }>("POST", "/groups", {
      name: "Team",
      description: "t",
    });
    await api.ok("POST", "/groups", { name: "Team" });
    expect(
      (await api.ok<{ name: string }>("PUT", `/groups/${g.id}`, { name: "Team A", description: null })).name,
    ).toBe("Team A");
    expect((await api.call("GET", `/groups/${MISSING}`)).status).toBe(404);
    const listed = await api.ok<Paged<{ id: string; name: string }>>("GET", "/groups?name=team%20a");
    expect(listed.items.map((x) => x.id)).toEqual([g.id]);
    expect((await api.ok<Paged<unknown>>("GET", "/groups")).totalCount).toBe(2);
    expect(await api.ok("GET", `/groups/${g.id}`)).toMatchObject({ id: g.id, name: "Team A" });
    expect((await api.call("POST", "/groups", { name: "" })).body?.errors).toEqual(["name_is_required"]);

    expect(
      await api.ok("POST", "/members/add", { email: "dev@example.com", policyIds: [], groupIds: [] }),
    ).toBe(true);
    const members = await api.ok<Paged<MemberVm>>("GET", "/members?searchText=dev@");
    expect(members.totalCount).toBe(1);
    const dev = members.items[0];
    expect(dev.initialPassword).toEqual(expect.any(String));
    // No lists → the org default permissions (Developer).
    const direct = await api.ok<Paged<{ id: string }>>("GET", `/members/${dev.id}/direct-policies`);
    expect(direct.items.map((p) => p.id)).toEqual([DEVELOPER_POLICY_ID]);

    expect(await api.ok("PUT", `/groups/${g.id}/add-member/${dev.id}`)).toBe(true);
    expect(await api.ok("PUT", `/groups/${g.id}/add-member/${dev.id}`)).toBe(true);
    expect(await api.ok("PUT", `/groups/${g.id}/add-policy/${OWNER_POLICY_ID}`)).toBe(true);
    const gm = await api.ok<Paged<{ id: string; isGroupMember: boolean }>>("GET", `/groups/${g.id}/members`);
    expect(gm.items).toEqual([expect.objectContaining({ id: dev.id, isGroupMember: true })]);
    const all = await api.ok<Paged<{ isGroupMember: boolean }>>(
      "GET",
      `/groups/${g.id}/members?getAllMembers=true`,
    );
    expect(all.totalCount).toBe(2);
    const gp = await api.ok<Paged<{ id: string; isGroupPolicy: boolean }>>("GET", `/groups/${g.id}/policies`);
    expect(gp.items.map((p) => p.id)).toEqual([OWNER_POLICY_ID]);
    const pg = await api.ok<Paged<{ id: string }>>("GET", `/policies/${OWNER_POLICY_ID}/groups`);
    expect(pg.items.map((x) => x.id)).toEqual([g.id]);

    const read = await api.ok<MemberVm>("GET", `/members/${dev.id}`);
    expect(read.groups).toEqual([expect.objectContaining({ id: g.id, isGroupMember: true })]);
    const inherited = await api.ok<Paged<{ id: string; groupName: string }>>(
      "GET",
      `/members/${dev.id}/inherited-policies`,
    );
    expect(inherited.items).toEqual([expect.objectContaining({ id: OWNER_POLICY_ID, groupName: "Team A" })]);
    const effective = await api.ok<PolicyVm[]>("GET", `/members/${dev.id}/policies`);
    expect(effective.map((p) => p.id).sort()).toEqual([DEVELOPER_POLICY_ID, OWNER_POLICY_ID].sort());
    const mg = await api.ok<Paged<{ id: string }>>("GET", `/members/${dev.id}/groups`);
    expect(mg.items.map((x) => x.id)).toEqual([g.id]);

    expect(await api.ok("PUT", `/members/${dev.id}/remove-policy/${DEVELOPER_POLICY_ID}`)).toBe(true);
    expect(await api.ok("PUT", `/members/${dev.id}/add-policy/${OWNER_POLICY_ID}`)).toBe(true);
    const pm = await api.ok<Paged<{ id: string }>>("GET", `/policies/${OWNER_POLICY_ID}/members`);
    expect(pm.items.map((m) => m.id)).toContain(dev.id);
    expect(await api.ok("PUT", `/groups/${g.id}/remove-member/${dev.id}`)).toBe(true);
    expect(await api.ok("PUT", `/groups/${g.id}/remove-policy/${OWNER_POLICY_ID}`)).toBe(true);
    expect(await api.ok("DELETE", `/groups/${g.id}`)).toBe(true);
    expect(await api.ok("DELETE", `/groups/${g.id}`)).toBe(true);

    expect(await api.ok("DELETE", `/members/remove-from-org/${dev.id}`)).toBe(true);
    expect((await api.call("GET", `/members/${dev.id}`)).status).toBe(404);
  });

  it("validates the member email and treats re-adding as a no-op", async () => {
    expect((await api.call("POST", "/members/add", { email: "" })).body?.errors).toEqual([
      "email_is_required",
    ]);
    expect((await api.call("POST", "/members/add", { email: "nope" })).body?.errors).toEqual([
      "email_is_invalid",
    ]);
    await api.ok("POST", "/members/add", { email: "twice@example.com", policyIds: [OWNER_POLICY_ID] });
    await api.ok("POST", "/members/add", { email: "twice@example.com", policyIds: [DEVELOPER_POLICY_ID] });
    const m = (await api.ok<Paged<MemberVm>>("GET", "/members?searchText=twice")).items[0];
    const direct = await api.ok<Paged<{ id: string }>>("GET", `/members/${m.id}/direct-policies`);
    expect(direct.items.map((p) => p.id)).toEqual([OWNER_POLICY_ID]);
    expect(await api.ok("DELETE", `/members/remove-from-workspace/${m.id}`)).toBe(true);
  });
});

describe("permissions of scoped service tokens", () => {
  let project: ProjectView;
  let prod: string;
  let dev: string;
  beforeAll(async () => {
    project = await api.ok<ProjectView>("POST", "/projects", { name: "Web", key: "web" });
    [prod, dev] = project.environments.map((e) => e.id);
    for (const env of [prod, dev]) {
      await api.ok("POST", `/envs/${env}/feature-flags`, flagBody("plain"));
      await api.ok("POST", `/envs/${env}/feature-flags`, flagBody("tagged", { tags: ["beta"] }));
    }
  });

  it("allows exactly what the statements grant, with wildcards, prefixes and tags", async () => {
    const as = { token: FLAG_ONLY };
    expect((await api.call("GET", `/envs/${prod}/feature-flags`, undefined, as)).status).toBe(200);
    expect(
      (await api.call("PUT", `/envs/${dev}/feature-flags/plain/toggle/true`, undefined, as)).status,
    ).toBe(200);
    const denied = await api.call("PUT", `/envs/${prod}/feature-flags/plain/toggle/true`, undefined, as);
    expect(denied.status).toBe(403);
    expect(denied.text).toBe('{"success":false,"errors":["Forbidden"],"data":null}');
    expect(
      (await api.call("PUT", `/envs/${prod}/feature-flags/tagged/toggle/true`, undefined, as)).status,
    ).toBe(200);
    expect((await api.call("POST", "/projects", { name: "x", key: "x" }, as)).status).toBe(403);
    expect((await api.call("GET", "/policies", undefined, as)).status).toBe(403);
  });

  it("filters project lists by CanAccessProject/CanAccessEnv and forbids single reads", async () => {
    const other = await api.ok<ProjectView>("POST", "/projects", { name: "Other", key: "other" });
    const list = await api.ok<ProjectView[]>("GET", "/projects", undefined, { token: FLAG_ONLY });
    expect(list.map((p) => p.key)).toEqual(["web"]);
    expect(list[0].environments).toHaveLength(2);
    expect((await api.call("GET", `/projects/${other.id}`, undefined, { token: FLAG_ONLY })).status).toBe(
      403,
    );
  });

  it("lets a matching deny win over an allow", async () => {
    const as = { token: DENY_PROD };
    expect(
      (await api.call("PUT", `/envs/${prod}/feature-flags/plain/toggle/false`, undefined, as)).status,
    ).toBe(403);
    expect(
      (await api.call("PUT", `/envs/${dev}/feature-flags/plain/toggle/false`, undefined, as)).status,
    ).toBe(200);
    expect((await api.call("PUT", `/envs/${prod}/feature-flags/plain/name`, { name: "n" }, as)).status).toBe(
      200,
    );
  });

  it("checks targeting changes per changed part", async () => {
    const flag = await api.ok<{ revision: string; fallthrough: unknown }>(
      "GET",
      `/envs/${dev}/feature-flags/plain`,
    );
    const res = await api.call(
      "PUT",
      `/envs/${dev}/feature-flags/plain/targeting`,
      {
        revision: flag.revision,
        targeting: {
          targetUsers: [{ keyIds: ["u"], variationId: "v-on" }],
          rules: [],
          fallthrough: flag.fallthrough,
          exptIncludeAllTargets: true,
        },
      },
      { token: FLAG_ONLY },
    );
    expect(res.status).toBe(403);
    expect(res.headers.get("cache-control")).toBe("no-store, no-cache");
  });

  it("gives a personal token its creator's (owner's) permissions", async () => {
    expect((await api.call("GET", "/policies", undefined, { token: PERSONAL })).status).toBe(200);
  });
});
