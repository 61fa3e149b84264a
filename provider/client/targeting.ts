// Shapes shared by flag and segment targeting (Domain/Targeting in FeatBit). FeatBit stores targeting as sent (the
// targeting endpoints check rollouts and references, not ids): an id a script left out is null.
import { z } from "zod";
import { list, text } from "./common";

export const Condition = z.object({
  id: z.string().nullish(),
  property: z.string(),
  /** Null for segment conditions ("User is in segment"). */
  op: z.string().nullable(),
  value: z.string().nullable(),
});
export type Condition = z.infer<typeof Condition>;

export const RolloutVariation = z.object({
  id: z.string(),
  /** [from, to] as fractions of 1. */
  rollout: z.tuple([z.number(), z.number()]),
  exptRollout: z.number(),
});
export type RolloutVariation = z.infer<typeof RolloutVariation>;

export const TargetRule = z.object({
  // Domain/Targeting/TargetRule.cs: a nullable string the targeting PUT stores as sent.
  id: text(),
  name: z.string(),
  dispatchKey: z.string().nullable(),
  includedInExpt: z.boolean(),
  conditions: list(Condition),
  variations: list(RolloutVariation),
});
export type TargetRule = z.infer<typeof TargetRule>;

export const TargetUser = z.object({
  keyIds: list(z.string()),
  variationId: z.string(),
});
export type TargetUser = z.infer<typeof TargetUser>;

export const Fallthrough = z.object({
  dispatchKey: z.string().nullable(),
  includedInExpt: z.boolean(),
  variations: list(RolloutVariation),
});
export type Fallthrough = z.infer<typeof Fallthrough>;

/** Segment rules have no variations. A rule written through the API without an id is stored with a null one. */
export const MatchRule = z.object({
  id: z.string().nullish(),
  name: z.string(),
  conditions: list(Condition),
});
export type MatchRule = z.infer<typeof MatchRule>;

export { OPERATORS, SEGMENT_IN, SEGMENT_NOT_IN, type Operator } from "./vocabulary";
