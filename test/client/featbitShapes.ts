// Random objects of every shape FeatBit can answer with, written from FeatBit's own model rather than from the
// client's schemas (paths below modules/back-end/src/ of featbit/featbit, and its SQL migrations): C# strings and
// collections are nullable, jsonb and text[] columns are nullable, endpoints that store what they are sent keep ids
// left out as null and any spelling of a value, and fields a newer FeatBit added are absent from an older one's
// answers. A small seeded generator, so a failure names the seed that reproduces it.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Mulberry32: small, fast, and good enough to pick shapes. */
export class Rand {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(options: readonly T[]): T {
    return options[this.int(options.length)];
  }
}

/** A generator of one JSON value; `ABSENT` leaves the field out of its object. */
export type Gen = (r: Rand) => Json | typeof ABSENT;
export const ABSENT = Symbol("absent");

const hex = (r: Rand, n: number) => Array.from({ length: n }, () => r.int(16).toString(16)).join("");
export const guid: Gen = (r) => `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-8${hex(r, 3)}-${hex(r, 12)}`;

const WORDS = [
  "shop",
  "Web",
  "beta-users",
  "ci",
  "Ann@example.com",
  "ann@example.com",
  "é",
  "a b",
  "",
  "x.y_z",
];
export const str: Gen = (r) => (r.chance(0.2) ? `${r.pick(WORDS)}-${r.int(1000)}` : r.pick(WORDS));
export const bool: Gen = (r) => r.chance(0.5);
export const num: Gen = (r) => r.pick([0, 1, 0.25, 0.5, 1e-6]);
export const date: Gen = (r) => new Date(Date.UTC(2020 + r.int(6), r.int(12), 1 + r.int(28))).toISOString();

/** A C# string: text, null, or (from an older FeatBit, or a view without it) absent. */
export const nullable =
  (gen: Gen, absentToo = false): Gen =>
  (r) => {
    const roll = r.next();
    if (roll < 0.2) return null;
    if (absentToo && roll < 0.35) return ABSENT;
    return gen(r);
  };

export const oneOf =
  (...values: Json[]): Gen =>
  (r) =>
    r.pick(values);

/** A collection FeatBit may hold as null, empty, or with null elements (nullable jsonb / text[]). */
export const list =
  (item: Gen, nullsToo = true): Gen =>
  (r) => {
    const roll = r.next();
    if (nullsToo && roll < 0.15) return null;
    if (roll < 0.3) return [];
    return Array.from({ length: 1 + r.int(3) }, () => (nullsToo && r.chance(0.1) ? null : (item(r) as Json)));
  };

/** A collection the API always fills (never null, no null elements). */
export const filled = (item: Gen): Gen => list(item, false);

export function object(fields: Record<string, Gen>): Gen {
  return (r) => {
    const out: { [key: string]: Json } = {};
    for (const [name, gen] of Object.entries(fields)) {
      const value = gen(r);
      if (value !== ABSENT) out[name] = value;
    }
    return out;
  };
}

export const paged =
  (item: Gen): Gen =>
  (r) => {
    const items = Array.from({ length: r.int(4) }, () => item(r) as Json);
    return { totalCount: items.length, items };
  };

export const array =
  (item: Gen): Gen =>
  (r) =>
    Array.from({ length: r.int(4) }, () => item(r) as Json);

// ---------------------------------------------------------------------------------------------------------------
// IAM

/**
 * Domain/Policies/PolicyStatement.cs, stored as sent (Application/Policies/UpdatePolicyStatements.cs): FeatBit's
 * Terraform provider sends no id (internal/client/policies.go), its UI a uuidv4 (policy-editor.component.ts), a
 * script anything; effects in any spelling (only exactly 'allow' allows, Domain/Policies/PolicyHelper.cs).
 */
export const statement = object({
  id: (r) => r.pick([ABSENT, null, guid(r) as string, "ui-statement"]),
  resourceType: nullable(oneOf("*", "project", "env", "flag", "segment", "iam", "Flag", "unknown"), true),
  effect: nullable(oneOf("allow", "deny", "Allow", "Deny", "ALLOW", "permit", ""), true),
  actions: list(oneOf("*", "ToggleFlag", "CanAccessEnv", "toggleflag", "")),
  resources: list(oneOf("*", "project/*", "project/shop:env/dev:flag/*", "project/a/env/b", "")),
});

/**
 * Application/Policies/PolicyVm.cs: `key` only since 5.2.1 (v5.2.1.sql), `updatedAt` a DateTime?, statements a
 * nullable jsonb column (v0.0.0.sql) holding null elements when sent so.
 */
export const policy = object({
  id: guid,
  name: str,
  key: nullable(str, true),
  type: oneOf("CustomerManaged", "SysManaged"),
  description: nullable(str, true),
  statements: list(statement),
  updatedAt: nullable(date, true),
});

/** Application/Groups/GroupVm.cs; the UI sends a null description after its drawer was reset. */
export const group = object({
  id: guid,
  name: str,
  description: nullable(str, true),
  updatedAt: nullable(date, true),
});

/** Application/Members/MemberVm.cs (with MemberGroupVm.cs). */
export const member = object({
  id: guid,
  email: str,
  name: nullable(str),
  invitorId: nullable(guid, true),
  initialPassword: nullable(str, true),
  groups: list(
    object({ id: guid, name: str, description: nullable(str), memberId: guid, isGroupMember: bool }),
    false,
  ),
});

/** Application/Policies/PolicyGroup.cs, PolicyMember.cs; Groups/GroupMemberVm.cs, GroupPolicyVm.cs; Members/MemberPolicyVm.cs. */
export const policyGroup = object({
  id: guid,
  name: nullable(str),
  description: nullable(str),
  isPolicyGroup: bool,
});
export const policyMember = object({ id: guid, name: nullable(str), email: str, isPolicyMember: bool });
export const groupMember = object({ id: guid, name: nullable(str), email: str, isGroupMember: bool });
export const groupPolicy = object({
  id: guid,
  name: nullable(str),
  type: oneOf("CustomerManaged", "SysManaged"),
  description: nullable(str),
  isGroupPolicy: bool,
});
export const memberPolicy = object({
  id: guid,
  name: nullable(str),
  type: oneOf("CustomerManaged", "SysManaged"),
  description: nullable(str),
  isMemberPolicy: bool,
});

// ---------------------------------------------------------------------------------------------------------------
// Projects, environments, flags, segments

/** Domain/Environments/Secret.cs (types checked by AddSecret.cs). */
const secret = object({ id: guid, name: str, type: oneOf("server", "client"), value: str });
/** Domain/Environments/EnvironmentSettings.cs; v5.4.0.sql reset settings to '{}' (read back with the default). */
const settings = nullable(object({ requireChangeComment: bool }), true);

/** Domain/Environments/Environment.cs: description null when created without one (CreateEnvironment.cs). */
export const environment = object({
  id: guid,
  projectId: guid,
  name: str,
  key: str,
  description: nullable(str, true),
  secrets: list(secret),
  settings,
  // AuditedEntity's (Domain/Bases/AuditedEntity.cs) DateTimes are never null.
  createdAt: date,
  updatedAt: date,
});
/** Application/Environments/EnvironmentVm.cs. */
export const environmentVm = object({
  id: guid,
  name: str,
  description: nullable(str, true),
  secrets: list(secret),
  settings,
});
/** Domain/Projects/ProjectWithEnvs.cs. */
export const projectWithEnvs = object({ id: guid, name: str, key: str, environments: filled(environment) });
/** Application/Projects/ProjectVm.cs. */
export const projectVm = object({ id: guid, name: str });

/** Domain/Targeting/Condition.cs: ids absent in older data; op null for segment conditions. */
const condition = object({
  id: nullable(guid, true),
  property: str,
  op: nullable(str),
  value: nullable(str),
});
const rollout = object({ id: guid, rollout: (r) => [0, r.pick([0.5, 1])], exptRollout: num });
/** Domain/FeatureFlags/Variation.cs. */
const variation = object({ id: guid, name: str, value: str });

/** Domain/FeatureFlags/FeatureFlag.cs; its lists are nullable jsonb / text[] (v0.0.0.sql) a JSON patch can null. */
export const featureFlag = object({
  id: guid,
  envId: guid,
  revision: guid,
  name: str,
  description: nullable(str),
  key: str,
  variationType: oneOf("boolean", "string", "number", "json"),
  variations: list(variation),
  targetUsers: list(object({ keyIds: list(str), variationId: guid })),
  rules: list(
    object({
      // Domain/Targeting/TargetRule.cs: null when a script's targeting PUT left it out.
      id: nullable(guid, true),
      name: str,
      dispatchKey: nullable(str),
      includedInExpt: bool,
      conditions: list(condition),
      variations: list(rollout),
    }),
  ),
  isEnabled: bool,
  disabledVariationId: guid,
  fallthrough: object({ dispatchKey: nullable(str), includedInExpt: bool, variations: list(rollout) }),
  exptIncludeAllTargets: bool,
  tags: list(str),
  isArchived: bool,
  creatorId: nullable(guid, true),
  updatorId: nullable(guid, true),
  createdAt: date,
  updatedAt: date,
});

/** Application/FeatureFlags/FeatureFlagVm.cs (creator, serves and lastChange are not read). */
export const featureFlagVm = object({
  id: guid,
  name: str,
  description: nullable(str),
  key: str,
  isEnabled: bool,
  variationType: oneOf("boolean", "string", "number", "json"),
  variations: list(variation),
  createdAt: date,
  updatedAt: date,
  creator: nullable(object({ id: guid, name: str, email: str })),
  tags: list(str),
});

/** Domain/Segments/Segment.cs; tags only since 5.2.0 (v5.2.0.sql). */
export const segment = object({
  id: guid,
  workspaceId: nullable(guid, true),
  envId: nullable(guid, true),
  name: str,
  key: str,
  type: oneOf("environment-specific", "shared"),
  scopes: list(str),
  description: nullable(str),
  included: list(str),
  excluded: list(str),
  rules: list(object({ id: nullable(guid, true), name: str, conditions: list(condition) })),
  tags: (r) => (r.chance(0.15) ? ABSENT : (list(str)(r) as Json)),
  isArchived: bool,
  isEnvironmentSpecific: bool,
  createdAt: date,
  updatedAt: date,
});

/** Application/Segments/SegmentVm.cs. */
export const segmentVm = object({
  id: guid,
  name: str,
  key: str,
  type: oneOf("environment-specific", "shared"),
  scopes: list(str),
  tags: (r) => (r.chance(0.15) ? ABSENT : (list(str)(r) as Json)),
  description: nullable(str),
  createdAt: date,
  updatedAt: date,
});

/** Segment flag references (Domain/Segments/FlagReference.cs). */
export const flagReference = object({ envId: guid, id: guid, name: str, key: str });

/** Application/Workspaces/WorkspaceVm.cs (license and sso nullable). */
export const workspace = object({
  id: guid,
  name: str,
  key: str,
  license: nullable(str, true),
  sso: nullable(object({ oidc: nullable(str) }), true),
});
