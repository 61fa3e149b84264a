// Which permission FeatBit checked when it refused a write. FeatBit answers 403 both for a missing target and for a
// missing permission; once a read has shown the target exists, the 403 can only mean the access token's permissions
// do not grant the change, and saying which permission, on which resource name, is what lets someone fix the token
// (or the Policy behind it) instead of guessing. Routes and permissions: FeatBit's controllers' [Authorize] attributes
// and Api/Authorization/DefaultPermissionChecker.cs (featbit-api.md §2.4, §4).
import type { FeatBitApiError } from "../../client";

interface Route {
  method: string;
  pattern: RegExp;
  what: string;
  type: "project" | "env" | "flag" | "segment" | "iam";
  permissions: string[];
  /** The resource name FeatBit checks, from the path's parts (keys it cannot see are left as placeholders). */
  rn(parts: string[]): string;
}

const FLAG = String.raw`/envs/[^/]+/feature-flags/([^/]+)`;
const SEGMENT = String.raw`/envs/[^/]+/segments/[^/]+`;
const flagRn = ([key]: string[]) => `project/<project>:env/<environment>:flag/${decodeURIComponent(key)}`;
const segmentRn = () => "project/<project>:env/<environment>:segment/<segment key>";

const flag = (method: string, tail: string, permissions: string[]): Route => ({
  method,
  pattern: new RegExp(`^${FLAG}${tail}$`),
  what: "flag",
  type: "flag",
  permissions,
  rn: flagRn,
});
const segment = (method: string, tail: string, permissions: string[]): Route => ({
  method,
  pattern: new RegExp(`^${SEGMENT}${tail}$`),
  what: "segment",
  type: "segment",
  permissions,
  rn: segmentRn,
});

const ROUTES: Route[] = [
  flag("PUT", "/toggle/[^/]+", ["ToggleFlag"]),
  flag("PUT", "/name", ["UpdateFlagName"]),
  flag("PUT", "/description", ["UpdateFlagDescription"]),
  flag("PUT", "/off-variation", ["UpdateFlagOffVariation"]),
  flag("PUT", "/variations", ["UpdateFlagVariations"]),
  flag("PUT", "/tags", ["UpdateFlagTags"]),
  // FeatBit checks one permission per kind of change the targeting makes (Application/FeatureFlags/UpdateTargeting.cs).
  flag("PUT", "/targeting", [
    "UpdateFlagDefaultRule",
    "UpdateFlagIndividualTargeting",
    "UpdateFlagTargetingRules",
  ]),
  flag("PUT", "/archive", ["ArchiveFlag"]),
  flag("PUT", "/restore", ["RestoreFlag"]),
  flag("DELETE", "", ["DeleteFlag"]),
  segment("PUT", "/name", ["UpdateSegmentName"]),
  segment("PUT", "/description", ["UpdateSegmentDescription"]),
  segment("PUT", "/tags", ["UpdateSegmentTags"]),
  segment("PUT", "/targeting", ["UpdateSegmentTargetingUsers", "UpdateSegmentRules"]),
  segment("PUT", "/archive", ["ArchiveSegment"]),
  segment("PUT", "/restore", ["RestoreSegment"]),
  segment("DELETE", "", ["DeleteSegment"]),
  {
    method: "PUT",
    pattern: /^\/projects\/[^/]+\/envs\/[^/]+$/,
    what: "environment",
    type: "env",
    permissions: ["UpdateEnvSettings"],
    rn: () => "project/<project>:env/<environment>",
  },
  {
    method: "PUT",
    pattern: /^\/projects\/[^/]+$/,
    what: "project",
    type: "project",
    permissions: ["UpdateProjectSettings"],
    rn: () => "project/<project>",
  },
  {
    method: "PUT",
    pattern: /^\/(policies|groups|members)\/.+$/,
    what: "object",
    type: "iam",
    permissions: ["CanManageIAM"],
    rn: () => "iam/*",
  },
];

const or = (list: readonly string[]) =>
  list.length === 1 ? list[0] : `${list.slice(0, -1).join(", ")} or ${list[list.length - 1]}`;

/**
 * The refusal of a write to an object known to exist, naming the permission FeatBit checked and a statement that
 * grants it; undefined when the route is not one of those known here (the original error then stands).
 */
export function missingPermission(err: FeatBitApiError): FeatBitApiError | undefined {
  if (err.kind !== "forbidden") return undefined;
  for (const route of ROUTES) {
    const m = route.pattern.exec(err.path);
    if (!m || route.method !== err.method) continue;
    const rn = route.rn(m.slice(1));
    const several = route.permissions.length > 1;
    const statement = `{ effect: 'allow', resourceType: '${route.type}', actions: [${route.permissions.map((p) => `'${p}'`).join(", ")}], resources: ['${rn}'] }`;
    // FeatBit's own words and the request, which the client appends to every failure it reports.
    const at = err.detail.indexOf(" (FeatBit: ");
    const tail = at >= 0 ? err.detail.slice(at) : `; FeatBit answered: ${err.detail}`;
    const detail =
      `the access token may not make this change: the ${route.what} exists, so FeatBit's 403 means the token's ` +
      `permissions do not grant ${or(route.permissions)}${several ? " (whichever parts the change touches)" : ""} ` +
      `on ${rn}. Grant ${several ? "them" : "it"} with a statement such as ${statement} in the token's permissions ` +
      `(FeatBit › Integrations › Access tokens), or use a token that has ${several ? "them" : "it"}${tail}`;
    return err.withDetail(detail);
  }
  return undefined;
}
