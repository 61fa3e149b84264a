// The FlagSet file format: its structure, how files merge, how one definition becomes each environment's resource
// inputs (per-environment overrides, promotions with `from`), and validation with the resources' own schemas, so a
// file that passes here never fails a resource's check. Nothing here calls FeatBit.
import type { z } from "zod";
import { UUID_PATTERN } from "../resources/core/canonical";
import { stableId } from "../resources/core/stableIds";
import { featureFlagDefinition } from "../resources/featureFlag";
import type { DeclaredSegment } from "../evaluation/dataSync";
import { runTargetingTests, targetingTestSchema } from "../evaluation/targetingTests";
import type { TargetingTest } from "../evaluation/testTypes";
import { declaredSubject, featureFlagTargetingDefinition } from "../resources/featureFlagTargeting";
import { segmentDefinition } from "../resources/segment";
import { FlagSetError, orderProblems, type Problem } from "./problems";
import { listFiles, locate, readSource, type FieldPath, type SourceFile } from "./source";

// ---------------------------------------------------------------------------------------------------------------
// The format's fields

/** FeatureFlag inputs a file declares (the environment comes from the program). */
export const FLAG_FIELDS = [
  "key",
  "name",
  "description",
  "variationType",
  "variations",
  "tags",
  "adopt",
] as const;
/** FeatureFlagTargeting parts a file declares; each one declared is owned by code, the others stay with the UI. */
export const TARGETING_PARTS = [
  "enabled",
  "offVariation",
  "individualTargeting",
  "rules",
  "defaultRule",
] as const;
/** Who must get what (targeting tests): checked by FeatBit's SDK against each environment's targeting. */
export const EXPECT = "expect";
/** What an environment override may change: the flag's texts, variations and tags, any targeting part, its tests. */
const FLAG_OVERRIDE_FIELDS = [
  "from",
  "name",
  "description",
  "variations",
  "tags",
  ...TARGETING_PARTS,
  EXPECT,
] as const;
export const SEGMENT_FIELDS = [
  "key",
  "name",
  "description",
  "included",
  "excluded",
  "rules",
  "tags",
  "adopt",
] as const;
const SEGMENT_OVERRIDE_FIELDS = ["name", "description", "included", "excluded", "rules", "tags"] as const;
const TOP_LEVEL = ["$schema", "flags", "segments"] as const;

type TargetingPart = (typeof TARGETING_PARTS)[number];
type Fields = Record<string, unknown>;

/** Copy a flag's targeting from another environment (the program-side form of `from:` in a file). */
export interface FlagSetPromotion {
  /** The flag key, or several. */
  flag: string | string[];
  /** The environment whose targeting is copied. */
  from: string;
  /** The environment that gets it (its own targeting in the files is replaced). */
  to: string;
}

export interface LoadOptions {
  /** Names of the environments to deploy to (the keys of FlagSet's `environments`). */
  environments: readonly string[];
  /** Environment names the files may mention that this program does not deploy to (other stacks' environments). */
  otherEnvironments?: readonly string[];
  promote?: readonly FlagSetPromotion[];
  /** Adopt every existing flag and segment with the same key (as `adopt: true` on each entry). */
  adopt?: boolean;
}

/** One flag in one environment, as resource inputs (segment conditions still name segment keys, see `segmentKeys`). */
export interface PlannedFlag {
  key: string;
  /** FeatureFlag inputs without environmentId. */
  flag: Fields;
  /** FeatureFlagTargeting parts, or undefined when the files declare none for this environment. */
  targeting: Fields | undefined;
  /** The environment's targeting tests (`expect`), checked; empty when there are none. */
  tests: TargetingTest[];
}

export interface PlannedSegment {
  key: string;
  /** Segment inputs without environmentId. */
  segment: Fields;
}

export interface FlagSetPlan {
  /** The files read, as shown in messages. */
  files: string[];
  /** Per environment to deploy, in key order. */
  environments: Record<string, { flags: PlannedFlag[]; segments: PlannedSegment[] }>;
}

// ---------------------------------------------------------------------------------------------------------------
// Where a value came from, for messages

interface Origin {
  source: SourceFile | undefined;
  /** Path in the file's data of the object holding the fields. */
  at: FieldPath;
  /** "flag 'checkout'" */
  label: string;
}

const pathText = (path: FieldPath): string =>
  path.reduce<string>(
    (out, part) => (typeof part === "number" ? `${out}[${part}]` : out ? `${out}.${part}` : part),
    "",
  );

class Reporter {
  readonly problems: Problem[] = [];
  private readonly seen = new Set<string>();

  add(origin: Origin, path: FieldPath, message: string, unknownKey?: string): void {
    const where = origin.source ? locate(origin.source, [...origin.at, ...path], unknownKey) : undefined;
    // Inside an entry the label names it by key, so the path starts below the entry (its list index is noise).
    const inEntry = pathText([...origin.at.slice(2), ...path]);
    this.problems.push({
      file: origin.source?.display,
      line: where?.line,
      column: where?.column,
      field: origin.label
        ? `${origin.label}${inEntry ? `, ${inEntry}` : ""}`
        : pathText([...origin.at, ...path]),
      message,
    });
  }

  /**
   * Issues of a resource schema. Checked for an environment (`env`), an issue is reported only if checking the shared
   * definition alone did not already report it, and then says which environment it is about when the value came
   * from elsewhere (the shared definition, or another environment through `from`).
   */
  issues(
    issues: readonly z.core.$ZodIssue[],
    origins: (field: string) => Origin | undefined,
    env?: string,
  ): void {
    for (const issue of issues) {
      const [first, ...rest] = issue.path as (string | number)[];
      const origin = origins(String(first ?? ""));
      if (!origin) continue;
      const path = first === undefined ? [] : [first, ...rest];
      const key = `${origin.source?.display}|${pathText([...origin.at, ...path])}|${issue.message}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      const own = origin.at.length >= 2 && origin.at.at(-2) === "environments" && origin.at.at(-1) === env;
      const message = env === undefined || own ? issue.message : `${issue.message} (in environment '${env}')`;
      const unknown = issue.code === "unrecognized_keys" ? issue.keys[0] : undefined;
      this.add(origin, path, message, unknown);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Structure: the parts of the format that are FlagSet's own (the resource fields are checked by the resources)

const isRecord = (v: unknown): v is Fields => v !== null && typeof v === "object" && !Array.isArray(v);

interface Override {
  origin: Origin;
  fields: Fields;
  present: boolean;
}

interface FlagEntry {
  key: string;
  origin: Origin;
  fields: Fields;
  overrides: Map<string, Override>;
}

interface SegmentEntry {
  key: string;
  origin: Origin;
  fields: Fields;
  overrides: Map<string, Override>;
}

function checkFields(
  report: Reporter,
  origin: Origin,
  value: Fields,
  allowed: readonly string[],
  form: string,
  path: FieldPath = [],
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      report.add(origin, path, `unknown field '${key}': ${form} has ${allowed.join(", ")}`, key);
    }
  }
}

function readOverrides(
  report: Reporter,
  entry: { origin: Origin; fields: Fields },
  allowed: readonly string[],
  what: "flag" | "segment",
  knownEnvironments: ReadonlySet<string>,
): Map<string, Override> {
  const overrides = new Map<string, Override>();
  const raw = entry.fields.environments;
  if (raw === undefined) return overrides;
  if (!isRecord(raw)) {
    report.add(
      entry.origin,
      ["environments"],
      `environments must map environment names to overrides (or false), e.g. {prod: {enabled: false}}`,
    );
    return overrides;
  }
  for (const [env, value] of Object.entries(raw)) {
    const origin: Origin = { ...entry.origin, at: [...entry.origin.at, "environments", env] };
    if (!knownEnvironments.has(env)) {
      report.add(
        entry.origin,
        ["environments"],
        `'${env}' is not one of this FlagSet's environments (${[...knownEnvironments].join(", ") || "none"}): fix the name, or list it in the FlagSet's otherEnvironments if another stack deploys it`,
        env,
      );
      continue;
    }
    if (value === false) {
      overrides.set(env, { origin, fields: {}, present: false });
      continue;
    }
    if (!isRecord(value)) {
      report.add(
        origin,
        [],
        `an environment override is an object of the fields to change (${allowed.join(", ")}), or false for "this ${what} is not in this environment"`,
      );
      continue;
    }
    checkFields(report, origin, value, allowed, `an environment override of a ${what}`);
    overrides.set(env, { origin, fields: value, present: true });
  }
  return overrides;
}

function readEntries(
  report: Reporter,
  source: SourceFile,
  list: unknown,
  what: "flag" | "segment",
  knownEnvironments: ReadonlySet<string>,
): (FlagEntry | SegmentEntry)[] {
  const collection = what === "flag" ? "flags" : "segments";
  const fileOrigin: Origin = { source, at: [], label: "" };
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    report.add(
      fileOrigin,
      [collection],
      `${collection} must be a list of ${what}s, each starting with '- key: …'`,
    );
    return [];
  }
  const entries: (FlagEntry | SegmentEntry)[] = [];
  list.forEach((fields: unknown, i) => {
    const at = [collection, i];
    if (!isRecord(fields)) {
      report.add(
        { source, at, label: "" },
        [],
        `a ${what} must be an object with a key, e.g. {key: new-checkout, name: New checkout}`,
      );
      return;
    }
    const key = typeof fields.key === "string" ? fields.key : undefined;
    const origin: Origin = { source, at, label: key ? `${what} '${key}'` : `${collection}[${i}]` };
    const allowed =
      what === "flag"
        ? [...FLAG_FIELDS, ...TARGETING_PARTS, EXPECT, "environments"]
        : [...SEGMENT_FIELDS, "environments"];
    checkFields(report, origin, fields, allowed, `a ${what}`);
    if (key === undefined) {
      report.add(
        origin,
        ["key"],
        `${what} key is required: a string such as '${what === "flag" ? "new-checkout" : "beta-users"}'`,
      );
      return;
    }
    const overrides = readOverrides(
      report,
      { origin, fields },
      what === "flag" ? FLAG_OVERRIDE_FIELDS : SEGMENT_OVERRIDE_FIELDS,
      what,
      knownEnvironments,
    );
    entries.push({ key, origin, fields, overrides });
  });
  return entries;
}

function readFile(
  report: Reporter,
  source: SourceFile,
  knownEnvironments: ReadonlySet<string>,
): { flags: FlagEntry[]; segments: SegmentEntry[] } {
  const data = source.data;
  const origin: Origin = { source, at: [], label: "" };
  if (data === null || data === undefined) return { flags: [], segments: [] };
  if (!isRecord(data)) {
    report.add(origin, [], "a FlagSet file is an object with flags (a list) and segments (a list)");
    return { flags: [], segments: [] };
  }
  checkFields(report, origin, data, TOP_LEVEL, "a FlagSet file");
  return {
    flags: readEntries(report, source, data.flags, "flag", knownEnvironments) as FlagEntry[],
    segments: readEntries(report, source, data.segments, "segment", knownEnvironments) as SegmentEntry[],
  };
}

/** Keys are unique ignoring case (FeatBit's rule), across all files. */
function uniqueByKey<T extends { key: string; origin: Origin }>(
  report: Reporter,
  entries: T[],
  what: string,
): T[] {
  const first = new Map<string, T>();
  for (const entry of entries) {
    const earlier = first.get(entry.key.toLowerCase());
    if (earlier) {
      const where = earlier.origin.source
        ? `${earlier.origin.source.display}:${locate(earlier.origin.source, earlier.origin.at)?.line ?? "?"}`
        : "elsewhere";
      report.add(
        entry.origin,
        ["key"],
        `${what} '${entry.key}' is already declared at ${where} (keys are unique ignoring case): keep one definition, and put per-environment differences under its environments`,
      );
    } else first.set(entry.key.toLowerCase(), entry);
  }
  return [...first.values()].sort((a, b) => a.key.localeCompare(b.key));
}

// ---------------------------------------------------------------------------------------------------------------
// Resolution: one entry in one environment

/** Validation stands in for ids that only exist once resources do. */
const PLACEHOLDER_ENV = "00000000-0000-4000-8000-000000000000";
const placeholderSegmentId = (key: string) => stableId("flagset-validation", "segment", key.toLowerCase());

interface Resolved {
  fields: Fields;
  /** Where each field's value came from. */
  origins: Map<string, Origin>;
}

function mergeFields(
  base: { origin: Origin; fields: Fields },
  names: readonly string[],
  override: Override | undefined,
): Resolved {
  const fields: Fields = {};
  const origins = new Map<string, Origin>();
  for (const name of names) {
    if (override?.fields[name] !== undefined) {
      fields[name] = override.fields[name];
      origins.set(name, override.origin);
    } else if (base.fields[name] !== undefined) {
      fields[name] = base.fields[name];
      origins.set(name, base.origin);
    }
  }
  return { fields, origins };
}

/** The targeting parts of a flag in an environment: `from`'s parts (or the base ones), then the override's own. */
function targetingOf(
  report: Reporter,
  known: ReadonlySet<string>,
  flag: FlagEntry,
  env: string | undefined,
  chain: string[] = [],
): Resolved | undefined {
  const override = env === undefined ? undefined : flag.overrides.get(env);
  if (override && !override.present) return undefined;
  const from = override?.fields.from;
  let start: Resolved;
  if (from !== undefined && override) {
    if (typeof from !== "string") {
      report.add(override.origin, ["from"], "from must name another environment, e.g. from: staging");
      return undefined;
    }
    if (from === env || chain.includes(from)) {
      // Told from this environment's side: its own line then reads as a loop through it.
      report.add(
        override.origin,
        ["from"],
        `'from' makes a loop (${[env, ...chain.slice(chain.indexOf(from)), env].join(" → ")}): an environment cannot copy its own targeting`,
      );
      return undefined;
    }
    if (!known.has(from)) {
      report.add(
        override.origin,
        ["from"],
        `'${from}' is not one of this FlagSet's environments (${[...known].join(", ")}): name one, or list it in otherEnvironments`,
      );
      return undefined;
    }
    const copied = targetingOf(report, known, flag, from, [...chain, env ?? ""]);
    if (!copied) {
      if (flag.overrides.get(from)?.present === false) {
        report.add(
          override.origin,
          ["from"],
          `flag '${flag.key}' is not in environment '${from}' (it says ${from}: false): there is no targeting to copy`,
        );
      }
      return undefined;
    }
    start = copied;
  } else start = mergeFields(flag, TARGETING_PARTS, undefined);
  const fields = { ...start.fields };
  const origins = new Map(start.origins);
  for (const part of TARGETING_PARTS) {
    if (override?.fields[part] !== undefined) {
      fields[part] = override.fields[part];
      origins.set(part, override.origin);
    }
  }
  return { fields, origins };
}

/** The variation names a FeatureFlag input declares, when they can be read (the flag's own check reports the rest). */
function variationNames(flag: Fields): string[] | undefined {
  const type = flag.variationType ?? "boolean";
  if (flag.variations === undefined) return type === "boolean" ? ["true", "false"] : undefined;
  if (!Array.isArray(flag.variations)) return undefined;
  const names = flag.variations.map((v: unknown) =>
    isRecord(v) && typeof v.name === "string" ? v.name : undefined,
  );
  return names.every((n): n is string => n !== undefined) ? names : undefined;
}

/**
 * Segment conditions name segments by key. Each key must be declared (and present in the environment); the
 * validation copy gets a stand-in id so the targeting schema checks everything else.
 */
function checkSegmentReferences(
  report: Reporter,
  rules: unknown,
  origin: Origin,
  segments: Map<string, SegmentEntry>,
  env: string | undefined,
  note: string | undefined,
): unknown {
  if (!Array.isArray(rules)) return rules;
  return rules.map((rule: unknown, r) => {
    if (!isRecord(rule) || !Array.isArray(rule.conditions)) return rule;
    const conditions = rule.conditions.map((condition: unknown, c) => {
      if (!isRecord(condition)) return condition;
      const copy = { ...condition };
      for (const which of ["segment", "notInSegment"] as const) {
        const value = condition[which];
        if (value === undefined) continue;
        const list = Array.isArray(value) ? value : [value];
        const replaced = list.map((ref: unknown, i) => {
          if (typeof ref !== "string" || UUID_PATTERN.test(ref)) return ref;
          const path = ["rules", r, "conditions", c, which, ...(Array.isArray(value) ? [i] : [])];
          const segment = segments.get(ref.toLowerCase());
          if (!segment) {
            const declared = [...segments.values()].map((s) => s.key);
            report.add(
              origin,
              path,
              `segment '${ref}' is not declared in this FlagSet's files${declared.length ? ` (declared: ${declared.join(", ")})` : ""}: declare it under segments, or give a segment id (UUID)`,
            );
            return placeholderSegmentId(ref);
          }
          if (env !== undefined && segment.overrides.get(env)?.present === false) {
            report.add(
              origin,
              path,
              `segment '${segment.key}' is not in environment '${env}' (it says ${env}: false), so a rule cannot use it there${note ? ` (${note})` : ""}`,
            );
          }
          return placeholderSegmentId(ref);
        });
        copy[which] = Array.isArray(value) ? replaced : replaced[0];
      }
      return copy;
    });
    return { ...rule, conditions };
  });
}

function validateFlag(
  report: Reporter,
  known: ReadonlySet<string>,
  flag: FlagEntry,
  env: string | undefined,
  segments: Map<string, SegmentEntry>,
  adopt: boolean,
): PlannedFlag | undefined {
  const override = env === undefined ? undefined : flag.overrides.get(env);
  if (override && !override.present) return undefined;
  const note = env === undefined ? undefined : `in environment '${env}'`;
  const definition = mergeFields(flag, FLAG_FIELDS, override);
  const flagInputs: Fields = { ...definition.fields };
  if (adopt && flagInputs.adopt === undefined) flagInputs.adopt = true;
  const checked = featureFlagDefinition.schema.safeParse({ ...flagInputs, environmentId: PLACEHOLDER_ENV });
  if (!checked.success)
    report.issues(checked.error.issues, (f) => definition.origins.get(f) ?? flag.origin, note);

  const problemsBefore = report.problems.length;
  const expectations = expectationsOf(report, flag, override, env);
  const targeting = targetingOf(report, known, flag, env);
  if (!targeting || targeting.origins.size === 0) {
    const planned = { key: flag.key, flag: flagInputs, targeting: undefined, tests: expectations.tests };
    if (env !== undefined && report.problems.length === problemsBefore)
      runExpectations(report, planned, {}, expectations, segments, env);
    return planned;
  }
  const forCheck: Fields = { ...targeting.fields };
  if (forCheck.rules !== undefined) {
    forCheck.rules = checkSegmentReferences(
      report,
      forCheck.rules,
      targeting.origins.get("rules") ?? flag.origin,
      segments,
      env,
      note,
    );
  }
  const names = variationNames(definition.fields);
  // Part by part: the targeting schema checks variation names only when every part is valid, and a file should get
  // all its problems in one run.
  for (const part of TARGETING_PARTS) {
    if (forCheck[part] === undefined) continue;
    const parsed = featureFlagTargetingDefinition.schema.safeParse({
      [part]: forCheck[part],
      environmentId: PLACEHOLDER_ENV,
      flagKey: flag.key,
      ...(names ? { variations: names } : {}),
    });
    // The key and variations are the flag's: its own check reports their problems.
    if (!parsed.success)
      report.issues(parsed.error.issues, (f) => (f === part ? targeting.origins.get(f) : undefined), env);
  }
  const planned = { key: flag.key, flag: flagInputs, targeting: targeting.fields, tests: expectations.tests };
  // Tests evaluate the whole targeting of an environment: only one that passed every other check.
  if (env !== undefined && report.problems.length === problemsBefore)
    runExpectations(report, planned, forCheck, expectations, segments, env);
  return planned;
}

interface Expectations {
  tests: TargetingTest[];
  origin: Origin | undefined;
}

/** The environment's `expect` (its own replaces the shared one whole, like every other field), checked. */
function expectationsOf(
  report: Reporter,
  flag: FlagEntry,
  override: Override | undefined,
  env: string | undefined,
): Expectations {
  const own = override?.fields[EXPECT] !== undefined;
  const raw = own ? override?.fields[EXPECT] : flag.fields[EXPECT];
  const origin = own ? override?.origin : flag.origin;
  if (raw === undefined || !origin) return { tests: [], origin: undefined };
  if (!Array.isArray(raw)) {
    report.add(origin, [EXPECT], "expect must be a list of {user, gets} or {anonymous, gets} expectations");
    return { tests: [], origin };
  }
  const tests: TargetingTest[] = [];
  raw.forEach((item: unknown, i) => {
    const parsed = targetingTestSchema.safeParse(item);
    if (parsed.success) tests.push(parsed.data);
    else
      report.issues(
        parsed.error.issues.map((issue) => ({ ...issue, path: [EXPECT, i, ...issue.path] })),
        () => origin,
        env,
      );
  });
  return { tests, origin };
}

/**
 * Runs an environment's tests in FeatBit's SDK against the targeting it resolves to, with the environment's
 * segments (by the stand-in ids rule conditions carry here). A failure is reported on the test's own line.
 */
function runExpectations(
  report: Reporter,
  planned: PlannedFlag,
  targeting: Fields,
  expectations: Expectations,
  segments: Map<string, SegmentEntry>,
  env: string,
): void {
  const { tests, origin } = expectations;
  if (tests.length === 0 || !origin) return;
  const names = variationNames(planned.flag);
  const own = origin.at.at(-2) === "environments" && origin.at.at(-1) === env;
  const where = own ? "" : ` (in environment '${env}')`;
  const failAt = (index: number, path: FieldPath, message: string) =>
    report.add(origin, [EXPECT, index, ...path], `${message}${where}`);
  if (!names) return;
  const known = new Set(names);
  let unknown = false;
  tests.forEach((test, i) => {
    const named = "anonymous" in test ? Object.keys(test.gets) : [test.gets];
    for (const name of named) {
      if (known.has(name)) continue;
      unknown = true;
      failAt(
        i,
        ["gets"],
        `'${name}' is not a variation of this flag (its variations: ${names.join(", ")}): use one of those names`,
      );
    }
  });
  if (unknown) return;
  const declared: DeclaredSegment[] = [];
  for (const segment of segments.values()) {
    const planned = validateSegment(new Reporter(), segment, env, false);
    if (!planned) continue;
    const parsed = segmentDefinition.schema.safeParse({ ...planned.segment, environmentId: PLACEHOLDER_ENV });
    if (!parsed.success) continue;
    declared.push({ ...parsed.data, id: placeholderSegmentId(segment.key) });
  }
  const parsed = featureFlagTargetingDefinition.schema.safeParse({
    ...targeting,
    environmentId: PLACEHOLDER_ENV,
    flagKey: planned.key,
    variations: names,
  });
  if (!parsed.success) return;
  const ids = new Set(declared.map((d) => d.id));
  const elsewhere = (parsed.data.rules ?? [])
    .flatMap((rule) => rule.conditions)
    .flatMap((c) => ("segment" in c ? c.segment : "notInSegment" in c ? c.notInSegment : []))
    .filter((id) => !ids.has(id.toLowerCase()));
  if (elsewhere.length > 0) {
    report.add(
      origin,
      [EXPECT],
      `the rules name segment ${[...new Set(elsewhere)].join(", ")}, not declared in these files: the tests cannot see its members${where}`,
    );
    return;
  }
  const subject = declaredSubject({ ...parsed.data, variations: names }, declared);
  for (const failure of runTargetingTests(subject, tests)) failAt(failure.index, [], failure.message);
}

function validateSegment(
  report: Reporter,
  segment: SegmentEntry,
  env: string | undefined,
  adopt: boolean,
): PlannedSegment | undefined {
  const override = env === undefined ? undefined : segment.overrides.get(env);
  if (override && !override.present) return undefined;
  const merged = mergeFields(segment, SEGMENT_FIELDS, override);
  const inputs: Fields = { ...merged.fields };
  if (adopt && inputs.adopt === undefined) inputs.adopt = true;
  const parsed = segmentDefinition.schema.safeParse({ ...inputs, environmentId: PLACEHOLDER_ENV });
  if (!parsed.success) {
    report.issues(parsed.error.issues, (f) => merged.origins.get(f) ?? segment.origin, env);
  }
  return { key: segment.key, segment: inputs };
}

// ---------------------------------------------------------------------------------------------------------------
// Program-side promotions

function applyPromotions(
  report: Reporter,
  known: ReadonlySet<string>,
  flags: Map<string, FlagEntry>,
  promotions: readonly FlagSetPromotion[],
): void {
  promotions.forEach((promotion, i) => {
    const origin: Origin = { source: undefined, at: [], label: `FlagSet promote[${i}]` };
    for (const which of ["from", "to"] as const) {
      if (!known.has(promotion[which])) {
        report.add(
          origin,
          [],
          `${which} '${promotion[which]}' is not one of this FlagSet's environments (${[...known].join(", ")})`,
        );
        return;
      }
    }
    for (const key of Array.isArray(promotion.flag) ? promotion.flag : [promotion.flag]) {
      const flag = flags.get(key.toLowerCase());
      if (!flag) {
        report.add(origin, [], `flag '${key}' is not declared in this FlagSet's files`);
        continue;
      }
      const existing = flag.overrides.get(promotion.to);
      const kept: Fields = {};
      // The definition stays the target's; the targeting is the source's, whatever the files say for the target.
      for (const [name, value] of Object.entries(existing?.fields ?? {})) {
        if (name !== "from" && !TARGETING_PARTS.includes(name as TargetingPart)) kept[name] = value;
      }
      flag.overrides.set(promotion.to, {
        origin: existing?.origin ?? { ...flag.origin, at: [...flag.origin.at, "environments", promotion.to] },
        fields: { ...kept, from: promotion.from },
        present: true,
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Entry point

/**
 * Reads, validates and resolves FlagSet files for the given environments. Throws FlagSetError with every problem of
 * every file (file:line:column, field, what is expected); returns the resource inputs per environment otherwise.
 */
export function loadFlagSet(paths: string | readonly string[], options: LoadOptions): FlagSetPlan {
  const report = new Reporter();
  const deployed = [...options.environments];
  const known = new Set([...deployed, ...(options.otherEnvironments ?? [])]);
  const files = (Array.isArray(paths) ? paths : [paths as string]).flatMap((p) =>
    listFiles(p, report.problems),
  );
  const sources = [...new Set(files)]
    .map((file) => readSource(file, report.problems))
    .filter((s): s is SourceFile => s !== undefined);

  const allFlags: FlagEntry[] = [];
  const allSegments: SegmentEntry[] = [];
  for (const source of sources) {
    const { flags, segments } = readFile(report, source, known);
    allFlags.push(...flags);
    allSegments.push(...segments);
  }
  const flags = new Map(uniqueByKey(report, allFlags, "flag").map((f) => [f.key.toLowerCase(), f]));
  const segments = new Map(uniqueByKey(report, allSegments, "segment").map((s) => [s.key.toLowerCase(), s]));
  applyPromotions(report, known, flags, options.promote ?? []);

  const adopt = options.adopt ?? false;
  // Each entry alone first, so a mistake in the shared definition is reported once, without an environment.
  for (const flag of flags.values()) validateFlag(report, known, flag, undefined, segments, adopt);
  for (const segment of segments.values()) validateSegment(report, segment, undefined, adopt);
  const environments: FlagSetPlan["environments"] = {};
  for (const env of [...known].sort()) {
    const planned = {
      flags: [...flags.values()]
        .map((f) => validateFlag(report, known, f, env, segments, adopt))
        .filter((f): f is PlannedFlag => f !== undefined),
      segments: [...segments.values()]
        .map((s) => validateSegment(report, s, env, adopt))
        .filter((s): s is PlannedSegment => s !== undefined),
    };
    if (deployed.includes(env)) environments[env] = planned;
  }
  if (report.problems.length > 0) throw new FlagSetError(orderProblems(report.problems));
  return {
    files: sources.map((s) => s.display),
    environments,
  };
}
