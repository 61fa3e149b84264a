// The emulator's data model: FeatBit's entities as stored (camelCase, as they appear on the wire).

export interface PolicyStatement {
  id: string;
  resourceType: string;
  effect: string;
  actions: string[];
  resources: string[];
}

export interface Workspace {
  id: string;
  name: string;
  key: string;
  license: string | null;
  sso: unknown;
}

export interface Organization {
  id: string;
  workspaceId: string;
  name: string;
  key: string;
  /** Applied to added members when they get neither policies nor groups. */
  defaultPolicyIds: string[];
}

export interface Project {
  id: string;
  organizationId: string;
  name: string;
  key: string;
  createdAt: string;
  updatedAt: string;
}

export interface Secret {
  id: string;
  name: string;
  type: "server" | "client";
  value: string;
}

export interface Environment {
  id: string;
  projectId: string;
  name: string;
  key: string;
  description: string | null;
  secrets: Secret[];
  settings: { requireChangeComment: boolean };
  createdAt: string;
  updatedAt: string;
}

export interface Variation {
  id: string | null;
  name: string | null;
  value: string | null;
}

export interface Condition {
  id: string | null;
  property: string | null;
  op: string | null;
  value: string | null;
}

export interface RolloutVariation {
  id: string | null;
  rollout: number[] | null;
  exptRollout: number;
}

export interface TargetRule {
  id: string | null;
  name: string | null;
  dispatchKey: string | null;
  includedInExpt: boolean;
  conditions: Condition[] | null;
  variations: RolloutVariation[] | null;
}

export interface TargetUser {
  keyIds: string[] | null;
  variationId: string | null;
}

export interface Fallthrough {
  dispatchKey: string | null;
  includedInExpt: boolean;
  variations: RolloutVariation[] | null;
}

export interface FeatureFlag {
  id: string;
  envId: string;
  revision: string;
  /** Null only after a JSON patch set it so; FeatBit stores what the patch produced. */
  name: string | null;
  description: string | null;
  key: string;
  variationType: string;
  variations: Variation[];
  targetUsers: TargetUser[];
  rules: TargetRule[];
  isEnabled: boolean;
  disabledVariationId: string;
  fallthrough: Fallthrough;
  exptIncludeAllTargets: boolean;
  tags: string[];
  isArchived: boolean;
  creatorId: string;
  updatorId: string;
  createdAt: string;
  updatedAt: string;
}

export interface MatchRule {
  id: string | null;
  name: string | null;
  conditions: Condition[] | null;
}

export interface Segment {
  id: string;
  workspaceId: string;
  envId: string;
  name: string;
  key: string;
  type: string;
  scopes: string[];
  description: string | null;
  included: string[];
  excluded: string[];
  rules: MatchRule[];
  tags: string[];
  isArchived: boolean;
  createdAt: string;
  updatedAt: string;
}

export type PolicyType = "CustomerManaged" | "SysManaged";

export interface Policy {
  id: string;
  organizationId: string | null;
  name: string;
  key: string;
  type: PolicyType;
  description: string | null;
  statements: PolicyStatement[];
  createdAt: string;
  updatedAt: string;
}

export interface Group {
  id: string;
  organizationId: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A workspace user; org membership is the `members` table. */
export interface User {
  id: string;
  email: string;
  name: string;
  initialPassword: string | null;
  createdAt: string;
}

export interface Member {
  userId: string;
  invitorId: string | null;
  createdAt: string;
}

export interface AccessToken {
  id: string;
  name: string;
  token: string;
  type: "Personal" | "Service";
  permissions: PolicyStatement[];
  creatorId: string;
}

export interface AuditLog {
  id: string;
  envId: string;
  refId: string;
  refType: "FeatureFlag" | "Segment";
  /** What `query` searches: the flag/segment name and key at the time. */
  keyword: string;
  operation: string;
  dataChange: { previous: string | null; current: string | null };
  comment: string | null;
  creatorId: string;
  createdAt: string;
}

export interface State {
  version: 1;
  workspace: Workspace;
  organization: Organization;
  projects: Project[];
  environments: Environment[];
  flags: FeatureFlag[];
  segments: Segment[];
  policies: Policy[];
  groups: Group[];
  users: User[];
  members: Member[];
  groupMembers: { groupId: string; memberId: string }[];
  groupPolicies: { groupId: string; policyId: string }[];
  memberPolicies: { memberId: string; policyId: string }[];
  tokens: AccessToken[];
  auditLogs: AuditLog[];
}

/** Array-valued tables, used by persistence to check a loaded file. */
export const TABLES = [
  "projects",
  "environments",
  "flags",
  "segments",
  "policies",
  "groups",
  "users",
  "members",
  "groupMembers",
  "groupPolicies",
  "memberPolicies",
  "tokens",
  "auditLogs",
] as const;
