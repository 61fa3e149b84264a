// FeatBit's fixed vocabularies that the resources' public types use (variation types, condition operators). Kept
// apart from the zod schemas of the API modules that re-export them: the package's declarations must not load zod
// into users' programs (zod's own declarations fail to compile under `esModuleInterop: false` without
// `skipLibCheck`, the previous `pulumi new typescript` tsconfig).

export const VARIATION_TYPES = ["boolean", "string", "number", "json"] as const;
export type VariationType = (typeof VARIATION_TYPES)[number];

/** The property names FeatBit uses for segment-membership conditions in flag rules. */
export const SEGMENT_IN = "User is in segment";
export const SEGMENT_NOT_IN = "User is not in segment";

/** Operators FeatBit evaluates (Domain/Targeting/OperatorTypes.cs); anything else never matches. */
export const OPERATORS = [
  "LessThan",
  "LessEqualThan",
  "BiggerThan",
  "BiggerEqualThan",
  "Equal",
  "NotEqual",
  "Contains",
  "NotContain",
  "StartsWith",
  "EndsWith",
  "MatchRegex",
  "NotMatchRegex",
  "IsOneOf",
  "NotOneOf",
  "IsTrue",
  "IsFalse",
] as const;
export type Operator = (typeof OPERATORS)[number];
