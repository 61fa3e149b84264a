// What a policy statement may say: FeatBit's resource types, the permission names each one takes, and the grammar of
// the resource names (RNs) a statement matches. FeatBit stores whatever statements it is sent (PUT …/statements
// validates nothing) and a statement that can never match simply grants nothing, so a misspelt permission or resource
// name would only show up later, as a 403 for the pipeline that needed it. Every rule here runs at preview.
//
// Sources: Domain/Policies/Permissions.cs (the permissions the API enforces), Domain/Resources/ResourceTypes.cs,
// RN.cs and RNMatcher.cs (names and matching), Api/Authorization/DefaultPermissionChecker.cs (the RN each check uses)
// and the front end's shared/policy.ts (the names its policy editor offers, some of which only the UI acts on).
import { z } from "zod";
import { canonicalJson } from "./core/canonical";
import { shape, UNKNOWN } from "./core/schema";
import { closest } from "./core/suggest";

// ---------------------------------------------------------------------------------------------------------------
// The catalog

export const EFFECTS = ["allow", "deny"] as const;
export type Effect = (typeof EFFECTS)[number];

export const RESOURCE_TYPES = [
  "*",
  "workspace",
  "organization",
  "iam",
  "access-token",
  "relay-proxy",
  "project",
  "env",
  "flag",
  "segment",
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** The parts of a project-scoped RN, in order: `project/<key>:env/<key>:flag/<key>`. */
type Part = "project" | "env" | "flag" | "segment";

interface TypeSpec {
  /** Permission names of this type. */
  actions: readonly string[];
  /** The one RN FeatBit checks these permissions against, for types without keys. */
  fixed?: string;
  /** The parts of the RN, for project-scoped types. */
  parts?: readonly Part[];
}

const CATALOG: Record<Exclude<ResourceType, "*">, TypeSpec> = {
  workspace: {
    actions: ["UpdateWorkspaceGeneralSettings", "UpdateWorkspaceLicense", "UpdateWorkspaceSSOSettings"],
    fixed: "workspace/*",
  },
  organization: {
    actions: ["UpdateOrgName", "UpdateOrgDefaultUserPermissions", "UpdateOrgSortFlagsBy", "CreateOrg"],
    fixed: "organization/*",
  },
  iam: { actions: ["CanManageIAM"], fixed: "iam/*" },
  "access-token": {
    actions: ["ListAccessTokens", "ManageServiceAccessTokens", "ManagePersonalAccessTokens"],
    fixed: "access-token/*",
  },
  "relay-proxy": {
    actions: ["ListRelayProxies", "ManageRelayProxies"],
    fixed: "relay-proxy/*",
  },
  project: {
    actions: ["CanAccessProject", "CreateProject", "DeleteProject", "UpdateProjectSettings", "CreateEnv"],
    parts: ["project"],
  },
  env: {
    actions: [
      "CanAccessEnv",
      "DeleteEnv",
      "UpdateEnvSettings",
      "CreateEnvSecret",
      "UpdateEnvSecret",
      "DeleteEnvSecret",
    ],
    parts: ["project", "env"],
  },
  flag: {
    actions: [
      "CreateFlag",
      "ArchiveFlag",
      "RestoreFlag",
      "DeleteFlag",
      "CloneFlag",
      "CopyFlagTo",
      "ToggleFlag",
      "UpdateFlagName",
      "UpdateFlagDescription",
      "UpdateFlagOffVariation",
      "UpdateFlagVariations",
      "UpdateFlagTags",
      "UpdateFlagDefaultRule",
      "UpdateFlagIndividualTargeting",
      "UpdateFlagTargetingRules",
    ],
    parts: ["project", "env", "flag"],
  },
  segment: {
    actions: [
      "CreateSegment",
      "ArchiveSegment",
      "RestoreSegment",
      "DeleteSegment",
      "UpdateSegmentName",
      "UpdateSegmentDescription",
      "UpdateSegmentTags",
      "UpdateSegmentTargetingUsers",
      "UpdateSegmentRules",
    ],
    parts: ["project", "env", "segment"],
  },
};

/** Every permission name, with its resource type. */
const TYPE_OF_ACTION = new Map<string, Exclude<ResourceType, "*">>(
  Object.entries(CATALOG).flatMap(([type, spec]) =>
    spec.actions.map((a) => [a, type as Exclude<ResourceType, "*">] as const),
  ),
);

/** The permission names a resource type takes (for docs and messages). */
export function actionsOf(type: Exclude<ResourceType, "*">): readonly string[] {
  return CATALOG[type].actions;
}

/**
 * Permissions checked against an RN whose last key is `*` because the object does not exist yet
 * (DefaultPermissionChecker: CreateProject → `project/*`, and flag/segment routes without a key → `…:flag/*`).
 */
const CHECKED_AGAINST_WILDCARD: Record<string, string> = {
  CreateProject: "project/*",
  CreateFlag: "project/<project>:env/<env>:flag/*",
  CreateSegment: "project/<project>:env/<env>:segment/*",
};

/** Words people use for resource types, mapped to FeatBit's. */
const TYPE_ALIASES: Record<string, ResourceType> = {
  all: "*",
  any: "*",
  environment: "env",
  environments: "env",
  envs: "env",
  projects: "project",
  flags: "flag",
  "feature-flag": "flag",
  "feature-flags": "flag",
  featureflag: "flag",
  featureflags: "flag",
  segments: "segment",
  org: "organization",
  organisation: "organization",
  organizations: "organization",
  workspaces: "workspace",
  accesstoken: "access-token",
  "access-tokens": "access-token",
  token: "access-token",
  tokens: "access-token",
  relayproxy: "relay-proxy",
  "relay-proxies": "relay-proxy",
};

const quoted = (list: readonly string[]) => list.map((s) => `'${s}'`).join(", ");

// ---------------------------------------------------------------------------------------------------------------
// Resource names

/** What a key in an RN may hold: FeatBit's key characters, and `*` as a wildcard. */
const RN_KEY = /^[a-zA-Z0-9._*-]+$/;
/** A tag filter (`;beta,ops*`): tags are free text, but `:`, `;` and `,` separate the RN's own parts. */
const RN_TAG = /^[^:;,\s]+$/;

function example(type: Exclude<ResourceType, "*">): string {
  const spec = CATALOG[type];
  if (spec.fixed) return spec.fixed;
  return (spec.parts ?? []).map((p, i) => `${p}/${i === 0 ? "web" : i === 1 ? "prod" : "*"}`).join(":");
}

/** Words people write for the parts of a resource name, mapped to FeatBit's. */
const PART_ALIASES: Record<string, Part> = {
  projects: "project",
  environment: "env",
  environments: "env",
  envs: "env",
  flags: "flag",
  "feature-flag": "flag",
  featureflag: "flag",
  segments: "segment",
};

/** What is wrong with a resource name, and repairs to offer (each is checked before it is offered). */
interface Diagnosis {
  problem: string;
  /** Candidate names, best first; `tail` follows the suggestion in the message. */
  fixes: { rn: string; tail?: string }[];
}

/**
 * A name rebuilt from its words, for one written with '/' or other separators where ':' belongs
 * (`project/ledger/env/staging/flag/*` → `project/ledger:env/staging:flag/*`).
 */
function rebuilt(parts: readonly Part[], rn: string): string | undefined {
  const words = rn.split(/[/:]/).filter((w) => w !== "");
  if (words.length !== parts.length * 2) return undefined;
  const pieces: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const kind = words[2 * i].toLowerCase();
    if ((PART_ALIASES[kind] ?? kind) !== parts[i]) return undefined;
    pieces.push(`${parts[i]}/${words[2 * i + 1]}`);
  }
  return pieces.join(":");
}

function diagnose(type: Exclude<ResourceType, "*">, rn: string): Diagnosis | undefined {
  const spec = CATALOG[type];
  if (rn.trim() !== rn || rn === "") {
    return {
      problem: `'${rn}' must not be empty or have spaces around it`,
      fixes: [{ rn: rn.trim() }, { rn: example(type) }],
    };
  }
  if (/^organization\/[^:]*:/.test(rn)) {
    return {
      problem: `'${rn}': IAM resource names have no organization part (segment scopes do, policies do not)`,
      fixes: [{ rn: rn.replace(/^organization\/[^:]*:/, "") }],
    };
  }
  if (spec.fixed) {
    return rn === spec.fixed
      ? undefined
      : {
          problem: `'${rn}' never matches: FeatBit checks ${type} permissions against '${spec.fixed}' only`,
          fixes: [{ rn: spec.fixed }],
        };
  }
  const parts = spec.parts ?? [];
  const segments = rn.split(":");
  const repaired = rebuilt(parts, rn);
  if (segments.length !== parts.length) {
    const named =
      segments.length >= 1 && segments.length <= 3 ? ["a project", "an environment", "an object"] : [];
    const what = named[segments.length - 1] ?? `${segments.length} parts`;
    const filled =
      segments.length < parts.length
        ? [...segments, ...parts.slice(segments.length).map((p) => `${p}/*`)].join(":")
        : undefined;
    return {
      problem:
        `'${rn}' names ${repaired ? `${parts.length} parts written with '/' where ':' belongs` : what}, but a ` +
        `'${type}' statement needs ${parts.map((p) => `${p}/<key>`).join(":")}`,
      fixes: [
        ...(repaired ? [{ rn: repaired }] : []),
        ...(filled ? [{ rn: filled, tail: ` for every ${parts[parts.length - 1]} there` }] : []),
      ],
    };
  }
  for (let i = 0; i < parts.length; i++) {
    const last = i === parts.length - 1;
    const [path, tags, extra] = segments[i].split(";");
    const slash = path.indexOf("/");
    const kind = slash < 0 ? path : path.slice(0, slash);
    const key = slash < 0 ? "" : path.slice(slash + 1);
    const withSegment = (segment: string) => segments.map((s, j) => (j === i ? segment : s)).join(":");
    if (kind !== parts[i]) {
      const alias =
        PART_ALIASES[kind.toLowerCase()] ?? (kind.toLowerCase() === parts[i] ? parts[i] : undefined);
      return {
        problem: `'${rn}': part ${i + 1} must be ${parts[i]}/<key> (found '${path}')`,
        fixes: [
          ...(repaired ? [{ rn: repaired }] : []),
          ...(alias === parts[i] ? [{ rn: withSegment(segments[i].replace(kind, parts[i])) }] : []),
          { rn: example(type) },
        ],
      };
    }
    if (key === "") {
      return {
        problem: `'${rn}': ${parts[i]}/ needs a key or '*'`,
        fixes: [{ rn: withSegment(segments[i].replace(`${parts[i]}/`, `${parts[i]}/*`)) }],
      };
    }
    if (!RN_KEY.test(key)) {
      return {
        problem:
          `'${rn}': '${key}' can never match a ${parts[i]} key (keys are letters, digits, '.', '_' and '-'; '*' is ` +
          `a wildcard)`,
        fixes: [...(repaired ? [{ rn: repaired }] : [])],
      };
    }
    if (tags !== undefined || extra !== undefined) {
      if (!last || (type !== "flag" && type !== "segment")) {
        return {
          problem: `'${rn}': only the ${type === "segment" ? "segment" : "flag"} part of a flag or segment name may carry ';tags'`,
          fixes: [{ rn: withSegment(path) }],
        };
      }
      if (extra !== undefined || tags === "" || !tags.split(",").every((t) => RN_TAG.test(t))) {
        return {
          problem: `'${rn}': tags are written ';tag1,tag2' after the ${parts[i]} key`,
          fixes: [{ rn: withSegment(path) }, { rn: withSegment(`${path};beta`) }],
        };
      }
    }
  }
  return undefined;
}

/**
 * Why `rn` can never match what a statement of this type is checked against, or undefined when it fits. A repair is
 * suggested only when it passes this same check.
 */
export function resourceProblem(type: Exclude<ResourceType, "*">, rn: string): string | undefined {
  const found = diagnose(type, rn);
  if (!found) return undefined;
  const fix = found.fixes.find((f) => f.rn !== rn && diagnose(type, f.rn) === undefined);
  return fix ? `${found.problem}: use '${fix.rn}'${fix.tail ?? ""}` : found.problem;
}

/** FeatBit's wildcard match of one RN part (RNMatcher.MatchesWildcard): exact without `*`, case-sensitive. */
function wildcard(pattern: string, value: string): boolean {
  if (!pattern.includes("*")) return pattern === value;
  const body = pattern
    .split("*")
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`).test(value);
}

/** Whether a (valid) resource name of a statement can match an RN ending in `<part>/*` with no tags. */
function matchesWildcardKey(rn: string): boolean {
  const last = rn.split(":").pop() ?? "";
  const [path, tags] = last.split(";");
  return tags === undefined && wildcard(path.slice(path.indexOf("/") + 1), "*");
}

// ---------------------------------------------------------------------------------------------------------------
// The statement schema

const effectSchema = z.enum(EFFECTS, {
  error: (issue) => {
    if (typeof issue.input !== "string") return "effect is required: 'allow' or 'deny'";
    const near = closest(issue.input, EFFECTS);
    // FeatBit compares effects exactly: an 'Allow' statement would count as a deny wherever it matches.
    return `effect must be 'allow' or 'deny', in lower case (FeatBit treats any other spelling as a deny)${near ? `: did you mean '${near}'?` : ""}`;
  },
});

const resourceTypeSchema = z.enum(RESOURCE_TYPES, {
  error: (issue) => {
    if (typeof issue.input !== "string") return `resourceType is required: one of ${quoted(RESOURCE_TYPES)}`;
    const normalized = issue.input.toLowerCase().replace(/[_\s]+/g, "-");
    const near =
      TYPE_ALIASES[normalized] ??
      TYPE_ALIASES[normalized.replace(/-/g, "")] ??
      closest(issue.input, RESOURCE_TYPES);
    return (
      `resourceType '${issue.input}' is not one of FeatBit's resource types (${quoted(RESOURCE_TYPES)})` +
      (near ? `: did you mean '${near}'?` : "")
    );
  },
});

const sortedSet = (list: readonly string[]) => [...new Set(list)].sort();

const StatementFields = {
  effect: effectSchema,
  resourceType: resourceTypeSchema,
  actions: z
    .array(z.string({ error: "actions must be permission names (strings), e.g. 'ToggleFlag'" }), {
      error: "actions must be a list of permission names, e.g. ['ToggleFlag']",
    })
    .min(1, "actions must not be empty: a statement without actions grants nothing"),
  resources: z
    .array(z.string({ error: "resources must be resource names (strings), e.g. 'project/web:env/prod'" }), {
      error: "resources must be a list of resource names, e.g. ['project/web:env/prod:flag/*']",
    })
    .min(1, "resources must not be empty: a statement without resources grants nothing"),
};

export type PolicyStatementInput = {
  effect: Effect;
  resourceType: ResourceType;
  actions: string[];
  resources: string[];
};

const isText = (v: unknown): v is string => typeof v === "string" && v !== UNKNOWN;

/** Whether the statement's resource type is known and valid, so the rules that depend on it can run. */
function typeKnown(payload: z.core.ParsePayload): boolean {
  const value = payload.value as { resourceType?: unknown } | null;
  return (
    value !== null && typeof value === "object" && RESOURCE_TYPES.includes(value.resourceType as ResourceType)
  );
}

/** Rules across a statement's fields; elements not known yet (Pulumi's unknowns) are checked once known. */
function statementRules(s: PolicyStatementInput, ctx: z.RefinementCtx): void {
  const fail = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  const actions = Array.isArray(s.actions) ? s.actions : [];
  const resources = Array.isArray(s.resources) ? s.resources : [];
  if (s.resourceType === "*") {
    // FeatBit grants everything for a `*` statement whatever its actions and resources say (PolicyHelper): a
    // narrower list there reads like a restriction that does not exist.
    if (actions.some((a) => isText(a) && a !== "*"))
      fail(
        ["actions"],
        "a resourceType '*' statement covers every permission whatever its actions say: write actions ['*'], or choose a narrower resourceType such as 'flag'",
      );
    if (resources.some((r) => isText(r) && r !== "*"))
      fail(
        ["resources"],
        "a resourceType '*' statement covers every resource whatever its resources say: write resources ['*'], or choose a narrower resourceType such as 'flag'",
      );
    return;
  }
  const spec = CATALOG[s.resourceType];
  actions.forEach((action, i) => {
    if (!isText(action) || action === "*" || spec.actions.includes(action)) return;
    const owner = TYPE_OF_ACTION.get(action);
    if (owner) {
      fail(
        ["actions", i],
        `'${action}' is a ${owner} permission, not a ${s.resourceType} one: put it in a statement with resourceType '${owner}' (resources like '${example(owner)}')`,
      );
      return;
    }
    const near = closest(action, spec.actions) ?? closest(action, [...TYPE_OF_ACTION.keys()]);
    fail(
      ["actions", i],
      `'${action}' is not a FeatBit permission` +
        (near
          ? `: did you mean '${near}'?${near.toLowerCase() === action.toLowerCase() ? " (FeatBit compares permission names case-sensitively)" : ""}`
          : `; ${s.resourceType} permissions are ${quoted(spec.actions)} (or '*' for all)`),
    );
  });
  resources.forEach((rn, i) => {
    if (!isText(rn)) return;
    const problem = resourceProblem(s.resourceType as Exclude<ResourceType, "*">, rn);
    if (problem) fail(["resources", i], problem);
  });
  // A create is checked against the RN `…/*` (the object has no key yet): a resource naming one key never grants it.
  const knownResources = resources.filter(isText);
  if (
    knownResources.length === resources.length &&
    knownResources.every((r) => !resourceProblem(s.resourceType as Exclude<ResourceType, "*">, r))
  ) {
    actions.forEach((action, i) => {
      const checked = isText(action) ? CHECKED_AGAINST_WILDCARD[action] : undefined;
      if (checked && !knownResources.some(matchesWildcardKey)) {
        fail(
          ["actions", i],
          `'${action}' is checked against '${checked}' (the object does not exist yet), which none of this ` +
            `statement's resources match: add a resource ending in '/*' without tags, e.g. '${example(s.resourceType as Exclude<ResourceType, "*">)}'`,
        );
      }
    });
  }
}

/** @internal */
export const statementSchema = shape(
  StatementFields,
  "a policy statement ({effect, resourceType, actions, resources})",
).superRefine((value, ctx) => statementRules(value as PolicyStatementInput, ctx), { when: typeKnown });

/**
 * Statements compare as a set (FeatBit allows when one matches and none denies, whatever their order): order and
 * duplicates never cause a diff. They are listed by resource type, then effect, actions and resources.
 */
export function canonicalStatements(list: readonly PolicyStatementInput[]): PolicyStatementInput[] {
  const byOrder = new Map<string, PolicyStatementInput>();
  for (const s of list) {
    const statement: PolicyStatementInput = {
      effect: s.effect,
      resourceType: s.resourceType,
      actions: sortedSet(s.actions),
      resources: sortedSet(s.resources),
    };
    const order = [
      statement.resourceType,
      statement.effect,
      canonicalJson(statement.actions),
      canonicalJson(statement.resources),
    ];
    byOrder.set(order.join("\u0000"), statement);
  }
  return [...byOrder.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
}

/** @internal */
export const statementsSchema = z
  .array(statementSchema, {
    error: "statements must be a list of {effect, resourceType, actions, resources}",
  })
  .default([])
  .transform((list) => canonicalStatements(list as PolicyStatementInput[]));
