// Access-token authentication and IAM permission checks (§2 of the API reference).
import { deref, source } from "./dotnet";
import type { Policy, PolicyStatement, Segment, State } from "./state";
import { OWNER_STATEMENTS, Store } from "./store";

export type ResourceType = "workspace" | "iam" | "project" | "env" | "flag" | "segment";

export interface Permission {
  name: string;
  type: ResourceType;
}

export interface Caller {
  /** The access token's id: FeatBit records it as creatorId/updatorId/operator. */
  id: string;
  statements: readonly (PolicyStatement | null)[];
}

/**
 * Resolves the `Authorization` header. A `Bearer …` value goes to the JWT scheme, which the emulator
 * does not implement, so it always fails like an invalid JWT would.
 */
export function authenticate(store: Store, header: string | undefined): Caller | undefined {
  if (!header || header.startsWith("Bearer ")) return undefined;
  // OpenApiHandler.HandleAuthenticateAsync: only an active token authenticates.
  const token = store.state.tokens.find((t) => t.token === header && t.status !== "Inactive");
  if (!token) return undefined;
  if (token.type === "Service") return { id: token.id, statements: token.permissions };
  return { id: token.id, statements: memberStatements(store.state, token.creatorId) };
}

/**
 * A member's statements (MemberService.GetPermissionsAsync, Infrastructure/Services/EntityFrameworkCore/
 * MemberService.cs): those of the member's effective policies (see effectivePolicies).
 */
export function memberStatements(state: State, memberId: string): (PolicyStatement | null)[] {
  return effectivePolicies(state, memberId).flatMap((p) => p.statements);
}

/**
 * MemberService.GetPoliciesAsync: the member's direct policies, then those of its groups, one per policy *name*
 * (GroupBy(x => x.Name).Select(x => x.First())): of two policies sharing a name, only the first counts.
 */
export function effectivePolicies(state: State, memberId: string): Policy[] {
  const byId = (policyId: string) => state.policies.filter((p) => p.id === policyId);
  const direct = state.memberPolicies.filter((l) => l.memberId === memberId).flatMap((l) => byId(l.policyId));
  const inherited = state.groupMembers
    .filter((l) => l.memberId === memberId)
    .flatMap((gm) => state.groupPolicies.filter((gp) => gp.groupId === gm.groupId))
    .flatMap((gp) => byId(gp.policyId));
  const seen = new Set<string>();
  return [...direct, ...inherited].filter((p) => !seen.has(p.name) && seen.add(p.name));
}

/**
 * Allowed iff some statement matches and no matching statement denies (Domain/Policies/PolicyHelper.cs). Only an
 * effect of exactly 'allow' allows; a null statement, or null actions or resources where they are read, throw there.
 */
export function isAllowed(
  statements: readonly (PolicyStatement | null)[],
  permission: string,
  rn: string | undefined,
): boolean {
  if (rn === undefined) return false;
  const matching = statements.filter((statement) => {
    const s = deref(statement);
    if (s.resourceType === "*") return true;
    return (
      source(s.actions).some((a) => a === "*" || a === permission) &&
      // RNMatcher.IsMatch reads a null pattern as an empty span, which matches nothing.
      source(s.resources).some((pattern) => pattern !== null && rnMatches(rn, pattern))
    );
  });
  return matching.length > 0 && matching.every((s) => s?.effect === "allow");
}

/** Domain/Resources/RNMatcher.cs: segment-wise prefix match with `*` wildcards and optional tags. */
export function rnMatches(resource: string, pattern: string): boolean {
  if (resource === "" || pattern === "") return false;
  const rSegs = resource.split(":");
  const pSegs = pattern.split(":");
  if (pSegs.length > rSegs.length) return false;
  return pSegs.every((pSeg, i) => {
    const [pPath, pTags] = splitOnce(pSeg, ";");
    const [rPath, rTags] = splitOnce(rSegs[i], ";");
    if (!wildcard(pPath, rPath)) return false;
    if (pTags === undefined || pTags === "") return true;
    if (rTags === undefined || rTags === "") return false;
    const resourceTags = rTags.split(",");
    return pTags.split(",").some((pt) => resourceTags.some((rt) => wildcard(pt, rt)));
  });
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const parts = s.split(sep);
  return [parts[0], parts.length > 1 ? parts[1] : undefined];
}

function wildcard(pattern: string, value: string): boolean {
  if (!pattern.includes("*")) return pattern === value;
  const re = "^" + pattern.split("*").map(escapeRegex).join(".*") + "$";
  return new RegExp(re).test(value);
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * RN.ForFlag / RN.ForSegment (Domain/Resources/RN.cs) append `;tag1,tag2`. A NULL tag (text[] allows
 * it) joins as an empty string; a NULL tags array (left by a JSON patch) is a NullReferenceException.
 */
const withTags = (base: string, tags: (string | null)[] | null): string =>
  deref(tags).length > 0
    ? `${base};${deref(tags)
        .map((t) => t ?? "")
        .join(",")}`
    : base;

/**
 * The RN a route's permission is checked against (DefaultPermissionChecker). `undefined` when the
 * target cannot be found: the check then fails with 403 even for an owner, which is how FeatBit
 * answers PUT/DELETE on missing projects, envs, flags and segments.
 */
export function resolveRN(
  store: Store,
  permission: Permission,
  params: Record<string, string>,
): string | undefined {
  switch (permission.type) {
    case "workspace":
      return "workspace/*";
    case "iam":
      return "iam/*";
    case "project": {
      if (permission.name === "CreateProject") return "project/*";
      const project = store.project(params.projectId ?? params.id);
      if (!project) return undefined;
      return permission.name === "CreateEnv" ? `project/${project.key}:env/*` : `project/${project.key}`;
    }
    case "env":
      return envRN(store, params.envId ?? params.id);
    case "flag": {
      const env = envRN(store, params.envId);
      if (env === undefined) return undefined;
      if (params.key === undefined) return `${env}:flag/*`;
      const flag = store.flag(params.envId, params.key);
      return flag && withTags(`${env}:flag/${flag.key}`, flag.tags);
    }
    case "segment": {
      const env = envRN(store, params.envId);
      if (env === undefined) return undefined;
      if (params.segmentId === undefined) return `${env}:segment/*`;
      const segment = store.segment(params.segmentId);
      return segment && segmentRnUnder(store, segment, params.envId);
    }
  }
}

/**
 * ResourceService.GetSegmentRnAsync (Infrastructure/Services/EntityFrameworkCore/ResourceService.cs):
 * an environment-specific segment has an RN only under its own environment, a shared one only under
 * an environment its scopes cover, any other type never. Without an RN every permission check fails
 * (403), so such writes are refused while reads, checked against the route's environment, work.
 */
export function segmentRnUnder(store: Store, segment: Segment, envId: string): string | undefined {
  if (segment.type === "environment-specific" && segment.envId === envId) {
    const env = envRN(store, envId);
    return env && withTags(`${env}:segment/${segment.key}`, segment.tags);
  }
  if (segment.type === "shared" && store.coversEnv(segment, envId)) {
    const env = envRN(store, envId);
    return env && withTags(`${env}:segment/${segment.key}`, segment.tags);
  }
  return undefined;
}

export function envRN(store: Store, envId: string | undefined): string | undefined {
  const found = envId === undefined ? undefined : store.envWithProject(envId);
  return found && `project/${found.project.key}:env/${found.env.key}`;
}

export function projectRN(key: string): string {
  return `project/${key}`;
}

export function flagRN(
  store: Store,
  envId: string,
  key: string,
  tags: (string | null)[] | null,
): string | undefined {
  const env = envRN(store, envId);
  return env && withTags(`${env}:flag/${key}`, tags);
}

export function segmentRN(
  store: Store,
  envId: string,
  key: string,
  tags: (string | null)[] | null,
): string | undefined {
  const env = envRN(store, envId);
  return env && withTags(`${env}:segment/${key}`, tags);
}

export { OWNER_STATEMENTS };
