// Holds the state plus what every API area needs: ids, time, lookups, RNs and audit entries.
import { save } from "./columns";
import { FailedAfterSave } from "./http";
import { DotnetException } from "./dotnet";
import { Clock, Random } from "./ids";
import {
  TABLES,
  type AuditLog,
  type Environment,
  type FeatureFlag,
  type PolicyStatement,
  type Project,
  type Segment,
  type State,
} from "./state";

export const OWNER_POLICY_ID = "98881f6a-5c6c-4277-bcf7-fda94c538785";
export const ADMINISTRATOR_POLICY_ID = "3e961f0f-6fd4-4cf4-910f-52d356f8cc08";
export const DEVELOPER_POLICY_ID = "66f3687f-939d-4257-bd3f-c3553d39e1b6";

/** Old enough that customer policies (created later) sort first in "newest first" lists. */
const SEED_TIME = "2022-01-01T00:00:00.000Z";

const allow = (
  id: string,
  resourceType: string,
  actions: string[],
  resources: string[],
): PolicyStatement => ({
  id,
  resourceType,
  effect: "allow",
  actions,
  resources,
});

/**
 * The three SysManaged policies as FeatBit's migrations leave them: seeded by
 * infra/postgresql/docker-entrypoint-initdb.d/v0.0.0.sql, then v5.0.4.sql (workspace), v5.0.5.sql (organization
 * rebuilt, moved last), v5.2.0.sql (UpdateOrgSortFlagsBy, CanAccessEnv, the flag statements) and v5.3.2.sql (the
 * segment statements). Statement ids are random there (gen_random_uuid()); fixed here.
 */
export function builtInPolicies(): State["policies"] {
  const base = {
    organizationId: null,
    type: "SysManaged" as const,
    createdAt: SEED_TIME,
    updatedAt: SEED_TIME,
  };
  const tokens = ["ManageServiceAccessTokens", "ManagePersonalAccessTokens", "ListAccessTokens"];
  const relayProxies = ["ManageRelayProxies", "ListRelayProxies"];
  return [
    {
      ...base,
      id: OWNER_POLICY_ID,
      name: "Owner",
      key: "owner",
      description:
        "Contains all permissions. This policy is granted to the user who created the organization",
      statements: [allow("2c7d5b1a-0f0e-4f5b-9e59-0a5d2d6f3a01", "*", ["*"], ["*"])],
    },
    {
      ...base,
      id: ADMINISTRATOR_POLICY_ID,
      name: "Administrator",
      key: "administrator",
      description: "Contains all the permissions required by an administrator",
      statements: [
        allow("5a7c1f52-3b7e-4d1c-8f3e-2f0c7b1d9a03", "iam", ["CanManageIAM"], ["iam/*"]),
        allow("5a7c1f52-3b7e-4d1c-8f3e-2f0c7b1d9a04", "access-token", tokens, ["access-token/*"]),
        allow("5a7c1f52-3b7e-4d1c-8f3e-2f0c7b1d9a05", "relay-proxy", relayProxies, ["relay-proxy/*"]),
        allow(
          "5a7c1f52-3b7e-4d1c-8f3e-2f0c7b1d9a06",
          "project",
          ["CanAccessProject", "CreateProject", "DeleteProject", "UpdateProjectSettings", "CreateEnv"],
          ["project/*"],
        ),
        allow(
          "5a7c1f52-3b7e-4d1c-8f3e-2f0c7b1d9a07",
          "env",
          [
            "CanAccessEnv",
            "DeleteEnv",
            "UpdateEnvSettings",
            "CreateEnvSecret",
            "DeleteEnvSecret",
            "UpdateEnvSecret",
          ],
          ["project/*:env/*"],
        ),
        allow(
          "5a7c1f52-3b7e-4d1c-8f3e-2f0c7b1d9a01",
          "workspace",
          ["UpdateWorkspaceGeneralSettings", "UpdateWorkspaceLicense", "UpdateWorkspaceSSOSettings"],
          ["workspace/*"],
        ),
        allow(
          "5a7c1f52-3b7e-4d1c-8f3e-2f0c7b1d9a02",
          "organization",
          ["UpdateOrgSortFlagsBy", "UpdateOrgName", "UpdateOrgDefaultUserPermissions", "CreateOrg"],
          ["organization/*"],
        ),
        allow("5a7c1f52-3b7e-4d1c-8f3e-2f0c7b1d9a08", "flag", ["*"], ["project/*:env/*:flag/*"]),
        allow("5a7c1f52-3b7e-4d1c-8f3e-2f0c7b1d9a09", "segment", ["*"], ["project/*:env/*:segment/*"]),
      ],
    },
    {
      ...base,
      id: DEVELOPER_POLICY_ID,
      name: "Developer",
      key: "developer",
      description: "Contains all the permissions required by a developer",
      statements: [
        allow("7b1e0c33-6d2f-4e8a-9c1b-3d4e5f6a7b05", "access-token", tokens, ["access-token/*"]),
        allow("7b1e0c33-6d2f-4e8a-9c1b-3d4e5f6a7b06", "relay-proxy", relayProxies, ["relay-proxy/*"]),
        allow("7b1e0c33-6d2f-4e8a-9c1b-3d4e5f6a7b01", "project", ["CanAccessProject"], ["project/*"]),
        allow("7b1e0c33-6d2f-4e8a-9c1b-3d4e5f6a7b02", "env", ["CanAccessEnv"], ["project/*:env/*"]),
        allow("7b1e0c33-6d2f-4e8a-9c1b-3d4e5f6a7b03", "flag", ["*"], ["project/*:env/*:flag/*"]),
        allow("7b1e0c33-6d2f-4e8a-9c1b-3d4e5f6a7b04", "segment", ["*"], ["project/*:env/*:segment/*"]),
      ],
    },
  ];
}

export const OWNER_STATEMENTS: PolicyStatement[] = [
  allow("2c7d5b1a-0f0e-4f5b-9e59-0a5d2d6f3a01", "*", ["*"], ["*"]),
];

export function initialState(random: Random, clock: Clock, orgKey: string): State {
  const now = clock.iso();
  const ownerId = random.guid();
  const workspaceId = random.guid();
  return {
    version: 1,
    workspace: {
      id: workspaceId,
      name: "Default Workspace",
      key: "default-workspace",
      license: null,
      sso: null,
    },
    organization: {
      id: random.guid(),
      workspaceId,
      name: orgKey,
      key: orgKey,
      defaultPolicyIds: [DEVELOPER_POLICY_ID],
    },
    projects: [],
    environments: [],
    flags: [],
    segments: [],
    policies: builtInPolicies(),
    groups: [],
    // The seeded org owner, so member endpoints have someone to show (FeatBit's seed user).
    users: [
      { id: ownerId, email: "test@featbit.com", name: "tester", initialPassword: null, createdAt: now },
    ],
    members: [{ userId: ownerId, invitorId: null, createdAt: now }],
    groupMembers: [],
    groupPolicies: [],
    memberPolicies: [{ memberId: ownerId, policyId: OWNER_POLICY_ID }],
    tokens: [],
    auditLogs: [],
    flagDrafts: [],
    flagSchedules: [],
    flagChangeRequests: [],
  };
}

export class Store {
  /** Set by any mutation; the server persists and clears it after the request. */
  dirty = false;

  constructor(
    public state: State,
    readonly random: Random,
    readonly clock: Clock,
  ) {}

  guid(): string {
    return this.random.guid();
  }

  now(): string {
    return this.clock.iso();
  }

  touch(): void {
    this.dirty = true;
  }

  /**
   * A cheap restore point: table membership plus the two singletons. Entities are edited in place
   * only after validation with plain assignments, so a deep copy (costly with thousands of flags
   * and audit entries) would buy nothing.
   */
  checkpoint(): { restore(): void } {
    const saved: State = { ...this.state };
    for (const table of TABLES) (saved[table] as unknown[]) = [...this.state[table]];
    saved.workspace = { ...this.state.workspace };
    saved.organization = { ...this.state.organization };
    const wasDirty = this.dirty;
    return {
      restore: () => {
        this.state = saved;
        this.dirty = wasDirty;
      },
    };
  }

  get orgKey(): string {
    return this.state.organization.key;
  }

  project(id: string): Project | undefined {
    return this.state.projects.find((p) => p.id === id);
  }

  env(id: string): Environment | undefined {
    return this.state.environments.find((e) => e.id === id);
  }

  /** An env whose project is gone is unreachable in FeatBit too (RN resolution needs both). */
  envWithProject(id: string): { env: Environment; project: Project } | undefined {
    const env = this.env(id);
    const project = env && this.project(env.projectId);
    return env && project ? { env, project } : undefined;
  }

  flag(envId: string, key: string): FeatureFlag | undefined {
    return this.state.flags.find((f) => f.envId === envId && f.key === key);
  }

  segment(id: string): Segment | undefined {
    return this.state.segments.find((s) => s.id === id);
  }

  /** Segment scope / v2 resource RN of an env: carries the organization prefix. */
  envScope(envId: string): string | undefined {
    const found = this.envWithProject(envId);
    return found && `organization/${this.orgKey}:project/${found.project.key}:env/${found.env.key}`;
  }

  /** Envs a segment covers: a scope equal to the env's RN or a prefix of it. */
  coversEnv(segment: Segment, envId: string): boolean {
    const scope = this.envScope(envId);
    return scope !== undefined && segment.scopes.some((s) => scopeCovers(s, scope));
  }

  /**
   * Writes an audit entry. FeatBit writes it in a later SaveChanges than the change it records
   * (Application/FeatureFlags/OnFeatureFlagChanged.cs, Application/Segments/OnSegmentChange.cs), so
   * a comment too long for audit_logs.comment fails the request after the change itself landed.
   */
  audit(entry: Omit<AuditLog, "id" | "createdAt">): void {
    save("audit_logs", { keyword: entry.keyword, comment: entry.comment }, () => new FailedAfterSave());
    this.state.auditLogs.push({ ...entry, id: this.guid(), createdAt: this.now() });
  }
}

export function scopeCovers(scope: string, envScope: string): boolean {
  return scope === envScope || envScope.startsWith(scope + ":");
}

/** Conditions in flag rules that point at segments ("User is in segment"). */
export const SEGMENT_PROPERTIES = ["User is in segment", "User is not in segment"];

/**
 * SegmentService.GetFlagReferencesAsync's SQL (Infrastructure/Services/EntityFrameworkCore/
 * SegmentService.cs): a rule condition whose property is a segment property and whose value contains
 * the segment id as a substring (LIKE '%id%', not a JSON parse). `jsonb_array_elements` on a rule whose
 * `conditions` is JSON null raises "cannot extract elements from a scalar": the query, and the request
 * running it, fails — unless an earlier rule of the same flag already matched (EXISTS stops there).
 */
export function flagReferencesSegment(flag: FeatureFlag, segmentId: string): boolean {
  for (const rule of flag.rules ?? []) {
    if (rule === null) continue;
    if (rule.conditions === null) throw new DotnetException("PostgresException");
    const hit = rule.conditions.some(
      (c) =>
        c !== null &&
        c.property !== null &&
        SEGMENT_PROPERTIES.includes(c.property) &&
        c.value !== null &&
        c.value.includes(segmentId),
    );
    if (hit) return true;
  }
  return false;
}
