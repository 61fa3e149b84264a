// Which permission FeatBit checked when it refused a write. FeatBit answers 403 both for a missing target and for a
// missing permission; once a read has shown the target (or, for a create, its parent) exists, the 403 can only mean
// the access token's permissions do not grant the change, and saying which permission, on which resource name, is
// what lets someone fix the token (or the Policy behind it) instead of guessing. Routes and permissions: FeatBit's
// controllers' [Authorize] attributes and Api/Authorization/DefaultPermissionChecker.cs (featbit-api.md §2.4, §4);
// the targeting routes check only the permissions of the parts a change touches (Application/FeatureFlags/
// UpdateTargeting.cs, Application/Segments/UpdateTargeting.cs).
import type { FeatBitApiError, FeatBitClient } from "../../client";
import { statementSchema } from "../policyStatements";

type RnType = "project" | "env" | "flag" | "segment" | "iam";

interface Route {
  method: string;
  pattern: RegExp;
  /** What the request acts on, for the message ("the flag exists"). */
  what: string;
  type: RnType;
  /** Every permission FeatBit may check on this route. */
  permissions: string[];
  /** The resource name FeatBit checks when nothing else is known: keys the path does not carry are '*'. */
  rn(parts: string[]): string;
}

/** What the caller knows about a refused write: the resource name with its keys, and what the change needed. */
export interface Refusal {
  /** The resource name FeatBit checked, e.g. "project/shop:env/dev:flag/checkout". */
  rn: string;
  /** The permissions the refused change needed; by default every permission the route may check. */
  permissions?: readonly string[];
  /** What a read showed to exist, which makes the 403 a refusal ("environment 'shop/dev' exists"). */
  proof?: string;
}

const FLAG = String.raw`/envs/[^/]+/feature-flags`;
const SEGMENT = String.raw`/envs/[^/]+/segments`;
const flagRn = ([key]: string[]) => `project/*:env/*:flag/${decodeURIComponent(key ?? "*")}`;
const segmentRn = () => "project/*:env/*:segment/*";

const route = (
  method: string,
  pattern: string,
  what: string,
  type: RnType,
  permissions: string[],
  rn: (parts: string[]) => string,
): Route => ({ method, pattern: new RegExp(`^${pattern}$`), what, type, permissions, rn });
const flag = (method: string, tail: string, permissions: string[]) =>
  route(method, `${FLAG}/([^/]+)${tail}`, "flag", "flag", permissions, flagRn);
const segment = (method: string, tail: string, permissions: string[]) =>
  route(method, `${SEGMENT}/[^/]+${tail}`, "segment", "segment", permissions, segmentRn);

/** The permissions of FeatBit's targeting PUT for a flag, by the part a change touches. */
export const FLAG_TARGETING_PERMISSIONS = {
  targetUsers: "UpdateFlagIndividualTargeting",
  rules: "UpdateFlagTargetingRules",
  fallthrough: "UpdateFlagDefaultRule",
} as const;

/** The permissions of FeatBit's targeting PUT for a segment, by the part a change touches. */
export const SEGMENT_TARGETING_PERMISSIONS = {
  included: "UpdateSegmentTargetingUsers",
  excluded: "UpdateSegmentTargetingUsers",
  rules: "UpdateSegmentRules",
} as const;

const ROUTES: Route[] = [
  flag("PUT", "/toggle/[^/]+", ["ToggleFlag"]),
  flag("PUT", "/name", ["UpdateFlagName"]),
  flag("PUT", "/description", ["UpdateFlagDescription"]),
  flag("PUT", "/off-variation", ["UpdateFlagOffVariation"]),
  flag("PUT", "/variations", ["UpdateFlagVariations"]),
  flag("PUT", "/tags", ["UpdateFlagTags"]),
  flag("PUT", "/targeting", [
    "UpdateFlagDefaultRule",
    "UpdateFlagIndividualTargeting",
    "UpdateFlagTargetingRules",
  ]),
  flag("PUT", "/archive", ["ArchiveFlag"]),
  flag("PUT", "/restore", ["RestoreFlag"]),
  flag("DELETE", "", ["DeleteFlag"]),
  route("POST", FLAG, "environment", "flag", ["CreateFlag"], () => "project/*:env/*:flag/*"),
  segment("PUT", "/name", ["UpdateSegmentName"]),
  segment("PUT", "/description", ["UpdateSegmentDescription"]),
  segment("PUT", "/tags", ["UpdateSegmentTags"]),
  segment("PUT", "/targeting", ["UpdateSegmentTargetingUsers", "UpdateSegmentRules"]),
  segment("PUT", "/archive", ["ArchiveSegment"]),
  segment("PUT", "/restore", ["RestoreSegment"]),
  segment("DELETE", "", ["DeleteSegment"]),
  route("POST", SEGMENT, "environment", "segment", ["CreateSegment"], segmentRn),
  route(
    "PUT",
    "/projects/[^/]+/envs/[^/]+",
    "environment",
    "env",
    ["UpdateEnvSettings"],
    () => "project/*:env/*",
  ),
  route("DELETE", "/projects/[^/]+/envs/[^/]+", "environment", "env", ["DeleteEnv"], () => "project/*:env/*"),
  route("POST", "/projects/[^/]+/envs", "project", "project", ["CreateEnv"], () => "project/*"),
  route("PUT", "/projects/[^/]+", "project", "project", ["UpdateProjectSettings"], () => "project/*"),
  route("DELETE", "/projects/[^/]+", "project", "project", ["DeleteProject"], () => "project/*"),
  route("POST", "/projects", "organization", "project", ["CreateProject"], () => "project/*"),
  // CanManageIAM guards every IAM route, whatever it names (its bindings check no other object).
  route(
    "(POST|PUT|DELETE)",
    "/(policies|groups|members)(/.*)?",
    "object",
    "iam",
    ["CanManageIAM"],
    () => "iam/*",
  ),
];

const joined = (word: string) => (list: readonly string[]) =>
  list.length === 1 ? list[0] : `${list.slice(0, -1).join(", ")} ${word} ${list[list.length - 1]}`;
const or = joined("or");
const and = joined("and");

/**
 * The resource name to suggest: the first of `rn`, the same with its keys widened to '*' (a key made before FeatBit
 * checked keys), and the route's own (`fallback`) with which the suggested statement passes the provider's own check
 * (a create, say, is granted only on a name ending in '/*'); the fallback widened as a last resort.
 */
function grantable(type: RnType, permissions: readonly string[], rn: string, fallback: string): string {
  const fits = (name: string) =>
    statementSchema.safeParse({
      effect: "allow",
      resourceType: type,
      actions: permissions,
      resources: [name],
    }).success;
  const widened = (name: string) =>
    name
      .split(":")
      .map((part) => part.replace(/\/.*$/, "/*"))
      .join(":");
  return [rn, widened(rn), fallback].find(fits) ?? widened(fallback);
}

/**
 * The refusal of a write FeatBit's 403 cannot have meant "not found" for (the caller read the object, or its parent):
 * the permissions it checked, on which resource name, and a statement that grants them. Undefined when the route is
 * not one of those known here, or the error is no refusal (the original error then stands).
 */
export function missingPermission(err: FeatBitApiError, refusal?: Refusal): FeatBitApiError | undefined {
  if (err.kind !== "forbidden") return undefined;
  for (const r of ROUTES) {
    const m = r.pattern.exec(err.path);
    if (!m || !new RegExp(`^${r.method}$`).test(err.method)) continue;
    const permissions = refusal?.permissions?.length ? [...refusal.permissions] : r.permissions;
    const exact = refusal?.permissions !== undefined || r.permissions.length === 1;
    const fallback = r.rn(m.slice(1));
    const rn = grantable(r.type, permissions, refusal?.rn ?? fallback, fallback);
    const wildcards = r.type !== "iam" && rn !== "project/*" && /\/\*/.test(rn) && refusal?.rn !== rn;
    const several = permissions.length > 1;
    const them = several ? "them" : "it";
    const statement =
      `{ effect: 'allow', resourceType: '${r.type}', actions: [${permissions.map((p) => `'${p}'`).join(", ")}], ` +
      `resources: ['${rn}'] }`;
    // FeatBit's own words and the request, which the client appends to every failure it reports.
    const at = err.detail.indexOf(" (FeatBit: ");
    const tail = at >= 0 ? err.detail.slice(at) : `; FeatBit answered: ${err.detail}`;
    const proof = refusal?.proof ?? `the ${r.what} exists`;
    const detail =
      `the access token may not make this change: ${proof === "" ? "" : `${proof}, so `}FeatBit's 403 means the ` +
      `token's permissions do not ` +
      `grant ${several && exact ? `${permissions.length === 2 ? "both" : "all of"} ${and(permissions)}` : or(permissions)}` +
      `${exact ? "" : " (whichever parts the change touches)"} on ${rn}. Grant ${them} with a statement such as ` +
      `${statement}` +
      (wildcards ? " (narrow each '*' to the key it stands for)" : "") +
      ` in the token's permissions (FeatBit › Integrations › Access tokens), or use a token that has ${them}${tail}`;
    return err.withDetail(detail);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Resource names with their keys, for the callers: read only when a write was refused.

/** `project/<key>:env/<key>` of an environment, or undefined when this token cannot see it. */
export async function environmentRn(client: FeatBitClient, envId: string): Promise<string | undefined> {
  const found = await client.environments.locate(envId);
  return found && `project/${found.project.key}:env/${found.environment.key}`;
}

/** Refusals whose resource name needs no read: the IAM routes and project creation check fixed names. */
export const fixedRefusals = {
  /** Every IAM write checks CanManageIAM on iam/*, and none depends on another object existing. */
  iam: async (): Promise<Refusal> => ({ rn: "iam/*", proof: "" }),
  /** CreateProject is checked on project/*. */
  newProject: async (): Promise<Refusal> => ({ rn: "project/*", proof: "" }),
};

/** The refusal of a write to (or under) an environment's object; undefined when the environment cannot be seen. */
export async function underEnvironment(
  client: FeatBitClient,
  envId: string,
  object: string,
  permissions?: readonly string[],
  proof?: string,
): Promise<Refusal | undefined> {
  const env = await environmentRn(client, envId);
  if (env === undefined) return undefined;
  return {
    rn: object === "" ? env : `${env}:${object}`,
    ...(permissions ? { permissions } : {}),
    ...(proof ? { proof } : {}),
  };
}
