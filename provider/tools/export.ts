// Export what exists: reads a FeatBit project through the access-token API and writes a Pulumi program that adopts
// it — either FlagSet files with one definition per flag (per-environment differences as overrides) or TypeScript
// with one resource per object. Objects are read with the resources' own `read`, so the program declares exactly
// what a refresh would record, and each declaration is checked with the resource's schema: whatever does not fit
// is left out and listed in the notes, never dropped silently.
import * as path from "node:path";
import { Document, isMap, isScalar, isSeq, visit } from "yaml";
import {
  collectPages,
  SEGMENT_IN,
  SEGMENT_NOT_IN,
  type Environment,
  type FeatBitClient,
  type ProjectWithEnvs,
} from "../client";
import { TARGETING_PARTS } from "../flagset/model";
import { canonicalJson } from "../resources/core/canonical";
import type { Context } from "../resources/core/definition";
import { featureFlagDefinition } from "../resources/featureFlag";
import { featureFlagTargetingDefinition } from "../resources/featureFlagTargeting";
import { segmentDefinition } from "../resources/segment";

export type ExportFormat = "ts" | "yaml";

export interface ExportOptions {
  /** The project's key (case-insensitive). */
  project: string;
  /** Environment keys to export; default all of the project's. */
  environments?: string[];
  format: ExportFormat;
  /**
   * How the program's package.json names pulumi-featbit: default the published release (`^0.1.0`); before that is on
   * npm, a `file:` path to the tarball `npm pack` wrote.
   */
  packageSpec?: string;
}

/**
 * `pulumi new typescript`'s tsconfig.json today (before 2026-03 it had `module: commonjs`, `moduleResolution: node`):
 * programs type-check against this package under both (test/layout/typecheck.test.ts).
 */
export const TEMPLATE_TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "nodenext",
    moduleResolution: "nodenext",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

export interface ExportedFile {
  /** Relative to the output folder. */
  path: string;
  content: string;
}

export interface ExportResult {
  files: ExportedFile[];
  /** What the program does not declare, and why. */
  notes: string[];
  counts: { environments: number; flags: number; segments: number };
}

type Fields = Record<string, unknown>;

interface FlagSnapshot {
  key: string;
  /** FeatureFlag inputs without environmentId. */
  flag: Fields;
  /** Targeting parts, in the resource's vocabulary; segment conditions name segment keys where one matches. */
  targeting: Fields;
}

interface SegmentSnapshot {
  key: string;
  id: string;
  /** Segment inputs without environmentId. */
  segment: Fields;
}

interface EnvSnapshot {
  env: Environment;
  flags: FlagSnapshot[];
  segments: SegmentSnapshot[];
}

const PLACEHOLDER_ENV = "00000000-0000-4000-8000-000000000000";
const SEGMENT_FIELDS = ["name", "description", "included", "excluded", "rules", "tags"] as const;
const FLAG_FIELDS = ["name", "description", "variations", "tags"] as const;
const BOOLEAN_DEFAULT = [
  { name: "true", value: "true" },
  { name: "false", value: "false" },
];

/** Reads only: the resources' `read` needs a context, and never writes. */
function readContext(client: FeatBitClient): Context {
  return {
    client,
    organizationKey: undefined,
    writes: { sends: 1, lateLandingMs: 0, pollMs: 0, sleep: async () => undefined },
    warn: () => undefined,
  };
}

function firstMessage(error: { issues: readonly { path: PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  const where = issue.path.map(String).join(".");
  return `${where ? `${where}: ` : ""}${issue.message}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

async function readSegments(
  client: FeatBitClient,
  ctx: Context,
  env: Environment,
  where: string,
  notes: string[],
): Promise<{ segments: SegmentSnapshot[]; shared: Map<string, string> }> {
  const listed = await collectPages(`segments in ${where}`, (pageIndex, pageSize) =>
    client.segments.list(env.id, { pageIndex, pageSize }),
  );
  const segments: SegmentSnapshot[] = [];
  const shared = new Map<string, string>();
  const keys = new Set<string>();
  for (const item of [...listed].sort((a, b) => a.key.localeCompare(b.key))) {
    const subject = `segment '${item.key}' in ${where}`;
    if (item.type !== "environment-specific") {
      shared.set(item.id.toLowerCase(), item.key);
      notes.push(
        `${subject} is a ${item.type} segment: not exported (only environment-specific segments can be declared); rules using it keep its id`,
      );
      continue;
    }
    if (keys.has(item.key.toLowerCase())) {
      notes.push(
        `${subject} (${item.id}): another segment of this environment has the same key (FeatBit allows it, pulumi-featbit does not): not exported; rules using it keep its id`,
      );
      continue;
    }
    const raw = await client.segments.get(env.id, item.id);
    if (raw.isArchived) continue;
    keys.add(item.key.toLowerCase());
    const outs = (await segmentDefinition.read(ctx, `${env.id}/${item.id}`, undefined)) as Fields | undefined;
    if (!outs) continue;
    const segment: Fields = { key: outs.key };
    for (const field of SEGMENT_FIELDS) segment[field] = outs[field];
    const dropped = raw.rules.flatMap((r) =>
      r.conditions.some((c) => c.property === SEGMENT_IN || c.property === SEGMENT_NOT_IN) ? [r.name] : [],
    );
    if (dropped.length > 0) {
      notes.push(
        `${subject}: segment-membership conditions in rules ${dropped.map((n) => `'${n}'`).join(", ")} are left out (FeatBit's targeting endpoint cannot store them); the next up writes the rules without them`,
      );
    }
    const checked = segmentDefinition.schema.safeParse({ ...segment, environmentId: PLACEHOLDER_ENV });
    if (!checked.success) {
      notes.push(
        `${subject}: not exported, it does not pass pulumi-featbit's check (${firstMessage(checked.error)})`,
      );
      continue;
    }
    segments.push({ key: item.key, id: item.id, segment });
  }
  return { segments, shared };
}

/** Segment ids in rules → the keys of this environment's exported segments (ids that match none stay ids). */
function segmentKeysIn(
  rules: unknown,
  byId: Map<string, string>,
  shared: Map<string, string>,
  subject: string,
  notes: string[],
): unknown {
  if (!Array.isArray(rules)) return rules;
  return rules.map((rule: Fields) => ({
    ...rule,
    conditions: (rule.conditions as Fields[]).map((condition) => {
      const copy = { ...condition };
      for (const which of ["segment", "notInSegment"]) {
        const value = condition[which];
        if (value === undefined) continue;
        const map = (id: string) => {
          const key = byId.get(id.toLowerCase());
          if (key !== undefined) return key;
          if (!shared.has(id.toLowerCase())) {
            notes.push(
              `${subject}: rule '${String(rule.name)}' names segment ${id}, which this environment does not have (the rule never matches); kept as it is`,
            );
          }
          return id;
        };
        copy[which] = Array.isArray(value) ? value.map((v: string) => map(v)) : map(value as string);
      }
      return copy;
    }),
  }));
}

async function readFlags(
  client: FeatBitClient,
  ctx: Context,
  env: Environment,
  where: string,
  segments: SegmentSnapshot[],
  shared: Map<string, string>,
  notes: string[],
): Promise<FlagSnapshot[]> {
  const list = (archived: boolean) =>
    collectPages(`feature flags in ${where}`, (pageIndex, pageSize) =>
      client.flags.list(env.id, { isArchived: archived, sortBy: "key", pageIndex, pageSize }),
    );
  for (const archived of await list(true)) {
    notes.push(`feature flag '${archived.key}' in ${where} is archived: not exported`);
  }
  const byId = new Map(segments.map((s) => [s.id.toLowerCase(), s.key]));
  const flags: FlagSnapshot[] = [];
  for (const item of await list(false)) {
    const subject = `feature flag '${item.key}' in ${where}`;
    const id = `${env.id}/${item.key}`;
    const raw = await client.flags.get(env.id, item.key);
    const outs = (await featureFlagDefinition.read(ctx, id, undefined)) as Fields | undefined;
    if (!outs) continue;
    const flag: Fields = {
      key: outs.key,
      variationType: outs.variationType,
      name: outs.name,
      description: outs.description,
      variations: (outs.variations as { name: string; value: string }[]).map((v) => ({
        name: v.name,
        value: v.value,
      })),
      tags: outs.tags,
    };
    const checked = featureFlagDefinition.schema.safeParse({ ...flag, environmentId: PLACEHOLDER_ENV });
    if (!checked.success) {
      notes.push(
        `${subject}: not exported, it does not pass pulumi-featbit's check (${firstMessage(checked.error)})`,
      );
      continue;
    }
    const live = (await featureFlagTargetingDefinition.read(ctx, id, undefined)) as Fields;
    const names = (flag.variations as { name: string }[]).map((v) => v.name);
    const targeting: Fields = {};
    for (const part of TARGETING_PARTS) {
      if (live[part] === undefined) continue;
      // Each part alone, against the flag's variations: a part that does not fit (a dangling variation id, an
      // operator this package does not know) stays with the FeatBit UI.
      const parsed = featureFlagTargetingDefinition.schema.safeParse({
        environmentId: PLACEHOLDER_ENV,
        flagKey: item.key,
        variations: names,
        [part]: live[part],
      });
      if (!parsed.success) {
        notes.push(
          `${subject}: ${part} not exported, left as it is in FeatBit (${firstMessage(parsed.error)})`,
        );
        continue;
      }
      targeting[part] =
        part === "rules" ? segmentKeysIn(live.rules, byId, shared, subject, notes) : live[part];
    }
    // Only settings that differ from what FeatBit gives a new flag or rule are worth a note: they are UI-owned and
    // stay as they are either way.
    const experiments = [
      ...raw.rules.filter((r) => r.includedInExpt).map((r) => `rule '${r.name}' is included in experiments`),
      ...([...raw.rules, raw.fallthrough].some((r) => r.variations.some((v) => v.exptRollout !== 1))
        ? ["experiment rollouts are set"]
        : []),
    ];
    if (experiments.length > 0) {
      notes.push(
        `${subject}: experiment settings (${experiments.join("; ")}) are not declared: they belong to the FeatBit UI and stay as they are`,
      );
    }
    const pending = await client.flags.pendingChanges(env.id, item.key);
    if (pending.length > 0) {
      notes.push(
        `${subject}: ${pending.length} pending change(s) (${pending.map((p) => p.type).join(", ")}) are not exported; targeting writes wait until they are applied or deleted`,
      );
    }
    flags.push({ key: item.key, flag, targeting });
  }
  return flags;
}

async function readProject(
  client: FeatBitClient,
  options: ExportOptions,
  notes: string[],
): Promise<{ project: ProjectWithEnvs; envs: EnvSnapshot[] }> {
  const projects = await client.projects.list();
  const project = projects.find((p) => p.key.toLowerCase() === options.project.toLowerCase());
  if (!project) {
    throw new Error(
      `no project with key '${options.project}' is visible to this access token (projects: ${projects.map((p) => p.key).join(", ") || "none"})`,
    );
  }
  const wanted = options.environments?.map((e) => e.toLowerCase());
  const missing = (wanted ?? []).filter((w) => !project.environments.some((e) => e.key.toLowerCase() === w));
  if (missing.length > 0) {
    throw new Error(
      `project '${project.key}' has no environment ${missing.map((m) => `'${m}'`).join(", ")} (it has ${project.environments.map((e) => e.key).join(", ")})`,
    );
  }
  const chosen = project.environments.filter(
    (e) => wanted === undefined || wanted.includes(e.key.toLowerCase()),
  );
  const ctx = readContext(client);
  const envs: EnvSnapshot[] = [];
  for (const env of chosen) {
    const where = `environment '${env.key}'`;
    const { segments, shared } = await readSegments(client, ctx, env, where, notes);
    const flags = await readFlags(client, ctx, env, where, segments, shared, notes);
    envs.push({ env, flags, segments });
  }
  return { project, envs };
}

// ---------------------------------------------------------------------------------------------------------------
// One definition for several environments

/** The value most environments share (ties: the first environment's), and the environments that differ. */
function shared(values: Map<string, unknown>): { value: unknown; differing: Map<string, unknown> } {
  const counts = new Map<string, { value: unknown; count: number }>();
  for (const value of values.values()) {
    const key = canonicalJson(value);
    const entry = counts.get(key) ?? { value, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  let best: { value: unknown; count: number } | undefined;
  for (const entry of counts.values()) if (!best || entry.count > best.count) best = entry;
  const differing = new Map<string, unknown>();
  for (const [env, value] of values) {
    if (canonicalJson(value) !== canonicalJson(best?.value)) differing.set(env, value);
  }
  return { value: best?.value, differing };
}

/** Variation values as a person writes them; each converts back to exactly FeatBit's stored text. */
function valueForFile(type: unknown, value: string): unknown {
  if (type === "boolean") return value === "true";
  if (type === "number") return String(Number(value)) === value ? Number(value) : value;
  if (type === "json") {
    try {
      const parsed: unknown = JSON.parse(value);
      return parsed !== null && typeof parsed === "object" ? parsed : value;
    } catch {
      return value;
    }
  }
  return value;
}

/**
 * Whether a value is what the resource assumes when the field is omitted, so the program can leave it out. Targeting
 * parts are never defaults: declaring `rules: []` owns the rules (none), omitting them leaves them to the UI.
 */
function isDefault(field: string, value: unknown, type: unknown): boolean {
  if (field === "description") return value === "" || value === undefined;
  if (["tags", "included", "excluded"].includes(field)) return Array.isArray(value) && value.length === 0;
  if (field === "variations")
    return type === "boolean" && canonicalJson(value) === canonicalJson(BOOLEAN_DEFAULT);
  return false;
}

/** Segment rules default to none (unlike a flag's rules, a targeting part). */
const isSegmentDefault = (field: string, value: unknown): boolean =>
  isDefault(field, value, undefined) || (field === "rules" && Array.isArray(value) && value.length === 0);

function forFile(field: string, value: unknown, type: unknown): unknown {
  if (field !== "variations" || !Array.isArray(value)) return value;
  return value.map((v: { name: string; value: string }) => ({
    name: v.name,
    value: valueForFile(type, v.value),
  }));
}

/**
 * One entry for a key across environments: each field's most common value is the shared one; other environments
 * get overrides, and environments without the object get `false`.
 */
function mergeEntry(
  key: string,
  byEnv: Map<string, Fields>,
  allEnvs: string[],
  fields: readonly string[],
  type: unknown,
  omit: (field: string, value: unknown) => boolean,
  parts: readonly string[] = [],
): Fields {
  const entry: Fields = { key };
  const overrides = new Map<string, Fields>();
  const override = (env: string) => overrides.get(env) ?? overrides.set(env, {}).get(env)!;
  for (const field of [...fields, ...parts]) {
    const values = new Map<string, unknown>();
    for (const [env, snapshot] of byEnv) if (snapshot[field] !== undefined) values.set(env, snapshot[field]);
    if (values.size === 0) continue;
    // A part some environment leaves to the UI cannot be shared: an override can replace a part, not remove it.
    const everywhere = values.size === byEnv.size;
    const { value, differing } = everywhere ? shared(values) : { value: undefined, differing: values };
    // A shared default is left out; environments that differ from it still say so in their overrides.
    if (everywhere && !omit(field, value)) entry[field] = forFile(field, value, type);
    for (const [env, v] of differing) override(env)[field] = forFile(field, v, type);
  }
  const environments: Fields = {};
  for (const env of allEnvs) {
    if (!byEnv.has(env)) environments[env] = false;
    else if (overrides.has(env)) environments[env] = overrides.get(env);
  }
  // The order a person reads: what it is, then how it is targeted, then what differs per environment.
  const ordered: Fields = { key, name: entry.name, description: entry.description };
  if (type !== undefined && type !== "boolean") ordered.variationType = type;
  for (const [field, value] of Object.entries(entry)) if (!(field in ordered)) ordered[field] = value;
  if (Object.keys(environments).length > 0) ordered.environments = environments;
  for (const field of Object.keys(ordered)) if (ordered[field] === undefined) delete ordered[field];
  return ordered;
}

function flagSetDocument(envs: EnvSnapshot[], notes: string[]): { flags: Fields[]; segments: Fields[] } {
  const allEnvs = envs.map((e) => e.env.key);
  const segmentKeys = [...new Set(envs.flatMap((e) => e.segments.map((s) => s.key)))].sort();
  const segments = segmentKeys.map((key) => {
    const byEnv = new Map<string, Fields>();
    for (const e of envs) {
      const s = e.segments.find((x) => x.key === key);
      if (s) byEnv.set(e.env.key, s.segment);
    }
    return mergeEntry(key, byEnv, allEnvs, SEGMENT_FIELDS, undefined, isSegmentDefault);
  });
  const flagKeys = [...new Set(envs.flatMap((e) => e.flags.map((f) => f.key)))].sort();
  const flags = flagKeys.map((key) => {
    const byEnv = new Map<string, Fields>();
    for (const e of envs) {
      const f = e.flags.find((x) => x.key === key);
      if (f) byEnv.set(e.env.key, { ...f.flag, ...f.targeting });
    }
    const types = shared(new Map([...byEnv].map(([env, f]) => [env, f.variationType])));
    for (const [env] of types.differing) {
      notes.push(
        `feature flag '${key}' in environment '${env}' has variationType '${String(byEnv.get(env)?.variationType)}', unlike its other environments ('${String(types.value)}'): a FlagSet flag has one type, so this environment's flag is not exported`,
      );
      byEnv.delete(env);
    }
    return mergeEntry(
      key,
      byEnv,
      allEnvs,
      FLAG_FIELDS,
      types.value,
      (field, value) => isDefault(field, value, types.value),
      TARGETING_PARTS,
    );
  });
  return { flags, segments };
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

/** A TypeScript literal; `Code` values are written as they are. */
class Code {
  constructor(readonly text: string) {}
}

const propertyName = (k: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : JSON.stringify(k));

function literal(value: unknown, indent = ""): string {
  if (value instanceof Code) return value.text;
  if (value === undefined) return "undefined";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const flat = value.map((v) => literal(v, inner));
    const oneLine = `[${flat.join(", ")}]`;
    if (oneLine.length <= 80 && !oneLine.includes("\n")) return oneLine;
    return `[\n${flat.map((v) => `${inner}${v},`).join("\n")}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  const parts = entries.map(([k, v]) => `${propertyName(k)}: ${literal(v, inner)}`);
  const oneLine = `{ ${parts.join(", ")} }`;
  if (oneLine.length <= 80 && !oneLine.includes("\n")) return oneLine;
  return `{\n${parts.map((p) => `${inner}${p},`).join("\n")}\n${indent}}`;
}

const camel = (text: string) =>
  text
    .replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))
    .replace(/^[0-9]/, (d) => `_${d}`);

class Names {
  private readonly used = new Set<string>(["featbit", "pulumi", "path", "project", "environments"]);
  take(wanted: string): string {
    let name = camel(wanted) || "x";
    for (let i = 2; this.used.has(name); i++) name = `${camel(wanted)}${i}`;
    this.used.add(name);
    return name;
  }
}

function header(project: ProjectWithEnvs, notes: string[], comment: string): string {
  return [
    `${comment} Exported from FeatBit project '${project.key}' by featbit-export. The first \`pulumi up\` adopts what exists`,
    `${comment} (no object is created or deleted); after that, this program manages it.`,
    ...(notes.length > 0
      ? [`${comment} Not exported (${notes.length}): see EXPORT.md.`]
      : [`${comment} Everything was exported.`]),
  ].join("\n");
}

function environmentDeclarations(project: ProjectWithEnvs, envs: EnvSnapshot[]): string[] {
  // Protected: they hold the SDK keys applications use, and a `pulumi destroy` of an exported estate should not
  // delete them by accident.
  const lines = [
    `const project = new featbit.Project(${JSON.stringify(project.key)}, ${literal({ key: project.key, name: project.name, importId: project.id })});`,
    "",
    "const environments = {",
  ];
  for (const { env } of envs) {
    const args = {
      projectId: new Code("project.projectId"),
      key: env.key,
      name: env.name,
      ...(env.description ? { description: env.description } : {}),
      ...(env.settings?.requireChangeComment ? { requireChangeComment: true } : {}),
      importId: `${project.id}/${env.id}`,
    };
    lines.push(
      `  ${propertyName(env.key)}: new featbit.Environment(${JSON.stringify(`${project.key}-${env.key}`)}, ${literal(args, "  ")}),`,
    );
  }
  lines.push("};");
  return lines;
}

/** Block style, with short lists and objects of plain values on one line (`{ variation: On, percent: 10 }`). */
function flagSetYaml(data: Fields): string {
  const doc = new Document(data);
  visit(doc, {
    Collection(_key, node) {
      const leaves = isSeq(node)
        ? node.items.every((i) => isScalar(i))
        : isMap(node) && node.items.every((p) => isScalar(p.value));
      if (leaves && JSON.stringify(node.toJSON()).length <= 60) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

function yamlProgram(project: ProjectWithEnvs, envs: EnvSnapshot[], notes: string[]): ExportedFile[] {
  const doc = flagSetDocument(envs, notes);
  const flagsFile = `flags/${project.key}.yaml`;
  const yaml = [
    "# yaml-language-server: $schema=../node_modules/pulumi-featbit/dist/flagset/flagset.schema.json",
    header(project, notes, "#"),
    flagSetYaml({
      ...(doc.segments.length ? { segments: doc.segments } : {}),
      ...(doc.flags.length ? { flags: doc.flags } : {}),
    }),
  ].join("\n");
  const program = [
    header(project, notes, "//"),
    'import * as path from "node:path";',
    'import * as featbit from "pulumi-featbit";',
    "",
    ...environmentDeclarations(project, envs),
    "",
    "// Every flag, its targeting and every segment: see flags/. `adopt` takes over the existing objects by key.",
    `new featbit.FlagSet("flags", {`,
    `  path: path.join(__dirname, "flags"),`,
    "  environments,",
    "  adopt: true,",
    "});",
    "",
    "export const projectId = project.projectId;",
    "",
  ].join("\n");
  return [
    { path: "index.ts", content: program },
    { path: flagsFile, content: yaml },
  ];
}

function tsProgram(project: ProjectWithEnvs, envs: EnvSnapshot[], notes: string[]): ExportedFile[] {
  const names = new Names();
  const lines = [
    header(project, notes, "//"),
    'import * as featbit from "pulumi-featbit";',
    "",
    ...environmentDeclarations(project, envs),
  ];
  for (const { env, flags, segments } of envs) {
    const envRef = `environments${/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(env.key) ? `.${env.key}` : `[${JSON.stringify(env.key)}]`}`;
    lines.push("", `// ---- environment '${env.key}'`);
    const segmentVars = new Map<string, string>();
    for (const s of segments) {
      const variable = names.take(`${env.key}-segment-${s.key}`);
      segmentVars.set(s.key, variable);
      const args: Fields = { environmentId: new Code(`${envRef}.environmentId`), key: s.key };
      for (const field of SEGMENT_FIELDS)
        if (!isSegmentDefault(field, s.segment[field])) args[field] = s.segment[field];
      args.importId = `${env.id}/${s.id}`;
      lines.push(
        `const ${variable} = new featbit.Segment(${JSON.stringify(`${env.key}/${s.key}`)}, ${literal(args)});`,
      );
    }
    for (const f of flags) {
      const variable = names.take(`${env.key}-${f.key}`);
      const type = f.flag.variationType;
      const args: Fields = {
        environmentId: new Code(`${envRef}.environmentId`),
        key: f.key,
        name: f.flag.name,
      };
      if (!isDefault("description", f.flag.description, type)) args.description = f.flag.description;
      if (type !== "boolean") args.variationType = type;
      if (!isDefault("variations", f.flag.variations, type))
        args.variations = forFile("variations", f.flag.variations, type);
      if (!isDefault("tags", f.flag.tags, type)) args.tags = f.flag.tags;
      args.importId = `${env.id}/${f.key}`;
      const name = JSON.stringify(`${env.key}/${f.key}`);
      lines.push(`const ${variable} = new featbit.FeatureFlag(${name}, ${literal(args)});`);
      if (Object.keys(f.targeting).length === 0) continue;
      const targeting: Fields = { flag: new Code(variable) };
      for (const part of TARGETING_PARTS) {
        if (f.targeting[part] === undefined) continue;
        targeting[part] =
          part === "rules" ? withSegmentRefs(f.targeting.rules, segmentVars) : f.targeting[part];
      }
      lines.push(`new featbit.FeatureFlagTargeting(${name}, ${literal(targeting)});`);
    }
  }
  lines.push("", "export const projectId = project.projectId;", "");
  return [{ path: "index.ts", content: lines.join("\n") }];
}

function withSegmentRefs(rules: unknown, vars: Map<string, string>): unknown {
  if (!Array.isArray(rules)) return rules;
  const ref = (v: string) => (vars.has(v) ? new Code(`${vars.get(v)}.segmentId`) : v);
  return rules.map((rule: Fields) => ({
    ...rule,
    conditions: (rule.conditions as Fields[]).map((c) => {
      const copy: Fields = { ...c };
      for (const which of ["segment", "notInSegment"]) {
        const value = c[which];
        if (value !== undefined) copy[which] = Array.isArray(value) ? value.map(ref) : ref(value as string);
      }
      return copy;
    }),
  }));
}

function supportFiles(project: ProjectWithEnvs, options: ExportOptions, notes: string[]): ExportedFile[] {
  const name = `featbit-${project.key}`.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
  const exported = `featbit-export --project ${project.key}${(options.environments ?? []).map((e) => ` --env ${e}`).join("")} --format ${options.format}`;
  return [
    {
      path: "Pulumi.yaml",
      content: `name: ${name}\nruntime: nodejs\ndescription: FeatBit project '${project.key}', exported by featbit-export\n`,
    },
    {
      path: "package.json",
      content: `${JSON.stringify(
        {
          name,
          private: true,
          main: "index.ts",
          // What `pulumi new typescript` adds: the TypeScript Pulumi type-checks the program with, under the
          // tsconfig.json below (the 3.8 Pulumi bundles refuses its `module: nodenext`).
          devDependencies: { "@types/node": "^18", typescript: "^5.0.0" },
          dependencies: { "@pulumi/pulumi": "^3.216.0", "pulumi-featbit": options.packageSpec ?? "^0.1.0" },
        },
        null,
        2,
      )}\n`,
    },
    { path: "tsconfig.json", content: `${JSON.stringify(TEMPLATE_TSCONFIG, null, 4)}\n` },
    {
      path: "EXPORT.md",
      content: [
        `# FeatBit project '${project.key}', exported`,
        "",
        `Written by \`${exported}\`. Settings (FEATBIT_API_URL, FEATBIT_ACCESS_TOKEN, …) come from the environment or stack`,
        "config as for any pulumi-featbit program; no token or SDK key is written here.",
        "",
        "The first `pulumi up` adopts every object (importId / adopt): it creates and deletes nothing, and a `pulumi",
        "preview` right after it shows no changes. Adopted objects are released, not deleted, when the stack is",
        "destroyed (or when one is removed from the program): `pulumi destroy` leaves FeatBit exactly as it was exported.",
        'To have the stack delete an object it did not create, set `onDestroy: "delete"` on it (`onDestroy: archive`',
        "for a flag or segment keeps it archived instead).",
        "",
        "## Not exported",
        "",
        ...(notes.length > 0
          ? notes.map((n) => `- ${n}`)
          : ["Nothing: every object and setting was exported."]),
        "",
      ].join("\n"),
    },
  ];
}

/** Reads the project and returns the program's files (nothing is written here: see exportCli). */
export async function exportProject(client: FeatBitClient, options: ExportOptions): Promise<ExportResult> {
  const notes: string[] = [];
  const { project, envs } = await readProject(client, options, notes);
  const program =
    options.format === "ts" ? tsProgram(project, envs, notes) : yamlProgram(project, envs, notes);
  return {
    files: [...program, ...supportFiles(project, options, notes)].map((f) => ({
      ...f,
      path: f.path.split("/").join(path.sep),
    })),
    notes,
    counts: {
      environments: envs.length,
      flags: envs.reduce((n, e) => n + e.flags.length, 0),
      segments: envs.reduce((n, e) => n + e.segments.length, 0),
    },
  };
}

/** For tests: the pure pieces. */
export const exportInternals = { valueForFile, literal };
