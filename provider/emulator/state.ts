// The emulator's data model: FeatBit's entities as stored (camelCase, as they appear on the wire).

/**
 * Domain/Policies/PolicyStatement.cs. PUT …/statements stores statements exactly as sent, so every field may be null
 * (FeatBit's Terraform provider sends no ids) and an effect may have any spelling.
 */
export interface PolicyStatement {
  id: string | null;
  resourceType: string | null;
  effect: string | null;
  actions: (string | null)[] | null;
  resources: (string | null)[] | null;
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
  conditions: (Condition | null)[] | null;
  variations: (RolloutVariation | null)[] | null;
}

export interface TargetUser {
  keyIds: (string | null)[] | null;
  variationId: string | null;
}

export interface Fallthrough {
  dispatchKey: string | null;
  includedInExpt: boolean;
  variations: (RolloutVariation | null)[] | null;
}

/**
 * Lists are stored as FeatBit stores them: a JSON null (or a null element) that got past FeatBit's
 * checks is kept, so that the code paths that trip over it later (the flag list's `Serves()`, the
 * targeting comparer) fail here as they do there.
 */
export interface FeatureFlag {
  id: string;
  envId: string;
  revision: string;
  name: string;
  description: string | null;
  key: string;
  variationType: string;
  variations: (Variation | null)[] | null;
  targetUsers: (TargetUser | null)[] | null;
  rules: (TargetRule | null)[] | null;
  isEnabled: boolean;
  disabledVariationId: string;
  fallthrough: Fallthrough | null;
  exptIncludeAllTargets: boolean;
  tags: (string | null)[] | null;
  isArchived: boolean;
  creatorId: string;
  updatorId: string;
  createdAt: string;
  updatedAt: string;
}

export interface MatchRule {
  id: string | null;
  name: string | null;
  conditions: (Condition | null)[] | null;
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
  included: (string | null)[] | null;
  excluded: (string | null)[] | null;
  rules: (MatchRule | null)[] | null;
  tags: (string | null)[] | null;
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
  /** As sent: a null element too (Policy.UpdateStatements replaces only a null list, by an empty one). */
  statements: (PolicyStatement | null)[];
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
  /** Absent in data written before it was kept: active. */
  status?: "Active" | "Inactive";
}

export interface DataChange {
  previous: string;
  current: string;
}

/** Domain/FlagDrafts/FlagDraft.cs: the proposed change a schedule or change request applies. */
export interface FlagDraft {
  id: string;
  envId: string;
  flagId: string;
  status: "Pending" | "Applied";
  comment: string | null;
  dataChange: DataChange;
  creatorId: string;
  updatorId: string;
  createdAt: string;
  updatedAt: string;
}

/** Domain/FlagSchedules/FlagSchedule.cs. */
export interface FlagSchedule {
  id: string;
  orgId: string;
  envId: string;
  flagDraftId: string;
  flagId: string;
  status: "PendingReview" | "PendingExecution" | "Applied" | "Declined";
  title: string;
  scheduledTime: string;
  changeRequestId: string | null;
  creatorId: string;
  updatorId: string;
  createdAt: string;
  updatedAt: string;
}

/** Domain/FlagChangeRequests/Reviewer.cs. */
export interface Reviewer {
  memberId: string;
  action: string;
  timestamp: string | null;
}

/** Domain/FlagChangeRequests/FlagChangeRequest.cs. */
export interface FlagChangeRequest {
  id: string;
  orgId: string;
  envId: string;
  flagDraftId: string;
  flagId: string;
  status: "PendingReview" | "Approved" | "Declined" | "Applied";
  reason: string | null;
  reviewers: Reviewer[];
  scheduleId: string | null;
  creatorId: string;
  updatorId: string;
  createdAt: string;
  updatedAt: string;
}

export interface AuditLog {
  id: string;
  envId: string;
  refId: string;
  refType: "FeatureFlag" | "Segment";
  /** What `query` searches: the flag/segment name and key at the time. */
  keyword: string;
  operation: string;
  /** FeatBit's DataChange: JSON snapshots, "" (not null) for the side that does not exist. */
  dataChange: DataChange;
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
  flagDrafts: FlagDraft[];
  flagSchedules: FlagSchedule[];
  flagChangeRequests: FlagChangeRequest[];
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
  "flagDrafts",
  "flagSchedules",
  "flagChangeRequests",
] as const;
