// Body shapes shared by flags and segments (Domain/Targeting), plus the whole-entity shapes the
// JSON-patch endpoints re-bind against after patching.
import { arr, bool, BindFailure, guid, num, obj, parseJson, str, type Desc } from "../binding";
import { readOperations, type PatchOperation } from "../jsonPatch";
import type { Ctx } from "../router";
import { internal } from "../http";
import type { FeatureFlag, Segment, Variation } from "../state";

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

export function toVariations(list: ReturnType<typeof variationShape.read>[] | null): Variation[] {
  return items(list);
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

/** A patched flag before the columns have had their say: NOT NULL columns may hold null here. */
export type PatchedFlag = Omit<FeatureFlag, "name" | "key" | "variationType" | "disabledVariationId"> & {
  name: string | null;
  key: string | null;
  variationType: string | null;
  disabledVariationId: string | null;
};

/**
 * Re-reads a patched flag as the C# entity would hold it; throws BindFailure for type errors. Nulls
 * are kept: the JSON-patch adapter writes them into the entity and FeatBit saves what it got.
 */
export function rebindFlag(value: unknown): PatchedFlag {
  const f = flagShape.read(value, "$");
  if (f === null) throw new BindFailure("$", "Domain.FeatureFlags.FeatureFlag");
  return f;
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

export type PatchedSegment = Omit<Segment, "name" | "key" | "type" | "scopes"> & {
  name: string | null;
  key: string | null;
  type: string | null;
  scopes: string[];
};

/** As rebindFlag. Scopes are the exception: a null is read as empty (what FeatBit does with a NULL
 * text[] scope list in its list queries is not modelled). */
export function rebindSegment(value: unknown): PatchedSegment {
  const s = segmentShape.read(value, "$");
  if (s === null) throw new BindFailure("$", "Domain.Segments.Segment");
  return { ...s, scopes: (s.scopes ?? []).map((x) => x ?? "") };
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
