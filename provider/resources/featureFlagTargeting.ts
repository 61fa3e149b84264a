// featbit:FeatureFlagTargeting — the targeting of one feature flag, owned part by part. A flag without this resource
// keeps whatever targeting the FeatBit UI gives it; with it, code owns exactly the parts it declares (on/off, off
// variation, individual targeting, rules, default rule) and every other part stays with the UI.
//
// Writes are revision-guarded: the resource remembers (in `synced`) the canonical form of each owned part as it last
// wrote or read it, and refuses to overwrite a part that someone changed in FeatBit since then. Destroy releases
// ownership and leaves the flag serving exactly what it serves (see `delete`).
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  SEGMENT_IN,
  SEGMENT_NOT_IN,
  type FeatureFlag as ApiFlag,
  type Condition as ApiCondition,
  type Fallthrough,
  type FlagTargeting,
  type PendingChange,
  type RolloutVariation,
  type TargetRule,
  type TargetUser,
} from "../client";
import { isFeatBitApiError } from "../client/errors";
import {
  dataSyncMessage,
  declaredSegment,
  OFFLINE_ENV_ID,
  OFFLINE_UPDATED_AT,
  type DataSyncFlag,
  type DeclaredSegment,
} from "../evaluation/dataSync";
import {
  LEFT_TO_UI,
  runTargetingTests,
  targetingTestsSchema,
  testVariationReferences,
  type EvaluationSubject,
} from "../evaluation/targetingTests";
import type { TargetingTest, TargetingTestArgs } from "../evaluation/testTypes";
import { parseJsonList, round, sameJson } from "./core/canonical";
import {
  flagConditionSchema,
  fromApiCondition,
  propertyConditionSchema,
  toApiCondition,
  type FlagCondition,
  type PropertyCondition,
} from "./core/conditions";
import { PartialWriteError, splitId, type Context, type ResourceDefinition } from "./core/definition";
import { dynamicClass, getter, registered, registration, type ConnectionArgs } from "./core/resourceClass";
import { comment, containsUnknown, crossField, key, shape, UNKNOWN, userKey, uuid } from "./core/schema";
import { usesSegments } from "./core/ordering";
import { stableId } from "./core/stableIds";
import { FLAG_TARGETING_PERMISSIONS, underEnvironment } from "./core/permissions";
import { flagLock, retryOnConflict, verifiedWrite, withLock } from "./core/writes";
import { declaredFlag, retireVariations } from "./featureFlag";

// ---------------------------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------------------------

/** Serve one variation to everyone the rule matches, or split them by percentage. */
export type Serve =
  | { variation: string }
  | {
      /** In declared order; percentages add up to 100. */
      rollout: { variation: string; percent: number }[];
      /** The end-user attribute that buckets users (default: keyId). */
      dispatchKey?: string;
    };

export interface TargetingRule {
  /** Identifies the rule (unique per flag): renaming it replaces the rule. */
  name: string;
  /** All must match (AND). */
  conditions: FlagCondition[];
  serve: Serve;
}

export interface IndividualTargeting {
  variation: string;
  /** End-user keys (keyId). A user may appear in one entry only. */
  users: string[];
}

/**
 * Pulumi inputs at every level, so other resources' outputs can be used inside rules (e.g. a Segment's id in a
 * condition) — `pulumi.Input` alone only lifts the outermost value.
 */
export type DeepInput<T> = T extends boolean
  ? pulumi.Input<boolean>
  : T extends string | number | undefined | null
    ? pulumi.Input<T>
    : T extends readonly (infer U)[]
      ? pulumi.Input<DeepInput<U>[]>
      : pulumi.Input<{ [K in keyof T]: DeepInput<T[K]> }>;

/** What `flag:` accepts: a FeatureFlag resource (or anything shaped like one). */
export interface FlagReference {
  environmentId: pulumi.Input<string>;
  key: pulumi.Input<string>;
  declaredVariationNames?: pulumi.Input<string[]>;
  installation?: pulumi.Input<string>;
}

/** A segment whose members targeting tests need: a Segment resource, or its definition with its id. */
export interface TestSegment {
  segmentId: pulumi.Input<string>;
  included?: pulumi.Input<pulumi.Input<string>[]>;
  excluded?: pulumi.Input<pulumi.Input<string>[]>;
  rules?: pulumi.Input<
    pulumi.Input<{ name: pulumi.Input<string>; conditions: pulumi.Input<PropertyCondition[]> }>[]
  >;
}

export type { TargetingTestArgs };

export interface FeatureFlagTargetingArgs extends ConnectionArgs {
  /** Fills environmentId, flagKey and variations from a FeatureFlag resource. */
  flag?: FlagReference;
  /** The flag's environment (UUID); changing it moves ownership to another flag. Required unless `flag` is given. */
  environmentId?: pulumi.Input<string>;
  /** The flag's key; changing it moves ownership to another flag. Required unless `flag` is given. */
  flagKey?: pulumi.Input<string>;
  /** The flag's variation names, so preview can validate references; otherwise they are checked at apply time. */
  variations?: DeepInput<string[]>;
  /** On/off. Omitted → left to the FeatBit UI. */
  enabled?: pulumi.Input<boolean>;
  /** Variation served while the flag is off, by name. Omitted → left to the UI. */
  offVariation?: pulumi.Input<string>;
  /** Users served a specific variation. Omitted → left to the UI; [] → none. */
  individualTargeting?: DeepInput<IndividualTargeting[]>;
  /** Ordered; the first matching rule wins. Omitted → left to the UI; [] → none. */
  rules?: DeepInput<TargetingRule[]>;
  /** What users matching no rule get. Omitted → left to the UI. */
  defaultRule?: DeepInput<{ serve: Serve }>;
  /** Audit-log comment sent with each write; changing it alone writes nothing. */
  comment?: pulumi.Input<string>;
  /**
   * Who must get what: sample users and the variation each must get, or the shares a population of anonymous users
   * must get. Checked by FeatBit's SDK offline at preview (no request); a failure fails the preview. Never sent to
   * FeatBit, and changing them alone writes nothing.
   */
  tests?: DeepInput<TargetingTestArgs[]>;
  /** The segments the rules name, so tests know their members (Segment resources, or definitions with ids). */
  testSegments?: TestSegment[];
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------------------------

/** Percentages sum to 100 "exactly": float error from e.g. 33.33 + 33.33 + 33.34 is tolerated. */
const SUM_TOLERANCE = 1e-6;

const variationName = (where: string) =>
  z
    .string({
      error: `${where} must be a variation name (a string such as 'On'): variations are named, never ids`,
    })
    .min(1, `${where} must not be empty: name one of the flag's variations`);

const rolloutEntry = shape(
  {
    variation: variationName("variation"),
    percent: z
      .number({ error: "percent must be a number from 0 to 100" })
      .min(0, "percent must be at least 0")
      .max(100, "percent must be at most 100"),
  },
  "a rollout entry ({variation: 'On', percent: 50})",
);

/**
 * One object rather than a union so every problem of a rollout is reported with its own path (a failed union only
 * says "invalid input"). The public type `Serve` below is the union users see.
 */
const serveSchema = shape(
  {
    variation: variationName("serve.variation").optional(),
    rollout: z
      .array(rolloutEntry, { error: "rollout must be a list of {variation, percent}" })
      .min(1, "rollout must list at least one {variation, percent}")
      .optional(),
    dispatchKey: z
      .string({ error: "dispatchKey must be an end-user attribute name such as 'keyId'" })
      .min(1, "dispatchKey must not be empty: omit it to split by the user's keyId")
      .optional(),
  },
  "serve ({variation: 'On'} or {rollout: [{variation: 'On', percent: 50}, …]})",
).superRefine((serve, ctx) => {
  if ((serve.variation === undefined) === (serve.rollout === undefined)) {
    ctx.addIssue({
      code: "custom",
      message: "serve needs exactly one of variation (serve one variation) or rollout (split by percentage)",
    });
    return;
  }
  if (serve.dispatchKey !== undefined && serve.rollout === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["dispatchKey"],
      message: "dispatchKey only applies to a rollout: remove it, or serve a rollout",
    });
  }
  if (serve.rollout === undefined || containsUnknown(serve.rollout)) return;
  const sum = serve.rollout.reduce((total, r) => total + r.percent, 0);
  if (Math.abs(sum - 100) > SUM_TOLERANCE) {
    ctx.addIssue({
      code: "custom",
      path: ["rollout"],
      message: `rollout percentages add up to ${round(sum, 6)}, not 100: adjust them so every user gets a variation`,
    });
  }
  const seen = new Set<string>();
  serve.rollout.forEach((r, i) => {
    if (seen.has(r.variation)) {
      ctx.addIssue({
        code: "custom",
        path: ["rollout", i, "variation"],
        message: `variation '${r.variation}' appears twice in this rollout: merge its percentages into one entry`,
      });
    }
    seen.add(r.variation);
  });
});

const ruleSchema = shape(
  {
    name: z
      .string({ error: "rule name is required: rules are identified by name, e.g. 'Beta users'" })
      .trim()
      .min(1, "rule name must not be empty: rules are identified by name, e.g. 'Beta users'"),
    conditions: z
      .array(flagConditionSchema, { error: "conditions must be a list of conditions" })
      // FeatBit stores a rule without conditions and matches every end user with it (as the default rule would),
      // ahead of the rules below it: almost never what a rule means.
      .min(
        1,
        "a rule needs at least one condition: FeatBit matches every end user with a rule without conditions; " +
          "to serve everyone, declare it as defaultRule",
      ),
    serve: serveSchema,
  },
  "a rule ({name, conditions: [...], serve})",
);

const individualEntry = shape(
  {
    variation: variationName("variation"),
    users: z
      .array(userKey("users"), { error: "users must be a list of end-user keys (keyId)" })
      .min(1, "users must list at least one end-user key: remove the entry otherwise"),
  },
  "an individual-targeting entry ({variation: 'On', users: ['user-1']})",
);

const testSegmentSchema = shape(
  {
    segmentId: uuid("segmentId"),
    included: z.array(z.string({ error: "included must be end-user keys" })).optional(),
    excluded: z.array(z.string({ error: "excluded must be end-user keys" })).optional(),
    rules: z
      .array(
        shape(
          {
            name: z.string({ error: "a segment rule needs a name" }),
            conditions: z.array(propertyConditionSchema),
          },
          "a segment rule ({name, conditions})",
        ),
      )
      .optional(),
  },
  "a test segment (a Segment resource, or {segmentId, included, excluded, rules})",
);

/** What the tests read: they run only when all of it is known. */
const TEST_FIELDS = [
  "environmentId",
  "flagKey",
  "variations",
  "enabled",
  "offVariation",
  "individualTargeting",
  "rules",
  "defaultRule",
  "tests",
  "testSegments",
] as const;

const Inputs = shape(
  {
    environmentId: uuid("environmentId"),
    flagKey: key("flag"),
    variations: z
      .array(variationName("variations[]"), {
        error: "variations must be the list of the flag's variation names",
      })
      .optional(),
    enabled: z.boolean({ error: "enabled must be true or false" }).optional(),
    offVariation: variationName("offVariation").optional(),
    individualTargeting: z
      .array(individualEntry, { error: "individualTargeting must be a list of {variation, users}" })
      .superRefine((entries, ctx) => {
        const userAt = new Map<string, number>();
        const variationAt = new Map<string, number>();
        entries.forEach((entry, i) => {
          const earlier = variationAt.get(entry.variation);
          if (earlier !== undefined) {
            ctx.addIssue({
              code: "custom",
              path: [i, "variation"],
              message: `variation '${entry.variation}' already has an entry (individualTargeting[${earlier}]): merge the user lists`,
            });
          } else variationAt.set(entry.variation, i);
          entry.users.forEach((user, u) => {
            const other = userAt.get(user);
            if (other !== undefined && other !== i) {
              ctx.addIssue({
                code: "custom",
                path: [i, "users", u],
                message: `user '${user}' is also targeted by individualTargeting[${other}]: a user can get only one variation, keep one`,
              });
            }
            userAt.set(user, i);
          });
        });
      })
      .optional(),
    rules: z
      .array(ruleSchema, { error: "rules must be a list of {name, conditions, serve}" })
      .superRefine((rules, ctx) => {
        const seen = new Map<string, number>();
        rules.forEach((rule, i) => {
          const earlier = seen.get(rule.name);
          if (earlier !== undefined) {
            ctx.addIssue({
              code: "custom",
              path: [i, "name"],
              message: `rule name '${rule.name}' is already used by rules[${earlier}]: rule names identify rules, make them unique`,
            });
          }
          seen.set(rule.name, i);
        });
      })
      .optional(),
    defaultRule: shape(
      { serve: serveSchema },
      "defaultRule ({serve: {variation: 'On'}} or {serve: {rollout}})",
    ).optional(),
    /** Audit-log comment sent with each write. */
    comment: comment.optional(),
    tests: targetingTestsSchema.optional(),
    testSegments: z
      .array(testSegmentSchema, {
        error: "testSegments must be a list of Segment resources or {segmentId, …}",
      })
      .optional(),
  },
  "a FeatureFlagTargeting",
)
  .superRefine(
    // Runs whenever the variation names are valid and known, even if other parts failed their own checks: references
    // are read defensively from whatever parses. Without the names, they are checked at apply time against the flag.
    ...crossField<{ variations?: string[] }>(["variations"], (inputs, ctx) => {
      const { variations } = inputs;
      if (variations === undefined) return;
      const known = new Set(variations);
      variations.forEach((v, i) => {
        if (variations.indexOf(v) !== i) {
          ctx.addIssue({
            code: "custom",
            path: ["variations", i],
            message: `variation '${v}' is listed twice`,
          });
        }
      });
      for (const { path, name } of variationReferences(inputs as Record<string, unknown>)) {
        if (name === UNKNOWN || known.has(name)) continue;
        ctx.addIssue({
          code: "custom",
          path,
          message: `'${name}' is not a variation of this flag (its variations: ${variations.join(", ")}): use one of those names`,
        });
      }
    }),
  )
  .superRefine(checkTests, {
    // Tests evaluate the whole targeting: they run once everything else is valid and known (at `up`, values only
    // known then, such as the ids of segments created by the same update).
    when: (payload) =>
      payload.issues.length === 0 &&
      !TEST_FIELDS.some((f) => containsUnknown((payload.value as Record<string, unknown>)[f])),
  });
type Inputs = z.infer<typeof Inputs>;
type ServeInput = z.infer<typeof serveSchema>;
type RuleInput = z.infer<typeof ruleSchema>;
type IndividualInput = z.infer<typeof individualEntry>;
type TestSegmentInput = z.infer<typeof testSegmentSchema>;

/** Runs the targeting tests in FeatBit's SDK (offline) and reports each failure on its test. */
function checkTests(inputs: Inputs, ctx: z.RefinementCtx): void {
  const tests = inputs.tests ?? [];
  if (tests.length === 0) return;
  const fail = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path: ["tests", ...path], message });
  if (inputs.variations === undefined) {
    fail([], "tests need the flag's variation names: pass the FeatureFlag as `flag`, or list `variations`");
    return;
  }
  const known = new Set(inputs.variations);
  let unknownNames = false;
  tests.forEach((test, i) =>
    testVariationReferences(test).forEach(({ path, name }) => {
      if (known.has(name)) return;
      unknownNames = true;
      fail(
        [i, ...path],
        `'${name}' is not a variation of this flag (its variations: ${inputs.variations?.join(", ")}): use one of those names`,
      );
    }),
  );
  const given = new Set((inputs.testSegments ?? []).map((s) => s.segmentId));
  const unseen = segmentIdsOf(inputs.rules ?? []).filter((id) => !given.has(id));
  if (unseen.length > 0) {
    fail(
      [],
      `the rules name segment${unseen.length > 1 ? "s" : ""} ${unseen.join(", ")}, whose members the tests cannot see: pass ${unseen.length > 1 ? "those Segment resources" : "that Segment resource"} in testSegments`,
    );
    return;
  }
  if (unknownNames) return;
  const subject = declaredSubject(
    { ...inputs, variations: inputs.variations },
    (inputs.testSegments ?? []).map(asDeclaredSegment),
  );
  for (const failure of runTargetingTests(subject, tests))
    fail([failure.index], `flag '${inputs.flagKey}': ${failure.message}`);
}

const asDeclaredSegment = (s: TestSegmentInput): DeclaredSegment => ({
  id: s.segmentId,
  included: s.included,
  excluded: s.excluded,
  rules: s.rules,
});

/** Segment ids the rules' conditions name, lower-cased, each once. */
function segmentIdsOf(rules: readonly RuleInput[]): string[] {
  const ids = new Set<string>();
  for (const rule of rules)
    for (const condition of rule.conditions) {
      const named =
        "segment" in condition
          ? condition.segment
          : "notInSegment" in condition
            ? condition.notInSegment
            : [];
      for (const id of Array.isArray(named) ? named : [named]) ids.add(id.toLowerCase());
    }
  return [...ids];
}

/** @internal */
/** Declared targeting, as the inputs of this resource say it (variation names, not ids). */
export type DeclaredTargeting = Pick<
  Inputs,
  "environmentId" | "flagKey" | "enabled" | "offVariation" | "individualTargeting" | "rules" | "defaultRule"
> & { variations: string[] };

const LEFT_TO_UI_OFF = stableId("left-to-ui", "offVariation");
const LEFT_TO_UI_DEFAULT = stableId("left-to-ui", "defaultRule");

/** @internal */
/**
 * The declared targeting in FeatBit's data-sync shape, written exactly as `up` would write it (desiredParts), for
 * FeatBit's SDK to evaluate offline. Variation values are the variation names (evaluation never reads values, and
 * names are what tests and reports speak); parts left to the FeatBit UI get stand-ins (LEFT_TO_UI), and an
 * undeclared on/off is taken as on. Throws when a name does not resolve (check reports those first).
 */
export function declaredSubject(
  targeting: DeclaredTargeting,
  segments: readonly DeclaredSegment[],
): EvaluationSubject {
  const variations = [
    ...targeting.variations.map((name) => ({ id: stableId("variation", name), name, value: name })),
    { id: LEFT_TO_UI_OFF, name: LEFT_TO_UI.offVariation, value: LEFT_TO_UI.offVariation },
    { id: LEFT_TO_UI_DEFAULT, name: LEFT_TO_UI.defaultRule, value: LEFT_TO_UI.defaultRule },
  ];
  const everyone = (id: string) => ({
    dispatchKey: null,
    includedInExpt: false,
    variations: [{ id, rollout: [0, 1] as [number, number], exptRollout: 1 }],
  });
  const shell: ApiFlag = {
    id: stableId("flag", targeting.flagKey),
    envId: OFFLINE_ENV_ID,
    revision: "",
    name: targeting.flagKey,
    description: null,
    key: targeting.flagKey,
    variationType: "string",
    variations,
    targetUsers: [],
    rules: [],
    isEnabled: true,
    disabledVariationId: LEFT_TO_UI_OFF,
    fallthrough: everyone(LEFT_TO_UI_DEFAULT),
    exptIncludeAllTargets: false,
    tags: [],
    isArchived: false,
    createdAt: OFFLINE_UPDATED_AT,
    updatedAt: OFFLINE_UPDATED_AT,
  };
  const desired = desiredParts(targeting as Inputs, shell);
  const flag: DataSyncFlag = {
    id: shell.id,
    envId: shell.envId,
    name: shell.name,
    description: null,
    key: shell.key,
    variationType: shell.variationType,
    variations,
    targetUsers: desired.targetUsers ?? [],
    rules: desired.rules ?? [],
    isEnabled: targeting.enabled ?? true,
    disabledVariationId: desired.synced.offVariationId ?? LEFT_TO_UI_OFF,
    fallthrough: desired.fallthrough ?? shell.fallthrough,
    exptIncludeAllTargets: false,
    tags: [],
    updatedAt: OFFLINE_UPDATED_AT,
    isArchived: false,
  };
  return {
    flagKey: targeting.flagKey,
    bootstrap: dataSyncMessage([flag], segments.map(declaredSegment)),
    enabledAssumed: targeting.enabled === undefined,
  };
}

export type { TargetingTest };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** Every place the inputs name a variation, with its property path; parts that do not parse are passed over. */
function variationReferences(inputs: Record<string, unknown>): { path: (string | number)[]; name: string }[] {
  const refs: { path: (string | number)[]; name: string }[] = [];
  const named = (value: unknown, path: (string | number)[]) => {
    if (typeof value === "string") refs.push({ path, name: value });
  };
  const serveRefs = (serve: unknown, path: (string | number)[]) => {
    if (!isRecord(serve)) return;
    named(serve.variation, [...path, "variation"]);
    if (Array.isArray(serve.rollout)) {
      serve.rollout.forEach(
        (r, i) => isRecord(r) && named(r.variation, [...path, "rollout", i, "variation"]),
      );
    }
  };
  named(inputs.offVariation, ["offVariation"]);
  if (Array.isArray(inputs.individualTargeting)) {
    inputs.individualTargeting.forEach(
      (e, i) => isRecord(e) && named(e.variation, ["individualTargeting", i, "variation"]),
    );
  }
  if (Array.isArray(inputs.rules)) {
    inputs.rules.forEach((r, i) => isRecord(r) && serveRefs(r.serve, ["rules", i, "serve"]));
  }
  if (isRecord(inputs.defaultRule)) serveRefs(inputs.defaultRule.serve, ["defaultRule", "serve"]);
  return refs;
}

/** Individual targeting compares as a set: entries by variation name, users sorted and de-duplicated. */
function normalizeIndividual(entries: IndividualInput[]): IndividualInput[] {
  return entries
    .map((e) => ({ variation: e.variation, users: [...new Set(e.users)].sort() }))
    .sort((a, b) => (a.variation < b.variation ? -1 : a.variation > b.variation ? 1 : 0));
}

function normalize(inputs: Inputs): Inputs {
  return inputs.individualTargeting === undefined
    ? inputs
    : { ...inputs, individualTargeting: normalizeIndividual(inputs.individualTargeting) };
}

// ---------------------------------------------------------------------------------------------------------------
// Canonical form: what "the same targeting" means when comparing what we wrote with what FeatBit holds. Variation
// ids (not names, so renaming a variation in the FeatureFlag resource is no change of targeting); no rule or
// condition ids and no experiment settings (the UI may regenerate ids; experiments belong to the UI).
// ---------------------------------------------------------------------------------------------------------------

interface CanonServe {
  /** Null for "serve one variation", where the dispatch key has no effect. */
  dispatchKey: string | null;
  /** [variationId, from, to] with fractions rounded to 1e-6. */
  ranges: [string, number, number][];
}
interface CanonRule {
  name: string;
  conditions: { property: string; op: string | null; value: string | null }[];
  serve: CanonServe;
}
interface CanonTargetUsers {
  variationId: string;
  keyIds: string[];
}

/** The canonical form of each part this resource owns, as last written or read. Absent parts are not owned. */
export interface Synced {
  enabled?: boolean;
  offVariationId?: string;
  targetUsers?: CanonTargetUsers[];
  rules?: CanonRule[];
  fallthrough?: CanonServe;
}
type Part = keyof Synced;
const PARTS: readonly Part[] = ["enabled", "offVariationId", "targetUsers", "rules", "fallthrough"];
const TARGETING_PARTS: readonly Part[] = ["targetUsers", "rules", "fallthrough"];

/** FeatBit treats a range within 1e-5 of [0,1] as "everyone" (DispatchAlgorithm). */
function isEveryone(rollout: readonly number[]): boolean {
  return rollout.length === 2 && Math.abs(rollout[0]) < 1e-5 && Math.abs(rollout[1] - 1) < 1e-5;
}

/**
 * FeatBit buckets by the user's keyId when the dispatch key is null or blank, and the FeatBit UI writes "keyId"
 * explicitly: all of them split users alike, so none of them is a change (nor a conflict for the revision guard).
 */
const DEFAULT_DISPATCH_KEY = "keyId";

function canonServe(wire: { dispatchKey: string | null; variations: RolloutVariation[] }): CanonServe {
  if (wire.variations.length === 1 && isEveryone(wire.variations[0].rollout)) {
    return { dispatchKey: null, ranges: [[wire.variations[0].id, 0, 1]] };
  }
  const dispatchKey = wire.dispatchKey?.trim() ? wire.dispatchKey : null;
  return {
    dispatchKey: dispatchKey === DEFAULT_DISPATCH_KEY ? null : dispatchKey,
    ranges: wire.variations.map((v) => [v.id, round(v.rollout[0], 6), round(v.rollout[1], 6)]),
  };
}

/**
 * A stored baseline in today's canonical form: state written before the default dispatch key was folded into null
 * holds "keyId" where the live canonical form now says null, which the guard would take for an edit in FeatBit.
 */
function currentCanon(synced: Synced): Synced {
  const serve = (s: CanonServe): CanonServe =>
    s.dispatchKey === DEFAULT_DISPATCH_KEY ? { ...s, dispatchKey: null } : s;
  return {
    ...synced,
    ...(synced.fallthrough ? { fallthrough: serve(synced.fallthrough) } : {}),
    ...(synced.rules ? { rules: synced.rules.map((r) => ({ ...r, serve: serve(r.serve) })) } : {}),
  };
}

/** List values compare by content (the UI and this provider may format the JSON differently). */
function canonCondition(c: ApiCondition): CanonRule["conditions"][number] {
  const isSegment = c.property === SEGMENT_IN || c.property === SEGMENT_NOT_IN;
  const list = isSegment || c.op === "IsOneOf" || c.op === "NotOneOf" ? parseJsonList(c.value) : undefined;
  return {
    property: c.property,
    op: isSegment ? null : c.op,
    value: list ? JSON.stringify(list.map((v) => (isSegment ? v.toLowerCase() : v))) : c.value,
  };
}

function canonRules(rules: TargetRule[]): CanonRule[] {
  return rules.map((r) => ({
    name: r.name,
    conditions: r.conditions.map(canonCondition),
    serve: canonServe(r),
  }));
}

/** Entries without users target nobody, and users compare as a set (merged per variation, sorted). */
function canonTargetUsers(users: TargetUser[]): CanonTargetUsers[] {
  const byVariation = new Map<string, Set<string>>();
  for (const u of users) {
    if (u.keyIds.length === 0) continue;
    const set = byVariation.get(u.variationId) ?? new Set<string>();
    for (const k of u.keyIds) set.add(k);
    byVariation.set(u.variationId, set);
  }
  return [...byVariation.entries()]
    .map(([variationId, keys]) => ({ variationId, keyIds: [...keys].sort() }))
    .sort((a, b) => (a.variationId < b.variationId ? -1 : a.variationId > b.variationId ? 1 : 0));
}

/** The live flag's canonical parts (all of them; callers pick the owned ones). */
function liveParts(flag: ApiFlag): Required<Synced> {
  return {
    enabled: flag.isEnabled,
    offVariationId: flag.disabledVariationId,
    targetUsers: canonTargetUsers(flag.targetUsers),
    rules: canonRules(flag.rules),
    fallthrough: canonServe(flag.fallthrough),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs → wire, against the live flag's variations
// ---------------------------------------------------------------------------------------------------------------

/** Variation names ↔ ids of the live flag. */
class VariationNames {
  private readonly byName = new Map<string, string[]>();
  private readonly byId = new Map<string, string>();

  constructor(readonly flag: ApiFlag) {
    for (const v of flag.variations) {
      this.byName.set(v.name, [...(this.byName.get(v.name) ?? []), v.id]);
      this.byId.set(v.id, v.name);
    }
  }

  /** A name for an id; a dangling id (FeatBit does not check references) is shown as the id itself. */
  nameOf(id: string): string {
    return this.byId.get(id) ?? id;
  }

  /** The id of a declared name, or the reason it cannot be resolved. */
  idOf(name: string): string | { problem: string } {
    const ids = this.byName.get(name) ?? [];
    if (ids.length === 1) return ids[0];
    const names = this.flag.variations.map((v) => v.name).join(", ");
    return ids.length === 0
      ? {
          problem: `'${name}' is not a variation of feature flag '${this.flag.key}' (its variations: ${names}): use one of those names`,
        }
      : {
          problem: `feature flag '${this.flag.key}' has ${ids.length} variations named '${name}': rename them apart in the FeatureFlag`,
        };
  }
}

/** The wire form and canonical form of every declared part. */
interface Desired {
  synced: Synced;
  targetUsers?: TargetUser[];
  rules?: TargetRule[];
  fallthrough?: Fallthrough;
}

const FRACTION_DIGITS = 10;

/**
 * Percentages → contiguous [from, to] fractions in declared order. Cumulative sums are computed in percent and
 * rounded, and the last range ends exactly at 1, so float error never leaves a gap that serves nobody. Each
 * variation's `exptRollout` (the share of its users sent to an experiment) is an experiment setting the UI owns:
 * the value in `current` (the same rule as FeatBit holds it) is kept, FeatBit's default 1 otherwise.
 */
function toRollout(
  serve: ServeInput,
  idOf: (name: string, path: string) => string,
  path: string,
  current: readonly RolloutVariation[] = [],
): RolloutVariation[] {
  const exptRollout = (id: string) => current.find((v) => v.id === id)?.exptRollout ?? 1;
  if (serve.variation !== undefined) {
    const id = idOf(serve.variation, `${path}.variation`);
    return [{ id, rollout: [0, 1], exptRollout: exptRollout(id) }];
  }
  const entries = serve.rollout ?? [];
  let from = 0;
  let cumulative = 0;
  return entries.map((entry, i) => {
    cumulative += entry.percent;
    const to = i === entries.length - 1 ? 1 : round(cumulative / 100, FRACTION_DIGITS);
    const id = idOf(entry.variation, `${path}.rollout[${i}].variation`);
    const range: RolloutVariation = { id, rollout: [from, to], exptRollout: exptRollout(id) };
    from = to;
    return range;
  });
}

function desiredParts(inputs: Inputs, flag: ApiFlag): Desired {
  const names = new VariationNames(flag);
  const problems: string[] = [];
  const idOf = (name: string, path: string): string => {
    const id = names.idOf(name);
    if (typeof id === "string") return id;
    problems.push(`${path}: ${id.problem}`);
    return name;
  };

  const desired: Desired = { synced: {} };
  if (inputs.enabled !== undefined) desired.synced.enabled = inputs.enabled;
  if (inputs.offVariation !== undefined)
    desired.synced.offVariationId = idOf(inputs.offVariation, "offVariation");
  if (inputs.individualTargeting !== undefined) {
    desired.targetUsers = inputs.individualTargeting.map((e, i) => ({
      variationId: idOf(e.variation, `individualTargeting[${i}].variation`),
      keyIds: [...e.users],
    }));
    desired.synced.targetUsers = canonTargetUsers(desired.targetUsers);
  }
  if (inputs.rules !== undefined) {
    desired.rules = inputs.rules.map((rule, i) => wireRule(inputs, flag, rule, idOf, `rules[${i}]`));
    desired.synced.rules = canonRules(desired.rules);
  }
  if (inputs.defaultRule !== undefined) {
    const { serve } = inputs.defaultRule;
    desired.fallthrough = {
      dispatchKey: serve.dispatchKey ?? null,
      // Experiment settings belong to the UI: keep FeatBit's current value.
      includedInExpt: flag.fallthrough.includedInExpt,
      variations: toRollout(serve, idOf, "defaultRule.serve", flag.fallthrough.variations),
    };
    desired.synced.fallthrough = canonServe(desired.fallthrough);
  }
  if (problems.length > 0) {
    throw new Error(problems.join("; "));
  }
  return desired;
}

function wireRule(
  inputs: Inputs,
  flag: ApiFlag,
  rule: RuleInput,
  idOf: (name: string, path: string) => string,
  path: string,
): TargetRule {
  // Ids derive from the rule name, so the same program always writes the same rule ids.
  const id = stableId(inputs.environmentId, inputs.flagKey, "rule", rule.name);
  // Rules are identified by name: a rule made in the UI (its own id) and then declared here is the same rule.
  const current = flag.rules.find((r) => r.id === id) ?? flag.rules.find((r) => r.name === rule.name);
  return {
    id,
    name: rule.name,
    dispatchKey: rule.serve.dispatchKey ?? null,
    // FeatBit's default for new rules is false; an existing rule keeps its experiment setting (UI-owned).
    includedInExpt: current?.includedInExpt ?? false,
    conditions: rule.conditions.map((c, i) => toApiCondition(c, id, i)),
    variations: toRollout(rule.serve, idOf, `${path}.serve`, current?.variations),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Wire → inputs (refresh), in the user's vocabulary: variation names and percentages
// ---------------------------------------------------------------------------------------------------------------

function serveOf(
  wire: { dispatchKey: string | null; variations: RolloutVariation[] },
  names: VariationNames,
): ServeInput {
  if (wire.variations.length === 1 && isEveryone(wire.variations[0].rollout)) {
    return { variation: names.nameOf(wire.variations[0].id) };
  }
  // Six decimals: enough for any split a person types, without float noise like 33.33000000000001. The bounds are
  // rounded, not each width: widths rounded one by one drift from 100 in total (six sixths of [0,1] read as
  // 16.666667 % each, 100.000002 % in all), which check then rejects.
  const percentAt = (fraction: number) => round(fraction * 100, 6);
  return {
    rollout: wire.variations.map((v) => ({
      variation: names.nameOf(v.id),
      percent: round(percentAt(v.rollout[1]) - percentAt(v.rollout[0]), 6),
    })),
    ...(wire.dispatchKey?.trim() ? { dispatchKey: wire.dispatchKey } : {}),
  };
}

function individualOf(flag: ApiFlag, names: VariationNames): IndividualInput[] {
  return normalizeIndividual(
    canonTargetUsers(flag.targetUsers).map((u) => ({
      variation: names.nameOf(u.variationId),
      users: u.keyIds,
    })),
  );
}

function rulesOf(flag: ApiFlag, names: VariationNames): RuleInput[] {
  return flag.rules.map((r) => ({
    name: r.name,
    conditions: r.conditions.map(fromApiCondition),
    serve: serveOf(r, names),
  }));
}

type DeclaredPart = "enabled" | "offVariation" | "individualTargeting" | "rules" | "defaultRule";
const DECLARED_TO_PART: Record<DeclaredPart, Part> = {
  enabled: "enabled",
  offVariation: "offVariationId",
  individualTargeting: "targetUsers",
  rules: "rules",
  defaultRule: "fallthrough",
};
const DECLARED_PARTS = Object.keys(DECLARED_TO_PART) as DeclaredPart[];

/** The live value of a declared part, in the user's vocabulary. */
function liveInput(part: DeclaredPart, flag: ApiFlag, names: VariationNames): Inputs[DeclaredPart] {
  switch (part) {
    case "enabled":
      return flag.isEnabled;
    case "offVariation":
      return names.nameOf(flag.disabledVariationId);
    case "individualTargeting":
      return individualOf(flag, names);
    case "rules":
      return rulesOf(flag, names);
    case "defaultRule":
      return { serve: serveOf(flag.fallthrough, names) };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------------------------------

type Outputs = Inputs & {
  /** The FeatBit id of the flag this resource last wrote or read (its baseline is about that flag only). */
  targetFlagId: string;
  /** The flag's revision when this resource last wrote or read it. */
  revision: string;
  synced: Synced;
};

function pick(synced: Synced, parts: Iterable<Part>): Synced {
  const out: Record<string, unknown> = {};
  for (const p of parts) if (synced[p] !== undefined) out[p] = synced[p];
  return out as Synced;
}

function ownedParts(inputs: Partial<Inputs>): Part[] {
  return DECLARED_PARTS.filter((d) => inputs[d] !== undefined).map((d) => DECLARED_TO_PART[d]);
}

/**
 * The outputs for a live flag: each owned part in the user's vocabulary. Where the live part means the same as what
 * `previous` declared, the declared wording is kept (a 100 % rollout stays a rollout, a one-element segment list
 * stays a list), so a refresh without drift changes nothing.
 */
function observed(flag: ApiFlag, previous: Partial<Inputs> | undefined, base: Inputs): Outputs {
  const names = new VariationNames(flag);
  const live = liveParts(flag);
  const declared = previous ?? {};
  let previousCanon: Synced = {};
  if (previous !== undefined) {
    try {
      previousCanon = desiredParts({ ...base, ...previous } as Inputs, flag).synced;
    } catch {
      previousCanon = {}; // names that no longer resolve: the live wording it is
    }
  }
  const outs: Outputs = { ...base, targetFlagId: flag.id, revision: flag.revision, synced: {} };
  const owned =
    previous === undefined ? DECLARED_PARTS : DECLARED_PARTS.filter((d) => declared[d] !== undefined);
  for (const d of owned) {
    const p = DECLARED_TO_PART[d];
    const keep = previousCanon[p] !== undefined && sameJson(previousCanon[p], live[p]);
    setInput(outs, d, keep ? declared[d] : liveInput(d, flag, names));
    outs.synced = { ...outs.synced, [p]: live[p] };
  }
  return outs;
}

function setInput(outs: Inputs, part: DeclaredPart, value: Inputs[DeclaredPart]): void {
  (outs as Record<string, unknown>)[part] = value;
}

// ---------------------------------------------------------------------------------------------------------------
// Describing changes (for the revision guard's refusal)
// ---------------------------------------------------------------------------------------------------------------

function describeServe(serve: CanonServe | undefined, names: VariationNames): string {
  if (serve === undefined) return "nothing";
  if (serve.ranges.length === 1 && serve.ranges[0][1] === 0 && serve.ranges[0][2] === 1) {
    return `serve ${names.nameOf(serve.ranges[0][0])}`;
  }
  const split = serve.ranges
    .map(([id, from, to]) => `${names.nameOf(id)} ${round((to - from) * 100, 6)}%`)
    .join(" / ");
  return `rollout ${split}${serve.dispatchKey ? ` by ${serve.dispatchKey}` : ""}`;
}

function describeDrift(part: Part, before: Synced, live: Required<Synced>, names: VariationNames): string[] {
  switch (part) {
    case "enabled":
      return [`the flag was turned ${live.enabled ? "on" : "off"}`];
    case "offVariationId":
      return [
        `the off variation changed (${names.nameOf(before.offVariationId ?? "")} → ${names.nameOf(live.offVariationId)})`,
      ];
    case "fallthrough":
      return [
        `the default rule changed (${describeServe(before.fallthrough, names)} → ${describeServe(live.fallthrough, names)})`,
      ];
    case "targetUsers": {
      const variationOf = (list: CanonTargetUsers[] | undefined) =>
        new Map((list ?? []).flatMap((e) => e.keyIds.map((k) => [k, e.variationId] as const)));
      const was = variationOf(before.targetUsers);
      const now = variationOf(live.targetUsers);
      const changes: string[] = [];
      for (const [user, id] of now) {
        const old = was.get(user);
        if (old === undefined) changes.push(`user '${user}' added to ${names.nameOf(id)}`);
        else if (old !== id) changes.push(`user '${user}' moved ${names.nameOf(old)} → ${names.nameOf(id)}`);
      }
      for (const [user, id] of was)
        if (!now.has(user)) changes.push(`user '${user}' removed from ${names.nameOf(id)}`);
      return [`individual targeting changed (${changes.join("; ")})`];
    }
    case "rules": {
      const was = before.rules ?? [];
      const now = live.rules;
      const changes: string[] = [];
      for (const rule of now) {
        const old = was.find((r) => r.name === rule.name);
        if (!old) {
          changes.push(`rule '${rule.name}' was added (${describeServe(rule.serve, names)})`);
          continue;
        }
        const what: string[] = [];
        if (!sameJson(old.conditions, rule.conditions)) what.push("conditions changed");
        if (!sameJson(old.serve, rule.serve)) {
          what.push(`${describeServe(old.serve, names)} → ${describeServe(rule.serve, names)}`);
        }
        if (what.length > 0) changes.push(`rule '${rule.name}' changed (${what.join("; ")})`);
      }
      for (const rule of was)
        if (!now.some((r) => r.name === rule.name)) changes.push(`rule '${rule.name}' was removed`);
      if (changes.length === 0)
        changes.push(`the rules were reordered (now ${now.map((r) => `'${r.name}'`).join(", ")})`);
      return changes;
    }
  }
}

function describePending(changes: PendingChange[]): string {
  return changes
    .map((c) => {
      const extra = c as Record<string, unknown>;
      const title =
        typeof extra.scheduleTitle === "string" && extra.scheduleTitle ? ` '${extra.scheduleTitle}'` : "";
      const reason =
        typeof extra.changeRequestReason === "string" && extra.changeRequestReason
          ? ` ('${extra.changeRequestReason}')`
          : "";
      const when =
        typeof extra.scheduledTime === "string" && extra.scheduledTime
          ? ` scheduled for ${extra.scheduledTime}`
          : "";
      const status = typeof extra.status === "string" ? `, ${extra.status}` : "";
      const creator =
        typeof extra.creatorName === "string" && extra.creatorName ? ` by ${extra.creatorName}` : "";
      return `${c.type}${title}${reason}${when}${creator} (id ${c.id}${status})`;
    })
    .join("; ");
}

// ---------------------------------------------------------------------------------------------------------------
// Applying: GET, guard, write only what differs, under the flag's lock
// ---------------------------------------------------------------------------------------------------------------

const subjectOf = (p: { environmentId?: string; flagKey?: string }) =>
  `targeting of feature flag '${p.flagKey ?? "?"}' in environment ${p.environmentId ?? "?"}`;

/** The flag, which must exist: this resource writes the targeting of a flag declared elsewhere. */
async function requireFlag(ctx: Context, inputs: Inputs): Promise<ApiFlag> {
  const flag = await ctx.client.flags.find(inputs.environmentId, inputs.flagKey);
  if (!flag) {
    throw new Error(
      `feature flag '${inputs.flagKey}' does not exist in environment ${inputs.environmentId}: declare it with a FeatureFlag resource and pass it as \`flag\` (so the targeting is applied after the flag exists), or fix environmentId/flagKey`,
    );
  }
  return flag;
}

/**
 * Every segment the declared rules name must be one of the flag's environment (or a shared segment covering it) and
 * live: FeatBit stores any id, and a rule naming a deleted or mistyped segment silently never matches.
 */
async function requireSegments(ctx: Context, inputs: Inputs): Promise<void> {
  const named = new Map<string, string>();
  inputs.rules?.forEach((rule, r) =>
    rule.conditions.forEach((condition, c) => {
      const ids =
        "segment" in condition
          ? condition.segment
          : "notInSegment" in condition
            ? condition.notInSegment
            : [];
      for (const id of Array.isArray(ids) ? ids : [ids]) {
        if (!named.has(id.toLowerCase())) named.set(id.toLowerCase(), `rules[${r}].conditions[${c}]`);
      }
    }),
  );
  const problems: string[] = [];
  for (const [id, where] of named) {
    const segment = await ctx.client.segments.find(inputs.environmentId, id);
    if (!segment)
      problems.push(`${where}: segment ${id} does not exist in environment ${inputs.environmentId}`);
    else if (segment.isArchived) problems.push(`${where}: segment '${segment.key}' (${id}) is archived`);
  }
  if (problems.length > 0) {
    throw new Error(
      `${problems.join("; ")}. A rule naming it would never match: pass a live Segment resource's segmentId`,
    );
  }
}

/**
 * One write of a part of the targeting; a lost answer is settled by reading back whether the part landed. A refusal
 * names the permissions the write needed (`permissions`; by default those of its route).
 */
function writePart(
  ctx: Context,
  inputs: Inputs,
  send: () => Promise<string>,
  landed: (flag: ApiFlag) => boolean,
  permissions?: readonly string[],
): Promise<string> {
  return verifiedWrite(ctx.writes, {
    send,
    read: () => ctx.client.flags.find(inputs.environmentId, inputs.flagKey),
    landed,
    result: (flag) => flag.revision,
    refusal: (flag) => underEnvironment(ctx.client, inputs.environmentId, `flag/${flag.key}`, permissions),
  });
}

/**
 * Brings every declared part to its declared value. `baseline` is what this resource last wrote/read (undefined on
 * create): a part that differs live from its baseline was edited in FeatBit since, and is not overwritten.
 */
async function apply(ctx: Context, inputs: Inputs, olds: Outputs | undefined): Promise<Outputs> {
  return withLock(flagLock(inputs.environmentId, inputs.flagKey), async () => {
    const first = await requireFlag(ctx, inputs);
    // A baseline describes one flag: after the flag was deleted and created again (same key, new id) there is
    // nothing of ours to protect on the new one. State from a create that failed part-way may lack parts too.
    const sameFlag = olds?.targetFlagId === undefined || olds.targetFlagId === first.id;
    const baseline = olds && sameFlag ? currentCanon(olds.synced ?? {}) : undefined;
    const baselineRevision = olds && sameFlag ? olds.revision : undefined;
    // Someone may write the flag between our read and our write (409): read again and re-apply the guard, once.
    return retryOnConflict(
      async (attempt) =>
        applyOnce(
          ctx,
          inputs,
          baseline,
          baselineRevision,
          attempt === 1 ? first : await requireFlag(ctx, inputs),
        ),
      (err) =>
        new Error(
          `feature flag '${inputs.flagKey}' kept changing while its targeting was written (FeatBit: Conflict, stale revision twice): run \`pulumi up\` again`,
          { cause: err },
        ),
    );
  });
}

async function applyOnce(
  ctx: Context,
  inputs: Inputs,
  baseline: Synced | undefined,
  baselineRevision: string | undefined,
  flag: ApiFlag,
): Promise<Outputs> {
  const desired = desiredParts(inputs, flag);
  const live = liveParts(flag);
  const owned = ownedParts(inputs);
  const differs = owned.filter((p) => !sameJson(desired.synced[p], live[p]));
  const outputs = (revision: string): Outputs => ({
    ...inputs,
    targetFlagId: flag.id,
    revision,
    synced: pick({ ...live, ...desired.synced }, owned),
  });
  if (differs.length === 0) return outputs((await retireObsolete(ctx, inputs, flag)) ?? flag.revision);

  // The guard: an owned part edited in FeatBit since the last up/refresh is never overwritten silently. A part that
  // already matches the program needs no write and is no conflict; unowned parts and definition writes (name, tags)
  // bump the revision but leave the owned parts as they were, so they do not block.
  if (baseline !== undefined && flag.revision !== baselineRevision) {
    const drifted = differs.filter((p) => baseline[p] !== undefined && !sameJson(baseline[p], live[p]));
    if (drifted.length > 0) {
      const names = new VariationNames(flag);
      const what = drifted.flatMap((p) => describeDrift(p, baseline, live, names));
      throw new Error(
        `targeting changed in FeatBit since the last \`pulumi up\`: ${what.join("; ")}. Refusing to overwrite it: run \`pulumi refresh\` to accept the live targeting into state, or undo the change in FeatBit, then run \`pulumi up\` again`,
      );
    }
  }

  // FeatBit lists every schedule and change request that is not applied, declined ones included (GetPendingChanges):
  // declining does not clear one, deleting does.
  const pending = await ctx.client.flags.pendingChanges(inputs.environmentId, inputs.flagKey);
  if (pending.length > 0) {
    throw new Error(
      `feature flag '${inputs.flagKey}' has pending changes in FeatBit: ${describePending(pending)}. Writing now would race them: apply or delete them in FeatBit (a declined change request stays pending until it is deleted), then run \`pulumi up\` again`,
    );
  }
  if (differs.includes("rules")) await requireSegments(ctx, inputs);

  const comment = inputs.comment !== undefined ? { comment: inputs.comment } : {};
  const { environmentId: env, flagKey: key } = inputs;
  let revision = flag.revision;
  const toggle = async (on: boolean) => {
    revision = await writePart(
      ctx,
      inputs,
      () => ctx.client.flags.toggle(env, key, on, comment),
      (f) => f.isEnabled === on,
    );
  };

  // Order for safety: the off variation first (it serves nothing while the flag is on), then turning off, then the
  // targeting, and turning on last — so a flag being switched off never serves the old off variation, and a flag
  // being switched on never serves half-written targeting.
  if (differs.includes("offVariationId")) {
    const offVariationId = desired.synced.offVariationId as string;
    revision = await writePart(
      ctx,
      inputs,
      () => ctx.client.flags.updateOffVariation(env, key, { revision, offVariationId, ...comment }),
      (f) => f.disabledVariationId === offVariationId,
    );
  }

  if (differs.includes("enabled") && desired.synced.enabled === false) await toggle(false);

  const targetingParts = differs.filter((p) => TARGETING_PARTS.includes(p));
  if (targetingParts.length > 0) {
    // FeatBit's PUT replaces all four targeting fields: parts this resource does not own go back as read.
    const targeting: FlagTargeting = {
      targetUsers: desired.targetUsers ?? flag.targetUsers,
      rules: desired.rules ?? flag.rules,
      fallthrough: desired.fallthrough ?? flag.fallthrough,
      exptIncludeAllTargets: flag.exptIncludeAllTargets,
    };
    revision = await writePart(
      ctx,
      inputs,
      () => ctx.client.flags.updateTargeting(env, key, { revision, targeting, ...comment }),
      (f) => {
        const now = liveParts(f);
        return targetingParts.every((p) => sameJson(desired.synced[p], now[p]));
      },
      // FeatBit checks one permission per part the change touches (Application/FeatureFlags/UpdateTargeting.cs).
      targetingParts.map((p) => FLAG_TARGETING_PERMISSIONS[p as keyof typeof FLAG_TARGETING_PERMISSIONS]),
    );
  }

  if (differs.includes("enabled") && desired.synced.enabled === true) await toggle(true);
  return outputs((await retireObsolete(ctx, inputs, flag)) ?? revision);
}

/**
 * Finishes the replacement of a served variation (see featureFlag.ts, putVariations): once this targeting serves
 * the new variation, the one the flag's program removed can go. Only when the flag as read has a variation its
 * FeatureFlag no longer declares, so an ordinary targeting write costs nothing more.
 */
async function retireObsolete(ctx: Context, inputs: Inputs, flag: ApiFlag): Promise<string | undefined> {
  const declared = inputs.variations;
  if (declared === undefined || flag.variations.every((v) => declared.includes(v.name))) return undefined;
  return retireVariations(ctx, inputs.environmentId, inputs.flagKey, declared);
}

// ---------------------------------------------------------------------------------------------------------------
// Definition
// ---------------------------------------------------------------------------------------------------------------

/** @internal */
const definition: ResourceDefinition<Inputs, Outputs> = {
  kind: "FeatureFlagTargeting",
  schema: Inputs,
  normalize,
  // Neither changes the targeting itself: `variations` only lets check validate names at preview, and a new
  // comment alone is nothing to write (it goes with the next real change).
  // Neither do tests: they are checked at preview and never sent.
  createOnly: ["variations", "comment", "tests", "testSegments"],
  replaceOn: ["environmentId", "flagKey"],
  // Delete only releases ownership (no API call), so the new owner may be created first.
  deleteBeforeReplace: () => false,
  outputs: [
    "enabled",
    "offVariation",
    "individualTargeting",
    "rules",
    "defaultRule",
    "targetFlagId",
    "revision",
    "synced",
  ],
  fromId: {
    environmentId: (id) => id.slice(0, id.indexOf("/")),
    flagKey: (id) => id.slice(id.indexOf("/") + 1),
  },
  describe: subjectOf,
  // Destroying it leaves the flag's targeting as it is: there is nothing else to choose.
  destroys: false,
  locate: async (ctx, inputs) =>
    (await ctx.client.flags.find(inputs.environmentId, inputs.flagKey)) &&
    `${inputs.environmentId}/${inputs.flagKey}`,

  async create(ctx, inputs) {
    const id = `${inputs.environmentId}/${inputs.flagKey}`;
    try {
      return { id, outs: await apply(ctx, inputs, undefined) };
    } catch (err) {
      const partial = await partialOutputs(ctx, inputs, err);
      if (partial) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new PartialWriteError(
          `applying ${subjectOf(inputs)} stopped part-way (${reason}); what landed is recorded: run \`pulumi up\` again to finish`,
          id,
          partial,
        );
      }
      throw err;
    }
  },

  async read(ctx, id, olds) {
    const [environmentId, flagKey] = splitId(id, 2, "<environment_uuid>/<flag_key>");
    const flag = await ctx.client.flags.find(environmentId, flagKey);
    if (!flag) return undefined;
    if (olds === undefined) {
      // `get` by id alone: report every part, owning all of them.
      const base: Inputs = {
        environmentId: environmentId.toLowerCase(),
        flagKey,
        variations: flag.variations.map((v) => v.name),
      };
      return observed(flag, undefined, base);
    }
    const base: Inputs = {
      environmentId: olds.environmentId,
      flagKey: olds.flagKey,
      ...(olds.variations !== undefined ? { variations: olds.variations } : {}),
      ...(olds.comment !== undefined ? { comment: olds.comment } : {}),
      // FeatBit does not hold the tests: a refresh keeps them as declared.
      ...(olds.tests !== undefined ? { tests: olds.tests } : {}),
      ...(olds.testSegments !== undefined ? { testSegments: olds.testSegments } : {}),
    };
    return observed(flag, olds, base);
  },

  async update(ctx, id, olds, news) {
    try {
      return await apply(ctx, news, olds);
    } catch (err) {
      // Without this, parts already written would still look "changed in FeatBit" to the next run's guard.
      const partial = await partialOutputs(ctx, news, err, olds);
      if (partial) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new PartialWriteError(
          `updating ${subjectOf(news)} stopped part-way (${reason}); what landed is recorded: run \`pulumi up\` again to finish`,
          id,
          partial,
        );
      }
      throw err;
    }
  },

  // Destroy releases ownership and leaves the flag exactly as it is: turning a flag off or clearing its rules when
  // a resource is removed from a program changes what production serves (LaunchDarkly provider #198). No API call,
  // so a flag that is already gone is fine too.
  async delete() {},
};

/**
 * After a create or update failed part-way, the properties Pulumi should record: parts written as declared, the others as
 * FeatBit holds them, so the next `pulumi up` sees the difference and finishes the job via update.
 */
async function partialOutputs(
  ctx: Context,
  inputs: Inputs,
  err: unknown,
  olds?: Outputs,
): Promise<Record<string, unknown> | undefined> {
  if (!isFeatBitApiError(err)) return undefined;
  try {
    const flag = await ctx.client.flags.find(inputs.environmentId, inputs.flagKey);
    if (!flag) return undefined;
    const owned = new Set(ownedParts(inputs));
    const desired = desiredParts(inputs, flag).synced;
    const live = liveParts(flag);
    // A part landed when FeatBit now holds what was declared and (on update) did not already hold it before.
    const landed = (p: Part) =>
      owned.has(p) && sameJson(desired[p], live[p]) && !(olds && sameJson(olds.synced[p], live[p]));
    if (!PARTS.some(landed)) return undefined;
    const { environmentId, flagKey, variations, comment, tests, testSegments } = inputs;
    const outs = observed(flag, inputs, { environmentId, flagKey, variations, comment, tests, testSegments });
    return JSON.parse(JSON.stringify(outs)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** @internal */
export { definition as featureFlagTargetingDefinition };

/** @internal For tests of the percentage → range mapping without a FeatBit. */
export const internals = { toRollout };

// ---------------------------------------------------------------------------------------------------------------
// The Pulumi resource
// ---------------------------------------------------------------------------------------------------------------

export class FeatureFlagTargeting extends pulumi.CustomResource {
  /** An existing object by id, read-only: Pulumi reads it and manages nothing. */
  static readonly get = getter(FeatureFlagTargeting);

  declare readonly installation: pulumi.Input<string> | undefined;
  declare readonly environmentId: pulumi.Output<string>;
  declare readonly flagKey: pulumi.Output<string>;
  declare readonly enabled: pulumi.Output<boolean | undefined>;
  declare readonly offVariation: pulumi.Output<string | undefined>;
  declare readonly individualTargeting: pulumi.Output<IndividualTargeting[] | undefined>;
  declare readonly rules: pulumi.Output<TargetingRule[] | undefined>;
  declare readonly defaultRule: pulumi.Output<{ serve: Serve } | undefined>;
  /** The FeatBit id of the flag this resource last wrote or read. */
  declare readonly targetFlagId: pulumi.Output<string>;
  /** The flag's revision when this resource last wrote or read it. */
  declare readonly revision: pulumi.Output<string>;
  /** Canonical form of each owned part as last written or read: the revision guard's baseline. */
  declare readonly synced: pulumi.Output<Synced>;

  constructor(name: string, args: FeatureFlagTargetingArgs, opts?: pulumi.CustomResourceOptions) {
    const { flag, testSegments, ...rest } = args;
    // What the flag declares (known during a preview even while the flag is replaced).
    const declared = flag && declaredFlag(flag);
    const props = {
      ...rest,
      // A Segment resource carries more than tests need (and its provider): only its members and rules go.
      ...(testSegments !== undefined
        ? {
            testSegments: testSegments.map(({ segmentId, included, excluded, rules }) => ({
              segmentId,
              included,
              excluded,
              rules,
            })),
          }
        : {}),
      environmentId: rest.environmentId ?? declared?.environmentId,
      flagKey: rest.flagKey ?? declared?.key,
      variations: rest.variations ?? declared?.variationNames,
      installation: rest.installation ?? flag?.installation,
    };
    // With a FeatureFlag resource: create after it even when only plain values were taken from it, and when it is
    // replaced (deleted and created again under the same key, with default targeting) replace this resource too,
    // so the declared targeting is applied to the new flag in the same `pulumi up`.
    const related = flag instanceof pulumi.Resource ? { dependsOn: [flag], replaceWith: [flag] } : {};
    super(...registration(definition, name, props, pulumi.mergeOptions(opts, related)));
    registered(this, definition, props);
    // The flag is destroyed before the segments these rules name.
    usesSegments(flag, rest.rules);
  }
}
dynamicClass(FeatureFlagTargeting);
