// Input rules shared by resources, with messages that say what FeatBit accepts and how to fix a value, and the one
// way rules across fields are written (crossField), so that preview reports every failure it can.
import { z } from "zod";
import { UUID_PATTERN } from "./canonical";

/** Pulumi's placeholder for values not known during preview (rpc.unknownValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/**
 * A rule across fields of an object schema, for `.superRefine(...crossField(fields, rule))`. It runs whenever every
 * field it reads is valid and known, even when other fields failed or are unknown (a first preview, where ids of
 * resources not yet created are unknown, still checks everything else). The rule must read only `fields`.
 */
export function crossField<T extends object>(
  fields: readonly (keyof T & string)[],
  rule: (value: T, ctx: z.RefinementCtx<T>) => void,
): [(value: T, ctx: z.RefinementCtx<T>) => void, { when: (payload: z.core.ParsePayload) => boolean }] {
  const when = (payload: z.core.ParsePayload): boolean => {
    const value = payload.value;
    if (value === null || typeof value !== "object") return false;
    // A field is unusable when its own schema failed; a failure another rule reported about it leaves it readable.
    const broken = payload.issues.some(
      (i) => i.code !== "custom" && fields.includes(String(i.path?.[0]) as keyof T & string),
    );
    return !broken && !fields.some((f) => containsUnknown((value as Record<string, unknown>)[f]));
  };
  return [rule, { when }];
}

const KEY_PATTERN = /^[a-zA-Z0-9._-]+$/;

/** FeatBit's key rule (≤128, `^[a-zA-Z0-9._-]+$`), checked before any API call. */
export const key = (what: string) =>
  z
    .string({ error: `${what} key is required: a string such as 'new-checkout'` })
    // abort: an empty key breaks the character rule too, and one failure says it better.
    .min(1, { message: `${what} key must not be empty: use letters, digits, '.', '_' or '-'`, abort: true })
    .max(128, `${what} key is longer than FeatBit's 128-character limit: shorten it`)
    .regex(
      KEY_PATTERN,
      `${what} key may only contain letters, digits, '.', '_' and '-' (FeatBit's key rule): e.g. 'new-checkout'`,
    );

/**
 * A display name. FeatBit's validators require one (NotEmpty) and limit flags' and segments' to 128 characters
 * (CreateFeatureFlagValidator, CreateSegmentValidator, the UpdateNameValidators); every other kind's name column is
 * varchar(128) too (v0.0.0.sql: projects, environments, groups, policies), where a longer one answers 500.
 */
export const name = (what: string) =>
  z
    .string({ error: `${what} name is required: a display name such as 'New checkout'` })
    .trim()
    .min(1, `${what} name must not be empty`)
    .max(128, `${what} name is longer than FeatBit's 128-character limit: shorten it`);

/**
 * A description, default "". No FeatBit validator checks descriptions (modules/back-end/src/Application/*: the
 * Create…/Update…Validator classes check names and keys only); its PostgreSQL schema (v0.0.0.sql) limits two columns,
 * segments.description and policies.description, to varchar(512), where a longer value makes FeatBit answer 500, so
 * those are refused here first. environments.description, feature_flags.description and groups.description are
 * `text`: any length.
 */
export const description = (limit?: { chars: number; column: string }) => {
  const text = z.string({ error: "description must be a string" });
  return (
    limit
      ? text.max(
          limit.chars,
          `description is longer than FeatBit's ${limit.chars}-character limit (${limit.column}): shorten it`,
        )
      : text
  ).default("");
};

/**
 * An end-user key (keyId) as targeting names it. FeatBit stores end users' keys in a varchar(512) column
 * (end_users.key_id, v0.0.0.sql): a longer key can never be an end user's, so targeting it is a mistake.
 */
export const userKey = (what: string) =>
  z
    .string({ error: `${what} must be end-user keys (strings)` })
    .min(1, `an end-user key in ${what} must not be empty`)
    .max(
      512,
      `an end-user key in ${what} is longer than FeatBit's 512-character limit for end-user keys: shorten it`,
    );

/**
 * The comment FeatBit writes to its audit log with a change. The audit log's column is varchar(512) (audit_logs.comment,
 * v0.0.0.sql), and FeatBit saves the change before the audit entry: a longer comment would change the flag, then fail
 * with 500, while SDKs keep serving the old value.
 */
export const comment = z
  .string({ error: "comment must be a string" })
  .max(512, "comment is longer than FeatBit's 512-character audit-log limit: shorten it");

/**
 * An object with exactly these fields. An unknown field is a mistake worth reporting (a misspelt `percentage` would
 * otherwise be ignored): the message names it and the fields `form` takes.
 */
export function shape<S extends z.ZodRawShape>(fields: S, form: string) {
  const known = Object.keys(fields).join(", ");
  return z.strictObject(fields, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown ${issue.keys.length === 1 ? "field" : "fields"} ${issue.keys.map((k) => `'${k}'`).join(", ")}: ${form} has ${known}`
        : `${form} must be an object with ${known}`,
  });
}

export const uuid = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .regex(
      UUID_PATTERN,
      `${what} must be a FeatBit id (a UUID such as 0f2c6a1d-…): pass another resource's id output`,
    )
    .transform((v) => v.toLowerCase());

/** Tags compare as a set: order and duplicates never cause a diff. */
export const tags = z
  .array(z.string({ error: "tags must be strings" }).trim().min(1, "a tag must not be empty"), {
    error: "tags must be a list of strings",
  })
  .default([])
  .transform((list) => [...new Set(list)].sort());

/** Adoption of an existing object instead of creating one (`pulumi import` cannot work for dynamic resources). */
export const adoption = {
  /**
   * Take over the existing object with the same key instead of failing with "already exists". Absent means false;
   * no default is filled in, so state holds it only where a program declares it.
   */
  adopt: z.boolean({ error: "adopt must be true or false" }).optional(),
  /** The Terraform provider's import identity of the object to adopt. */
  importId: z.string({ error: "importId must be a string" }).optional(),
};

/**
 * The adoption inputs a read carries over from the previous inputs: FeatBit does not hold them, and losing them on
 * refresh would show a change nobody made.
 */
export function keptAdoption(previous: { adopt?: boolean; importId?: string } | undefined): {
  adopt?: boolean;
  importId?: string;
} {
  return {
    ...(previous?.adopt !== undefined ? { adopt: previous.adopt } : {}),
    ...(previous?.importId !== undefined ? { importId: previous.importId } : {}),
  };
}

/** The rule for an import id that is the object's own UUID (the FeatBit Terraform provider's import id). */
export function uuidImportId(object: string) {
  return crossField<{ importId?: string }>(["importId"], (inputs, ctx) => {
    if (inputs.importId !== undefined && !UUID_PATTERN.test(inputs.importId)) {
      ctx.addIssue({
        code: "custom",
        path: ["importId"],
        message: `importId must be the ${object}'s id (a UUID, the FeatBit Terraform provider's import id), not '${inputs.importId}'`,
      });
    }
  });
}

/**
 * The form of an import id alone (`parse` throws for a malformed one). It reads nothing else, so a preview checks it
 * even while the ids it must agree with are still unknown (a first preview, before the parent exists): a malformed
 * importId never waits for `up`, where other resources of the program would be written first.
 */
export function importIdForm(format: string, parse: (importId: string) => unknown) {
  return crossField<{ importId?: string }>(["importId"], (inputs, ctx) => {
    if (inputs.importId === undefined) return;
    try {
      parse(inputs.importId);
    } catch {
      ctx.addIssue({
        code: "custom",
        path: ["importId"],
        message: `importId must be ${format} (the FeatBit Terraform provider's import id), not '${inputs.importId}'`,
      });
    }
  });
}

/**
 * The rule for an import id of the form `<parent_uuid>/<…>` (the FeatBit Terraform provider's): it names the parent
 * (project or environment) the resource declares. Its form is importIdForm's (apply both); `parentOf` throws for a
 * malformed id, which this rule then leaves to that one.
 */
export function importIdOfParent<F extends string>(
  parentField: F,
  parentNoun: string,
  parentOf: (importId: string) => string,
) {
  return crossField<{ importId?: string } & Record<F, string>>([parentField, "importId"], (inputs, ctx) => {
    if (inputs.importId === undefined) return;
    const fail = (message: string) => ctx.addIssue({ code: "custom", path: ["importId"], message });
    let parent: string;
    try {
      parent = parentOf(inputs.importId);
    } catch {
      return;
    }
    if (parent !== inputs[parentField]) {
      fail(
        `importId names ${parentNoun} ${parent} but ${parentField} is ${inputs[parentField]}: make them agree`,
      );
    }
  });
}
