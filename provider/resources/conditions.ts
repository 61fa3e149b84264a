// Targeting conditions as users write them, and their FeatBit wire form. Shared by flag rules and segment rules.
import { z } from "zod";
import { OPERATORS, SEGMENT_IN, SEGMENT_NOT_IN, type Condition as ApiCondition } from "../client";
import { stableId } from "./ids";
import type { Failure } from "./framework";

const NUMERIC = new Set(["LessThan", "LessEqualThan", "BiggerThan", "BiggerEqualThan"]);
const LIST = new Set(["IsOneOf", "NotOneOf"]);
const FLAG = new Set(["IsTrue", "IsFalse"]);
/** JavaScript reads "0x10" as 16; FeatBit parses with .NET's double parser, which rejects it (never a match). */
const RADIX_PREFIX = /^\s*[+-]?0[xob]/i;

const operator = z.enum(OPERATORS, {
  error: `op must be one of FeatBit's operators: ${OPERATORS.join(", ")}`,
});

const propertyCondition = z.strictObject(
  {
    property: z
      .string({ error: "property is required: the end-user attribute, e.g. 'keyId' or 'email'" })
      .min(1),
    op: operator,
    value: z.string({ error: "value must be a string" }).optional(),
    values: z
      .array(z.string({ error: "values must be strings" }), { error: "values must be a list of strings" })
      .optional(),
  },
  { error: "a condition is {property, op, value} or {property, op: 'IsOneOf', values: [...]}" },
);

const segmentIds = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
  error: "segment must be a segment id or a list of segment ids",
});

/** Segment membership: only valid in flag rules (FeatBit rejects it inside segments). */
const segmentCondition = z.strictObject({ segment: segmentIds });
const notInSegmentCondition = z.strictObject({ notInSegment: segmentIds });

export const propertyConditionSchema = propertyCondition;
export const flagConditionSchema = z.union([propertyCondition, segmentCondition, notInSegmentCondition], {
  error: "a condition is {property, op, value}, {segment: id} or {notInSegment: id}",
});

export type PropertyCondition = z.infer<typeof propertyCondition>;
export type FlagCondition = z.infer<typeof flagConditionSchema>;

/** Value rules FeatBit does not enforce (unknown shapes are stored and silently never match). */
export function conditionFailures(condition: FlagCondition, path: string): Failure[] {
  if (!("property" in condition)) return [];
  const { op, value, values } = condition;
  const at = (p: string, reason: string): Failure => ({ property: `${path}.${p}`, reason });
  if (LIST.has(op)) {
    if (values === undefined || values.length === 0)
      return [at("values", `${op} needs values: a non-empty list of strings`)];
    if (value !== undefined) return [at("value", `${op} takes values (a list), not value`)];
    return [];
  }
  if (values !== undefined)
    return [at("values", `${op} takes a single value; only IsOneOf/NotOneOf take values`)];
  if (FLAG.has(op)) return value === undefined ? [] : [at("value", `${op} takes no value`)];
  if (value === undefined) return [at("value", `${op} needs a value`)];
  if (
    NUMERIC.has(op) &&
    (value.trim() === "" || !Number.isFinite(Number(value)) || RADIX_PREFIX.test(value))
  ) {
    return [at("value", `${op} compares numbers: '${value}' is not a number`)];
  }
  if (op === "MatchRegex" || op === "NotMatchRegex") {
    try {
      new RegExp(asJavaScriptPattern(value));
    } catch {
      return [at("value", `'${value}' is not a valid regular expression`)];
    }
  }
  return [];
}

/**
 * FeatBit matches with .NET regular expressions. .NET syntax that JavaScript's RegExp rejects is turned into a
 * JavaScript construct of the same shape before the syntax check, so valid patterns pass and the rest of the pattern
 * is still checked: inline options (`(?i)@example\.com$`, the usual way to ignore case), scoped options
 * (`(?i:beta)`) and atomic groups (`(?>…)`).
 */
function asJavaScriptPattern(pattern: string): string {
  return pattern
    .replace(/\(\?(?:[imnsx]+(?:-[imnsx]*)?|-[imnsx]+)\)/g, "")
    .replace(/\(\?(?:[imnsx]+(?:-[imnsx]*)?|-[imnsx]+):/g, "(?:")
    .replace(/\(\?>/g, "(?:");
}

const asList = (ids: string | string[]): string[] => (Array.isArray(ids) ? ids : [ids]);

/** Wire form; ids derive from the parent so the same program writes the same ids. */
export function toApiCondition(condition: FlagCondition, parentId: string, index: number): ApiCondition {
  const id = stableId(parentId, "condition", String(index));
  if ("segment" in condition)
    return { id, property: SEGMENT_IN, op: null, value: JSON.stringify(asList(condition.segment)) };
  if ("notInSegment" in condition) {
    return { id, property: SEGMENT_NOT_IN, op: null, value: JSON.stringify(asList(condition.notInSegment)) };
  }
  const { property, op } = condition;
  if (LIST.has(op)) return { id, property, op, value: JSON.stringify(condition.values ?? []) };
  // The FeatBit UI stores the operator's name as the value of IsTrue/IsFalse; do the same so both read alike.
  if (FLAG.has(op)) return { id, property, op, value: op };
  return { id, property, op, value: condition.value ?? "" };
}

function parseList(value: string | null): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(value ?? "");
    return Array.isArray(parsed) && parsed.every((v) => typeof v === "string") ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The input form of a condition read from FeatBit (for refresh). Unknown operators are kept as they are. */
export function fromApiCondition(condition: ApiCondition): FlagCondition {
  if (condition.property === SEGMENT_IN || condition.property === SEGMENT_NOT_IN) {
    const ids = parseList(condition.value) ?? [];
    const one = ids.length === 1 ? ids[0] : ids;
    return condition.property === SEGMENT_IN ? { segment: one } : { notInSegment: one };
  }
  const op = (condition.op ?? "Equal") as PropertyCondition["op"];
  if (LIST.has(op)) return { property: condition.property, op, values: parseList(condition.value) ?? [] };
  if (FLAG.has(op)) return { property: condition.property, op };
  return { property: condition.property, op, value: condition.value ?? "" };
}
