// featbit:Segment — an environment-specific FeatBit segment: a named set of end users (included/excluded keys and
// property rules) that flag rules can target. The environment and the key are fixed for life (changing either
// replaces the segment); name, description, targeting and tags each update in place with their own PUT.
//
// FeatBit does not enforce unique segment keys, so this resource does: creating a segment whose key is already
// used in the environment (active or archived) is refused unless the declaration adopts it.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  collectPages,
  hasCode,
  isFeatBitApiError,
  type FlagReference,
  type MatchRule,
  type Segment as ApiSegment,
  type SegmentVm,
} from "../client";
import { asSet, canonicalJson, sameJson, sameKey } from "./core/canonical";
import {
  fromApiCondition,
  propertyConditionSchema,
  toApiCondition,
  type PropertyCondition,
} from "./core/conditions";
import {
  ARCHIVED,
  archivedWarning,
  PartialWriteError,
  putBack,
  splitId,
  type Context,
  type Created,
  type ResourceDefinition,
} from "./core/definition";
import { dynamicClass, getter, registered, registration, type ResourceArgs } from "./core/resourceClass";
import {
  adoption,
  crossField,
  description,
  importIdForm,
  importIdOfParent,
  keptAdoption,
  key,
  name,
  shape,
  tags,
  userKey,
  uuid,
} from "./core/schema";
import { sharedListing, warnDuplicates } from "./core/duplicates";
import { namesSegment } from "./core/ordering";
import { stableId } from "./core/stableIds";
import { SEGMENT_TARGETING_PERMISSIONS, underEnvironment } from "./core/permissions";
import {
  createOnce,
  notOurs,
  segmentKeyLock,
  settledBooleanDelete,
  settledRemoval,
  verifiedWrite,
  withLock,
} from "./core/writes";

// ---------------------------------------------------------------------------------------------------------------
// Public types

export interface SegmentRuleArgs {
  /** Unique within the segment; it also derives the rule's id, so renaming a rule gives it a new id. */
  name: pulumi.Input<string>;
  /** All must match (AND). Segment-membership conditions are not allowed in segment rules. */
  conditions: pulumi.Input<pulumi.Input<PropertyCondition>[]>;
}

export interface SegmentArgs extends ResourceArgs<"release" | "archive" | "delete"> {
  /** The environment's id (Environment.environmentId); changing it replaces the segment. */
  environmentId: pulumi.Input<string>;
  /** Unique per environment (case-insensitive, checked by pulumi-featbit); changing it replaces the segment. */
  key: pulumi.Input<string>;
  name: pulumi.Input<string>;
  /** Default "". */
  description?: pulumi.Input<string>;
  /** End-user keys always in the segment (a set: order and duplicates do not matter). */
  included?: pulumi.Input<pulumi.Input<string>[]>;
  /** End-user keys never in the segment, even when included or matched by a rule (a set). */
  excluded?: pulumi.Input<pulumi.Input<string>[]>;
  /** An end user matching any rule is in the segment. */
  rules?: pulumi.Input<pulumi.Input<SegmentRuleArgs>[]>;
  /** A set: order and duplicates do not matter. */
  tags?: pulumi.Input<pulumi.Input<string>[]>;
  /** Manage an existing segment with this key instead of failing because it exists. */
  adopt?: pulumi.Input<boolean>;
  /** Adopt by the Terraform provider's import id: `<environment_uuid>/<segment_uuid>`. */
  importId?: pulumi.Input<string>;
}

export interface SegmentRule {
  name: string;
  conditions: PropertyCondition[];
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

/** End-user keys compare as a set: order and duplicates never cause a diff. */
const userKeys = (what: "included" | "excluded") =>
  z
    .array(userKey(what), { error: `${what} must be a list of end-user keys, e.g. ['user-1', 'user-2']` })
    .default([])
    .transform((list) => [...new Set(list)].sort());

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * A property condition. Segment-membership conditions are recognised first so the message says why they are
 * refused (FeatBit answers `rules_is_invalid` for them) instead of listing the fields a property condition needs.
 */
const ruleCondition = z
  .unknown()
  .refine((v) => !(isRecord(v) && ("segment" in v || "notInSegment" in v)), {
    message:
      "segment rules cannot test segment membership (FeatBit rejects it with rules_is_invalid): " +
      "use {property, op, value}, or put the segment condition in a flag rule",
  })
  .pipe(propertyConditionSchema);

const Rule = shape(
  {
    name: z
      .string({ error: "rule name is required: e.g. 'Beta testers'" })
      .trim()
      .min(1, "rule name must not be empty: it identifies the rule (and gives it a stable id)"),
    conditions: z
      .array(ruleCondition, { error: "conditions must be a list of {property, op, value}" })
      .min(1, "a rule needs at least one condition: a rule without conditions would match every end user"),
  },
  "a rule ({name, conditions: [{property, op, value}, ...]})",
);
type Rule = z.infer<typeof Rule>;

/** The Pulumi id, identical to the FeatBit Terraform provider's import id so stacks can move between the two. */
const ID_FORMAT = "<environment_uuid>/<segment_uuid>";

function parseId(id: string): { envId: string; segmentId: string } {
  const [envPart, segmentPart] = splitId(id, 2, ID_FORMAT);
  const envId = uuid("the environment part").safeParse(envPart);
  const segmentId = uuid("the segment part").safeParse(segmentPart);
  if (!envId.success || !segmentId.success)
    throw new Error(`'${id}' is not a valid id: expected ${ID_FORMAT}`);
  return { envId: envId.data, segmentId: segmentId.data };
}

type UserFields = { included: string[]; excluded: string[] };

const Inputs = shape(
  {
    environmentId: uuid("environmentId"),
    key: key("segment"),
    name: name("segment"),
    description: description({ chars: 512, column: "its segments.description column" }),
    included: userKeys("included"),
    excluded: userKeys("excluded"),
    rules: z
      .array(Rule, { error: "rules must be a list of {name, conditions}" })
      .default([])
      .superRefine((rules, ctx) => {
        const firstUse = new Map<string, number>();
        rules.forEach((rule, i) => {
          const earlier = firstUse.get(rule.name);
          if (earlier !== undefined) {
            ctx.addIssue({
              code: "custom",
              path: [i, "name"],
              message: `rule name '${rule.name}' is already used by rules[${earlier}]: rule names must be unique within a segment (each gives its rule a stable id)`,
            });
          } else firstUse.set(rule.name, i);
        });
      }),
    tags,
    ...adoption,
  },
  "a Segment",
)
  .superRefine(...importIdForm(ID_FORMAT, parseId))
  .superRefine(...importIdOfParent("environmentId", "environment", (id) => parseId(id).envId))
  .superRefine(
    ...crossField<UserFields>(["included", "excluded"], (inputs, ctx) => {
      const excluded = new Set(inputs.excluded);
      const both = inputs.included.filter((k) => excluded.has(k));
      if (both.length === 0) return;
      ctx.addIssue({
        code: "custom",
        path: ["included"],
        message: `${both.map((k) => `'${k}'`).join(", ")} ${both.length === 1 ? "is" : "are"} both included and excluded: excluded wins in FeatBit, so remove ${both.length === 1 ? "it" : "them"} from one list`,
      });
    }),
  );
type Inputs = z.infer<typeof Inputs>;

type Outputs = Inputs & { segmentId: string; scope: string };

const ENV_SPECIFIC = "environment-specific";

const pulumiId = (envId: string, segmentId: string) => `${envId}/${segmentId}`;

const describe = (p: Partial<Inputs>) => `segment '${p.key ?? "?"}' in environment ${p.environmentId ?? "?"}`;

// ---------------------------------------------------------------------------------------------------------------
// Mapping between inputs and FeatBit's shapes

/** Rule and condition ids derive from the segment id and rule name: the same program writes the same ids. */
function toApiRules(segmentId: string, list: readonly Rule[]): MatchRule[] {
  return list.map((rule) => {
    const id = stableId(segmentId, "rule", rule.name);
    return { id, name: rule.name, conditions: rule.conditions.map((c, i) => toApiCondition(c, id, i)) };
  });
}

function fromApiRules(list: readonly MatchRule[]): Rule[] {
  return list.map((rule) => ({
    name: rule.name,
    // Segment conditions cannot be stored through the targeting endpoint (only a raw JSON patch could put one
    // there); leaving one out shows the rule as drift, and the next update writes the declared conditions.
    conditions: rule.conditions.map(fromApiCondition).filter((c): c is PropertyCondition => "property" in c),
  }));
}

type Base = Pick<Inputs, "environmentId" | "key" | "adopt" | "importId">;

/**
 * Outputs from what FeatBit holds. The key keeps the declared spelling when it only differs in case (FeatBit's own
 * key check is case-insensitive; FeatBit's spelling would otherwise show as a key change — a replacement).
 */
function outputs(base: Base, segment: ApiSegment): Outputs {
  return {
    environmentId: base.environmentId,
    key: sameKey(base.key, segment.key) ? base.key : segment.key,
    name: segment.name,
    description: segment.description ?? "",
    included: asSet(segment.included),
    excluded: asSet(segment.excluded),
    rules: fromApiRules(segment.rules),
    tags: asSet(segment.tags),
    ...keptAdoption(base),
    segmentId: segment.id,
    scope: segment.scopes[0] ?? "",
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Lookups

interface Listed extends SegmentVm {
  archived: boolean;
}

const environmentMissing = (envId: string) =>
  new Error(`environment ${envId} is not in any project this access token can see: check environmentId`);

/** Every segment the environment lists, active and archived (or only `which`), all pages. */
async function listAll(ctx: Context, envId: string, which = [false, true]): Promise<Listed[]> {
  const all: Listed[] = [];
  for (const archived of which) {
    let listed: SegmentVm[];
    try {
      listed = await collectPages(`segments in environment ${envId}`, (pageIndex, pageSize) =>
        ctx.client.segments.list(envId, { isArchived: archived, pageIndex, pageSize }),
      );
    } catch (err) {
      // FeatBit answers 403 for an environment that does not exist: say which input to fix.
      if (
        isFeatBitApiError(err) &&
        err.kind === "forbidden" &&
        (await ctx.client.environments.locate(envId)) === undefined
      ) {
        throw environmentMissing(envId);
      }
      throw err;
    }
    all.push(...listed.map((s) => ({ ...s, archived })));
  }
  return all;
}

const sameKeyed = (listed: readonly Listed[], segmentKey: string) =>
  listed.filter((s) => s.type === ENV_SPECIFIC && sameKey(s.key, segmentKey));

/**
 * The environment's own environment-specific segments with the key. FeatBit lists every segment whose scope covers
 * the environment, and that includes segments left behind by a deleted environment of the same project and
 * environment keys (deleting an environment or project keeps its segments). Such a segment belongs to its own
 * `envId` — FeatBit evaluates it there and checks key uniqueness per `envId` — so it neither blocks the key nor can
 * be adopted here. The list view has no `envId`: the candidates are fetched by id.
 */
async function ownSameKeyed(ctx: Context, envId: string, listed: readonly Listed[], segmentKey: string) {
  const candidates = sameKeyed(listed, segmentKey);
  if (candidates.length === 0) return [];
  const full = await ctx.client.segments.byIds(
    envId,
    candidates.map((s) => s.id),
  );
  const own = new Set(full.filter((s) => s.envId == null || s.envId === envId).map((s) => s.id));
  return candidates.filter((s) => own.has(s.id));
}

// A shared segment may be scoped to the whole organization (`organization/<org>`), which names the key as well.
const ORG_IN_SCOPE = /^organization\/([^:]+)(?::|$)/;

/**
 * The scope of a new environment-specific segment: `organization/<org>:project/<project>:env/<env>`. No access-token
 * endpoint returns the organization key, so it comes from configuration or from the scopes of the segments the
 * environment already lists (which FeatBit only lists when their scope covers the environment, so their
 * organization part is the right one).
 */
async function scopeFor(
  ctx: Context,
  envId: string,
  listed: readonly Listed[],
): Promise<{ scope: string; organizationKey: string; proven: boolean }> {
  const located = await ctx.client.environments.locate(envId);
  if (!located) throw environmentMissing(envId);
  const derived = listed
    .flatMap((s) => s.scopes)
    .map((scope) => ORG_IN_SCOPE.exec(scope)?.[1])
    .find((k) => k !== undefined);
  const organizationKey = ctx.organizationKey ?? derived;
  if (organizationKey === undefined) {
    throw new Error(
      "the organization key is needed for the segment's scope and FeatBit does not reveal it to access tokens: " +
        "set featbit:organizationKey (pulumi config set featbit:organizationKey <key>) or FEATBIT_ORGANIZATION_KEY " +
        "to the key shown in FeatBit under Organization settings",
    );
  }
  if (derived !== undefined && derived !== organizationKey) {
    // A wrong organization in the scope still creates the segment, but FeatBit then never lists it in the
    // environment: it would be invisible in the UI and to the duplicate-key check.
    throw new Error(
      `featbit:organizationKey is '${organizationKey}', but the segments of environment ${envId} belong to ` +
        `organization '${derived}': correct featbit:organizationKey (or FEATBIT_ORGANIZATION_KEY)`,
    );
  }
  return {
    scope: `organization/${organizationKey}:project/${located.project.key}:env/${located.environment.key}`,
    organizationKey,
    // The environment's own segments show which organization FeatBit lists them under.
    proven: derived !== undefined,
  };
}

/**
 * With nothing in the environment to prove the organization key (see scopeFor), the created segment itself does:
 * FeatBit lists a segment only where its scope covers the environment, so one it does not list was made with a wrong
 * key, invisible in FeatBit's UI and to the duplicate-key check. It is deleted again, and the run fails.
 */
async function provenListed(ctx: Context, envId: string, segmentId: string, organizationKey: string) {
  const listed = await listAll(ctx, envId, [false]);
  if (listed.some((s) => s.id === segmentId)) return;
  try {
    await remove(ctx, pulumiId(envId, segmentId));
  } catch {
    // Said below: the error names the segment's id.
  }
  throw new Error(
    `FeatBit does not list the segment just created (id ${segmentId}) in environment ${envId}: its scope names ` +
      `organization '${organizationKey}', which is not this FeatBit's organization, so the segment would be ` +
      `invisible in FeatBit's UI; it was deleted again. Set featbit:organizationKey (or FEATBIT_ORGANIZATION_KEY) to ` +
      `the key shown in FeatBit under Organization settings`,
  );
}

const archivedMessage = (what: string) =>
  `${what} is archived in FeatBit: restore it in FeatBit (Segments → Archived → Restore) and run again, or delete it there`;

// ---------------------------------------------------------------------------------------------------------------
// Writes

type Aspect = "name" | "description" | "targeting" | "tags";

const TARGETING: ReadonlySet<string> = new Set(["included", "excluded", "rules"]);

/** The aspects (one PUT each) that the changed inputs touch. */
function aspectsOf(changed: ReadonlySet<string>): Aspect[] {
  const aspects: Aspect[] = [];
  if (changed.has("name")) aspects.push("name");
  if (changed.has("description")) aspects.push("description");
  if ([...changed].some((f) => TARGETING.has(f))) aspects.push("targeting");
  if (changed.has("tags")) aspects.push("tags");
  return aspects;
}

/** Targeting in its canonical form, so what was written compares with what FeatBit holds. */
const targetingOf = (t: {
  included: readonly string[];
  excluded: readonly string[];
  rules: readonly Rule[];
}) => ({
  included: asSet(t.included),
  excluded: asSet(t.excluded),
  rules: t.rules,
});

/**
 * The permissions a targeting write needs, from what it changes in the live segment (FeatBit checks one per part the
 * change touches, Application/Segments/UpdateTargeting.cs); undefined for the other aspects (one permission each).
 */
function needed(aspect: Aspect, live: ApiSegment, wanted: Inputs): string[] | undefined {
  if (aspect !== "targeting") return undefined;
  const now = targetingOf({ ...live, rules: fromApiRules(live.rules) });
  const next = targetingOf(wanted);
  const parts = (["included", "excluded", "rules"] as const).filter((p) => !sameJson(now[p], next[p]));
  return [...new Set(parts.map((p) => SEGMENT_TARGETING_PERMISSIONS[p]))];
}

/** One PUT per aspect, each settled by reading the segment back when FeatBit's answer does not settle it. */
async function writeAspect(ctx: Context, envId: string, segmentId: string, aspect: Aspect, wanted: Inputs) {
  const api = ctx.client.segments;
  const write = (send: () => Promise<unknown>, landed: (s: ApiSegment) => boolean) =>
    verifiedWrite(ctx.writes, {
      send,
      read: () => api.find(envId, segmentId),
      landed,
      result: () => true,
      refusal: (live) =>
        underEnvironment(ctx.client, envId, `segment/${live.key}`, needed(aspect, live, wanted)),
    });
  switch (aspect) {
    case "name":
      return write(
        () => api.updateName(envId, segmentId, { name: wanted.name }),
        (s) => s.name === wanted.name,
      );
    case "description":
      return write(
        () => api.updateDescription(envId, segmentId, { description: wanted.description }),
        (s) => (s.description ?? "") === wanted.description,
      );
    case "targeting": {
      const body = {
        included: wanted.included,
        excluded: wanted.excluded,
        rules: toApiRules(segmentId, wanted.rules),
      };
      return write(
        () => api.updateTargeting(envId, segmentId, body),
        (s) => sameJson(targetingOf({ ...s, rules: fromApiRules(s.rules) }), targetingOf(wanted)),
      );
    }
    case "tags":
      return write(
        () => api.setTags(envId, segmentId, { tags: wanted.tags }),
        (s) => sameJson(asSet(s.tags), wanted.tags),
      );
  }
}

/** The fields of two segment states that differ (used to bring an adopted segment to the declaration). */
function changedFields(current: Outputs, wanted: Inputs): Set<string> {
  const fields = ["name", "description", "included", "excluded", "rules", "tags"] as const;
  return new Set(fields.filter((f) => canonicalJson(current[f]) !== canonicalJson(wanted[f])));
}

// ---------------------------------------------------------------------------------------------------------------
// Create

/** The existing segment to manage instead of creating one, after refusing duplicates FeatBit itself would accept. */
const segmentClaim = (inputs: Inputs) => `segment:${inputs.environmentId}/${inputs.key}`;

async function adoptionTarget(
  ctx: Context,
  inputs: Inputs,
  listed: () => Promise<Listed[]>,
): Promise<ApiSegment | undefined> {
  const subject = describe(inputs);
  if (inputs.importId !== undefined) {
    const { segmentId } = parseId(inputs.importId);
    const found = await ctx.client.segments.find(inputs.environmentId, segmentId);
    if (!found || (found.envId != null && found.envId !== inputs.environmentId)) {
      throw new Error(`importId ${inputs.importId} names no segment of environment ${inputs.environmentId}`);
    }
    if (found.type !== ENV_SPECIFIC) {
      throw new Error(
        `importId ${inputs.importId} is a ${found.type} segment: only environment-specific segments can be managed`,
      );
    }
    if (!sameKey(found.key, inputs.key)) {
      throw new Error(
        `importId ${inputs.importId} is segment '${found.key}', but key is '${inputs.key}': make them agree`,
      );
    }
    if (found.isArchived)
      throw new Error(archivedMessage(`segment '${found.key}' (importId ${inputs.importId})`));
    return found;
  }
  const matches = await ownSameKeyed(ctx, inputs.environmentId, await listed(), inputs.key);
  const active = matches.filter((s) => !s.archived);
  if (inputs.adopt) {
    if (active.length > 1) {
      throw new Error(
        `${active.length} segments with key '${inputs.key}' exist in environment ${inputs.environmentId} ` +
          `(${active.map((s) => s.id).join(", ")}): set importId to '${inputs.environmentId}/<segment_uuid>' to choose one`,
      );
    }
    if (active.length === 1) {
      const found = await ctx.client.segments.find(inputs.environmentId, active[0].id);
      if (found) return found;
    }
  }
  if (!inputs.adopt && active.length > 0) {
    throw new Error(
      notOurs({
        what: `a segment with key '${inputs.key}' in environment ${inputs.environmentId}`,
        detail: `id ${active[0].id}; FeatBit does not enforce unique segment keys, pulumi-featbit does`,
        adopt: `\`adopt: true\` (or importId: '${inputs.environmentId}/${active[0].id}')`,
      }),
    );
  }
  if (matches.length > active.length) {
    // An archived segment keeps its key: creating another would leave two segments with one key.
    throw new Error(
      archivedMessage(`${subject} (id ${matches.find((s) => s.archived)?.id})`) + ", or choose another key",
    );
  }
  return undefined;
}

async function adoptExisting(
  ctx: Context,
  inputs: Inputs,
  segment: ApiSegment,
): Promise<{ id: string; outs: Outputs }> {
  const current = outputs(inputs, segment);
  for (const aspect of aspectsOf(changedFields(current, inputs))) {
    await writeAspect(ctx, inputs.environmentId, segment.id, aspect, inputs);
  }
  return {
    id: pulumiId(inputs.environmentId, segment.id),
    outs: { ...inputs, segmentId: segment.id, scope: current.scope },
  };
}

async function create(ctx: Context, inputs: Inputs): Promise<Created<Outputs>> {
  const envId = inputs.environmentId;
  let listing: Listed[] | undefined;
  const listed = async () => (listing ??= await listAll(ctx, envId));

  const existing = await adoptionTarget(ctx, inputs, listed);
  if (existing) return { ...(await adoptExisting(ctx, inputs, existing)), adopted: true };

  const { scope, organizationKey, proven } = await scopeFor(ctx, envId, await listed());
  const created = await createOnce<ApiSegment>(ctx.writes, {
    claim: segmentClaim(inputs),
    // adoptionTarget has just listed the environment's segments and found the key free.
    knownFree: true,
    find: async () => {
      const landed = (await ownSameKeyed(ctx, envId, await listAll(ctx, envId), inputs.key)).filter(
        (s) => !s.archived,
      );
      return landed.length === 1 ? await ctx.client.segments.find(envId, landed[0].id) : undefined;
    },
    send: () =>
      ctx.client.segments.create(envId, {
        type: ENV_SPECIFIC,
        name: inputs.name,
        key: inputs.key,
        description: inputs.description,
        scopes: [scope],
      }),
    refusal: () => underEnvironment(ctx.client, envId, "segment/*", undefined, "the environment exists"),
    // FeatBit does not check segment keys, so it never answers KeyHasBeenUsed here.
    taken: (cause) => cause ?? new Error(`another segment with key '${inputs.key}' was created meanwhile`),
  });
  if (!proven) await provenListed(ctx, envId, created.id, organizationKey);

  // FeatBit creates the segment empty; targeting and tags are separate writes. If one fails the segment exists:
  // Pulumi records it with what was applied and the next `pulumi up` finishes through update.
  const id = pulumiId(envId, created.id);
  const applied: Outputs = {
    ...inputs,
    included: [],
    excluded: [],
    rules: [],
    tags: [],
    segmentId: created.id,
    scope,
  };
  const steps: { aspect: Aspect; needed: boolean; done: Partial<Outputs> }[] = [
    {
      aspect: "targeting",
      needed: inputs.included.length + inputs.excluded.length + inputs.rules.length > 0,
      done: { included: inputs.included, excluded: inputs.excluded, rules: inputs.rules },
    },
    { aspect: "tags", needed: inputs.tags.length > 0, done: { tags: inputs.tags } },
  ];
  for (const step of steps.filter((s) => s.needed)) {
    try {
      await writeAspect(ctx, envId, created.id, step.aspect, inputs);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new PartialWriteError(
        `${describe(inputs)} was created (id ${id}) but setting its ${step.aspect} failed: ${reason}. ` +
          `Run 'pulumi up' again to finish`,
        id,
        { ...applied },
      );
    }
    Object.assign(applied, step.done);
  }
  return { id, outs: applied };
}

// ---------------------------------------------------------------------------------------------------------------
// Delete

/** "flag 'checkout' in environment 'prod' (project 'web')": keys read from the project list when possible. */
async function describeReferences(ctx: Context, refs: readonly FlagReference[]): Promise<string> {
  const envs = new Map<string, string>();
  try {
    for (const project of await ctx.client.projects.list()) {
      for (const env of project.environments)
        envs.set(env.id, `environment '${env.key}' (project '${project.key}')`);
    }
  } catch {
    // The ids are enough to act on: do not hide the real problem behind a failed lookup.
  }
  return refs.map((r) => `flag '${r.key}' in ${envs.get(r.envId) ?? `environment ${r.envId}`}`).join(", ");
}

async function referencedError(ctx: Context, refs: readonly FlagReference[]): Promise<Error> {
  return new Error(
    `it is still used by feature flag rules: ${await describeReferences(ctx, refs)}. ` +
      `Remove those segment conditions first (e.g. from the flags' FeatureFlagTargeting resources), then destroy again`,
  );
}

/**
 * How long destroy waits for flag references to go away before refusing. In one `pulumi destroy` the flags whose
 * rules use a segment are usually deleted at the same time as the segment: Pulumi sees no dependency from a flag to
 * the segments its targeting names, so it deletes them in parallel. Exported so tests can shorten it.
 */
export const referenceWait = { totalMs: 10_000, pollMs: 500 };

async function settledReferences(ctx: Context, envId: string, segmentId: string): Promise<FlagReference[]> {
  const deadline = Date.now() + referenceWait.totalMs;
  for (;;) {
    const refs = await ctx.client.segments.flagReferences(envId, segmentId);
    if (refs.length === 0 || Date.now() >= deadline) return refs;
    await new Promise((resolve) => setTimeout(resolve, referenceWait.pollMs));
  }
}

/**
 * Archives the segment; a missing one counts as done, and an archive that reading proves did not land is sent again.
 * FeatBit refuses to archive a segment a flag rule uses (SegmentIsBeingUsed): only then are the references looked at,
 * waited for (see referenceWait) and named.
 */
async function archiveSegment(ctx: Context, envId: string, segmentId: string): Promise<"archived" | "gone"> {
  const api = ctx.client.segments;
  const archive = async (): Promise<"archived" | "gone"> =>
    (await settledRemoval(ctx.writes, {
      send: () => api.archive(envId, segmentId),
      read: () => api.find(envId, segmentId),
      landed: (segment) => segment.isArchived,
      refusal: (live) => underEnvironment(ctx.client, envId, `segment/${live.key}`),
    })) === "gone"
      ? "gone"
      : "archived";
  try {
    return await archive();
  } catch (err) {
    if (!hasCode(err, "SegmentIsBeingUsed")) throw err;
    // Flags whose rules use it are usually being destroyed in this same run: give them the time to go.
    const refs = await settledReferences(ctx, envId, segmentId);
    if (refs.length > 0) throw await referencedError(ctx, refs);
    try {
      return await archive();
    } catch (again) {
      // A flag rule started using it meanwhile.
      if (hasCode(again, "SegmentIsBeingUsed"))
        throw await referencedError(ctx, await api.flagReferences(envId, segmentId));
      throw again;
    }
  }
}

/**
 * Archive, then delete (FeatBit deletes only archived segments). A read proves absence only where an answer leaves
 * doubt; each request is sent again while reading proves it did not land.
 */
async function remove(ctx: Context, id: string): Promise<void> {
  const { envId, segmentId } = parseId(id);
  const api = ctx.client.segments;
  if ((await archiveSegment(ctx, envId, segmentId)) === "gone") return;
  try {
    await settledBooleanDelete(ctx.writes, {
      send: () => api.delete(envId, segmentId),
      read: () => api.find(envId, segmentId),
      refusal: (live) => underEnvironment(ctx.client, envId, `segment/${live.key}`),
    });
  } catch (err) {
    if (hasCode(err, "CannotDeleteUnArchivedSegment")) {
      throw new Error(
        `FeatBit still holds it unarchived, so it refused to delete it (FeatBit: CannotDeleteUnArchivedSegment): ` +
          `run 'pulumi destroy' again`,
        { cause: err },
      );
    }
    throw await putBack(err, () => restoreSegment(ctx, envId, segmentId));
  }
}

/** Brings an archived segment back (FeatBit's restore), settled by reading it back like any write. */
const restoreSegment = (ctx: Context, envId: string, segmentId: string) =>
  verifiedWrite(ctx.writes, {
    send: () => ctx.client.segments.restore(envId, segmentId),
    read: () => ctx.client.segments.find(envId, segmentId),
    landed: (segment) => !segment.isArchived,
    result: () => true,
  });

// ---------------------------------------------------------------------------------------------------------------
// Definition

/** @internal */
const definition: ResourceDefinition<Inputs, Outputs> = {
  kind: "Segment",
  schema: Inputs,
  createOnly: ["adopt", "importId"],
  replaceOn: ["environmentId", "key"],
  // This resource refuses a second segment with a key in use, so a same-key replacement must delete first.
  deleteBeforeReplace: (olds, news) =>
    olds.environmentId === news.environmentId && sameKey(olds.key, news.key),
  outputs: ["segmentId", "scope"],
  fromId: {
    environmentId: (id) => id.split("/")[0],
    segmentId: (id) => id.split("/")[1],
  },
  describe,

  async create(ctx, inputs) {
    // Serialise creates of one key in one environment: FeatBit would accept both, and the duplicate check cannot
    // see a segment that a parallel create is about to make.
    return withLock(segmentKeyLock(inputs.environmentId, inputs.key), () => create(ctx, inputs));
  },

  async locate(ctx, inputs) {
    const envId = inputs.environmentId;
    const held = (await ownSameKeyed(ctx, envId, await listAll(ctx, envId), inputs.key)).filter(
      (s) => !s.archived,
    );
    return held.length === 1 ? pulumiId(envId, held[0].id) : undefined;
  },

  async read(ctx, id, olds) {
    const { envId, segmentId } = parseId(id);
    const segment = await ctx.client.segments.find(envId, segmentId);
    if (!segment) return undefined;
    const base: Base = {
      environmentId: envId,
      key: olds?.key ?? segment.key,
      ...keptAdoption(olds),
    };
    const found = outputs(base, segment);
    // A late-landing duplicate is active: the environment's active segments are enough.
    await warnDuplicates(ctx, describe(found), async () => {
      const listed = await sharedListing(ctx, `segments:${envId}`, () => listAll(ctx, envId, [false]));
      if (!sameKeyed(listed, segment.key).some((s) => s.id !== segmentId)) return [];
      return (await ownSameKeyed(ctx, envId, listed, segment.key))
        .filter((s) => s.id !== segmentId)
        .map((s) => ({ id: pulumiId(envId, s.id) }));
    });
    // Archived: reporting it gone would make the next `pulumi up` create a second segment while the archived one
    // keeps the key (and the flags' references); recorded as archived, `up` restores it and destroy deletes it.
    if (!segment.isArchived) return found;
    ctx.warn(archivedWarning(describe(found)));
    return { ...found, [ARCHIVED]: true };
  },

  async update(ctx, id, olds, news, changed) {
    const { envId, segmentId } = parseId(id);
    if (changed.has(ARCHIVED)) await restoreSegment(ctx, envId, segmentId);
    for (const aspect of aspectsOf(changed)) await writeAspect(ctx, envId, segmentId, aspect, news);
    return { ...news, segmentId, scope: olds.scope };
  },

  delete: (ctx, id) => remove(ctx, id),

  async archive(ctx, id) {
    const { envId, segmentId } = parseId(id);
    await archiveSegment(ctx, envId, segmentId);
  },
};

/** @internal */
export { definition as segmentDefinition };

// ---------------------------------------------------------------------------------------------------------------
// The Pulumi resource

export class Segment extends pulumi.CustomResource {
  /** An existing object by id, read-only: Pulumi reads it and manages nothing. */
  static readonly get = getter(Segment);

  declare readonly installation: pulumi.Input<string> | undefined;
  declare readonly segmentId: pulumi.Output<string>;
  declare readonly environmentId: pulumi.Output<string>;
  declare readonly key: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;
  declare readonly included: pulumi.Output<string[]>;
  declare readonly excluded: pulumi.Output<string[]>;
  declare readonly rules: pulumi.Output<SegmentRule[]>;
  declare readonly tags: pulumi.Output<string[]>;
  /** `organization/<org>:project/<project>:env/<env>`. */
  declare readonly scope: pulumi.Output<string>;

  constructor(name: string, args: SegmentArgs, opts?: pulumi.CustomResourceOptions) {
    super(...registration(definition, name, args, opts));
    registered(this, definition, args);
    namesSegment(this.segmentId, this);
  }
}
dynamicClass(Segment);
