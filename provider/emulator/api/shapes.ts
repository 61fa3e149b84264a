// Body shapes shared by flags and segments (Domain/Targeting), plus the whole-entity shapes the
// JSON-patch endpoints re-bind against after patching.
import { arr, bool, BindFailure, guid, num, obj, parseJson, str, type Desc } from "../binding";
import { readOperations, type PatchOperation } from "../jsonPatch";
import type { Ctx } from "../router";
import { internal } from "../http";
import type {
  Condition,
  FeatureFlag,
  MatchRule,
  RolloutVariation,
  Segment,
  TargetRule,
  TargetUser,
  Variation,
} from "../state";

export const variationShape = obj({ id: str(), name: str(), value: str() });
export const rolloutShape = obj({ id: str(), rollout: arr(num()), exptRollout: num() });
export const conditionShape = obj({ id: str(), property: str(), op: str(), value: str() });
export const targetUserShape = obj({ keyIds: arr(str()), variationId: str() });
export const ruleShape = obj({
  id: str(),
  name: str(),
  dispatchKey: str(),
  includedInExpt: bool(),
  conditions: arr(conditionShape),
  variations: arr(rolloutShape),
});
export const fallthroughShape = obj({
  dispatchKey: str(),
  includedInExpt: bool(),
  variations: arr(rolloutShape),
});
export const matchRuleShape = obj({ id: str(), name: str(), conditions: arr(conditionShape) });

/**
 * A JSON `null` inside a list binds fine in C# and then blows up the first code that touches it;
 * the emulator answers that 500 up front rather than storing nulls.
 */
export function items<T>(list: (T | null)[] | null): T[] {
  if (list === null) return [];
  if (list.some((x) => x === null)) throw internal();
  return list as T[];
}

function strings(list: (string | null)[] | null): string[] {
  return (list ?? []).map((s) => s ?? "");
}

export function toVariations(list: ReturnType<typeof variationShape.read>[] | null): Variation[] {
  return items(list);
}

function toRollouts(list: (RolloutVariation | null)[] | null): RolloutVariation[] {
  return items(list).map((v) => ({ id: v.id, rollout: v.rollout ?? [], exptRollout: v.exptRollout }));
}

function toConditions(list: (Condition | null)[] | null): Condition[] {
  return items(list).map((c) => ({ id: c.id, property: c.property, op: c.op, value: c.value }));
}

export function toTargetUsers(
  list: ({ keyIds: (string | null)[] | null; variationId: string | null } | null)[] | null,
): TargetUser[] {
  return items(list).map((u) => ({ keyIds: strings(u.keyIds), variationId: u.variationId }));
}

type BoundRule = NonNullable<ReturnType<typeof ruleShape.read>>;
export function toRules(list: (BoundRule | null)[] | null): TargetRule[] {
  return items(list).map((r) => ({
    id: r.id,
    name: r.name,
    dispatchKey: r.dispatchKey,
    includedInExpt: r.includedInExpt,
    conditions: toConditions(r.conditions),
    variations: toRollouts(r.variations),
  }));
}

type BoundFallthrough = NonNullable<ReturnType<typeof fallthroughShape.read>>;
export function toFallthrough(f: BoundFallthrough) {
  return {
    dispatchKey: f.dispatchKey,
    includedInExpt: f.includedInExpt,
    variations: toRollouts(f.variations),
  };
}

type BoundMatchRule = NonNullable<ReturnType<typeof matchRuleShape.read>>;
export function toMatchRules(list: (BoundMatchRule | null)[] | null): MatchRule[] {
  return items(list).map((r) => ({ id: r.id, name: r.name, conditions: toConditions(r.conditions) }));
}

/** C# DateTime: an ISO string. */
const date = (): Desc<string> => ({
  read(v, path) {
    if (typeof v === "string" && Number.isFinite(Date.parse(v))) return new Date(Date.parse(v)).toISOString();
    throw new BindFailure(path, "System.DateTime");
  },
  absent: () => "0001-01-01T00:00:00.000Z",
});

const strArr = arr(str());

const flagShape = obj({
  id: guid(),
  envId: guid(),
  revision: guid(),
  name: str(),
  description: str(),
  key: str(),
  variationType: str(),
  variations: arr(variationShape),
  targetUsers: arr(targetUserShape),
  rules: arr(ruleShape),
  isEnabled: bool(),
  disabledVariationId: str(),
  fallthrough: fallthroughShape,
  exptIncludeAllTargets: bool(),
  tags: strArr,
  isArchived: bool(),
  creatorId: guid(),
  updatorId: guid(),
  createdAt: date(),
  updatedAt: date(),
});

/** Re-reads a patched flag as the C# entity would hold it; throws BindFailure for type errors. */
export function rebindFlag(value: unknown): FeatureFlag {
  const f = flagShape.read(value, "$");
  if (f === null) throw new BindFailure("$", "Domain.FeatureFlags.FeatureFlag");
  return {
    ...f,
    key: f.key ?? "",
    variationType: f.variationType ?? "",
    variations: toVariations(f.variations),
    targetUsers: toTargetUsers(f.targetUsers),
    rules: toRules(f.rules),
    disabledVariationId: f.disabledVariationId ?? "",
    fallthrough: f.fallthrough
      ? toFallthrough(f.fallthrough)
      : { dispatchKey: null, includedInExpt: false, variations: [] },
    tags: strings(f.tags),
  };
}

const segmentShape = obj({
  id: guid(),
  workspaceId: guid(),
  envId: guid(),
  name: str(),
  key: str(),
  type: str(),
  scopes: strArr,
  description: str(),
  included: strArr,
  excluded: strArr,
  rules: arr(matchRuleShape),
  tags: strArr,
  isArchived: bool(),
  createdAt: date(),
  updatedAt: date(),
});

export function rebindSegment(value: unknown): Segment {
  const s = segmentShape.read(value, "$");
  if (s === null) throw new BindFailure("$", "Domain.Segments.Segment");
  return {
    ...s,
    name: s.name ?? "",
    key: s.key ?? "",
    type: s.type ?? "",
    scopes: strings(s.scopes),
    included: strings(s.included),
    excluded: strings(s.excluded),
    rules: toMatchRules(s.rules),
    tags: strings(s.tags),
  };
}

/**
 * The PATCH actions bind `[FromBody] JsonElement` (so malformed JSON is a 400 problem details) and
 * then deserialize a JsonPatchDocument themselves, which throws for anything but an array of
 * operations: that surfaces as a 500.
 */
export function readPatchBody(ctx: Ctx): PatchOperation[] {
  const parsed = parseJson(ctx.json(), false);
  try {
    return readOperations(parsed);
  } catch {
    throw internal();
  }
}
