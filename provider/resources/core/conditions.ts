// Targeting conditions as users write them, and their FeatBit wire form. Shared by flag rules and segment rules.
import { z } from "zod";
import type { Condition as ApiCondition } from "../../client";
import { OPERATORS, SEGMENT_IN, SEGMENT_NOT_IN, type Operator } from "../../client/vocabulary";
import { parseJsonList, UUID_PATTERN } from "./canonical";
import { shape, UNKNOWN } from "./schema";
import { stableId } from "./stableIds";

const NUMERIC = new Set(["LessThan", "LessEqualThan", "BiggerThan", "BiggerEqualThan"]);
const LIST = new Set(["IsOneOf", "NotOneOf"]);
const FLAG = new Set(["IsTrue", "IsFalse"]);
/** JavaScript reads "0x10" as 16; FeatBit parses with .NET's double parser, which rejects it (never a match). */
const RADIX_PREFIX = /^\s*[+-]?0[xob]/i;

const operator = z.enum(OPERATORS, {
  error: `op must be one of FeatBit's operators: ${OPERATORS.join(", ")}`,
});

const propertyCondition = shape(
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
  "a condition ({property, op, value} or {property, op: 'IsOneOf', values: [...]})",
);

const segmentIds = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
  error: "segment must be a segment id or a list of segment ids",
});

/** Segment membership: only valid in flag rules (FeatBit rejects it inside segments). */
const segmentCondition = shape({ segment: segmentIds }, "a segment condition ({segment: id})");
const notInSegmentCondition = shape({ notInSegment: segmentIds }, "a segment condition ({notInSegment: id})");

// The public forms are written out rather than inferred from the schemas: inferred, they would carry zod's types into
// the package's declarations, and so into every program that imports it. `exactly` keeps the two in step.

/** An end-user attribute compared with a value (`values` for IsOneOf/NotOneOf; none for IsTrue/IsFalse). */
export interface PropertyCondition {
  property: string;
  op: Operator;
  value?: string;
  values?: string[];
}
/** A condition of a flag rule: an attribute, or membership of segments (by id; one or several). */
export type FlagCondition =
  PropertyCondition | { segment: string | string[] } | { notInSegment: string | string[] };

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const exactly: [
  Same<z.infer<typeof propertyCondition>, PropertyCondition>,
  Same<
    z.infer<typeof segmentCondition> | z.infer<typeof notInSegmentCondition>,
    Exclude<FlagCondition, PropertyCondition>
  >,
] = [true, true];
void exactly;

/** Value rules FeatBit does not enforce (unknown shapes are stored and silently never match). */
function valueRules(condition: FlagCondition, ctx: z.RefinementCtx): void {
  if (!("property" in condition)) return;
  const { op, value, values } = condition;
  const fail = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (LIST.has(op)) {
    if (values === undefined || values.length === 0)
      fail("values", `${op} needs values: a non-empty list of strings`);
    else if (value !== undefined) fail("value", `${op} takes values (a list), not value`);
    return;
  }
  if (values !== undefined)
    return fail("values", `${op} takes a single value; only IsOneOf/NotOneOf take values`);
  if (FLAG.has(op)) {
    if (value !== undefined) fail("value", `${op} takes no value`);
    return;
  }
  if (value === undefined) return fail("value", `${op} needs a value`);
  if (value === UNKNOWN) return;
  if (
    NUMERIC.has(op) &&
    (value.trim() === "" || !Number.isFinite(Number(value)) || RADIX_PREFIX.test(value))
  ) {
    return fail("value", `${op} compares numbers: '${value}' is not a number`);
  }
  if (op === "MatchRegex" || op === "NotMatchRegex") {
    try {
      new RegExp(asJavaScriptPattern(value));
    } catch {
      fail("value", `'${value}' is not a valid regular expression`);
    }
  }
}

/** FeatBit's id rule for segment conditions (it stores anything and the rule then never matches). */
function segmentIdRules(condition: FlagCondition, ctx: z.RefinementCtx): void {
  const [which, ids] =
    "segment" in condition
      ? ["segment", condition.segment]
      : "notInSegment" in condition
        ? ["notInSegment", condition.notInSegment]
        : [undefined, undefined];
  if (which === undefined || ids === undefined) return;
  const list = Array.isArray(ids) ? ids : [ids];
  list.forEach((id, i) => {
    if (id === UNKNOWN || UUID_PATTERN.test(id)) return;
    ctx.addIssue({
      code: "custom",
      path: Array.isArray(ids) ? [which, i] : [which],
      message: `'${id}' is not a segment id: pass a Segment resource's id output (a UUID), not its key or name`,
    });
  });
}

/** @internal A condition of a segment rule: property conditions only. */
export const propertyConditionSchema = propertyCondition.superRefine(valueRules);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * @internal
 * A condition of a flag rule: a property condition or segment membership, told apart by shape so that a mistake is
 * reported against the form it was meant as (an unknown operator lists the operators) rather than as "none of three".
 */
export const flagConditionSchema = z.unknown().transform((value, ctx): FlagCondition => {
  const schema =
    isRecord(value) && "segment" in value
      ? segmentCondition
      : isRecord(value) && "notInSegment" in value
        ? notInSegmentCondition
        : propertyConditionSchema;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    return z.NEVER;
  }
  segmentIdRules(parsed.data, ctx);
  return parsed.data;
});

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

/** @internal Wire form; ids derive from the parent so the same program writes the same ids. */
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

/** @internal The input form of a condition read from FeatBit (for refresh). Unknown operators are kept as they are. */
export function fromApiCondition(condition: ApiCondition): FlagCondition {
  if (condition.property === SEGMENT_IN || condition.property === SEGMENT_NOT_IN) {
    const ids = parseJsonList(condition.value) ?? [];
    const one = ids.length === 1 ? ids[0] : ids;
    return condition.property === SEGMENT_IN ? { segment: one } : { notInSegment: one };
  }
  const op = (condition.op ?? "Equal") as PropertyCondition["op"];
  if (LIST.has(op)) return { property: condition.property, op, values: parseJsonList(condition.value) ?? [] };
  if (FLAG.has(op)) return { property: condition.property, op };
  return { property: condition.property, op, value: condition.value ?? "" };
}
