// FeatBit's semantic comparers (Domain/SemanticPatch/FlagComparer.cs and SegmentComparer.cs): they
// turn a before/after pair into instructions. FeatBit runs them on every targeting update, before
// saving, to decide which permissions the change needs, and on every draft it lists as a pending
// change. Two consequences the emulator must share:
//  * what they ignore needs no permission: rule order, experiment shares (exptRollout,
//    includedInExpt, exptIncludeAllTargets), rollouts within 1e-5, a dispatch key set to null,
//    target users of variations the flag does not have;
//  * where they throw (null lists, condition values that are not JSON string arrays, …) the whole
//    request is a 500 and nothing is saved.
import {
  any,
  at,
  deref,
  deserializeStringList,
  except,
  exceptBy,
  firstOrDefault,
  intersectBy,
  select,
  source,
  argNull,
} from "./dotnet";
import type {
  Condition,
  Fallthrough,
  FeatureFlag,
  MatchRule,
  RolloutVariation,
  Segment,
  TargetRule,
  TargetUser,
  Variation,
} from "./state";
import { SEGMENT_PROPERTIES } from "./store";

export interface Instruction {
  kind: string;
  value: unknown;
}

/** Instruction's constructor rejects a null value (ArgumentNullException). */
function instruction(kind: string, value: unknown): Instruction {
  if (value === null || value === undefined) throw argNull();
  return { kind, value };
}

export const UPDATE_DEFAULT_RULE_KINDS = [
  "UpdateDefaultRuleVariationOrRollouts",
  "UpdateDefaultRuleDispatchKey",
];
export const UPDATE_TARGET_USERS_KINDS = ["AddTargetUsers", "RemoveTargetUsers", "SetTargetUsers"];
export const UPDATE_RULE_KINDS = [
  "AddRule",
  "RemoveRule",
  "SetRules",
  "UpdateRuleName",
  "UpdateRuleDispatchKey",
  "AddRuleConditions",
  "RemoveRuleConditions",
  "UpdateRuleCondition",
  "AddValuesToRuleCondition",
  "RemoveValuesFromRuleCondition",
  "UpdateRuleVariationOrRollouts",
];

const MULTI_VALUE_OPS = ["IsOneOf", "NotOneOf"];
const ROLLOUT_TOLERANCE = 0.00001;

/** FlagComparer.Compare(original, current), in its order; Noop instructions are dropped. */
export function compareFlags(original: FeatureFlag, current: FeatureFlag): Instruction[] {
  const out: Instruction[] = [];
  if (original.isEnabled !== current.isEnabled)
    out.push(instruction(current.isEnabled ? "TurnFlagOn" : "TurnFlagOff", ""));
  if (original.isArchived !== current.isArchived)
    out.push(instruction(current.isArchived ? "ArchiveFlag" : "RestoreFlag", ""));
  if (original.name !== current.name) out.push(instruction("UpdateName", current.name));
  if (original.description !== current.description)
    out.push(instruction("UpdateDescription", current.description));
  out.push(...compareTags(original.tags, current.tags, "RemoveTags", "AddTags"));
  if (original.variationType !== current.variationType)
    out.push(instruction("UpdateVariationType", current.variationType));
  out.push(...compareVariations(original.variations, current.variations));
  if (original.disabledVariationId !== current.disabledVariationId)
    out.push(instruction("UpdateDisabledVariation", current.disabledVariationId));
  out.push(...compareFallthrough(deref(original.fallthrough), deref(current.fallthrough)));
  out.push(...compareTargetUsers(current.variations, original.targetUsers, current.targetUsers));
  out.push(
    ...compareRules(original.rules, current.rules, compareTargetRule, "SetRules", "AddRule", "RemoveRule"),
  );
  return out;
}

function compareTags(
  original: (string | null)[] | null,
  current: (string | null)[] | null,
  removeKind: string,
  addKind: string,
): Instruction[] {
  const removed = except(original, current);
  const added = except(current, original);
  const out: Instruction[] = [];
  if (removed.length > 0) out.push(instruction(removeKind, removed));
  if (added.length > 0) out.push(instruction(addKind, added));
  return out;
}

function compareVariations(original: (Variation | null)[] | null, current: (Variation | null)[] | null) {
  const id = (v: Variation | null) => deref(v).id;
  const removed = [
    ...exceptBy(
      original,
      select(current, (v) => v.id),
      id,
    ),
  ];
  const added = [
    ...exceptBy(
      current,
      select(original, (v) => v.id),
      id,
    ),
  ];
  const common = [
    ...intersectBy(
      original,
      select(current, (v) => v.id),
      id,
    ),
  ];
  const out: Instruction[] = [];
  for (const v of removed) out.push(instruction("RemoveVariation", deref(v).id));
  for (const v of added) out.push(instruction("AddVariation", v));
  for (const v of common) {
    const before = deref(firstOrDefault(source(original), (x) => deref(x).id === deref(v).id));
    const after = deref(firstOrDefault(source(current), (x) => deref(x).id === deref(v).id));
    if (before.id !== after.id || before.name !== after.name || before.value !== after.value)
      out.push(instruction("UpdateVariation", after));
  }
  return out;
}

function compareFallthrough(original: Fallthrough, current: Fallthrough): Instruction[] {
  const out: Instruction[] = [];
  if (rolloutsChanged(original.variations, current.variations))
    out.push(instruction("UpdateDefaultRuleVariationOrRollouts", { rolloutVariations: current.variations }));
  if (original.dispatchKey !== current.dispatchKey && current.dispatchKey !== null)
    out.push(instruction("UpdateDefaultRuleDispatchKey", current.dispatchKey));
  return out;
}

/** FlagComparer.CompareRolloutVariations: by count, then ids, then each range pairwise by position. */
function rolloutsChanged(
  original: (RolloutVariation | null)[] | null,
  current: (RolloutVariation | null)[] | null,
): boolean {
  if (deref(original).length !== deref(current).length) return true;
  const id = (v: RolloutVariation | null) => deref(v).id;
  if (
    !exceptBy(
      original,
      select(current, (v) => v.id),
      id,
    ).next().done
  )
    return true;
  const a = deref(original);
  const b = deref(current);
  for (let i = 0; i < a.length; i++) {
    const x = deref(a[i]);
    const y = deref(b[i]);
    const equal =
      Math.abs(at(x.rollout, 0) - at(y.rollout, 0)) < ROLLOUT_TOLERANCE &&
      Math.abs(at(x.rollout, 1) - at(y.rollout, 1)) < ROLLOUT_TOLERANCE;
    if (!equal) return true;
  }
  return false;
}

const isNullOrEmpty = (u: TargetUser | null | undefined): boolean =>
  !u || u.keyIds === null || u.keyIds.length === 0;

function compareTargetUsers(
  variations: (Variation | null)[] | null,
  original: (TargetUser | null)[] | null,
  current: (TargetUser | null)[] | null,
): Instruction[] {
  const out: Instruction[] = [];
  for (const variation of source(variations)) {
    const variationId = deref(variation).id;
    const before = firstOrDefault(original, (x) => deref(x).variationId === variationId);
    const after = firstOrDefault(current, (x) => deref(x).variationId === variationId);
    if (isNullOrEmpty(before) && isNullOrEmpty(after)) continue;
    if (isNullOrEmpty(before)) {
      out.push(instruction("SetTargetUsers", { keyIds: deref(after).keyIds, variationId }));
      continue;
    }
    if (isNullOrEmpty(after)) {
      out.push(instruction("SetTargetUsers", { keyIds: [], variationId }));
      continue;
    }
    const was = deref(before).keyIds;
    const now = deref(after).keyIds;
    const added = except(now, was ?? []);
    const removed = except(was, now ?? []);
    if (added.length > 0) out.push(instruction("AddTargetUsers", { keyIds: added, variationId }));
    if (removed.length > 0) out.push(instruction("RemoveTargetUsers", { keyIds: removed, variationId }));
  }
  return out;
}

type RuleLike = { id: string | null };

/** CompareRules (flag and segment alike): by rule id, whatever the order. */
function compareRules<R extends RuleLike>(
  original: (R | null)[] | null,
  current: (R | null)[] | null,
  compareRule: (a: R, b: R) => Instruction[],
  setKind: string,
  addKind: string,
  removeKind: string,
): Instruction[] {
  // C# evaluates `!original.Any() && !current.Any()` then `!original.Any() || !current.Any()`.
  if (!any(original) && !any(current)) return [];
  if (!any(original) || !any(current)) return [instruction(setKind, current)];
  const id = (r: R | null) => deref(r).id;
  const added = [
    ...exceptBy(
      current,
      select(original, (r) => r.id),
      id,
    ),
  ];
  const removed = [
    ...exceptBy(
      original,
      select(current, (r) => r.id),
      id,
    ),
  ];
  const common = [
    ...intersectBy(
      original,
      select(current, (r) => r.id),
      id,
    ),
  ];
  const out: Instruction[] = [];
  for (const r of added) out.push(instruction(addKind, r));
  for (const r of removed) out.push(instruction(removeKind, deref(r).id));
  for (const r of common) {
    const ruleId = deref(r).id;
    const before = deref(firstOrDefault(source(original), (x) => deref(x).id === ruleId));
    const after = deref(firstOrDefault(source(current), (x) => deref(x).id === ruleId));
    out.push(...compareRule(before, after));
  }
  return out;
}

function compareConditionLists(
  ruleId: string | null,
  original: (Condition | null)[] | null,
  current: (Condition | null)[] | null,
  kinds: { add: string; remove: string; update: string; addValues: string; removeValues: string },
): Instruction[] {
  const out: Instruction[] = [];
  const id = (c: Condition | null) => deref(c).id;
  const added = [
    ...exceptBy(
      current,
      select(original, (c) => c.id),
      id,
    ),
  ];
  const removed = [
    ...exceptBy(
      original,
      select(current, (c) => c.id),
      id,
    ),
  ].map((c) => deref(c).id);
  if (removed.length > 0) out.push(instruction(kinds.remove, { ruleId, conditionIds: removed }));
  if (added.length > 0) out.push(instruction(kinds.add, { ruleId, conditions: added }));
  for (const c of intersectBy(
    original,
    select(current, (x) => x.id),
    id,
  )) {
    const conditionId = deref(c).id;
    const before = deref(firstOrDefault(source(original), (x) => deref(x).id === conditionId));
    const after = deref(firstOrDefault(source(current), (x) => deref(x).id === conditionId));
    out.push(...compareCondition(ruleId, before, after, kinds));
  }
  return out;
}

function compareCondition(
  ruleId: string | null,
  original: Condition,
  current: Condition,
  kinds: { update: string; addValues: string; removeValues: string },
): Instruction[] {
  const valuesOnly =
    (original.property === current.property &&
      original.property !== null &&
      SEGMENT_PROPERTIES.includes(original.property) &&
      original.value !== current.value) ||
    (original.property === current.property &&
      original.op === current.op &&
      original.op !== null &&
      MULTI_VALUE_OPS.includes(original.op) &&
      original.value !== current.value);
  if (valuesOnly) {
    const before = deserializeStringList(original.value);
    const after = deserializeStringList(current.value);
    const removed = except(before, after);
    const added = except(after, before);
    const out: Instruction[] = [];
    if (removed.length > 0)
      out.push(instruction(kinds.removeValues, { ruleId, conditionId: current.id, values: removed }));
    if (added.length > 0)
      out.push(instruction(kinds.addValues, { ruleId, conditionId: current.id, values: added }));
    return out;
  }
  const same =
    original.id === current.id &&
    original.property === current.property &&
    original.op === current.op &&
    original.value === current.value;
  return same ? [] : [instruction(kinds.update, { ruleId, condition: current })];
}

const FLAG_CONDITION_KINDS = {
  add: "AddRuleConditions",
  remove: "RemoveRuleConditions",
  update: "UpdateRuleCondition",
  addValues: "AddValuesToRuleCondition",
  removeValues: "RemoveValuesFromRuleCondition",
};

function compareTargetRule(original: TargetRule, current: TargetRule): Instruction[] {
  const ruleId = original.id;
  const out: Instruction[] = [];
  if (original.name !== current.name) out.push(instruction("UpdateRuleName", { ruleId, name: current.name }));
  out.push(...compareConditionLists(ruleId, original.conditions, current.conditions, FLAG_CONDITION_KINDS));
  if (rolloutsChanged(original.variations, current.variations))
    out.push(instruction("UpdateRuleVariationOrRollouts", { ruleId, rolloutVariations: current.variations }));
  if (current.dispatchKey !== null && original.dispatchKey !== current.dispatchKey)
    out.push(instruction("UpdateRuleDispatchKey", { ruleId, dispatchKey: current.dispatchKey }));
  return out;
}

// ---- segments (SegmentComparer.cs, SegmentInstructionKind.cs)

// The segment kinds carry the same names as the flag ones (SegmentInstructionKind.cs).
export const SEGMENT_UPDATE_RULE_KINDS = UPDATE_RULE_KINDS.filter(
  (k) => k !== "UpdateRuleDispatchKey" && k !== "UpdateRuleVariationOrRollouts",
);
export const SEGMENT_UPDATE_TARGET_USERS_KINDS = [
  "AddTargetUsersToIncluded",
  "RemoveTargetUsersFromIncluded",
  "AddTargetUsersToExcluded",
  "RemoveTargetUsersFromExcluded",
];

export function compareSegments(original: Segment, current: Segment): Instruction[] {
  const out: Instruction[] = [];
  if (original.isArchived !== current.isArchived)
    out.push(instruction(current.isArchived ? "Archive" : "Restore", ""));
  if (original.name !== current.name) out.push(instruction("UpdateName", current.name));
  if (original.description !== current.description)
    out.push(instruction("UpdateDescription", current.description));
  out.push(...compareTags(original.tags, current.tags, "RemoveTags", "AddTags"));
  out.push(...compareSegmentUsers(original.included, current.included, "Included"));
  out.push(...compareSegmentUsers(original.excluded, current.excluded, "Excluded"));
  out.push(
    ...compareRules(original.rules, current.rules, compareMatchRule, "SetRules", "AddRule", "RemoveRule"),
  );
  return out;
}

function compareSegmentUsers(
  original: (string | null)[] | null,
  current: (string | null)[] | null,
  which: "Included" | "Excluded",
): Instruction[] {
  if (!any(original) && !any(current)) return [];
  const added = except(current, original);
  const removed = except(original, current);
  const out: Instruction[] = [];
  if (added.length > 0) out.push(instruction(`AddTargetUsersTo${which}`, added));
  if (removed.length > 0) out.push(instruction(`RemoveTargetUsersFrom${which}`, removed));
  return out;
}

function compareMatchRule(original: MatchRule, current: MatchRule): Instruction[] {
  const ruleId = original.id;
  const out: Instruction[] = [];
  if (original.name !== current.name) out.push(instruction("UpdateRuleName", { ruleId, name: current.name }));
  out.push(...compareConditionLists(ruleId, original.conditions, current.conditions, FLAG_CONDITION_KINDS));
  return out;
}
