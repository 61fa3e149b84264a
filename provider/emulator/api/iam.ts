// IAM: policies, groups and members (§4.12). Every route needs CanManageIAM on `iam/*`.
//
// What each answer holds and in which order is FeatBit's: the handlers of Application/Policies, Application/Groups
// and Application/Members, and the queries behind them in Infrastructure/Services/EntityFrameworkCore/
// (PolicyService.cs, GroupService.cs, MemberService.cs, OrganizationService.cs; paths below modules/back-end/src/).
// Every listing there orders by creation, newest first (OrderByDescending(x => x.CreatedAt)); member listings by the
// user's creation.
import { arr, bindValue, guid, obj, str } from "../binding";
import { save } from "../columns";
import { business, notFound } from "../http";
import { openApi, type Ctx, type Handler, type Method, type Route } from "../router";
import { effectivePolicies } from "../auth";
import type { Group, Policy, PolicyStatement, State, User } from "../state";
import {
  first,
  includesCI,
  invalid,
  isEmpty,
  newestFirst,
  page,
  required,
  sameKey,
  validate,
} from "../validation";

const iam = { name: "CanManageIAM", type: "iam" as const };
const route = (method: Method, pattern: string, handle: Handler): Route =>
  openApi(method, pattern, iam, handle);

const statementShape = obj({
  id: str(),
  resourceType: str(),
  effect: str(),
  actions: arr(str()),
  resources: arr(str()),
});

function policyVm(p: Policy) {
  return {
    id: p.id,
    name: p.name,
    key: p.key,
    type: p.type,
    description: p.description,
    statements: p.statements,
    updatedAt: p.updatedAt,
  };
}

const groupVm = (g: Group) => ({
  id: g.id,
  name: g.name,
  description: g.description,
  updatedAt: g.updatedAt,
});

function paging(ctx: Ctx) {
  return { index: ctx.query.int("pageIndex", 0), size: ctx.query.int("pageSize", 10) };
}

function paged<T>(ctx: Ctx, list: T[]) {
  const p = paging(ctx);
  return page(list, p.index, p.size);
}

function orgPolicies(state: State): Policy[] {
  return state.policies.filter((p) => p.type === "SysManaged" || p.organizationId === state.organization.id);
}

function policyOr404(ctx: Ctx, id: string): Policy {
  const p = ctx.store.state.policies.find((x) => x.id === id);
  if (!p) throw notFound();
  return p;
}

function groupOr404(ctx: Ctx, id: string): Group {
  const g = ctx.store.state.groups.find((x) => x.id === id);
  if (!g) throw notFound();
  return g;
}

function memberUser(ctx: Ctx, id: string): User {
  const { state } = ctx.store;
  const user = state.members.some((m) => m.userId === id) ? state.users.find((u) => u.id === id) : undefined;
  if (!user) throw notFound();
  return user;
}

/**
 * Statements exactly as sent (UpdatePolicyStatements.cs → Policy.UpdateStatements, which validates nothing and
 * replaces only a null list, by an empty one): a missing id stays null, as FeatBit's Terraform provider leaves it.
 */
function toStatements(
  list: (ReturnType<typeof statementShape.read> | null)[] | null,
): (PolicyStatement | null)[] {
  return list ?? [];
}

function assertCustomerManaged(p: Policy): void {
  if (p.type === "SysManaged") throw business("CannotModifySysManagedPolicy");
}

/** Add/remove links are idempotent and do not check that either side exists. */
function link<K extends "groupMembers" | "groupPolicies" | "memberPolicies">(
  ctx: Ctx,
  table: K,
  entry: State[K][number],
  add: boolean,
): true {
  const { state } = ctx.store;
  const list = state[table] as State[K][number][];
  const same = (x: State[K][number]) => JSON.stringify(x) === JSON.stringify(entry);
  const kept = list.filter((x) => !same(x));
  (state[table] as State[K][number][]) = add ? [...kept, entry] : kept;
  ctx.store.touch();
  return true;
}

/**
 * Application/Members/MemberVm.cs. In a listing only the member's invitor sees its initial password
 * (GetMemberList.cs); a single read shows it to anyone (GetMember.cs).
 */
function memberVm(ctx: Ctx, u: User, listing = false) {
  const { state } = ctx.store;
  const member = state.members.find((m) => m.userId === u.id);
  const groups = state.groupMembers
    .filter((l) => l.memberId === u.id)
    .flatMap((l) => state.groups.filter((g) => g.id === l.groupId))
    .map((g) => ({
      id: g.id,
      name: g.name,
      description: g.description,
      memberId: u.id,
      isGroupMember: true,
    }));
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    invitorId: member?.invitorId ?? null,
    initialPassword: listing && member?.invitorId !== ctx.caller.id ? null : u.initialPassword,
    groups,
  };
}

function removeMember(ctx: Ctx, id: string): true {
  const { state } = ctx.store;
  state.members = state.members.filter((m) => m.userId !== id);
  state.groupMembers = state.groupMembers.filter((l) => l.memberId !== id);
  state.memberPolicies = state.memberPolicies.filter((l) => l.memberId !== id);
  // A single organization: leaving it also leaves the workspace.
  state.users = state.users.filter((u) => u.id !== id);
  ctx.store.touch();
  return true;
}

const EMAIL = /^[^@\s]+@[^@\s]+$/;

const policyRoutes: Route[] = [
  route("GET", "/api/v1/policies", (ctx) => {
    const name = ctx.query.text("name");
    const list = orgPolicies(ctx.store.state)
      .filter((p) => !name || includesCI(p.name, name))
      // Renaming or editing does not move a policy.
      .sort(newestFirst);
    const r = paged(ctx, list);
    return { totalCount: r.totalCount, items: r.items.map(policyVm) };
  }),

  route("GET", "/api/v1/policies/{id:guid}", (ctx) => policyVm(policyOr404(ctx, ctx.params.id))),

  route("POST", "/api/v1/policies", (ctx) => {
    const body = ctx.body({ name: str(), key: str(), description: str() });
    validate(
      isEmpty(body.name) ? required("name") : undefined,
      isEmpty(body.key) ? required("key") : undefined,
    );
    // CreatePolicy.cs validates presence only; policies.name/key are varchar(128), description 512.
    save("policies", { name: body.name, key: body.key, description: body.description });
    const now = ctx.store.now();
    // No key-uniqueness check on create (only clone checks).
    const policy: Policy = {
      id: ctx.store.guid(),
      organizationId: ctx.store.state.organization.id,
      name: body.name as string,
      key: body.key as string,
      type: "CustomerManaged",
      description: body.description,
      statements: [],
      createdAt: now,
      updatedAt: now,
    };
    ctx.store.state.policies.push(policy);
    ctx.store.touch();
    return policyVm(policy);
  }),

  route("PUT", "/api/v1/policies/{policyId:guid}/settings", (ctx) => {
    const body = ctx.body({ name: str(), description: str() });
    validate(isEmpty(body.name) ? required("name") : undefined);
    const p = policyOr404(ctx, ctx.params.policyId);
    assertCustomerManaged(p);
    save("policies", { name: body.name, description: body.description });
    Object.assign(p, { name: body.name, description: body.description, updatedAt: ctx.store.now() });
    ctx.store.touch();
    return policyVm(p);
  }),

  route("PUT", "/api/v1/policies/{policyId:guid}/statements", (ctx) => {
    const statements = bindValue(arr(statementShape), ctx.json());
    const p = policyOr404(ctx, ctx.params.policyId);
    assertCustomerManaged(p);
    p.statements = toStatements(statements);
    p.updatedAt = ctx.store.now();
    ctx.store.touch();
    return policyVm(p);
  }),

  route("POST", "/api/v1/policies/clone/{key}", (ctx) => {
    const body = ctx.body({ name: str(), key: str(), description: str(), originPolicyType: str() });
    validate(
      isEmpty(body.name) ? required("name") : undefined,
      isEmpty(body.key) ? required("key") : undefined,
      first(
        [isEmpty(body.originPolicyType), required("originPolicyType")],
        [
          !["CustomerManaged", "SysManaged"].includes(body.originPolicyType ?? ""),
          invalid("originPolicyType"),
        ],
      ),
    );
    const { state } = ctx.store;
    // PolicyService.IsKeyUsedAsync looks at the organization's own policies only: a built-in key is free.
    const own = state.policies.filter((p) => p.organizationId === state.organization.id);
    if (own.some((p) => sameKey(p.key, body.key as string))) throw business("KeyHasBeenUsed");
    const origin = orgPolicies(state).find(
      (p) => p.key === ctx.params.key && p.type === body.originPolicyType,
    );
    if (!origin) throw notFound();
    save("policies", { name: body.name, key: body.key, description: body.description });
    const now = ctx.store.now();
    const policy: Policy = {
      id: ctx.store.guid(),
      organizationId: state.organization.id,
      name: body.name as string,
      key: body.key as string,
      type: "CustomerManaged",
      description: body.description,
      // Policy.Clone keeps the statements as they are, ids included (a null one too).
      statements: structuredClone(origin.statements),
      createdAt: now,
      updatedAt: now,
    };
    state.policies.push(policy);
    ctx.store.touch();
    return policyVm(policy);
  }),

  route("DELETE", "/api/v1/policies/{policyId:guid}", (ctx) => {
    const { state } = ctx.store;
    const id = ctx.params.policyId;
    // Quirk kept: SysManaged policies are not protected from deletion.
    state.policies = state.policies.filter((p) => p.id !== id);
    state.groupPolicies = state.groupPolicies.filter((l) => l.policyId !== id);
    state.memberPolicies = state.memberPolicies.filter((l) => l.policyId !== id);
    ctx.store.touch();
    return true;
  }),

  route("GET", "/api/v1/policies/{policyId:guid}/groups", (ctx) => {
    const { state } = ctx.store;
    const name = ctx.query.text("name");
    const all = ctx.query.bool("getAllGroups") ?? false;
    const isIn = (g: Group) =>
      state.groupPolicies.some((l) => l.groupId === g.id && l.policyId === ctx.params.policyId);
    const list = state.groups
      .filter((g) => (all || isIn(g)) && (!name || includesCI(g.name, name)))
      .sort(newestFirst)
      .map((g) => ({ id: g.id, name: g.name, description: g.description, isPolicyGroup: isIn(g) }));
    return paged(ctx, list);
  }),

  route("GET", "/api/v1/policies/{policyId:guid}/members", (ctx) => {
    const { state } = ctx.store;
    const search = ctx.query.text("searchText");
    const all = ctx.query.bool("getAllMembers") ?? false;
    const isIn = (u: User) =>
      state.memberPolicies.some((l) => l.memberId === u.id && l.policyId === ctx.params.policyId);
    const list = orgUsers(state)
      .filter((u) => (all || isIn(u)) && emailMatches(u, search))
      .map((u) => ({ id: u.id, name: u.name, email: u.email, isPolicyMember: isIn(u) }));
    return paged(ctx, list);
  }),
];

/** The organization's members, newest user first (the member queries order by users.created_at). */
function orgUsers(state: State): User[] {
  return state.members.flatMap((m) => state.users.filter((u) => u.id === m.userId)).sort(newestFirst);
}

/** MemberService.GetListAsync's searchText: the email or the name contains it, ignoring case. */
function matchesSearch(u: User, search: string | undefined): boolean {
  return !search || includesCI(u.email, search) || includesCI(u.name, search);
}

/** The member lists of a group or policy (GroupService/PolicyService.GetMembersAsync) search emails only. */
function emailMatches(u: User, search: string | undefined): boolean {
  return !search || includesCI(u.email, search);
}

const groupRoutes: Route[] = [
  route("GET", "/api/v1/groups", (ctx) => {
    const name = ctx.query.text("name");
    const list = ctx.store.state.groups.filter((g) => !name || includesCI(g.name, name)).sort(newestFirst);
    const r = paged(ctx, list);
    return { totalCount: r.totalCount, items: r.items.map(groupVm) };
  }),

  route("GET", "/api/v1/groups/{id:guid}", (ctx) => groupVm(groupOr404(ctx, ctx.params.id))),

  route("POST", "/api/v1/groups", (ctx) => {
    const body = ctx.body({ name: str(), description: str() });
    validate(isEmpty(body.name) ? required("name") : undefined);
    // groups.name is varchar(128) (no validator checks it); the description is text.
    save("groups", { name: body.name });
    const now = ctx.store.now();
    // No name-uniqueness check, as in FeatBit.
    const group: Group = {
      id: ctx.store.guid(),
      organizationId: ctx.store.state.organization.id,
      name: body.name as string,
      description: body.description,
      createdAt: now,
      updatedAt: now,
    };
    ctx.store.state.groups.push(group);
    ctx.store.touch();
    return groupVm(group);
  }),

  route("PUT", "/api/v1/groups/{id:guid}", (ctx) => {
    const body = ctx.body({ name: str(), description: str() });
    validate(isEmpty(body.name) ? required("name") : undefined);
    const g = groupOr404(ctx, ctx.params.id);
    save("groups", { name: body.name });
    Object.assign(g, { name: body.name, description: body.description, updatedAt: ctx.store.now() });
    ctx.store.touch();
    return groupVm(g);
  }),

  route("DELETE", "/api/v1/groups/{id:guid}", (ctx) => {
    const { state } = ctx.store;
    const id = ctx.params.id;
    state.groups = state.groups.filter((g) => g.id !== id);
    state.groupMembers = state.groupMembers.filter((l) => l.groupId !== id);
    state.groupPolicies = state.groupPolicies.filter((l) => l.groupId !== id);
    ctx.store.touch();
    return true;
  }),

  route("GET", "/api/v1/groups/{groupId:guid}/members", (ctx) => {
    const { state } = ctx.store;
    const search = ctx.query.text("searchText");
    const all = ctx.query.bool("getAllMembers") ?? false;
    const isIn = (u: User) =>
      state.groupMembers.some((l) => l.groupId === ctx.params.groupId && l.memberId === u.id);
    const list = orgUsers(state)
      .filter((u) => (all || isIn(u)) && emailMatches(u, search))
      .map((u) => ({ id: u.id, name: u.name, email: u.email, isGroupMember: isIn(u) }));
    return paged(ctx, list);
  }),

  route("PUT", "/api/v1/groups/{groupId:guid}/add-member/{memberId:guid}", (ctx) =>
    link(ctx, "groupMembers", { groupId: ctx.params.groupId, memberId: ctx.params.memberId }, true),
  ),
  route("PUT", "/api/v1/groups/{groupId:guid}/remove-member/{memberId:guid}", (ctx) =>
    link(ctx, "groupMembers", { groupId: ctx.params.groupId, memberId: ctx.params.memberId }, false),
  ),

  route("GET", "/api/v1/groups/{groupId:guid}/policies", (ctx) => {
    const { state } = ctx.store;
    const name = ctx.query.text("name");
    const all = ctx.query.bool("getAllPolicies") ?? false;
    const isIn = (p: Policy) =>
      state.groupPolicies.some((l) => l.groupId === ctx.params.groupId && l.policyId === p.id);
    const list = orgPolicies(state)
      .filter((p) => (all || isIn(p)) && (!name || includesCI(p.name, name)))
      .sort(newestFirst)
      .map((p) => ({
        id: p.id,
        name: p.name,
        type: p.type,
        description: p.description,
        isGroupPolicy: isIn(p),
      }));
    return paged(ctx, list);
  }),

  route("PUT", "/api/v1/groups/{groupId:guid}/add-policy/{policyId:guid}", (ctx) =>
    link(ctx, "groupPolicies", { groupId: ctx.params.groupId, policyId: ctx.params.policyId }, true),
  ),
  route("PUT", "/api/v1/groups/{groupId:guid}/remove-policy/{policyId:guid}", (ctx) =>
    link(ctx, "groupPolicies", { groupId: ctx.params.groupId, policyId: ctx.params.policyId }, false),
  ),
];

const memberRoutes: Route[] = [
  route("GET", "/api/v1/members", (ctx) => {
    const search = ctx.query.text("searchText");
    const list = orgUsers(ctx.store.state).filter((u) => matchesSearch(u, search));
    const r = paged(ctx, list);
    return { totalCount: r.totalCount, items: r.items.map((u) => memberVm(ctx, u, true)) };
  }),

  route("GET", "/api/v1/members/{memberId:guid}", (ctx) =>
    memberVm(ctx, memberUser(ctx, ctx.params.memberId)),
  ),

  route("POST", "/api/v1/members/add", (ctx) => {
    const body = ctx.body({ email: str(), policyIds: arr(guid()), groupIds: arr(guid()) });
    validate(
      first([isEmpty(body.email), required("email")], [!EMAIL.test(body.email ?? ""), invalid("email")]),
    );
    const { store } = ctx;
    const { state } = store;
    const email = body.email as string;
    // AddMember.cs finds the user by `x.Email == email`, which PostgreSQL compares case-sensitively (and users.email's
    // unique index, v5.4.0.sql, is case-sensitive too): 'Ann@x.io' is another user than 'ann@x.io'.
    let user = state.users.find((u) => u.email === email);
    if (user && state.members.some((m) => m.userId === user?.id)) return true;
    if (!user) {
      // Registering is the first save (AddMember.cs → IdentityService): users.email is varchar(256)
      // and the name, the email's local part (Domain/Users/User.cs), varchar(128).
      save("users", { email, name: email.split("@")[0] });
      // Unknown emails are auto-registered with a generated password, which FeatBit exposes.
      user = {
        id: store.guid(),
        email,
        name: email.split("@")[0],
        initialPassword: store.random.bytes(6).toString("base64url"),
        createdAt: store.now(),
      };
      state.users.push(user);
    }
    // The invitor is the current user: with an access token, the token's id (Api/Authentication/OpenApiHandler.cs).
    state.members.push({ userId: user.id, invitorId: ctx.caller.id, createdAt: store.now() });
    const policyIds = body.policyIds ?? [];
    const groupIds = body.groupIds ?? [];
    const usePolicies =
      policyIds.length === 0 && groupIds.length === 0 ? state.organization.defaultPolicyIds : policyIds;
    for (const policyId of usePolicies) state.memberPolicies.push({ memberId: user.id, policyId });
    for (const groupId of groupIds) state.groupMembers.push({ groupId, memberId: user.id });
    store.touch();
    return true;
  }),

  route("DELETE", "/api/v1/members/remove-from-org/{memberId:guid}", (ctx) =>
    removeMember(ctx, ctx.params.memberId),
  ),
  route("DELETE", "/api/v1/members/remove-from-workspace/{memberId:guid}", (ctx) =>
    removeMember(ctx, ctx.params.memberId),
  ),

  route("GET", "/api/v1/members/{memberId:guid}/groups", (ctx) => {
    const { state } = ctx.store;
    const name = ctx.query.text("name");
    const all = ctx.query.bool("getAllGroups") ?? false;
    const isIn = (g: Group) =>
      state.groupMembers.some((l) => l.groupId === g.id && l.memberId === ctx.params.memberId);
    const list = state.groups
      .filter((g) => (all || isIn(g)) && (!name || includesCI(g.name, name)))
      .sort(newestFirst)
      // Application/Members/MemberGroupVm.cs carries the member's id too.
      .map((g) => ({
        id: g.id,
        name: g.name,
        description: g.description,
        memberId: ctx.params.memberId,
        isGroupMember: isIn(g),
      }));
    return paged(ctx, list);
  }),

  route("GET", "/api/v1/members/{memberId:guid}/policies", (ctx) => {
    // MemberService.GetPoliciesAsync: direct, then inherited, one per policy name.
    return effectivePolicies(ctx.store.state, ctx.params.memberId).map(policyVm);
  }),

  route("GET", "/api/v1/members/{memberId:guid}/direct-policies", (ctx) => {
    const { state } = ctx.store;
    const name = ctx.query.text("name");
    const all = ctx.query.bool("getAllPolicies") ?? false;
    const isIn = (p: Policy) =>
      state.memberPolicies.some((l) => l.memberId === ctx.params.memberId && l.policyId === p.id);
    const list = orgPolicies(state)
      .filter((p) => (all || isIn(p)) && (!name || includesCI(p.name, name)))
      .sort(newestFirst)
      .map((p) => ({
        id: p.id,
        name: p.name,
        type: p.type,
        description: p.description,
        isMemberPolicy: isIn(p),
      }));
    return paged(ctx, list);
  }),

  route("GET", "/api/v1/members/{memberId:guid}/inherited-policies", (ctx) => {
    const { state } = ctx.store;
    const name = ctx.query.text("name");
    const groups = state.groupMembers
      .filter((l) => l.memberId === ctx.params.memberId)
      .flatMap((l) => state.groups.filter((g) => g.id === l.groupId));
    const list = groups
      .flatMap((g) =>
        state.groupPolicies
          .filter((l) => l.groupId === g.id)
          .flatMap((l) => state.policies.filter((p) => p.id === l.policyId))
          .filter((p) => !name || includesCI(p.name, name))
          .map((p) => ({
            id: p.id,
            name: p.name,
            type: p.type,
            description: p.description,
            createdAt: p.createdAt,
            groupName: g.name,
          })),
      )
      .sort(newestFirst);
    return paged(ctx, list);
  }),

  route("PUT", "/api/v1/members/{memberId:guid}/add-policy/{policyId:guid}", (ctx) =>
    link(ctx, "memberPolicies", { memberId: ctx.params.memberId, policyId: ctx.params.policyId }, true),
  ),
  route("PUT", "/api/v1/members/{memberId:guid}/remove-policy/{policyId:guid}", (ctx) =>
    link(ctx, "memberPolicies", { memberId: ctx.params.memberId, policyId: ctx.params.policyId }, false),
  ),
];

export const iamRoutes: Route[] = [...policyRoutes, ...groupRoutes, ...memberRoutes];
