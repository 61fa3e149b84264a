// The emulator stores and answers IAM requests as FeatBit does: each test names the FeatBit source it reproduces
// (paths below modules/back-end/src/ of featbit/featbit unless they start with infra/).
import {
  ADMINISTRATOR_POLICY_ID,
  DEVELOPER_POLICY_ID,
  OWNER_POLICY_ID,
  type Emulator,
} from "../../provider/emulator";
import { Api, start, type Paged } from "./support";

interface Statement {
  id: string | null;
  resourceType: string | null;
  effect: string | null;
  actions: (string | null)[] | null;
  resources: (string | null)[] | null;
}
interface PolicyVm {
  id: string;
  name: string;
  key: string;
  statements: (Statement | null)[];
}
interface Row {
  id: string;
  name: string;
  email?: string;
}

const ALLOW_SPELT_CAPITAL = "api-allow-spelt-capital-000000000000000000";
const PERSONAL = "api-personal-owner-token-00000000000000000";

let emulator: Emulator;
let api: Api;
let ownerId: string;

beforeAll(async () => {
  ({ emulator, api } = await start({
    seed: 23,
    tokens: [
      "api-owner-token-0000000000000000000000000000",
      {
        token: ALLOW_SPELT_CAPITAL,
        permissions: [
          { id: null, resourceType: "iam", effect: "Allow", actions: ["CanManageIAM"], resources: ["iam/*"] },
        ],
      },
      { token: PERSONAL, type: "Personal" },
    ],
  }));
  ownerId = (await api.ok<Paged<Row>>("GET", "/members?searchText=test@featbit.com")).items[0].id;
});
afterAll(() => emulator.close());

const ids = (page: { items: { id: string }[] }) => page.items.map((x) => x.id);
const policy = (name: string, key = name.toLowerCase().replace(/\W+/g, "-")) =>
  api.ok<PolicyVm>("POST", "/policies", { name, key });
const group = (name: string) => api.ok<Row>("POST", "/groups", { name });
async function member(email: string): Promise<Row> {
  await api.ok("POST", "/members/add", { email, policyIds: [DEVELOPER_POLICY_ID] });
  const found = (await api.ok<Paged<Row>>("GET", `/members?searchText=${encodeURIComponent(email)}`)).items;
  const exact = found.find((m) => m.email === email);
  if (!exact) throw new Error(`member ${email} not listed`);
  return exact;
}

describe("statements are stored exactly as sent (Application/Policies/UpdatePolicyStatements.cs, Domain/Policies/Policy.cs)", () => {
  it("keeps a missing id null, the effect's spelling, null lists and null elements", async () => {
    const p = await policy("As sent");
    const sent = [
      // FeatBit's Terraform provider: no id (internal/client/policies.go).
      {
        resourceType: "flag",
        effect: "allow",
        actions: ["ToggleFlag"],
        resources: ["project/a:env/b:flag/*"],
      },
      { id: "ui-1", resourceType: "env", effect: "Allow", actions: ["CanAccessEnv", null], resources: null },
      null,
    ];
    const answered = await api.ok<PolicyVm>("PUT", `/policies/${p.id}/statements`, sent);
    const expected = [
      {
        id: null,
        resourceType: "flag",
        effect: "allow",
        actions: ["ToggleFlag"],
        resources: ["project/a:env/b:flag/*"],
      },
      { id: "ui-1", resourceType: "env", effect: "Allow", actions: ["CanAccessEnv", null], resources: null },
      null,
    ];
    expect(answered.statements).toEqual(expected);
    expect((await api.ok<PolicyVm>("GET", `/policies/${p.id}`)).statements).toEqual(expected);
    const listed = await api.ok<Paged<PolicyVm>>("GET", "/policies?name=as%20sent");
    expect(listed.items[0].statements).toEqual(expected);
  });

  it("stores a null list of statements as an empty one (Policy.UpdateStatements)", async () => {
    const p = await policy("Null statements");
    expect((await api.ok<PolicyVm>("PUT", `/policies/${p.id}/statements`, null)).statements).toEqual([]);
  });

  it("answers each policy with FeatBit's fields (Application/Policies/PolicyVm.cs)", async () => {
    const p = await api.ok<Record<string, unknown>>("POST", "/policies", { name: "Fields", key: "fields" });
    expect(Object.keys(p).sort()).toEqual(
      ["id", "name", "key", "type", "description", "statements", "updatedAt"].sort(),
    );
    expect(p.description).toBeNull();
  });

  it("answers groups, members and their rows with FeatBit's fields (GroupVm.cs, MemberVm.cs, the *Vm.cs of rows)", async () => {
    const keys = (o: unknown) => Object.keys(o as object).sort();
    const g = await api.ok<Row>("POST", "/groups", { name: "Fielded" });
    expect(keys(g)).toEqual(["description", "id", "name", "updatedAt"]);
    const m = await member("fielded@example.com");
    await api.ok("PUT", `/groups/${g.id}/add-member/${m.id}`);
    const p = await policy("Fielded policy");
    await api.ok("PUT", `/groups/${g.id}/add-policy/${p.id}`);
    await api.ok("PUT", `/members/${m.id}/add-policy/${p.id}`);
    const first = async (path: string) => (await api.ok<Paged<unknown>>("GET", path)).items[0];
    expect(keys(await api.ok("GET", `/members/${m.id}`))).toEqual([
      "email",
      "groups",
      "id",
      "initialPassword",
      "invitorId",
      "name",
    ]);
    expect(keys(await first(`/members/${m.id}/groups`))).toEqual([
      "description",
      "id",
      "isGroupMember",
      "memberId",
      "name",
    ]);
    expect(keys(await first(`/groups/${g.id}/members`))).toEqual(["email", "id", "isGroupMember", "name"]);
    expect(keys(await first(`/groups/${g.id}/policies`))).toEqual([
      "description",
      "id",
      "isGroupPolicy",
      "name",
      "type",
    ]);
    expect(keys(await first(`/policies/${p.id}/groups`))).toEqual([
      "description",
      "id",
      "isPolicyGroup",
      "name",
    ]);
    expect(keys(await first(`/policies/${p.id}/members`))).toEqual(["email", "id", "isPolicyMember", "name"]);
    expect(keys(await first(`/members/${m.id}/direct-policies?name=fielded`))).toEqual([
      "description",
      "id",
      "isMemberPolicy",
      "name",
      "type",
    ]);
  });
});

describe("clones (Application/Policies/ClonePolicy.cs, Policy.Clone)", () => {
  it("keeps the statements as they are, ids included, a null one too", async () => {
    const origin = await policy("Clone origin");
    const statements = [
      {
        id: null,
        resourceType: "flag",
        effect: "allow",
        actions: ["*"],
        resources: ["project/*:env/*:flag/*"],
      },
      {
        id: "kept",
        resourceType: "env",
        effect: "deny",
        actions: ["DeleteEnv"],
        resources: ["project/*:env/*"],
      },
    ];
    await api.ok("PUT", `/policies/${origin.id}/statements`, statements);
    const clone = await api.ok<PolicyVm>("POST", `/policies/clone/${origin.key}`, {
      name: "Clone copy",
      key: "clone-copy",
      originPolicyType: "CustomerManaged",
    });
    expect(clone.statements).toEqual(statements);
  });

  it("checks the new key against the organization's own policies only (PolicyService.IsKeyUsedAsync)", async () => {
    const clone = await api.ok<PolicyVm>("POST", "/policies/clone/developer", {
      name: "My developer",
      key: "developer",
      originPolicyType: "SysManaged",
    });
    expect(clone.key).toBe("developer");
    const again = await api.call("POST", "/policies/clone/developer", {
      name: "Another",
      key: "DEVELOPER",
      originPolicyType: "SysManaged",
    });
    expect(again.body?.errors).toEqual(["KeyHasBeenUsed"]);
  });
});

describe("built-in policies hold what FeatBit's migrations leave (infra/postgresql/docker-entrypoint-initdb.d/v*.sql)", () => {
  const summary = async (id: string) =>
    (await api.ok<PolicyVm>("GET", `/policies/${id}`)).statements.map(
      (s) => `${s?.resourceType}:${s?.actions?.join(",")}`,
    );

  it("Developer: tokens, relay proxies, project and env access, every flag and segment permission", async () => {
    expect(await summary(DEVELOPER_POLICY_ID)).toEqual([
      "access-token:ManageServiceAccessTokens,ManagePersonalAccessTokens,ListAccessTokens",
      "relay-proxy:ManageRelayProxies,ListRelayProxies",
      "project:CanAccessProject",
      "env:CanAccessEnv",
      "flag:*",
      "segment:*",
    ]);
  });

  it("Administrator: the organization statement moved last by v5.0.5, flags and segments appended", async () => {
    expect(await summary(ADMINISTRATOR_POLICY_ID)).toEqual([
      "iam:CanManageIAM",
      "access-token:ManageServiceAccessTokens,ManagePersonalAccessTokens,ListAccessTokens",
      "relay-proxy:ManageRelayProxies,ListRelayProxies",
      "project:CanAccessProject,CreateProject,DeleteProject,UpdateProjectSettings,CreateEnv",
      "env:CanAccessEnv,DeleteEnv,UpdateEnvSettings,CreateEnvSecret,DeleteEnvSecret,UpdateEnvSecret",
      "workspace:UpdateWorkspaceGeneralSettings,UpdateWorkspaceLicense,UpdateWorkspaceSSOSettings",
      "organization:UpdateOrgSortFlagsBy,UpdateOrgName,UpdateOrgDefaultUserPermissions,CreateOrg",
      "flag:*",
      "segment:*",
    ]);
  });
});

describe("only exactly 'allow' allows (Domain/Policies/PolicyHelper.cs)", () => {
  it("refuses a token whose one matching statement says 'Allow'", async () => {
    const res = await api.call("GET", "/groups", undefined, { token: ALLOW_SPELT_CAPITAL });
    expect(res.status).toBe(403);
  });
});

describe("listings are newest created first (Infrastructure/Services/EntityFrameworkCore/*Service.cs)", () => {
  it("groups: a renamed group keeps its place (GroupService.GetListAsync)", async () => {
    const older = await group("Order group older");
    const newer = await group("Order group newer");
    await api.ok("PUT", `/groups/${older.id}`, { name: "Order group older", description: "touched" });
    expect(ids(await api.ok<Paged<Row>>("GET", "/groups?name=order%20group"))).toEqual([newer.id, older.id]);
  });

  it("a group's policies and a member's direct policies and groups (GroupService, MemberService)", async () => {
    const older = await policy("Order policy older");
    const newer = await policy("Order policy newer");
    await api.ok("PUT", `/policies/${older.id}/settings`, { name: "Order policy older", description: "x" });
    const g = await group("Order holder");
    const m = await member("order-holder@example.com");
    for (const p of [older, newer]) {
      await api.ok("PUT", `/groups/${g.id}/add-policy/${p.id}`);
      await api.ok("PUT", `/members/${m.id}/add-policy/${p.id}`);
    }
    const query = "?name=order%20policy";
    expect(ids(await api.ok<Paged<Row>>("GET", `/groups/${g.id}/policies${query}`))).toEqual([
      newer.id,
      older.id,
    ]);
    expect(ids(await api.ok<Paged<Row>>("GET", `/members/${m.id}/direct-policies${query}`))).toEqual([
      newer.id,
      older.id,
    ]);
    const g2 = await group("Order holder 2");
    for (const x of [g, g2]) await api.ok("PUT", `/groups/${x.id}/add-member/${m.id}`);
    await api.ok("PUT", `/groups/${g.id}`, { name: "Order holder", description: "touched" });
    expect(ids(await api.ok<Paged<Row>>("GET", `/members/${m.id}/groups`))).toEqual([g2.id, g.id]);
    const inherited = await api.ok<Paged<Row>>("GET", `/members/${m.id}/inherited-policies${query}`);
    expect(ids(inherited)).toEqual([newer.id, older.id]);
  });

  it("members by the user's creation; a group's or policy's members are searched by email only", async () => {
    const first = await member("zed-first@example.com");
    const second = await member("zed-second@example.com");
    const all = await api.ok<Paged<Row>>("GET", "/members?searchText=zed-");
    expect(ids(all)).toEqual([second.id, first.id]);
    const g = await group("Searched");
    for (const m of [first, second]) await api.ok("PUT", `/groups/${g.id}/add-member/${m.id}`);
    expect(ids(await api.ok<Paged<Row>>("GET", `/groups/${g.id}/members`))).toEqual([second.id, first.id]);
    // Names are the emails' local parts ('zed-first'): the member list finds them by name, these by email only.
    expect((await api.ok<Paged<Row>>("GET", "/members?searchText=zed-first")).totalCount).toBe(1);
    expect(
      (await api.ok<Paged<Row>>("GET", `/groups/${g.id}/members?searchText=@example.com`)).totalCount,
    ).toBe(2);
    expect((await api.ok<Paged<Row>>("GET", `/groups/${g.id}/members?searchText=tester`)).totalCount).toBe(0);
    expect((await api.ok<Paged<Row>>("GET", "/members?searchText=tester")).totalCount).toBe(1);
  });
});

describe("duplicates FeatBit's database allows", () => {
  it("two members whose emails differ only in case (Application/Members/AddMember.cs, v5.4.0.sql's index)", async () => {
    const lower = await member("ann@example.com");
    const upper = await member("Ann@example.com");
    expect(upper.id).not.toBe(lower.id);
    const listed = await api.ok<Paged<Row>>("GET", "/members?searchText=ann@example.com");
    expect(listed.items.map((m) => m.email).sort()).toEqual(["Ann@example.com", "ann@example.com"]);
    // Added again as written: the same member, a no-op.
    await api.ok("POST", "/members/add", { email: "Ann@example.com" });
    expect((await api.ok<Paged<Row>>("GET", "/members?searchText=ann@example.com")).totalCount).toBe(2);
  });

  it("two groups of one name and two policies of one key (no check in CreateGroup.cs, CreatePolicy.cs)", async () => {
    await group("Twin");
    await group("Twin");
    await policy("Twin A", "twin");
    await policy("Twin B", "twin");
    expect((await api.ok<Paged<Row>>("GET", "/groups?name=twin")).totalCount).toBe(2);
    const keyed = (await api.ok<Paged<PolicyVm>>("GET", "/policies?name=twin")).items.filter(
      (p) => p.key === "twin",
    );
    expect(keyed).toHaveLength(2);
  });

  it("a binding once, however often it is added (GroupService.AddMemberAsync/AddPolicyAsync, MemberService.AddPolicyAsync)", async () => {
    const g = await group("Bound once");
    const m = await member("bound-once@example.com");
    for (let i = 0; i < 2; i++) {
      await api.ok("PUT", `/groups/${g.id}/add-member/${m.id}`);
      await api.ok("PUT", `/groups/${g.id}/add-policy/${OWNER_POLICY_ID}`);
      await api.ok("PUT", `/members/${m.id}/add-policy/${OWNER_POLICY_ID}`);
    }
    expect((await api.ok<Paged<Row>>("GET", `/groups/${g.id}/members`)).totalCount).toBe(1);
    expect((await api.ok<Paged<Row>>("GET", `/groups/${g.id}/policies`)).totalCount).toBe(1);
    expect(
      (await api.ok<Paged<Row>>("GET", `/members/${m.id}/direct-policies?name=owner`)).items.map((p) => p.id),
    ).toEqual([OWNER_POLICY_ID]);
  });
});

describe("a member's policies are one per name (MemberService.GetPoliciesAsync, GetPermissionsAsync)", () => {
  it("lists direct before inherited and drops a later policy of a name already listed, for permissions too", async () => {
    // A customer policy named like the built-in Owner, denying everything, attached to the owner after Owner.
    const shadow = await policy("Owner", "shadow-owner");
    await api.ok("PUT", `/policies/${shadow.id}/statements`, [
      { id: "deny-all", resourceType: "iam", effect: "deny", actions: ["*"], resources: ["iam/*"] },
    ]);
    await api.ok("PUT", `/members/${ownerId}/add-policy/${shadow.id}`);
    try {
      const effective = await api.ok<PolicyVm[]>("GET", `/members/${ownerId}/policies`);
      expect(effective.map((p) => p.id)).toEqual([OWNER_POLICY_ID]);
      // The owner's personal token: the shadowing deny never counts.
      expect((await api.call("GET", "/groups", undefined, { token: PERSONAL })).status).toBe(200);
    } finally {
      await api.ok("PUT", `/members/${ownerId}/remove-policy/${shadow.id}`);
    }
  });
});

describe("members' answers (Application/Members/GetMemberList.cs, GetMember.cs)", () => {
  it("shows an initial password in a listing to its invitor only (the token that added the member)", async () => {
    await api.ok("POST", "/members/add", { email: "invited@example.com" });
    const mine = (
      await api.ok<Paged<{ initialPassword: string | null }>>("GET", "/members?searchText=invited@")
    ).items[0];
    expect(mine.initialPassword).toEqual(expect.any(String));
    const asOwner = await api.ok<Paged<{ id: string; initialPassword: string | null }>>(
      "GET",
      "/members?searchText=invited@",
      undefined,
      { token: PERSONAL },
    );
    expect(asOwner.items[0].initialPassword).toBeNull();
    const single = await api.ok<{ initialPassword: string | null }>(
      "GET",
      `/members/${asOwner.items[0].id}`,
      undefined,
      { token: PERSONAL },
    );
    expect(single.initialPassword).toEqual(expect.any(String));
  });
});
