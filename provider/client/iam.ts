// IAM: policies (with their statements), groups, members and the bindings between them. Every route here needs
// the `CanManageIAM` permission on `iam/*`.
import { z } from "zod";
import { Ack, collectPages, list, paged, text, type Listed, type Paged } from "./common";
import { isFeatBitApiError } from "./errors";
import { seg, type HttpTransport } from "./transport";

// Every shape here is FeatBit's as it can be held, not only as this provider writes it: each relaxed field names the
// FeatBit source that allows the variant (paths below modules/back-end/src/ of featbit/featbit).

/**
 * A statement as FeatBit holds it. Domain/Policies/PolicyStatement.cs types every field as a nullable string or
 * collection, and PUT …/statements stores the statements exactly as sent (Application/Policies/
 * UpdatePolicyStatements.cs validates nothing): FeatBit's Terraform provider sends none of the ids, so they are null,
 * and an effect can be spelt any way ('Allow'), though only exactly 'allow' allows (Domain/Policies/PolicyHelper.cs).
 * A missing type or effect reads as '' (it matches nothing as a type and denies as an effect, as null does).
 */
export const PolicyStatement = z.object({
  id: text(),
  resourceType: text().transform((v) => v ?? ""),
  effect: text().transform((v) => v ?? ""),
  actions: list(z.string()),
  resources: list(z.string()),
});
export type PolicyStatement = z.infer<typeof PolicyStatement>;

/** A statement as this provider sends it (PUT …/statements takes the JSON array itself). */
export interface PolicyStatementBody {
  id: string;
  resourceType: string;
  effect: string;
  actions: string[];
  resources: string[];
}

export const Policy = z.object({
  id: z.string(),
  // policies.name is NOT NULL (v0.0.0.sql) and CreatePolicy.cs requires one.
  name: z.string(),
  // Application/Policies/PolicyVm.cs has a key only since 5.2.1 (v5.2.1.sql added the column): an older FeatBit
  // omits it, read as '' (a key no declaration or lookup can match).
  key: text().transform((v) => v ?? ""),
  /** "CustomerManaged" or "SysManaged" (built-in: Owner, Administrator, Developer). */
  type: z.string(),
  description: text(),
  // policies.statements is a nullable jsonb column (v0.0.0.sql).
  statements: list(PolicyStatement),
  // PolicyVm.UpdatedAt is a DateTime? (and absent in views older than it).
  updatedAt: text(),
});
export type Policy = z.infer<typeof Policy>;

// Application/Groups/GroupVm.cs; groups.description is nullable text (v0.0.0.sql) and FeatBit's UI sends a null one
// for a group created after its drawer was reset (core/components/group-drawer).
export const Group = z.object({
  id: z.string(),
  name: z.string(),
  description: text(),
  updatedAt: text(),
});
export type Group = z.infer<typeof Group>;

// Application/Members/MemberVm.cs. Emails are unique only as written (users.email's unique index, v5.4.0.sql, and
// AddMember.cs's lookup compare case-sensitively): 'Ann@x.io' and 'ann@x.io' can be two members.
export const Member = z.object({
  id: z.string(),
  email: z.string(),
  name: text(),
});
export type Member = z.infer<typeof Member>;

/**
 * A row of a group or policy listing, with whether it is bound (`getAll…=true` lists unbound ones too):
 * Application/Policies/PolicyGroup.cs, PolicyMember.cs, Application/Groups/GroupMemberVm.cs, GroupPolicyVm.cs,
 * Application/Members/MemberPolicyVm.cs.
 */
const bound = <K extends string>(flag: K) =>
  z.object({ id: z.string(), name: text() }).extend({ [flag]: z.boolean() } as Record<K, z.ZodBoolean>);

export const PolicyGroup = bound("isPolicyGroup").extend({ description: text() });
export const PolicyMember = bound("isPolicyMember").extend({ email: z.string() });
export const GroupMember = bound("isGroupMember").extend({ email: z.string() });
export const GroupPolicy = bound("isGroupPolicy").extend({ type: z.string(), description: text() });
export const MemberPolicy = bound("isMemberPolicy").extend({ type: z.string(), description: text() });

export interface PageQuery {
  pageIndex?: number;
  pageSize?: number;
}

/** The object, or undefined when FeatBit answers 404 (these reads are by id only, with no other way to be missing). */
async function orUndefined<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (err) {
    if (isFeatBitApiError(err) && err.kind === "not-found") return undefined;
    throw err;
  }
}

export class PoliciesApi {
  constructor(private readonly t: HttpTransport) {}

  /**
   * The organization's policies and all built-in ones, newest first. An item FeatBit holds in a shape no FeatBit
   * version gives it is set aside (`unreadable`), never fatal to the others.
   */
  list(query: { name?: string } & PageQuery = {}): Promise<Paged<Policy>> {
    return this.t.request({
      method: "GET",
      path: "/policies",
      query: { ...query },
      schema: paged(Policy),
      subject: "policies",
    });
  }

  /** Every policy listed (the built-in ones too), all pages; `name` narrows to names containing it (any case). */
  all(name?: string): Promise<Listed<Policy>> {
    return collectPages("policies", (pageIndex, pageSize) =>
      this.list({ ...(name === undefined ? {} : { name }), pageIndex, pageSize }),
    );
  }

  get(id: string): Promise<Policy> {
    return this.t.request({
      method: "GET",
      path: `/policies/${seg(id)}`,
      schema: Policy,
      subject: `policy ${id}`,
    });
  }

  /** The policy, or undefined when FeatBit has no policy with this id. */
  find(id: string): Promise<Policy | undefined> {
    return orUndefined(this.get(id));
  }

  /** FeatBit does not check key uniqueness here: callers must. Statements are set with `setStatements`. */
  create(body: { name: string; key: string; description?: string }): Promise<Policy> {
    return this.t.request({
      method: "POST",
      path: "/policies",
      body,
      schema: Policy,
      subject: `policy '${body.key}'`,
    });
  }

  /** 422 CannotModifySysManagedPolicy for built-in policies. */
  updateSettings(id: string, body: { name: string; description: string }): Promise<Policy> {
    return this.t.request({
      method: "PUT",
      path: `/policies/${seg(id)}/settings`,
      body,
      schema: Policy,
      subject: `policy ${id}`,
    });
  }

  /** Full replacement of the statements; the body is the JSON array itself. */
  setStatements(id: string, statements: PolicyStatementBody[]): Promise<Policy> {
    return this.t.request({
      method: "PUT",
      path: `/policies/${seg(id)}/statements`,
      body: statements,
      schema: Policy,
      subject: `policy ${id}`,
    });
  }

  /** Quirk: FeatBit does not protect built-in policies from deletion; callers must. */
  delete(id: string): Promise<boolean> {
    return this.t.request({
      method: "DELETE",
      path: `/policies/${seg(id)}`,
      schema: Ack,
      subject: `policy ${id}`,
    });
  }

  groups(id: string, query: { name?: string; getAllGroups?: boolean } & PageQuery = {}) {
    return this.t.request({
      method: "GET",
      path: `/policies/${seg(id)}/groups`,
      query: { ...query },
      schema: paged(PolicyGroup),
      subject: `groups of policy ${id}`,
    });
  }

  members(id: string, query: { searchText?: string; getAllMembers?: boolean } & PageQuery = {}) {
    return this.t.request({
      method: "GET",
      path: `/policies/${seg(id)}/members`,
      query: { ...query },
      schema: paged(PolicyMember),
      subject: `members of policy ${id}`,
    });
  }

  /** The groups the policy is attached to (`getAllGroups=false`), all pages. */
  boundGroups(id: string): Promise<Listed<z.infer<typeof PolicyGroup>>> {
    return collectPages(`groups of policy ${id}`, (pageIndex, pageSize) =>
      this.groups(id, { getAllGroups: false, pageIndex, pageSize }),
    );
  }

  /** The members the policy is attached to directly (`getAllMembers=false`), all pages. */
  boundMembers(id: string): Promise<Listed<z.infer<typeof PolicyMember>>> {
    return collectPages(`members of policy ${id}`, (pageIndex, pageSize) =>
      this.members(id, { getAllMembers: false, pageIndex, pageSize }),
    );
  }
}

export class GroupsApi {
  constructor(private readonly t: HttpTransport) {}

  list(query: { name?: string } & PageQuery = {}): Promise<Paged<Group>> {
    return this.t.request({
      method: "GET",
      path: "/groups",
      query: { ...query },
      schema: paged(Group),
      subject: "groups",
    });
  }

  /** Every group, all pages; `name` narrows to names containing it (any case). */
  all(name?: string): Promise<Listed<Group>> {
    return collectPages("groups", (pageIndex, pageSize) =>
      this.list({ ...(name === undefined ? {} : { name }), pageIndex, pageSize }),
    );
  }

  get(id: string): Promise<Group> {
    return this.t.request({
      method: "GET",
      path: `/groups/${seg(id)}`,
      schema: Group,
      subject: `group ${id}`,
    });
  }

  /** The group, or undefined when FeatBit has no group with this id. */
  find(id: string): Promise<Group | undefined> {
    return orUndefined(this.get(id));
  }

  /** FeatBit does not check name uniqueness: callers must. */
  create(body: { name: string; description?: string }): Promise<Group> {
    return this.t.request({
      method: "POST",
      path: "/groups",
      body,
      schema: Group,
      subject: `group '${body.name}'`,
    });
  }

  update(id: string, body: { name: string; description: string }): Promise<Group> {
    return this.t.request({
      method: "PUT",
      path: `/groups/${seg(id)}`,
      body,
      schema: Group,
      subject: `group ${id}`,
    });
  }

  delete(id: string): Promise<boolean> {
    return this.t.request({
      method: "DELETE",
      path: `/groups/${seg(id)}`,
      schema: Ack,
      subject: `group ${id}`,
    });
  }

  members(id: string, query: { searchText?: string; getAllMembers?: boolean } & PageQuery = {}) {
    return this.t.request({
      method: "GET",
      path: `/groups/${seg(id)}/members`,
      query: { ...query },
      schema: paged(GroupMember),
      subject: `members of group ${id}`,
    });
  }

  policies(id: string, query: { name?: string; getAllPolicies?: boolean } & PageQuery = {}) {
    return this.t.request({
      method: "GET",
      path: `/groups/${seg(id)}/policies`,
      query: { ...query },
      schema: paged(GroupPolicy),
      subject: `policies of group ${id}`,
    });
  }

  /** The group's members (`getAllMembers=false`), all pages. */
  boundMembers(id: string): Promise<Listed<z.infer<typeof GroupMember>>> {
    return collectPages(`members of group ${id}`, (pageIndex, pageSize) =>
      this.members(id, { getAllMembers: false, pageIndex, pageSize }),
    );
  }

  /** The policies attached to the group (`getAllPolicies=false`), all pages. */
  boundPolicies(id: string): Promise<Listed<z.infer<typeof GroupPolicy>>> {
    return collectPages(`policies of group ${id}`, (pageIndex, pageSize) =>
      this.policies(id, { getAllPolicies: false, pageIndex, pageSize }),
    );
  }

  /** Idempotent; FeatBit does not check that either side exists. */
  addMember(id: string, memberId: string): Promise<boolean> {
    return this.bind(id, "add-member", memberId);
  }

  removeMember(id: string, memberId: string): Promise<boolean> {
    return this.bind(id, "remove-member", memberId);
  }

  addPolicy(id: string, policyId: string): Promise<boolean> {
    return this.bind(id, "add-policy", policyId);
  }

  removePolicy(id: string, policyId: string): Promise<boolean> {
    return this.bind(id, "remove-policy", policyId);
  }

  private bind(id: string, action: string, otherId: string): Promise<boolean> {
    return this.t.request({
      method: "PUT",
      path: `/groups/${seg(id)}/${action}/${seg(otherId)}`,
      schema: Ack,
      subject: `group ${id}`,
    });
  }
}

export class MembersApi {
  constructor(private readonly t: HttpTransport) {}

  list(query: { searchText?: string } & PageQuery = {}): Promise<Paged<Member>> {
    return this.t.request({
      method: "GET",
      path: "/members",
      query: { ...query },
      schema: paged(Member),
      subject: "members",
    });
  }

  /** Every member of the organization, all pages; `searchText` narrows to emails or names containing it. */
  all(searchText?: string): Promise<Listed<Member>> {
    return collectPages("members", (pageIndex, pageSize) =>
      this.list({ ...(searchText === undefined ? {} : { searchText }), pageIndex, pageSize }),
    );
  }

  /** 404 when the user is not a member of the token's organization. */
  get(id: string): Promise<Member> {
    return this.t.request({
      method: "GET",
      path: `/members/${seg(id)}`,
      schema: Member,
      subject: `member ${id}`,
    });
  }

  /** The member, or undefined when no member of the organization has this id. */
  find(id: string): Promise<Member | undefined> {
    return orUndefined(this.get(id));
  }

  /**
   * Adds (or auto-registers) a user by email. FeatBit answers `true`, not the member: look it up with
   * `list({searchText: email})`. Already a member: a no-op, lists ignored.
   */
  add(body: { email: string; policyIds?: string[]; groupIds?: string[] }): Promise<boolean> {
    return this.t.request({
      method: "POST",
      path: "/members/add",
      body,
      schema: Ack,
      subject: `member '${body.email}'`,
    });
  }

  removeFromOrganization(id: string): Promise<boolean> {
    return this.t.request({
      method: "DELETE",
      path: `/members/remove-from-org/${seg(id)}`,
      schema: Ack,
      subject: `member ${id}`,
    });
  }

  directPolicies(id: string, query: { name?: string; getAllPolicies?: boolean } & PageQuery = {}) {
    return this.t.request({
      method: "GET",
      path: `/members/${seg(id)}/direct-policies`,
      query: { ...query },
      schema: paged(MemberPolicy),
      subject: `policies of member ${id}`,
    });
  }

  /** The policies attached to the member directly (`getAllPolicies=false`), all pages. */
  boundPolicies(id: string): Promise<Listed<z.infer<typeof MemberPolicy>>> {
    return collectPages(`policies of member ${id}`, (pageIndex, pageSize) =>
      this.directPolicies(id, { getAllPolicies: false, pageIndex, pageSize }),
    );
  }

  addPolicy(id: string, policyId: string): Promise<boolean> {
    return this.t.request({
      method: "PUT",
      path: `/members/${seg(id)}/add-policy/${seg(policyId)}`,
      schema: Ack,
      subject: `member ${id}`,
    });
  }

  removePolicy(id: string, policyId: string): Promise<boolean> {
    return this.t.request({
      method: "PUT",
      path: `/members/${seg(id)}/remove-policy/${seg(policyId)}`,
      schema: Ack,
      subject: `member ${id}`,
    });
  }
}
