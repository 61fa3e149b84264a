// The change a preview plans, in FeatBit's terms, for a pull-request comment: which environment, which flag or
// segment, which part of its targeting, old → new ("prod · `new-checkout`: default rule: On 10% → 50%, Off 90% →
// 50%"). Pulumi's own preview names resources and top-level properties only, and a dynamic provider cannot give it a
// detailed diff; the steps of `pulumi preview --json` (or of the offline runner's result) carry every resource's old
// and new inputs, which say everything a reviewer needs.
//
// Pure: no API call, no file access. Environment and segment ids are turned back into keys from the other steps of
// the same preview (all of them with `--show-sames`); FlagSet children name their environment in their own name.
import { z } from "zod";

/** Pulumi's marker for a value not known until `up` (e.g. the id of a segment created by the same update). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SECRET = "[secret]";
const FEATBIT_TYPE = /^pulumi-nodejs:dynamic\/featbit:([A-Za-z]+)$/;
const FLAGSET_TYPE = "featbit:index:FlagSet";

const record = z.record(z.string(), z.unknown());
const stateSchema = z.looseObject({
  type: z.string().optional(),
  urn: z.string().optional(),
  id: z.string().optional(),
  custom: z.boolean().optional(),
  inputs: record.nullish(),
  outputs: record.nullish(),
});
const stepSchema = z.looseObject({
  op: z.string(),
  urn: z.string(),
  oldState: stateSchema.nullish(),
  newState: stateSchema.nullish(),
  /** `pulumi preview --json`'s names; the runner's are `diffs` and `replaceKeys`. */
  diffReasons: z.array(z.string()).nullish(),
  replaceReasons: z.array(z.string()).nullish(),
  replaceKeys: z.array(z.string()).nullish(),
});
const diagnosticSchema = z.looseObject({
  message: z.string().optional(),
  severity: z.string().optional(),
});

/**
 * What the summary reads: `pulumi preview --json` (steps, changeSummary, diagnostics) or the offline runner's result
 * (steps, changes, diagnostics, ok, error) — the steps have the same shape.
 */
export const previewDocumentSchema = z.looseObject({
  steps: z.array(stepSchema).nullish(),
  changeSummary: z.record(z.string(), z.number()).nullish(),
  changes: z.record(z.string(), z.number()).nullish(),
  diagnostics: z.array(diagnosticSchema).nullish(),
  ok: z.boolean().optional(),
  error: z.string().optional(),
});
export type PreviewDocument = z.infer<typeof previewDocumentSchema>;
export type Step = z.infer<typeof stepSchema>;
type State = z.infer<typeof stateSchema>;
type Props = Record<string, unknown>;

export interface SummaryLine {
  /** The environment (its name in a FlagSet, else its key), or "" for project-level objects. */
  environment: string;
  /** What changes, e.g. "`new-checkout`", "segment `beta-users`", "environment", "project `shop`". */
  subject: string;
  text: string;
  /** Only an audit-log comment changes: nothing changes in FeatBit now (FeatBit records it with the next change). */
  audit?: boolean;
}

export interface PreviewSummary {
  /** False when the preview itself failed (its errors are in `errors`). */
  ok: boolean;
  lines: SummaryLine[];
  errors: string[];
  /** Pulumi's counts per operation, "same" included. */
  counts: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading values
// ---------------------------------------------------------------------------------------------------------------

const isRecord = (v: unknown): v is Props => v !== null && typeof v === "object" && !Array.isArray(v);
const asString = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strings = (v: unknown): string[] => asArray(v).filter((s): s is string => typeof s === "string");

/** Key order and undefined fields do not make two values differ. */
function canonical(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : isRecord(v)
        ? Object.fromEntries(
            Object.keys(v)
              .filter((k) => v[k] !== undefined)
              .sort()
              .map((k) => [k, sort(v[k])]),
          )
        : v;
  return JSON.stringify(sort(value)) ?? "undefined";
}
const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** A value as a reviewer reads it: text unquoted, unknowns and secrets named, long values cut. */
function show(value: unknown, max = 60): string {
  if (value === UNKNOWN) return "(known after up)";
  if (value === SECRET) return SECRET;
  if (value === undefined || value === null) return "(none)";
  if (value === "") return "''";
  const text = (typeof value === "string" ? value : JSON.stringify(value)).replace(/\s*\n\s*/g, " ");
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
const quoted = (value: unknown): string =>
  value === UNKNOWN || value === SECRET || value === "" ? show(value) : `'${show(value)}'`;
const comment = (value: unknown): string => (value === undefined ? "(none)" : quoted(value));
const percent = (n: number): string => `${Math.round(n * 100) / 100}%`;
const list = (items: string[]): string => (items.length > 0 ? items.join(", ") : "(none)");

/** "+ bob, carol, − alice": what a set gained and lost. */
function setChange(before: string[], after: string[]): string {
  const added = after.filter((x) => !before.includes(x));
  const removed = before.filter((x) => !after.includes(x));
  return [
    added.length > 0 ? `+ ${added.join(", ")}` : "",
    removed.length > 0 ? `− ${removed.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join(", ");
}

// ---------------------------------------------------------------------------------------------------------------
// What the other steps say about ids: environments, projects and segments by key
// ---------------------------------------------------------------------------------------------------------------

interface Urn {
  /** The types of the resource's parents and its own, outermost first. */
  types: string[];
  name: string;
}

function parseUrn(urn: string): Urn {
  const parts = urn.split("::");
  return { types: (parts[2] ?? "").split("$"), name: parts.slice(3).join("::") };
}

export const kindOf = (step: Step): string | undefined => {
  const type = step.newState?.type ?? step.oldState?.type ?? parseUrn(step.urn).types.slice(-1)[0];
  return FEATBIT_TYPE.exec(type ?? "")?.[1];
};

/** The id part after the slash of `<environment_uuid>/<x>` ids. */
const idPart = (id: string | undefined, index: number): string | undefined => id?.split("/")[index];

export class Context {
  readonly environments = new Map<string, { key: string; projectId?: string }>();
  readonly projects = new Map<string, string>();
  readonly segments = new Map<string, string>();
  /** Environment id → the name a FlagSet gives it (its children are named `<set>/<env>/<key>`). */
  readonly flagSetNames = new Map<string, string>();
  /** `<env label>/<flag key>` of flags the same preview creates. */
  readonly newFlags = new Set<string>();
  /** Variation renames of flags the same preview updates, by `<env label>/<flag key>`: old name → new name. */
  readonly renames = new Map<string, [string, string][]>();
  /** Environments this preview replaces: the old id → the key of the environment taking its place. */
  private readonly replacedEnvironments = new Map<string, string>();
  /** Keys of the environments this preview creates (their ids are known only after `up`). */
  private readonly newEnvironments = new Set<string>();
  /** The halves of each replacement the document lists, in its order (the runner records them; `--json` does not). */
  readonly halves = new Map<string, string[]>();
  private readonly ambiguousKeys = new Set<string>();

  constructor(steps: Step[]) {
    for (const step of steps) {
      const kind = kindOf(step);
      if (step.op === "create-replacement" || step.op === "delete-replaced") {
        this.halves.set(step.urn, [...(this.halves.get(step.urn) ?? []), step.op]);
      }
      if (kind === "Environment") {
        const key = asString(step.newState?.inputs?.key);
        const oldId = asString(step.oldState?.outputs?.environmentId) ?? idPart(step.oldState?.id, 1);
        if (key && step.op === "create") this.newEnvironments.add(key);
        if (key && oldId && (step.op === "replace" || step.op === "create-replacement"))
          this.replacedEnvironments.set(oldId, key);
      }
      for (const state of [step.oldState, step.newState]) {
        if (!state) continue;
        const inputs = state.inputs ?? {};
        const outputs = state.outputs ?? {};
        const key = asString(inputs.key);
        if (kind === "Project") {
          const id = asString(outputs.projectId) ?? (state.id || undefined);
          if (id && key) this.projects.set(id, key);
        } else if (kind === "Environment") {
          const id = asString(outputs.environmentId) ?? idPart(state.id, 1);
          if (id && id !== UNKNOWN && key) {
            this.environments.set(id, { key, projectId: asString(inputs.projectId) });
          }
        } else if (kind === "Segment") {
          const id = asString(outputs.segmentId) ?? idPart(state.id, 1);
          if (id && id !== UNKNOWN && key) this.segments.set(id.toLowerCase(), key);
        }
        const envId = asString(inputs.environmentId);
        const flagSetEnv = flagSetEnvironment(step.urn);
        if (envId && envId !== UNKNOWN && flagSetEnv) this.flagSetNames.set(envId, flagSetEnv);
      }
    }
    const seen = new Map<string, string>();
    for (const [id, env] of this.environments) {
      const other = seen.get(env.key);
      if (other !== undefined && other !== id) this.ambiguousKeys.add(env.key);
      seen.set(env.key, id);
    }
  }

  /** The environment's name as the reviewer knows it. */
  environment(step: Step, props: Props): string {
    const fromUrn = flagSetEnvironment(step.urn);
    if (fromUrn) return withInstallation(fromUrn, props);
    const id = asString(props.environmentId);
    if (id === UNKNOWN) {
      // Not known until `up`: the environment replacing the one it was in, or the one environment this creates.
      const was = asString(step.oldState?.inputs?.environmentId);
      const newOne = this.newEnvironments.size === 1 ? [...this.newEnvironments][0] : undefined;
      const label =
        (was && this.replacedEnvironments.get(was)) ?? newOne ?? "(an environment this update creates)";
      return withInstallation(label, props);
    }
    return this.environmentOf(id, props);
  }

  /** An environment by id: its key (with its project's where two share it), or a short id. */
  environmentOf(id: string | undefined, props: Props): string {
    if (id === undefined) return "";
    const flagSetName = this.flagSetNames.get(id);
    if (flagSetName) return withInstallation(flagSetName, props);
    const env = this.environments.get(id);
    if (!env) return withInstallation(`environment ${id.slice(0, 8)}…`, props);
    const project = env.projectId ? this.projects.get(env.projectId) : undefined;
    const label = this.ambiguousKeys.has(env.key) && project ? `${project}/${env.key}` : env.key;
    return withInstallation(label, props);
  }

  segment(id: string): string {
    if (id === UNKNOWN) return "(a segment this update creates)";
    return this.segments.get(id.toLowerCase()) ?? id;
  }
}

function flagSetEnvironment(urn: string): string | undefined {
  const { types, name } = parseUrn(urn);
  if (!types.includes(FLAGSET_TYPE)) return undefined;
  const parts = name.split("/");
  return parts.length >= 3 ? parts[parts.length - 2] : undefined;
}

/** Another configured FeatBit is named next to the environment: "prod (cloud)". */
function withInstallation(label: string, props: Props): string {
  const installation = asString(props.installation);
  return installation && installation !== UNKNOWN ? `${label} (${installation})` : label;
}

// ---------------------------------------------------------------------------------------------------------------
// Targeting vocabulary: serves, conditions, rules, individual targeting
// ---------------------------------------------------------------------------------------------------------------

interface Share {
  variation: string;
  percent: number;
}

function sharesOf(serve: unknown): Share[] {
  if (!isRecord(serve)) return [];
  if (typeof serve.variation === "string") return [{ variation: serve.variation, percent: 100 }];
  return asArray(serve.rollout)
    .filter(isRecord)
    .map((r) => ({ variation: show(r.variation), percent: typeof r.percent === "number" ? r.percent : NaN }));
}

const dispatchKeyOf = (serve: unknown): string => (isRecord(serve) && asString(serve.dispatchKey)) || "keyId";

function describeServe(serve: unknown): string {
  if (!isRecord(serve)) return show(serve);
  if (typeof serve.variation === "string") return serve.variation;
  const split = sharesOf(serve)
    .map((s) => `${s.variation} ${percent(s.percent)}`)
    .join(", ");
  const key = dispatchKeyOf(serve);
  return key === "keyId" ? split : `${split} (split by ${key})`;
}

/** "On → Off", or per variation "On 10% → 50%, Off 90% → 50%"; what else changed in the split. */
function serveChange(before: unknown, after: unknown): string {
  if (!isRecord(before) || !isRecord(after)) return `${show(before)} → ${show(after)}`;
  if (typeof before.variation === "string" && typeof after.variation === "string") {
    return `${before.variation} → ${after.variation}`;
  }
  const a = sharesOf(before);
  const b = sharesOf(after);
  const names = [...new Set([...b, ...a].map((s) => s.variation))];
  const at = (shares: Share[], name: string) => shares.find((s) => s.variation === name)?.percent ?? 0;
  const parts = names
    .filter((name) => at(a, name) !== at(b, name))
    .map((name) => `${name} ${percent(at(a, name))} → ${percent(at(b, name))}`);
  if (dispatchKeyOf(before) !== dispatchKeyOf(after)) {
    parts.push(`split by ${dispatchKeyOf(before)} → ${dispatchKeyOf(after)}`);
  }
  const order = (shares: Share[]) => shares.filter((s) => s.percent > 0).map((s) => s.variation);
  if (parts.length === 0 && !same(order(a), order(b))) {
    // FeatBit gives each variation a range of the 0–100 line in this order: reordering moves users.
    parts.push(
      `rollout order ${order(a).join(", ")} → ${order(b).join(", ")} (users move between variations)`,
    );
  }
  return parts.join(", ");
}

const OPERATORS: Record<string, string> = {
  Equal: "is",
  NotEqual: "is not",
  Contains: "contains",
  NotContain: "does not contain",
  StartsWith: "starts with",
  EndsWith: "ends with",
  MatchRegex: "matches",
  NotMatchRegex: "does not match",
  IsOneOf: "is one of",
  NotOneOf: "is not one of",
  IsTrue: "is true",
  IsFalse: "is false",
  LessThan: "<",
  LessEqualThan: "≤",
  BiggerThan: ">",
  BiggerEqualThan: "≥",
};

function describeCondition(condition: unknown, ctx: Context): string {
  if (!isRecord(condition)) return show(condition);
  for (const [field, words] of [
    ["segment", "in segment"],
    ["notInSegment", "not in segment"],
  ] as const) {
    const ids = condition[field];
    if (ids === undefined) continue;
    const keys = (Array.isArray(ids) ? ids : [ids]).map((id) =>
      typeof id === "string" ? ctx.segment(id) : show(id),
    );
    return `${words}${keys.length > 1 ? "s" : ""} ${keys.join(", ")}`;
  }
  const op = asString(condition.op) ?? "?";
  const words = `${show(condition.property)} ${OPERATORS[op] ?? op}`;
  if (condition.values !== undefined) return `${words} ${strings(condition.values).join(", ")}`;
  return condition.value === undefined ? words : `${words} ${show(condition.value)}`;
}

const describeConditions = (conditions: unknown, ctx: Context): string =>
  asArray(conditions)
    .map((c) => describeCondition(c, ctx))
    .join(" and ") || "everyone";

/** Pairwise when the list keeps its length; "country is one of + lu" for a list operator's values. */
function conditionsChange(before: unknown, after: unknown, ctx: Context): string {
  const a = asArray(before);
  const b = asArray(after);
  if (a.length !== b.length) {
    return `${describeConditions(before, ctx)} → ${describeConditions(after, ctx)}`;
  }
  const parts: string[] = [];
  a.forEach((old, i) => {
    const now = b[i];
    if (same(old, now)) return;
    if (
      isRecord(old) &&
      isRecord(now) &&
      old.property === now.property &&
      old.op === now.op &&
      old.values !== undefined &&
      now.values !== undefined
    ) {
      parts.push(
        `${show(now.property)} ${OPERATORS[show(now.op)] ?? show(now.op)} ${setChange(strings(old.values), strings(now.values))}`,
      );
    } else {
      parts.push(`${describeCondition(old, ctx)} → ${describeCondition(now, ctx)}`);
    }
  });
  return parts.join("; ");
}

interface NamedRule {
  name: string;
  rule: Props;
}

const namedRules = (rules: unknown): NamedRule[] =>
  asArray(rules)
    .filter(isRecord)
    .map((rule) => ({ name: show(rule.name), rule }));

/** Flag rules serve something; segment rules only match. */
function describeRule(rule: Props, ctx: Context): string {
  const conditions = describeConditions(rule.conditions, ctx);
  return rule.serve === undefined ? conditions : `if ${conditions} → ${describeServe(rule.serve)}`;
}

/** Rules are identified by name (FeatBit ids derive from it): added, removed, changed, reordered. */
function rulesChanges(before: unknown, after: unknown, ctx: Context): string[] {
  const a = namedRules(before);
  const b = namedRules(after);
  const lines: string[] = [];
  for (const { name, rule } of a) {
    if (!b.some((r) => r.name === name))
      lines.push(`rule '${name}' removed (was: ${describeRule(rule, ctx)})`);
  }
  b.forEach(({ name, rule }, i) => {
    const old = a.find((r) => r.name === name);
    if (!old) {
      const where = i === b.length - 1 ? "" : ` at position ${i + 1}`;
      lines.push(`rule '${name}' added${where}: ${describeRule(rule, ctx)}`);
      return;
    }
    if (!same(old.rule.conditions, rule.conditions)) {
      lines.push(`rule '${name}': ${conditionsChange(old.rule.conditions, rule.conditions, ctx)}`);
    }
    if (!same(old.rule.serve, rule.serve)) {
      lines.push(`rule '${name}': ${serveChange(old.rule.serve, rule.serve)}`);
    }
  });
  const kept = (rules: NamedRule[], other: NamedRule[]) =>
    rules.filter((r) => other.some((o) => o.name === r.name)).map((r) => r.name);
  if (!same(kept(a, b), kept(b, a))) {
    lines.push(`rules reordered: ${kept(a, b).join(", ")} → ${kept(b, a).join(", ")}`);
  }
  return lines;
}

function usersByVariation(entries: unknown): Map<string, string[]> {
  const byVariation = new Map<string, string[]>();
  for (const entry of asArray(entries).filter(isRecord)) {
    byVariation.set(show(entry.variation), strings(entry.users));
  }
  return byVariation;
}

function describeIndividual(entries: unknown): string {
  const parts = [...usersByVariation(entries)].map(
    ([variation, users]) => `${variation} ← ${users.join(", ")}`,
  );
  return parts.length > 0 ? parts.join("; ") : "none";
}

function individualChange(before: unknown, after: unknown): string {
  const a = usersByVariation(before);
  const b = usersByVariation(after);
  return [...new Set([...a.keys(), ...b.keys()])]
    .map((variation) => [variation, setChange(a.get(variation) ?? [], b.get(variation) ?? [])])
    .filter(([, change]) => change !== "")
    .map(([variation, change]) => `${variation} ${change}`)
    .join("; ");
}

// ---------------------------------------------------------------------------------------------------------------
// Per resource kind
// ---------------------------------------------------------------------------------------------------------------

interface Describer {
  subject(props: Props, name: string): string;
  create(props: Props, ctx: Context, line: LineContext): string[];
  update(before: Props, after: Props, ctx: Context, line: LineContext): string[];
  delete(props: Props): string[];
  /** Inputs that change nothing in FeatBit by themselves. */
  inert: string[];
  /** The input holding the comment FeatBit's audit log records with each change, where the kind has one. */
  audit?: string;
  /** The input naming the object's parent (its environment or project), for which replacements delete first. */
  parent?: string;
  /** Whether a replacement that keeps the key (ignoring case) in the same parent deletes the old object first. */
  keyed?: boolean;
}

interface LineContext {
  environment: string;
  /** The resource's name (FlagSet children: `<set>/<env>/<key>`). */
  name: string;
}

/**
 * A key as declared; when it is not known during the preview (a targeting's flag key taken from a flag this update
 * creates), the last part of the resource's name, which is the key for FlagSet children.
 */
function keyOf(key: unknown, name: string): string {
  return typeof key === "string" && key !== UNKNOWN ? key : (name.split("/").pop() ?? name);
}

const TARGETING_PARTS: [string, string][] = [
  ["enabled", "on/off"],
  ["offVariation", "off variation"],
  ["individualTargeting", "individual targeting"],
  ["rules", "rules"],
  ["defaultRule", "default rule"],
];

function describeTargetingPart(part: string, value: unknown, ctx: Context): string {
  switch (part) {
    case "enabled":
      return value === true ? "on" : value === false ? "off" : show(value);
    case "offVariation":
      return `off variation ${show(value)}`;
    case "individualTargeting":
      return `individual targeting: ${describeIndividual(value)}`;
    case "rules": {
      const rules = namedRules(value);
      return rules.length === 0
        ? "no rules"
        : rules.map(({ name, rule }) => `rule '${name}': ${describeRule(rule, ctx)}`).join("; ");
    }
    case "defaultRule":
      return `default rule: ${describeServe(isRecord(value) ? value.serve : value)}`;
    default:
      return `${part} ${show(value)}`;
  }
}

function describeTargeting(props: Props, ctx: Context): string {
  return TARGETING_PARTS.filter(([part]) => props[part] !== undefined)
    .map(([part]) => describeTargetingPart(part, props[part], ctx))
    .join("; ");
}

function targetingPartChange(part: string, before: unknown, after: unknown, ctx: Context): string[] {
  switch (part) {
    case "enabled":
      return [after === true ? "turned on" : after === false ? "turned off" : `on/off → ${show(after)}`];
    case "offVariation":
      return [`off variation: ${show(before)} → ${show(after)}`];
    case "individualTargeting":
      return [`individual targeting: ${individualChange(before, after)}`];
    case "rules":
      return rulesChanges(before, after, ctx);
    case "defaultRule":
      return [
        `default rule: ${serveChange(isRecord(before) ? before.serve : before, isRecord(after) ? after.serve : after)}`,
      ];
    default:
      return [`${part}: ${show(before)} → ${show(after)}`];
  }
}

const targeting: Describer = {
  subject: (props, name) => `\`${keyOf(props.flagKey, name)}\``,
  create(props, ctx, line) {
    const parts = describeTargeting(props, ctx);
    const isNew = ctx.newFlags.has(`${line.environment}/${keyOf(props.flagKey, line.name)}`);
    if (parts === "") return [isNew ? "targeting left to FeatBit's defaults" : "targeting: nothing declared"];
    return [isNew ? `serves: ${parts}` : `targeting now managed here: ${parts}`];
  },
  update(declared, after, ctx, line) {
    const lines: string[] = [];
    // A variation renamed in its flag keeps its id: targeting naming it by its new name serves exactly the same.
    const renames = ctx.renames.get(`${line.environment}/${keyOf(after.flagKey, line.name)}`) ?? [];
    const before = renames.length > 0 ? withRenames(declared, new Map(renames)) : declared;
    const followed = TARGETING_PARTS.some(
      ([part]) => !same(declared[part], after[part]) && same(before[part], after[part]),
    );
    if (followed) {
      const pairs = renames.map(([from, to]) => `${from} → ${to}`).join(", ");
      lines.push(`follows the variation rename (${pairs}): what it serves does not change`);
    }
    for (const [part, label] of TARGETING_PARTS) {
      const a = before[part];
      const b = after[part];
      if (same(a, b)) continue;
      if (a === undefined) {
        lines.push(
          `${label} now managed here (was left to the FeatBit UI): ${describeTargetingPart(part, b, ctx)}`,
        );
      } else if (b === undefined) {
        lines.push(`${label} left to the FeatBit UI from now on (nothing changes now)`);
      } else {
        lines.push(...targetingPartChange(part, a, b, ctx));
      }
    }
    return lines;
  },
  delete: () => ["targeting left to the FeatBit UI from now on (the flag keeps serving what it serves)"],
  inert: ["comment", "variations", "tests", "testSegments"],
  audit: "comment",
  keyed: false,
};

/** Targeting with its variation names as the flag renames them. */
function withRenames(props: Props, renames: Map<string, string>): Props {
  const name = (v: unknown) => (typeof v === "string" ? (renames.get(v) ?? v) : v);
  const serve = (value: unknown): unknown => {
    if (!isRecord(value)) return value;
    return {
      ...value,
      ...(value.variation !== undefined ? { variation: name(value.variation) } : {}),
      ...(Array.isArray(value.rollout)
        ? { rollout: value.rollout.map((r) => (isRecord(r) ? { ...r, variation: name(r.variation) } : r)) }
        : {}),
    };
  };
  const out: Props = { ...props };
  if (props.offVariation !== undefined) out.offVariation = name(props.offVariation);
  if (Array.isArray(props.individualTargeting)) {
    out.individualTargeting = props.individualTargeting.map((e) =>
      isRecord(e) ? { ...e, variation: name(e.variation) } : e,
    );
  }
  if (Array.isArray(props.rules)) {
    out.rules = props.rules.map((r) => (isRecord(r) ? { ...r, serve: serve(r.serve) } : r));
  }
  if (isRecord(props.defaultRule))
    out.defaultRule = { ...props.defaultRule, serve: serve(props.defaultRule.serve) };
  return out;
}

function describeVariations(props: Props): string {
  const type = show(props.variationType ?? "boolean");
  const variations = asArray(props.variations)
    .filter(isRecord)
    .map((v) => `${show(v.name)} = ${show(v.value, 40)}`);
  return `${type}: ${list(variations)}`;
}

/** The variations of `after` that are variations of `before` renamed: same id or same value, another name. */
function variationRenames(
  before: unknown,
  after: unknown,
): { renamed: [Props, Props][]; added: Props[]; removed: Props[] } {
  const a = asArray(before).filter(isRecord);
  const b = asArray(after).filter(isRecord);
  const removed = a.filter((v) => !b.some((w) => w.name === v.name));
  const added = b.filter((v) => !a.some((w) => w.name === v.name));
  const renamed: [Props, Props][] = [];
  // A variation that only changed its name keeps its id (and every rule serving it).
  for (const v of [...added]) {
    const old = removed.find((o) => (v.id !== undefined && o.id === v.id) || same(o.value, v.value));
    if (!old) continue;
    renamed.push([old, v]);
    removed.splice(removed.indexOf(old), 1);
    added.splice(added.indexOf(v), 1);
  }
  return { renamed, added, removed };
}

function variationsChange(before: unknown, after: unknown): string[] {
  const a = asArray(before).filter(isRecord);
  const b = asArray(after).filter(isRecord);
  const { renamed, added: unmatchedNew, removed: unmatchedOld } = variationRenames(before, after);
  const lines = renamed.map(([old, v]) => `variation '${show(old.name)}' renamed '${show(v.name)}'`);
  for (const v of unmatchedNew) lines.push(`variation '${show(v.name)}' added (value ${show(v.value, 40)})`);
  for (const v of unmatchedOld) lines.push(`variation '${show(v.name)}' removed`);
  for (const v of b) {
    const old = a.find((o) => o.name === v.name);
    if (old && !same(old.value, v.value)) {
      lines.push(`variation '${show(v.name)}': value ${show(old.value, 40)} → ${show(v.value, 40)}`);
    }
  }
  const names = (vs: Props[]) => vs.map((v) => show(v.name)).filter((n) => a.some((o) => show(o.name) === n));
  const order = (vs: Props[]) => names(vs).filter((n) => b.some((o) => show(o.name) === n));
  if (lines.length === 0 && !same(order(a), order(b))) {
    lines.push(`variations reordered: ${order(a).join(", ")} → ${order(b).join(", ")}`);
  }
  return lines;
}

function textChange(label: string, before: unknown, after: unknown): string {
  return `${label}: ${quoted(before ?? "")} → ${quoted(after ?? "")}`;
}

function adoption(props: Props, what: string): string | undefined {
  if (typeof props.importId === "string") return `adopts the existing ${what} ${show(props.importId)}`;
  if (props.adopt === true) return `adopts the existing ${what} with this key, or creates it`;
  return undefined;
}

const flag: Describer = {
  subject: (props, name) => `\`${keyOf(props.key, name)}\``,
  create(props) {
    const tags = strings(props.tags);
    const adopting = adoption(props, "flag");
    const what = `${quoted(props.name)} (${describeVariations(props)})${tags.length > 0 ? `, tags ${tags.join(", ")}` : ""}`;
    return [adopting ? `${adopting}: ${what}` : `new flag ${what}`];
  },
  update(before, after) {
    const lines: string[] = [];
    if (!same(before.name, after.name)) lines.push(textChange("name", before.name, after.name));
    if (!same(before.description, after.description)) {
      lines.push(textChange("description", before.description, after.description));
    }
    if (!same(before.variations, after.variations))
      lines.push(...variationsChange(before.variations, after.variations));
    if (!same(before.tags, after.tags))
      lines.push(`tags: ${setChange(strings(before.tags), strings(after.tags))}`);
    return lines;
  },
  delete: () => ["flag deleted (archived, then deleted in FeatBit)"],
  inert: ["adopt", "importId"],
  parent: "environmentId",
  keyed: true,
};

const segment: Describer = {
  subject: (props, name) => `segment \`${keyOf(props.key, name)}\``,
  create(props, ctx) {
    const parts = [quoted(props.name)];
    if (strings(props.included).length > 0) parts.push(`included ${strings(props.included).join(", ")}`);
    if (strings(props.excluded).length > 0) parts.push(`excluded ${strings(props.excluded).join(", ")}`);
    for (const { name, rule } of namedRules(props.rules))
      parts.push(`rule '${name}': ${describeRule(rule, ctx)}`);
    const adopting = adoption(props, "segment");
    return [`${adopting ? `${adopting}:` : "new segment"} ${parts.join("; ")}`];
  },
  update(before, after, ctx) {
    const lines: string[] = [];
    if (!same(before.name, after.name)) lines.push(textChange("name", before.name, after.name));
    if (!same(before.description, after.description)) {
      lines.push(textChange("description", before.description, after.description));
    }
    for (const field of ["included", "excluded"]) {
      const change = setChange(strings(before[field]), strings(after[field]));
      if (change !== "") lines.push(`${field} ${change}`);
    }
    if (!same(before.rules, after.rules)) lines.push(...rulesChanges(before.rules, after.rules, ctx));
    if (!same(before.tags, after.tags))
      lines.push(`tags: ${setChange(strings(before.tags), strings(after.tags))}`);
    return lines;
  },
  delete: () => ["segment deleted (archived, then deleted in FeatBit)"],
  inert: ["adopt", "importId"],
  parent: "environmentId",
  keyed: true,
};

const yesNo = (v: unknown): string => (v === true ? "yes" : "no");

const environment: Describer = {
  subject: () => "environment",
  create(props) {
    const extras = [
      props.description ? `description ${quoted(props.description)}` : "",
      props.requireChangeComment === true ? "change comments required" : "",
    ].filter(Boolean);
    const adopting = adoption(props, "environment");
    return [
      `${adopting ? `${adopting}:` : "new environment"} ${quoted(props.name)}${extras.map((e) => `, ${e}`).join("")}`,
    ];
  },
  update(before, after) {
    const lines: string[] = [];
    if (!same(before.name, after.name)) lines.push(textChange("name", before.name, after.name));
    if (!same(before.description, after.description)) {
      lines.push(textChange("description", before.description, after.description));
    }
    if (!same(before.requireChangeComment, after.requireChangeComment)) {
      lines.push(
        `change comments required: ${yesNo(before.requireChangeComment)} → ${yesNo(after.requireChangeComment)}`,
      );
    }
    return lines;
  },
  delete: () => ["environment deleted"],
  inert: ["adopt", "importId"],
  parent: "projectId",
  keyed: true,
};

const project: Describer = {
  subject: (props, name) => `project \`${keyOf(props.key, name)}\``,
  create(props) {
    const adopting = adoption(props, "project");
    return [`${adopting ? `${adopting}:` : "new project"} ${quoted(props.name)}`];
  },
  update(before, after) {
    return same(before.name, after.name) ? [] : [textChange("name", before.name, after.name)];
  },
  delete: () => ["project deleted (FeatBit deletes its environments with it)"],
  inert: ["adopt", "importId"],
  keyed: true,
};

/** Any other resource (a kind this summary does not know yet, or not FeatBit's): its top-level inputs. */
function generic(kind: string): Describer {
  return {
    subject: (_props, name) => `${kind} \`${name}\``,
    create: () => ["created"],
    update(before, after) {
      const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
      return keys
        .filter((k) => !same(before[k], after[k]))
        .map((k) => `${k}: ${show(before[k])} → ${show(after[k])}`);
    },
    delete: () => ["deleted"],
    inert: [],
  };
}

const DESCRIBERS: Record<string, Describer> = {
  FeatureFlagTargeting: targeting,
  FeatureFlag: flag,
  Segment: segment,
  Environment: environment,
  Project: project,
};

// ---------------------------------------------------------------------------------------------------------------
// Steps → lines
// ---------------------------------------------------------------------------------------------------------------

/** Inputs of a state without Pulumi's own bookkeeping. */
export function inputsOf(state: State | null | undefined): Props {
  const inputs: Props = { ...(state?.inputs ?? {}) };
  delete inputs.__provider;
  return inputs;
}

const SKIPPED_OPS = new Set(["read", "refresh", "read-replacement", "remove-pending-replace"]);

function isResource(step: Step): boolean {
  const state = step.newState ?? step.oldState;
  if (state?.custom === false) return false;
  const type = state?.type ?? parseUrn(step.urn).types.slice(-1)[0] ?? "";
  if (type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:")) return false;
  // Component resources (FlagSet, ProjectBootstrap) have no inputs of their own: their children say it all.
  return FEATBIT_TYPE.test(type) || state?.custom === true;
}

/** A replacement shows as one logical "replace" in `pulumi preview --json`; the runner also records its halves. */
export function logicalSteps(steps: Step[]): Step[] {
  const replaced = new Set(steps.filter((s) => s.op === "replace").map((s) => s.urn));
  return steps.filter(
    (s) => !((s.op === "create-replacement" || s.op === "delete-replaced") && replaced.has(s.urn)),
  );
}

function replaceReasons(step: Step, ctx: Context, before: Props, after: Props): string {
  const keys = step.replaceReasons ?? step.replaceKeys ?? [];
  return keys
    .map((k) =>
      k === "environmentId"
        ? `it moves from environment ${ctx.environmentOf(asString(before[k]), before)} to ${ctx.environment(step, after)}`
        : `${k} ${show(before[k])} → ${show(after[k])}`,
    )
    .join(", ");
}

const sameName = (a: unknown, b: unknown): boolean =>
  typeof a === "string" &&
  typeof b === "string" &&
  a !== UNKNOWN &&
  b !== UNKNOWN &&
  a.toLowerCase() === b.toLowerCase();

/**
 * Which half of a replacement comes first: as the document lists them (the runner's result does), else by the
 * provider's rule (`pulumi preview --json` lists only the replacement): a replacement holding the same key in the same
 * place (ignoring case, as FeatBit compares keys) deletes the old object first; any other is created first.
 */
function replacementOrder(step: Step, ctx: Context, describer: Describer, before: Props, after: Props) {
  const halves = ctx.halves.get(step.urn);
  if (halves && halves.length > 0) return halves[0] === "delete-replaced" ? "delete first" : "create first";
  if (describer.keyed === undefined) return undefined;
  const samePlace =
    same(before.installation, after.installation) &&
    (describer.parent === undefined || sameName(before[describer.parent], after[describer.parent]));
  return describer.keyed && samePlace && sameName(before.key, after.key) ? "delete first" : "create first";
}

const ORDER_WORDS = {
  "create first": "created anew, then the old one deleted",
  "delete first": "deleted first, then created again with the same key",
};

function describeStep(step: Step, ctx: Context): SummaryLine[] {
  const kind = kindOf(step);
  const describer = kind && DESCRIBERS[kind] ? DESCRIBERS[kind] : generic(kind ?? typeOf(step));
  const before = inputsOf(step.oldState);
  const after = inputsOf(step.newState);
  const props = step.newState ? after : before;
  const name = parseUrn(step.urn).name;
  const env =
    kind === "Environment" ? withInstallation(show(props.key), props) : ctx.environment(step, props);
  const where = kind === "Project" ? "" : env;
  const subject = describer.subject(props, name);
  const line = (text: string): SummaryLine => ({ environment: where, subject, text });
  switch (step.op) {
    case "create":
    case "create-replacement":
      return describer.create(after, ctx, { environment: env, name }).map(line);
    case "delete":
      return describer.delete(before).map(line);
    case "replace": {
      const reasons = replaceReasons(step, ctx, before, after);
      const order = replacementOrder(step, ctx, describer, before, after);
      const again = describer.create(after, ctx, { environment: env, name }).join("; ");
      return [
        line(
          `replaced${reasons ? ` because ${reasons}` : ""}${order ? ` (${ORDER_WORDS[order]})` : ""}: ${again}`,
        ),
      ];
    }
    case "same": {
      // Pulumi lists it with --show-sames: only an audit comment may have changed, which writes nothing by itself.
      // A comment dropped says nothing (a pipeline sets one on merge and previews the next change without it): only
      // one the program now declares is worth a line, as it is not recorded until something changes.
      const audit = describer.audit;
      if (audit === undefined || same(before[audit], after[audit]) || after[audit] === undefined) return [];
      return [
        {
          ...line(
            `audit-log comment ${comment(before[audit])} → ${comment(after[audit])} only: nothing ` +
              `changes in FeatBit now (FeatBit records the comment with the next change)`,
          ),
          audit: true,
        },
      ];
    }
    case "update": {
      const lines = describer.update(before, after, ctx, { environment: env, name });
      const audit = describer.audit;
      if (lines.length > 0 && audit !== undefined && after[audit] !== undefined) {
        const comment = { ...line(`with audit-log comment ${quoted(after[audit])}`), audit: true };
        return [...lines.map(line), comment];
      }
      if (lines.length > 0) return lines.map(line);
      const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
        (k) => !same(before[k], after[k]),
      );
      const inert = changed.filter((k) => describer.inert.includes(k));
      return [
        line(
          inert.length > 0 && inert.length === changed.length
            ? `no change in FeatBit (only ${inert.join(", ")} changed)`
            : `updated (${changed.join(", ") || "no input changed"})`,
        ),
      ];
    }
    case "import":
    case "import-replacement":
      return [line("adopted (imported) as it is")];
    case "discard":
    case "discard-replaced":
      return [line("forgotten by the stack (left as it is in FeatBit)")];
    default:
      return [line(step.op)];
  }
}

function typeOf(step: Step): string {
  return step.newState?.type ?? step.oldState?.type ?? parseUrn(step.urn).types.slice(-1)[0] ?? "resource";
}

/** Turns a preview document into lines in FeatBit's terms, sorted by environment, then subject. */
export function summarizePreview(doc: PreviewDocument): PreviewSummary {
  const steps = doc.steps ?? [];
  const ctx = new Context(steps);
  for (const step of steps) {
    if (kindOf(step) !== "FeatureFlag") continue;
    const props = inputsOf(step.newState);
    const flag = `${ctx.environment(step, props)}/${keyOf(props.key, parseUrn(step.urn).name)}`;
    if (step.op === "create") ctx.newFlags.add(flag);
    if (step.op === "update") {
      const { renamed } = variationRenames(inputsOf(step.oldState).variations, props.variations);
      if (renamed.length > 0)
        ctx.renames.set(
          flag,
          renamed.map(([a, b]) => [show(a.name), show(b.name)]),
        );
    }
  }
  const indexed = logicalSteps(steps)
    .filter((s) => !SKIPPED_OPS.has(s.op) && isResource(s))
    .flatMap((s) => describeStep(s, ctx))
    .map((line, i) => ({ line, i }));
  const rank = (subject: string) =>
    subject.startsWith("project") ? 0 : subject === "environment" ? 1 : subject.startsWith("segment") ? 2 : 3;
  indexed.sort(
    (x, y) =>
      x.line.environment.localeCompare(y.line.environment) ||
      rank(x.line.subject) - rank(y.line.subject) ||
      x.line.subject.localeCompare(y.line.subject) ||
      x.i - y.i,
  );
  const errors = [
    ...new Set(
      (doc.diagnostics ?? [])
        .filter((d) => d.severity === "error" && d.message)
        .map((d) => (d.message ?? "").trim()),
    ),
  ];
  if (doc.error && errors.length === 0) errors.push(doc.error.trim());
  return {
    ok: doc.ok !== false && errors.length === 0,
    lines: indexed.map((x) => x.line),
    errors,
    counts: { ...(doc.changeSummary ?? doc.changes ?? {}) },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------------------------

const OP_WORDS: Record<string, string> = {
  create: "to create",
  update: "to update",
  replace: "to replace",
  delete: "to delete",
  import: "to adopt",
  same: "unchanged",
};

function countsText(counts: Record<string, number>): string {
  const order = ["create", "update", "replace", "delete", "import", "same"];
  const keys = [
    ...order.filter((k) => counts[k]),
    ...Object.keys(counts).filter((k) => !order.includes(k) && counts[k]),
  ];
  return keys.map((k) => `${counts[k]} ${OP_WORDS[k] ?? k}`).join(", ");
}

export const formatLine = (l: SummaryLine): string =>
  `${l.environment ? `${l.environment} · ` : ""}${l.subject}: ${l.text}`;

/** The Markdown for a pull-request comment (plain enough to read in a terminal too). */
export function formatSummary(summary: PreviewSummary, title = "FeatBit changes"): string {
  const out: string[] = [];
  if (!summary.ok) {
    out.push(
      `### ${title}: the preview failed`,
      "",
      "Nothing was changed. What Pulumi reported:",
      "",
      "```text",
    );
    out.push(...summary.errors.flatMap((e) => e.split("\n")), "```");
  } else if (summary.lines.every((l) => l.audit)) {
    const unchanged = summary.counts.same;
    out.push(
      `### ${title}: none`,
      "",
      `No changes: FeatBit already matches the program${unchanged ? ` (${unchanged} resources unchanged)` : ""}.`,
    );
    if (summary.lines.length > 0) out.push("", ...summary.lines.map((l) => `- ${formatLine(l)}`));
  } else {
    // Audit comments go with the changes they accompany, and are no change by themselves.
    const n = summary.lines.filter((l) => !l.audit).length;
    out.push(`### ${title}: ${n} change${n === 1 ? "" : "s"}`, "");
    out.push(...summary.lines.map((l) => `- ${formatLine(l)}`));
  }
  const counts = countsText(summary.counts);
  if (counts) out.push("", `Pulumi: ${counts}.`);
  return `${out.join("\n")}\n`;
}
