// featbit:FeatureFlag — a flag's definition in one environment: name, description, variation type, variations and
// tags. Its targeting (enabled state, off variation, target users, rules, default rule) is never touched here: it
// belongs to FeatureFlagTargeting or the FeatBit UI, so code owns only what code declares.
//
// The key, the environment and the variation type are fixed for life (FeatBit has no endpoint for them except
// JSON patch, and existing values would not fit another type), so changing one replaces the flag; everything else
// updates in place through FeatBit's dedicated endpoints, keeping variation ids so targeting that references them
// survives. The Pulumi id is `<environment_uuid>/<flag_key>`, the FeatBit Terraform provider's import id.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  VARIATION_TYPES,
  type FeatureFlag as ApiFlag,
  type FlagDefinition,
  type Variation as ApiVariation,
} from "../client";
// The zod-free module: FeatureFlagArgs uses the type, and the package's declarations must not load zod.
import { type VariationType } from "../client/vocabulary";
import { canonicalJson, sameKey } from "./core/canonical";
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
  key,
  name,
  shape,
  tags,
  uuid,
  keptAdoption,
} from "./core/schema";
import { underEnvironment } from "./core/permissions";
import { laterDependencies } from "./core/ordering";
import { stableId } from "./core/stableIds";
import {
  createOnce,
  notOurs,
  flagLock,
  goneError,
  retryOnConflict,
  settledBooleanDelete,
  settledRemoval,
  verifiedWrite,
  withLock,
} from "./core/writes";

// ---------------------------------------------------------------------------------------------------------------
// Public types

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A variation as FeatBit stores it, plus whether the program declared its id. */
export interface FeatureFlagVariation {
  id: string;
  name: string;
  /** FeatBit's string form: "true", "42", canonical JSON text. */
  value: string;
  idDeclared: boolean;
}

export interface FeatureFlagVariationArgs {
  /** Unique within the flag, ignoring case. Renaming keeps the variation's id (matched by value). */
  name: pulumi.Input<string>;
  /**
   * A string; for boolean flags also true/false, for number flags a number, for json flags an object or array
   * (stored as canonical JSON text).
   */
  value: pulumi.Input<string | number | boolean | { [key: string]: JsonValue } | JsonValue[]>;
  /** Optional fixed id; by default a stable id is derived from the flag key and the variation name. */
  id?: pulumi.Input<string>;
}

export interface FeatureFlagArgs extends ResourceArgs<"release" | "archive" | "delete"> {
  /** The environment's UUID (e.g. an Environment's `environmentId`); changing it replaces the flag. */
  environmentId: pulumi.Input<string>;
  /** Unique per environment ignoring case; changing it replaces the flag. */
  key: pulumi.Input<string>;
  name: pulumi.Input<string>;
  /** Default "". */
  description?: pulumi.Input<string>;
  /** Default "boolean"; changing it replaces the flag. */
  variationType?: pulumi.Input<VariationType>;
  /**
   * Default for boolean flags: true and false. A new flag serves "true" (other types: the first variation) when
   * on and "false" (other types: the last) when off.
   */
  variations?: pulumi.Input<pulumi.Input<FeatureFlagVariationArgs>[]>;
  /** Compared as a set. */
  tags?: pulumi.Input<pulumi.Input<string>[]>;
  /** Manage an existing flag with this key (restoring it if archived) instead of failing because it exists. */
  adopt?: pulumi.Input<boolean>;
  /** Adopt by the Terraform provider's import id: `<environment_uuid>/<flag_key>`. */
  importId?: pulumi.Input<string>;
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

const ID_FORMAT = "<environment_uuid>/<flag_key>";

/**
 * Stored outputs mark each variation with `idDeclared`. Ids the program did not declare (generated, or kept from
 * FeatBit) are dropped when old outputs are read back as inputs, so diff compares the declared forms only and an
 * id Pulumi chose never shows up as a change. User inputs carry no marker and pass through untouched.
 */
function dropUndeclaredId(raw: unknown): unknown {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw) || !("idDeclared" in raw)) return raw;
  const { idDeclared, id, ...rest } = raw as Record<string, unknown>;
  return idDeclared === true ? { ...rest, id } : rest;
}

const jsonObject = z.record(z.string(), z.unknown());

const VariationInput = z.preprocess(
  dropUndeclaredId,
  shape(
    {
      name: z
        .string({ error: "variation name is required: a label such as 'on' or 'blue'" })
        .refine((s) => s.trim() !== "", "variation name must not be blank (FeatBit rejects it)"),
      value: z.union([z.string(), z.number(), z.boolean(), jsonObject, z.array(z.unknown())], {
        error: (issue) =>
          issue.input === undefined
            ? "variation value is required: a string (true/false for boolean flags, a number for number flags, an object or array for json flags are accepted too)"
            : typeof issue.input === "number"
              ? `variation value ${String(issue.input)} is not a finite number`
              : "variation value must be a string, a number, true/false, an object or an array",
      }),
      id: z
        .string({ error: "variation id must be a string" })
        .refine(
          (s) => s.trim() !== "",
          "variation id must not be blank: omit it to let Pulumi choose a stable id",
        )
        // FeatBit keeps the off variation's id in a varchar(128) column (feature_flags.disabled_variation_id).
        .refine(
          (s) => s.length <= 128,
          "variation id is longer than FeatBit's 128-character limit: shorten it",
        )
        .optional(),
    },
    "a variation ({name, value} with an optional id)",
  ),
);
type VariationInput = z.infer<typeof VariationInput>;

/** Routes FeatBit matches before `{key}`: a flag with such a key can be created but never read back. */
const SHADOWED_KEYS = new Set(["is-key-used", "all-tags", "insights"]);

const flagKey = key("feature flag").superRefine((k, ctx) => {
  if (SHADOWED_KEYS.has(k.toLowerCase())) {
    ctx.addIssue({
      code: "custom",
      message: `FeatBit cannot read a flag keyed '${k}' back (its API has a route of that name): choose another key`,
    });
  }
  // The key is a URL path segment, and HTTP clients and servers collapse '.' and '..' (even percent-encoded).
  if (k === "." || k === "..") {
    ctx.addIssue({
      code: "custom",
      message: `FeatBit cannot address a flag keyed '${k}' (URLs collapse it as a path segment): choose another key`,
    });
  }
});

type VariationRuleFields = { variationType: VariationType; variations?: VariationInput[] };
type ImportIdFields = { environmentId: string; key: string; importId?: string };

const Inputs = shape(
  {
    environmentId: uuid("environmentId"),
    key: flagKey,
    name: name("feature flag"),
    description: description(),
    variationType: z
      .enum(VARIATION_TYPES, { error: `variationType must be one of ${VARIATION_TYPES.join(", ")}` })
      .default("boolean"),
    /** Omitted for boolean flags: normalize fills in true/false. */
    variations: z.array(VariationInput, { error: "variations must be a list of {name, value}" }).optional(),
    tags,
    ...adoption,
  },
  "a FeatureFlag",
)
  .superRefine(...crossField<VariationRuleFields>(["variationType", "variations"], variationRules))
  .superRefine(
    ...importIdForm(ID_FORMAT, (id) => {
      const [envPart, keyPart] = splitId(id, 2, ID_FORMAT);
      uuid("the environment part").parse(envPart);
      key("flag").parse(keyPart);
    }),
  )
  .superRefine(...crossField<ImportIdFields>(["environmentId", "key", "importId"], importIdRule));
type Inputs = z.infer<typeof Inputs>;

type Outputs = Omit<Inputs, "variations"> & {
  variations: FeatureFlagVariation[];
  /** The flag's FeatBit UUID. */
  flagId: string;
  /**
   * Variations the program removed while FeatBit's targeting still served them: kept in FeatBit (removing a served
   * variation breaks evaluation), out of `variations` (the program no longer has them), and removed by the flag's
   * FeatureFlagTargeting once it stops serving them in the same run (see retireVariations).
   */
  retiringVariations?: RetiringVariation[];
};

/** A variation kept in FeatBit until nothing serves it. */
interface RetiringVariation {
  id: string;
  name: string;
  value: string;
}

const BOOLEAN_DEFAULT: VariationInput[] = [
  { name: "true", value: "true" },
  { name: "false", value: "false" },
];

const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** FeatBit's string form of a declared value, or why it does not fit the type. */
function wireValue(
  type: VariationType,
  value: VariationInput["value"],
): { value: string } | { problem: string } {
  switch (type) {
    case "boolean": {
      const text =
        typeof value === "boolean" ? String(value) : typeof value === "string" ? value.toLowerCase() : "";
      if (text === "true" || text === "false") return { value: text };
      return { problem: `boolean flags take 'true' or 'false' (or true/false), not ${show(value)}` };
    }
    case "number": {
      if (typeof value === "number") {
        return Number.isFinite(value)
          ? { value: String(value) }
          : { problem: "number flags take finite numbers" };
      }
      // Kept verbatim: "1.50" stays "1.50", so no float rounding ever changes a stored value.
      if (typeof value === "string" && DECIMAL.test(value) && Number.isFinite(Number(value)))
        return { value };
      return { problem: `number flags take a finite decimal such as '42', '-1.5' or 42, not ${show(value)}` };
    }
    case "json": {
      if (typeof value !== "string") return { value: canonicalJson(value) };
      try {
        // Canonical text (sorted keys, no whitespace) so key order or formatting never shows as a change.
        return { value: canonicalJson(JSON.parse(value)) };
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        return {
          problem: `json flags take JSON text or an object/array; ${show(value)} is not valid JSON (${why})`,
        };
      }
    }
    case "string":
      return typeof value === "string"
        ? { value }
        : {
            problem: `string flags take strings: write '${typeof value === "object" ? canonicalJson(value) : String(value)}' in quotes`,
          };
  }
}

function show(value: unknown): string {
  const text = typeof value === "string" ? `'${value}'` : canonicalJson(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Defaults and FeatBit's string form of each value; values that do not fit are left for `rules` to report. */
function normalize(inputs: Inputs): Inputs {
  // Values take their form from the type: while it is not known (a preview), they are left as declared.
  if (!VARIATION_TYPES.includes(inputs.variationType)) return inputs;
  const declared = inputs.variations ?? (inputs.variationType === "boolean" ? BOOLEAN_DEFAULT : undefined);
  if (!declared) return inputs;
  const variations = declared.map((v) => {
    const wire = wireValue(inputs.variationType, v.value);
    return "value" in wire ? { ...v, value: wire.value } : v;
  });
  return { ...inputs, variations };
}

/**
 * FeatBit's own rules plus the ones it does not enforce (typed values, unique names/values/ids), so a mistake
 * fails in preview with the property to fix instead of being stored and breaking evaluation later.
 */
function variationRules(inputs: VariationRuleFields, ctx: z.RefinementCtx<VariationRuleFields>): void {
  const fail = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  const type = inputs.variationType;
  const variations = inputs.variations ?? (type === "boolean" ? BOOLEAN_DEFAULT : []);
  if (variations.length === 0) {
    fail(["variations"], `${type} flags need at least one variation, e.g. [{name: "blue", value: "blue"}]`);
  }
  const seenNames = new Map<string, number>();
  const seenValues = new Map<string, number>();
  const seenIds = new Map<string, number>();
  variations.forEach((v, i) => {
    const wire = wireValue(type, v.value);
    if ("problem" in wire) fail(["variations", i, "value"], wire.problem);
    else {
      const first = seenValues.get(wire.value);
      if (first !== undefined) {
        fail(
          ["variations", i, "value"],
          `value ${show(wire.value)} is already used by variations[${first}]: each variation needs its own value`,
        );
      } else seenValues.set(wire.value, i);
    }
    const nameKey = v.name.toLowerCase();
    const sameName = seenNames.get(nameKey);
    if (sameName !== undefined) {
      fail(
        ["variations", i, "name"],
        `name '${v.name}' is already used by variations[${sameName}] (names are compared ignoring case): rename one`,
      );
    } else seenNames.set(nameKey, i);
    if (v.id !== undefined) {
      const sameId = seenIds.get(v.id);
      if (sameId !== undefined) {
        fail(
          ["variations", i, "id"],
          `id '${v.id}' is already used by variations[${sameId}]: ids must be unique, or omit them`,
        );
      } else seenIds.set(v.id, i);
    }
  });

  if (type === "boolean" && variations.length > 0) {
    const values = variations.map((v) => {
      const wire = wireValue(type, v.value);
      return "value" in wire ? wire.value : String(v.value);
    });
    values.sort();
    if (values.length !== 2 || values[0] !== "false" || values[1] !== "true") {
      fail(
        ["variations"],
        "boolean flags have exactly two variations, with values 'true' and 'false': omit variations to get them, or use variationType 'string'",
      );
    }
  }
}

function importIdRule(inputs: ImportIdFields, ctx: z.RefinementCtx<ImportIdFields>): void {
  const { importId, environmentId: envId, key: declaredKey } = inputs;
  if (importId === undefined) return;
  const fail = (message: string) => ctx.addIssue({ code: "custom", path: ["importId"], message });
  let parts: string[];
  try {
    parts = splitId(importId, 2, ID_FORMAT);
  } catch {
    return; // importIdForm says so
  }
  const [importEnv, importKey] = parts;
  if (importEnv.toLowerCase() !== envId.toLowerCase() || importKey !== declaredKey) {
    fail(
      `importId '${importId}' names flag '${importKey}' in environment ${importEnv}, but this resource declares '${declaredKey}' in ${envId}: make them agree`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Mapping between declarations, FeatBit's flag and outputs

function parseId(id: string): { envId: string; flagKey: string } {
  const [envId, flagKey] = splitId(id, 2, ID_FORMAT);
  return { envId: envId.toLowerCase(), flagKey };
}

/** Declared variations in FeatBit's string form (check has already proven every value fits). */
function declaredVariations(inputs: Inputs): VariationInput[] {
  return normalize(inputs).variations ?? [];
}

/**
 * Ids for the declared variations (`live` with values in canonical form): the declared id; else the id of the live
 * variation with the same name, ignoring case (so a value change keeps it); else the id of a live variation with the
 * same value whose name is no longer declared (so a rename keeps it); else a stable id from the flag key and name, so
 * the same program writes the same ids.
 */
function assignIds(
  flagKey: string,
  declared: readonly VariationInput[],
  live: readonly ApiVariation[],
): FeatureFlagVariation[] {
  const declaredNames = new Set(declared.map((v) => v.name));
  const used = new Set(declared.flatMap((v) => (v.id !== undefined ? [v.id] : [])));
  const keep = (matches: (l: ApiVariation) => boolean): string | undefined => {
    const found = live.find((l) => !used.has(l.id) && matches(l));
    if (found) used.add(found.id);
    return found?.id;
  };
  // Names first for every variation, so a rename elsewhere in the list cannot take a name-matched id. Names are
  // unique ignoring case, so a name whose letter case changed is still the same variation (also when its value
  // changes with it); exact matches go first so they win.
  const exact = declared.map((v) => v.id ?? keep((l) => l.name === v.name));
  const byName = exact.map(
    (id, i) => id ?? keep((l) => l.name.toLowerCase() === declared[i].name.toLowerCase()),
  );
  return declared.map((v, i) => {
    const value = String(v.value);
    let id = byName[i] ?? keep((l) => l.value === value && !declaredNames.has(l.name));
    if (id === undefined) {
      id = stableId(flagKey, "variation", v.name);
      // Only possible when a declared or kept id happens to equal the derived one: derive another.
      for (let n = 2; used.has(id); n++) id = stableId(flagKey, "variation", v.name, String(n));
      used.add(id);
    }
    return { id, name: v.name, value, idDeclared: v.id !== undefined };
  });
}

/** The variations served when on and off at creation: true/false for boolean flags, else first and last. */
function createServing(
  type: VariationType,
  variations: readonly FeatureFlagVariation[],
): { on: string; off: string } {
  if (type === "boolean") {
    const find = (value: string) => variations.find((v) => v.value === value)?.id ?? variations[0].id;
    return { on: find("true"), off: find("false") };
  }
  return { on: variations[0].id, off: variations[variations.length - 1].id };
}

/** Live values in canonical form (JSON text re-serialised, boolean lower-cased) so formatting is never drift. */
function canonicalLiveValue(type: string, value: string): string {
  if (type === "json" || type === "boolean") {
    const wire = wireValue(type, value);
    if ("value" in wire) return wire.value;
  }
  return value;
}

/** Outputs from FeatBit's flag; `declaredIds` are the variation ids the program set (kept as declared). */
function outputsFrom(
  live: FlagDefinition,
  previous: Partial<Inputs> | undefined,
  declaredIds: ReadonlySet<string>,
): Outputs {
  const variations = live.variations.map((v) => ({
    id: v.id,
    name: v.name,
    value: canonicalLiveValue(live.variationType, v.value),
    idDeclared: declaredIds.has(v.id),
  }));
  return {
    environmentId: live.envId.toLowerCase(),
    key: live.key,
    name: live.name,
    description: live.description ?? "",
    // FeatBit validates the type on create; only a JSON patch could store another one, which diff then shows.
    variationType: live.variationType as VariationType,
    variations,
    tags: [...new Set(live.tags)].sort(),
    ...keptAdoption(previous),
    flagId: live.id,
  };
}

function declaredIdsOf(variations: readonly FeatureFlagVariation[] | undefined): Set<string> {
  return new Set((variations ?? []).filter((v) => v.idDeclared).map((v) => v.id));
}

/** What a read records: the flag's outputs, a variation kept as retiring (see putVariations) set apart. */
function readOutputs(live: FlagDefinition, olds: Outputs | undefined): Outputs {
  const found = outputsFrom(live, olds, declaredIdsOf(olds?.variations));
  // A variation kept as retiring is still not the program's while FeatBit keeps it.
  const retiringIds = new Set((olds?.retiringVariations ?? []).map((v) => v.id));
  const retiring = found.variations.filter((v) => retiringIds.has(v.id));
  if (retiring.length === 0) return found;
  return {
    ...found,
    variations: found.variations.filter((v) => !retiringIds.has(v.id)),
    retiringVariations: retiring.map(({ id: vid, name: n, value }) => ({ id: vid, name: n, value })),
  };
}

function sameVariations(
  live: readonly ApiVariation[],
  wanted: readonly FeatureFlagVariation[],
  type: string,
): boolean {
  const form = (list: readonly { id: string; name: string; value: string }[]) =>
    canonicalJson(list.map((v) => ({ id: v.id, name: v.name, value: canonicalLiveValue(type, v.value) })));
  return form(live) === form(wanted);
}

const sameTags = (live: readonly string[], wanted: readonly string[]) =>
  canonicalJson([...new Set(live)].sort()) === canonicalJson(wanted);

// ---------------------------------------------------------------------------------------------------------------
// Reads and writes

const subjectOf = (p: Partial<Inputs>) =>
  `feature flag '${p.key ?? "?"}' in environment ${p.environmentId ?? "?"}`;

/** One write to the flag, settled by reading it back when FeatBit's answer does not settle it. */
function writeFlag<R>(
  ctx: Context,
  envId: string,
  flagKey: string,
  send: () => Promise<R>,
  landed: (live: ApiFlag) => boolean,
): Promise<R | ApiFlag> {
  return verifiedWrite<R | ApiFlag, ApiFlag>(ctx.writes, {
    send,
    read: () => ctx.client.flags.find(envId, flagKey),
    landed,
    result: (live) => live,
    refusal: () => underEnvironment(ctx.client, envId, `flag/${flagKey}`),
  });
}

/** Where the live flag's targeting still serves each variation about to be removed. */
function referencesTo(live: ApiFlag, removedIds: ReadonlySet<string>): string[] {
  const found: string[] = [];
  const nameOf = (id: string) => `'${live.variations.find((v) => v.id === id)?.name ?? id}'`;
  if (removedIds.has(live.disabledVariationId))
    found.push(`${nameOf(live.disabledVariationId)} is the off variation`);
  live.targetUsers.forEach((t) => {
    if (removedIds.has(t.variationId) && t.keyIds.length > 0) {
      found.push(
        `${nameOf(t.variationId)} is served to target users (${t.keyIds.slice(0, 3).join(", ")}${t.keyIds.length > 3 ? ", …" : ""})`,
      );
    }
  });
  live.rules.forEach((r, i) => {
    for (const v of r.variations) {
      if (removedIds.has(v.id)) found.push(`${nameOf(v.id)} is served by rule ${i + 1} '${r.name}'`);
    }
  });
  for (const v of live.fallthrough.variations) {
    if (removedIds.has(v.id)) found.push(`${nameOf(v.id)} is served by the default rule`);
  }
  return found;
}

/**
 * Replaces the variation list under the flag's current revision, keeping ids (see assignIds). A variation the live
 * targeting still serves is not removed yet (FeatBit would accept it, then fail evaluating and listing the flag): it
 * stays in FeatBit as retiring, so a program that replaces a served variation in one edit (add `Huge`, point the
 * rules at it, drop `Large`) applies in one `up`: this write adds `Huge`, the targeting moves the rules, and then
 * removes `Large` (retireVariations).
 */
function putVariations(
  ctx: Context,
  envId: string,
  flagKey: string,
  declared: readonly VariationInput[],
  alreadyRead?: ApiFlag,
): Promise<{ variations: FeatureFlagVariation[]; retiring: RetiringVariation[] }> {
  // Someone may change the flag between our read and write (409 Conflict): read the new revision and try once more.
  return retryOnConflict(async (attempt) => {
    const live = attempt === 1 && alreadyRead ? alreadyRead : await ctx.client.flags.find(envId, flagKey);
    if (!live) throw goneError();
    const liveVariations = live.variations.map((v) => ({
      ...v,
      value: canonicalLiveValue(live.variationType, v.value),
    }));
    const wanted = assignIds(flagKey, declared, liveVariations);
    const keptIds = new Set(wanted.map((v) => v.id));
    const served = servedIds(live);
    const retiring = liveVariations
      .filter((v) => !keptIds.has(v.id) && served.has(v.id))
      .map(({ id, name: n, value }) => ({ id, name: n, value }));
    const written = [...wanted, ...retiring.map((v) => ({ ...v, idDeclared: false }))];
    if (sameVariations(live.variations, written, live.variationType)) return { variations: wanted, retiring };
    const body = {
      revision: live.revision,
      variations: written.map(({ id, name: n, value }) => ({ id, name: n, value })),
    };
    await writeFlag(
      ctx,
      envId,
      flagKey,
      () => ctx.client.flags.updateVariations(envId, flagKey, body),
      (after) => sameVariations(after.variations, written, after.variationType),
    );
    return { variations: wanted, retiring };
  });
}

/** The ids of the variations the flag's targeting serves (or serves when off). */
function servedIds(live: ApiFlag): Set<string> {
  const ids = new Set<string>([live.disabledVariationId]);
  for (const t of live.targetUsers) if (t.keyIds.length > 0) ids.add(t.variationId);
  for (const r of live.rules) for (const v of r.variations) ids.add(v.id);
  for (const v of live.fallthrough.variations) ids.add(v.id);
  return ids;
}

/** @internal */
/**
 * After a FeatureFlagTargeting write: removes the variations the program's FeatureFlag no longer declares
 * (`declaredNames`) once nothing serves them, finishing a replacement of a served variation in the same run (see
 * putVariations). One still served (by targeting parts the program does not declare) stays, with a warning. Returns
 * the flag's revision after the write, or undefined when nothing was written. Runs under the flag's lock.
 */
export async function retireVariations(
  ctx: Context,
  envId: string,
  flagKey: string,
  declaredNames: readonly string[],
): Promise<string | undefined> {
  const live = await ctx.client.flags.find(envId, flagKey);
  if (!live) return undefined;
  const declared = new Set(declaredNames);
  const obsolete = live.variations.filter((v) => !declared.has(v.name));
  if (obsolete.length === 0) return undefined;
  const stillServed = referencesTo(live, new Set(obsolete.map((v) => v.id)));
  const served = servedIds(live);
  const removable = new Set(obsolete.filter((v) => !served.has(v.id)).map((v) => v.id));
  if (stillServed.length > 0) {
    ctx.warn(
      `feature flag '${flagKey}' in environment ${envId} keeps variations the program removed while FeatBit still ` +
        `serves them: ${stillServed.join("; ")}. Change that targeting (in FeatBit, or declare it), then run \`pulumi up\``,
    );
  }
  if (removable.size === 0) return undefined;
  const variations = live.variations.filter((v) => !removable.has(v.id));
  const after = await writeFlag(
    ctx,
    envId,
    flagKey,
    () => ctx.client.flags.updateVariations(envId, flagKey, { revision: live.revision, variations }),
    (now) => !now.variations.some((v) => removable.has(v.id)),
  );
  return typeof after === "object" && after !== null && "revision" in after
    ? (after as ApiFlag).revision
    : (await ctx.client.flags.find(envId, flagKey))?.revision;
}

/** Brings an archived flag back (FeatBit's restore), settled by reading it back like any write. */
const restore = (ctx: Context, envId: string, flagKey: string) =>
  writeFlag(
    ctx,
    envId,
    flagKey,
    () => ctx.client.flags.restore(envId, flagKey),
    (l) => !l.isArchived,
  );

const putName = (ctx: Context, envId: string, flagKey: string, value: string) =>
  writeFlag(
    ctx,
    envId,
    flagKey,
    () => ctx.client.flags.updateName(envId, flagKey, { name: value }),
    (l) => l.name === value,
  );

const putDescription = (ctx: Context, envId: string, flagKey: string, value: string) =>
  writeFlag(
    ctx,
    envId,
    flagKey,
    () => ctx.client.flags.updateDescription(envId, flagKey, { description: value }),
    (l) => (l.description ?? "") === value,
  );

const putTags = (ctx: Context, envId: string, flagKey: string, value: string[]) =>
  writeFlag(
    ctx,
    envId,
    flagKey,
    () => ctx.client.flags.setTags(envId, flagKey, { tags: value }),
    (l) => sameTags(l.tags, value),
  );

/** The existing flag the inputs ask to adopt; undefined when `adopt: true` finds none (the flag is then created). */
async function findToAdopt(ctx: Context, inputs: Inputs): Promise<ApiFlag | undefined> {
  if (inputs.importId === undefined && !inputs.adopt) return undefined;
  const live = await ctx.client.flags.find(inputs.environmentId, inputs.key);
  if (!live && inputs.importId !== undefined) {
    throw new Error(
      `importId '${inputs.importId}' names no feature flag this access token can see (FeatBit answered 404): check the environment id and the key (keys are case-sensitive here)`,
    );
  }
  return live;
}

/**
 * Takes over an existing flag and brings it to the declared definition, one call per aspect that differs. An
 * archived flag is restored: adoption is an explicit request to manage this key, and the program declares it live.
 */
async function adoptFlag(ctx: Context, found: ApiFlag, inputs: Inputs): Promise<Outputs> {
  const { environmentId: envId, key: flagKey } = inputs;
  if (found.variationType !== inputs.variationType) {
    throw new Error(
      `${subjectOf(inputs)} exists with variationType '${found.variationType}', but the program declares '${inputs.variationType}': FeatBit cannot change a flag's type; declare '${found.variationType}' to adopt it, or choose another key`,
    );
  }
  let adopted: ApiFlag | undefined = found;
  if (found.isArchived) {
    await restore(ctx, envId, flagKey);
    // Restoring rotates the revision the variation update needs.
    adopted = await ctx.client.flags.find(envId, flagKey);
    if (!adopted) throw new Error(`${subjectOf(inputs)} disappeared while it was being restored`);
  }
  const live = adopted;
  try {
    // Variations first: they need the revision just read, which every other write rotates.
    const { variations, retiring } = await putVariations(
      ctx,
      envId,
      flagKey,
      declaredVariations(inputs),
      live,
    );
    if (live.name !== inputs.name) await putName(ctx, envId, flagKey, inputs.name);
    if ((live.description ?? "") !== inputs.description)
      await putDescription(ctx, envId, flagKey, inputs.description);
    if (!sameTags(live.tags, inputs.tags)) await putTags(ctx, envId, flagKey, inputs.tags);
    return outputsAfterWrite(inputs, live.id, variations, retiring);
  } catch (err) {
    // The flag is Pulumi's now: record it as found, so the next update retries whatever still differs.
    const reason = err instanceof Error ? err.message : String(err);
    throw new PartialWriteError(
      `adopted ${subjectOf(inputs)} but could not bring it to the declared definition: ${reason}`,
      `${envId}/${flagKey}`,
      outputsFrom(live, inputs, new Set()),
    );
  }
}

function outputsAfterWrite(
  inputs: Inputs,
  flagId: string,
  variations: FeatureFlagVariation[],
  retiring: readonly RetiringVariation[] = [],
): Outputs {
  return {
    ...inputs,
    variations,
    flagId,
    ...(retiring.length > 0 ? { retiringVariations: [...retiring] } : {}),
  };
}

async function create(ctx: Context, inputs: Inputs): Promise<Created<Outputs>> {
  const { environmentId: envId, key: flagKey } = inputs;
  const id = `${envId}/${flagKey}`;
  const adopted = await findToAdopt(ctx, inputs);
  if (adopted) return { id, outs: await adoptFlag(ctx, adopted, inputs), adopted: true };

  const variations = assignIds(flagKey, declaredVariations(inputs), []);
  const serving = createServing(inputs.variationType, variations);
  const created = await createOnce<ApiFlag>(ctx.writes, {
    claim: `flag:${envId}/${flagKey}`,
    // Archived flags included: they keep their key.
    find: () => ctx.client.flags.find(envId, flagKey),
    send: () =>
      ctx.client.flags.create(envId, {
        name: inputs.name,
        key: flagKey,
        description: inputs.description,
        variationType: inputs.variationType,
        variations: variations.map(({ id: variationId, name: n, value }) => ({
          id: variationId,
          name: n,
          value,
        })),
        enabledVariationId: serving.on,
        disabledVariationId: serving.off,
        tags: inputs.tags,
      }),
    refusal: () => underEnvironment(ctx.client, envId, "flag/*", undefined, "the environment exists"),
    taken: (cause, holder) =>
      new Error(
        notOurs({
          what: `a feature flag with key '${flagKey}' in environment ${envId}`,
          detail: holder
            ? `${holder.isArchived ? "archived; " : ""}id ${holder.id}`
            : "possibly archived, or with another letter case; FeatBit: KeyHasBeenUsed",
          adopt: `\`adopt: true\` (or importId: '${envId}/${flagKey}')`,
        }),
        { cause },
      ),
  });
  return { id, outs: outputsFrom(created, inputs, declaredIdsOf(variations)) };
}

/**
 * Archives the flag; a missing flag counts as done. A failure that may hide an archive that landed is read back, and
 * the archive sent again (within the write policy) when it did not land.
 */
async function archive(ctx: Context, envId: string, flagKey: string): Promise<"archived" | "gone"> {
  const flags = ctx.client.flags;
  const settled = await settledRemoval(ctx.writes, {
    send: () => flags.archive(envId, flagKey),
    read: () => flags.find(envId, flagKey),
    landed: (live) => live.isArchived,
    refusal: () => underEnvironment(ctx.client, envId, `flag/${flagKey}`),
  });
  return settled === "gone" ? "gone" : "archived";
}

/**
 * Archive, then delete (FeatBit deletes only archived flags): two requests. A read proves absence only where an
 * answer leaves doubt; FeatBit's `true` to the delete does not. Each is sent again while reading proves it did not
 * land.
 */
async function remove(ctx: Context, envId: string, flagKey: string): Promise<void> {
  if ((await archive(ctx, envId, flagKey)) === "gone") return;
  const flags = ctx.client.flags;
  try {
    await settledBooleanDelete(ctx.writes, {
      send: () => flags.delete(envId, flagKey),
      read: () => flags.find(envId, flagKey),
      refusal: () => underEnvironment(ctx.client, envId, `flag/${flagKey}`),
    });
  } catch (err) {
    throw await putBack(err, () => restore(ctx, envId, flagKey));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Definition

/** @internal */
const definition: ResourceDefinition<Inputs, Outputs> = {
  kind: "FeatureFlag",
  schema: Inputs,
  normalize,
  createOnly: ["adopt", "importId"],
  replaceOn: ["environmentId", "key", "variationType"],
  // FeatBit keys are unique per environment ignoring case (archived flags included): the new flag can only be
  // created once the old one is deleted.
  deleteBeforeReplace: (olds, news) =>
    olds.environmentId === news.environmentId && sameKey(olds.key, news.key),
  outputs: ["flagId"],
  fromId: {
    environmentId: (id) => id.slice(0, id.indexOf("/")),
    key: (id) => id.slice(id.indexOf("/") + 1),
  },
  describe: subjectOf,

  create: (ctx, inputs) => withLock(flagLock(inputs.environmentId, inputs.key), () => create(ctx, inputs)),
  locate: async (ctx, inputs) =>
    (await ctx.client.flags.find(inputs.environmentId, inputs.key)) &&
    `${inputs.environmentId}/${inputs.key}`,

  async read(ctx, id, olds) {
    const { envId, flagKey } = parseId(id);
    // A refresh of many flags is answered by one listing of the environment (the list carries the definition).
    const live = await ctx.client.flags.findDefinition(envId, flagKey);
    if (!live) return undefined;
    const found = readOutputs(live, olds);
    if (!live.isArchived) return found;
    ctx.warn(archivedWarning(subjectOf(found)));
    return { ...found, [ARCHIVED]: true };
  },

  async update(ctx, id, olds, news, changed) {
    const { envId, flagKey } = parseId(id);
    return withLock(flagLock(envId, flagKey), async () => {
      if (changed.has(ARCHIVED)) await restore(ctx, envId, flagKey);
      if (changed.has("name")) await putName(ctx, envId, flagKey, news.name);
      if (changed.has("description")) await putDescription(ctx, envId, flagKey, news.description);
      const { variations, retiring } = changed.has("variations")
        ? await putVariations(ctx, envId, flagKey, declaredVariations(news))
        : { variations: olds.variations, retiring: olds.retiringVariations ?? [] };
      if (changed.has("tags")) await putTags(ctx, envId, flagKey, news.tags);
      return outputsAfterWrite(news, olds.flagId, variations, retiring);
    });
  },

  async delete(ctx, id) {
    const { envId, flagKey } = parseId(id);
    await withLock(flagLock(envId, flagKey), () => remove(ctx, envId, flagKey));
  },

  async archive(ctx, id) {
    const { envId, flagKey } = parseId(id);
    await withLock(flagLock(envId, flagKey), () => archive(ctx, envId, flagKey));
  },

  inputsOf: (outs, previous) => ({
    environmentId: outs.environmentId,
    key: outs.key,
    name: outs.name,
    description: outs.description,
    variationType: outs.variationType,
    variations: outs.variations.map((v) => ({
      name: v.name,
      value: v.value,
      ...(v.idDeclared ? { id: v.id } : {}),
    })),
    tags: outs.tags,
    ...keptAdoption(previous),
  }),
};

/** @internal */
export { definition as featureFlagDefinition };

/** @internal Exposed for tests: the pure pieces (no API calls). */
export const featureFlagInternals = { normalize, assignIds, wireValue };

// ---------------------------------------------------------------------------------------------------------------
// The Pulumi resource

/** Name → id; the first of two variations with the same name wins (FeatBit compares names ignoring case only). */
function variationIdsOf(variations: readonly FeatureFlagVariation[] | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const v of variations ?? []) if (!(v.name in map)) map[v.name] = v.id;
  return map;
}

/** What each FeatureFlag of this program declares, for its FeatureFlagTargeting (see declaredFlag). */
const declarations = new WeakMap<FeatureFlag, FeatureFlagArgs>();

/**
 * A flag's declared environment, key and variation names, as its FeatureFlagTargeting takes them (`flag:`). For a
 * FeatureFlag of this program they are what it declares: known during a preview even while the flag is replaced (its
 * outputs are not), so the targeting's preview shows what really changes; and where they are plain values, the program
 * checks the targeting's references to them itself. Anything else shaped like a flag gives its own values.
 */
export function declaredFlag(flag: {
  environmentId: pulumi.Input<string>;
  key: pulumi.Input<string>;
  declaredVariationNames?: pulumi.Input<string[]>;
}): {
  environmentId: pulumi.Input<string>;
  key: pulumi.Input<string>;
  variationNames?: pulumi.Input<string[]>;
} {
  const args = flag instanceof FeatureFlag ? declarations.get(flag) : undefined;
  if (!args)
    return { environmentId: flag.environmentId, key: flag.key, variationNames: flag.declaredVariationNames };
  return { environmentId: args.environmentId, key: args.key, variationNames: variationNamesOf(args) };
}

const isPlainName = (v: unknown): v is { name: string } =>
  v !== null &&
  typeof v === "object" &&
  !pulumi.Output.isInstance(v) &&
  typeof (v as { name?: unknown }).name === "string";

const namesOf = (variations: readonly { name: string }[] | undefined, type: string | undefined): string[] =>
  (variations ?? ((type ?? "boolean") === "boolean" ? BOOLEAN_DEFAULT : [])).map((v) => v.name);

/** The declared variation names: a plain list where the program wrote them plainly. */
function variationNamesOf(args: FeatureFlagArgs): pulumi.Input<string[]> {
  const { variations, variationType } = args;
  const plainList = variations === undefined || (Array.isArray(variations) && variations.every(isPlainName));
  if (plainList && (variationType === undefined || typeof variationType === "string")) {
    return namesOf(variations as { name: string }[] | undefined, variationType);
  }
  return pulumi.all([variations, variationType]).apply(([list, type]) => namesOf(list, type));
}

export class FeatureFlag extends pulumi.CustomResource {
  /** An existing object by id, read-only: Pulumi reads it and manages nothing. */
  static readonly get = getter(FeatureFlag);

  declare readonly installation: pulumi.Input<string> | undefined;
  /** The flag's FeatBit UUID. */
  declare readonly flagId: pulumi.Output<string>;
  declare readonly environmentId: pulumi.Output<string>;
  declare readonly key: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;
  declare readonly variationType: pulumi.Output<VariationType>;
  /** With their ids, values in FeatBit's string form. */
  declare readonly variations: pulumi.Output<FeatureFlagVariation[]>;
  /**
   * Variation name → id, for targeting. Derived here from `variations` rather than stored: state holds every output
   * of every resource and the engine rewrites all of it after each step, so a copy of the ids costs time at scale.
   */
  readonly variationIds: pulumi.Output<Record<string, string>>;
  declare readonly tags: pulumi.Output<string[]>;
  /**
   * The variation names as the program declares them. Unlike the `variations` output they are known during
   * preview, so FeatureFlagTargeting (given `flag:`) can check variation references before anything is applied.
   */
  readonly declaredVariationNames: pulumi.Output<string[]>;

  constructor(name: string, args: FeatureFlagArgs, opts?: pulumi.CustomResourceOptions) {
    // Destroyed before the segments its targeting's rules name (see core/ordering.ts).
    const later = laterDependencies(opts);
    super(...registration(definition, name, args, later.opts));
    later.open(this);
    registered(this, definition, args);
    // With the flag's id: during a preview `variations` holds the declared ones without ids, and the map must be
    // unknown then, as FeatBit has not assigned them yet.
    this.variationIds = pulumi
      .all([this.variations, this.flagId])
      .apply(([variations]) => variationIdsOf(variations));
    this.declaredVariationNames = pulumi.output(variationNamesOf(args));
    declarations.set(this, args);
  }
}
dynamicClass(FeatureFlag);
