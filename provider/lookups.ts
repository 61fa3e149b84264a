// Lookups: exact reads of FeatBit objects a program refers to but does not manage (a project another team owns, the
// built-in Developer policy, a member by email). Each comes in the two forms of a generated Pulumi SDK: `getX(args)`,
// a promise of plain data, and `getXOutput(args)`, a `pulumi.Output` that takes other resources' outputs as arguments
// and makes no API call while any of them is unknown (a preview before they exist).
//
// They run in the user's program, not in the provider process, so they resolve the settings themselves, from the same
// places and in the same order as the resources: `featbit:*` stack config, then the FEATBIT_* environment variables,
// with `installation` naming a configured installation (see client/settings.ts). Nothing they return or throw holds
// the access token, and SDK keys come back as Pulumi secrets.
//
// Exact means exact: a key, name or email that matches nothing (or more than one object) is an error naming what was
// looked for, with a suggestion when something close exists, never a guess.
//
// Each lookup is one definition (`lookups` below: its arguments and result as zod schemas, its secret fields, and the
// read against one client), served by both hosts: here in the program, and by the native plugin as a function
// (an invoke, provider/host/native.ts), whose settings are the provider's.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  collectPages,
  createClient,
  isFeatBitApiError,
  isFeatBitConfigError,
  resolveInstallationSettings,
  type ConfigSource,
  type FeatBitClient,
  type ProjectWithEnvs,
  type Segment as ApiSegment,
  type SegmentVm,
  type UnreadableItem,
  unreadableError,
  unreadableWhere,
} from "./client";
import { sameKey } from "./resources/core/canonical";
import { closest } from "./resources/core/suggest";
import type { PolicyStatement } from "./resources/policy";

// ---------------------------------------------------------------------------------------------------------------
// Arguments and results

/** Every lookup may name the FeatBit installation it reads (see ConnectionArgs); omitted, the default one. */
export interface LookupConnection {
  installation?: string;
}

/** The same arguments, each of which may be another resource's output. */
export type LookupOutputArgs<T> = { [K in keyof T]: pulumi.Input<T[K]> };

export interface GetProjectArgs extends LookupConnection {
  /** The project's key (FeatBit compares keys ignoring case). */
  key: string;
}

export interface GetProjectResult {
  projectId: string;
  key: string;
  name: string;
  environments: { environmentId: string; key: string; name: string }[];
}

export interface GetEnvironmentArgs extends LookupConnection {
  /** The project, by key; or give projectId. */
  projectKey?: string;
  /** The project, by id; or give projectKey. */
  projectId?: string;
  /** The environment's key (ignoring case). */
  key: string;
}

export interface GetEnvironmentResult {
  environmentId: string;
  projectId: string;
  projectKey: string;
  key: string;
  name: string;
  description: string;
  requireChangeComment: boolean;
  /** The server-side SDK key, as a Pulumi secret. */
  serverKey: pulumi.Output<string>;
  /** The client-side SDK key, as a Pulumi secret. */
  clientKey: pulumi.Output<string>;
}

export interface GetFeatureFlagArgs extends LookupConnection {
  environmentId: string;
  /** The flag's key, exactly (FeatBit reads flags by key case-sensitively). */
  key: string;
}

export interface GetFeatureFlagResult {
  flagId: string;
  environmentId: string;
  key: string;
  name: string;
  description: string;
  variationType: string;
  variations: { id: string; name: string; value: string }[];
  enabled: boolean;
  /** Archived flags are found too: check this before relying on one. */
  archived: boolean;
  tags: string[];
}

export interface GetSegmentArgs extends LookupConnection {
  environmentId: string;
  /** The segment's key (ignoring case). */
  key: string;
}

export interface GetSegmentResult {
  segmentId: string;
  environmentId: string;
  key: string;
  name: string;
  description: string;
  /** "environment-specific" or "shared". */
  type: string;
  included: string[];
  excluded: string[];
  tags: string[];
}

export interface GetPolicyArgs extends LookupConnection {
  /** The policy's name, exactly (case included); or give key. */
  name?: string;
  /** The policy's key (ignoring case); or give name. */
  key?: string;
}

export interface GetPolicyResult {
  policyId: string;
  key: string;
  name: string;
  description: string;
  /** FeatBit's built-in Owner, Administrator and Developer policies (SysManaged). */
  builtIn: boolean;
  /**
   * As FeatBit holds them. FeatBit stores statements as sent, so one written with its API may spell its effect
   * otherwise ('Allow'); FeatBit allows only for exactly 'allow', so such a statement denies wherever it matches.
   */
  statements: PolicyStatement[];
}

export interface GetGroupArgs extends LookupConnection {
  /** The group's name, exactly (case included). */
  name: string;
}

export interface GetGroupResult {
  groupId: string;
  name: string;
  description: string;
}

export interface GetMemberArgs extends LookupConnection {
  /**
   * The member's email address. FeatBit compares emails as written, so two members may differ only in case: the one
   * written exactly so is found; otherwise case is ignored, when that leaves one member.
   */
  email: string;
}

export interface GetMemberResult {
  memberId: string;
  email: string;
  name: string;
}

// The same, as zod schemas: the native plugin checks its functions' arguments with them, and the package schema
// (provider/native/schema.ts) takes its types from them.
const text = (what: string) => z.string({ error: `${what} must be a string` });
const projectArgsSchema = z.object({ key: text("key") });
const environmentArgsSchema = z.object({
  projectKey: text("projectKey").optional(),
  projectId: text("projectId").optional(),
  key: text("key"),
});
const featureFlagArgsSchema = z.object({ environmentId: text("environmentId"), key: text("key") });
const segmentArgsSchema = z.object({ environmentId: text("environmentId"), key: text("key") });
const policyArgsSchema = z.object({ name: text("name").optional(), key: text("key").optional() });
const groupArgsSchema = z.object({ name: text("name") });
const memberArgsSchema = z.object({ email: text("email") });

const projectResultSchema = z.object({
  projectId: z.string(),
  key: z.string(),
  name: z.string(),
  environments: z.array(z.object({ environmentId: z.string(), key: z.string(), name: z.string() })),
});
const environmentResultSchema = z.object({
  environmentId: z.string(),
  projectId: z.string(),
  projectKey: z.string(),
  key: z.string(),
  name: z.string(),
  description: z.string(),
  requireChangeComment: z.boolean(),
  serverKey: z.string(),
  clientKey: z.string(),
});
const featureFlagResultSchema = z.object({
  flagId: z.string(),
  environmentId: z.string(),
  key: z.string(),
  name: z.string(),
  description: z.string(),
  variationType: z.string(),
  variations: z.array(z.object({ id: z.string(), name: z.string(), value: z.string() })),
  enabled: z.boolean(),
  archived: z.boolean(),
  tags: z.array(z.string()),
});
const segmentResultSchema = z.object({
  segmentId: z.string(),
  environmentId: z.string(),
  key: z.string(),
  name: z.string(),
  description: z.string(),
  type: z.string(),
  included: z.array(z.string()),
  excluded: z.array(z.string()),
  tags: z.array(z.string()),
});
const policyResultSchema = z.object({
  policyId: z.string(),
  key: z.string(),
  name: z.string(),
  description: z.string(),
  builtIn: z.boolean(),
  statements: z.array(
    z.object({
      effect: z.string(),
      resourceType: z.string(),
      actions: z.array(z.string()),
      resources: z.array(z.string()),
    }),
  ),
});
const groupResultSchema = z.object({ groupId: z.string(), name: z.string(), description: z.string() });
const memberResultSchema = z.object({ memberId: z.string(), email: z.string(), name: z.string() });

// ---------------------------------------------------------------------------------------------------------------
// Settings, client and errors

/**
 * A lookup's failure, shown by Pulumi as its message alone (a RunError carries no stack trace to the user): what was
 * looked for, and what to do.
 */
export class LookupError extends pulumi.RunError {
  constructor(message: string) {
    super(message);
    this.name = "LookupError";
  }
}

// ---------------------------------------------------------------------------------------------------------------
// What both hosts share: the definitions, and how one runs

/** A lookup's result as data: what the program form returns as a secret Output is a plain value here. */
export type Plain<R> = { [K in keyof R]: R[K] extends pulumi.Output<infer T> ? T : R[K] };

/**
 * @internal
 * One lookup, as the program (getX/getXOutput) and the native plugin (the function `featbit:index:getX`) serve it:
 * its arguments and result (zod schemas: the package schema's types come from them), which result fields are
 * secrets, how messages name it, and the read itself against one installation's client.
 */
export interface LookupDefinition<A extends LookupConnection, R> {
  readonly name: string;
  readonly args: z.ZodType<Omit<A, "installation">>;
  /** What the result holds, for the package schema (the read's own type is R). */
  readonly result: z.ZodType;
  /** Result fields the program gets as Pulumi secrets and the plugin marks secret. */
  readonly secrets?: readonly (keyof R & string)[];
  what(args: A): string;
  read(client: FeatBitClient, what: string, args: A): Promise<R>;
}

/** @internal A lookup of forgotten types, for the table of every lookup. */
export interface AnyLookup {
  readonly name: string;
  readonly args: z.ZodType;
  readonly result: z.ZodType;
  readonly secrets?: readonly string[];
  what(args: never): string;
  read(client: FeatBitClient, what: string, args: never): Promise<unknown>;
}

/** Arguments a host could not make sense of: the first problem, named by field. */
function argumentsOf<A>(lookup: { name: string; args: z.ZodType }, raw: A): A {
  const parsed = lookup.args.safeParse(raw);
  if (parsed.success) return raw;
  const issue = parsed.error.issues[0];
  const field = issue.path.map(String).join(".");
  throw new LookupError(`${lookup.name}: ${field ? `${field}: ` : ""}${issue.message}`);
}

/**
 * @internal
 * Runs one lookup with the client `clientOf` gives, turning settings and API failures into a LookupError that says
 * which lookup failed. Both hosts call it: the program with its own settings, the plugin with its provider's.
 */
export async function runLookup<A extends LookupConnection, R>(
  lookup: LookupDefinition<A, R>,
  rawArgs: A,
  clientOf: (installation: string | undefined) => FeatBitClient,
): Promise<R> {
  const args = argumentsOf(lookup, rawArgs);
  const what = lookup.what(args);
  let client: FeatBitClient;
  try {
    client = clientOf(args.installation);
  } catch (err) {
    if (isFeatBitConfigError(err)) throw new LookupError(`${what} cannot run: ${err.message}`);
    throw err;
  }
  try {
    return await lookup.read(client, what, args);
  } catch (err) {
    if (err instanceof LookupError) throw err;
    // FeatBit's answers are already worded (and scrubbed of secrets) by the client.
    if (isFeatBitApiError(err)) throw new LookupError(`${what} failed: ${err.detail}`);
    // Anticipated failures (a listing that changed while it was read) are plain Errors; a bug keeps its own type.
    if (err instanceof Error && err.constructor === Error)
      throw new LookupError(`${what} failed: ${err.message}`);
    throw err;
  }
}

/** The program's `featbit:*` stack config, read under the fully qualified keys the settings resolver uses. */
function stackConfig(): ConfigSource {
  const config = new pulumi.Config("featbit");
  return {
    get: (key) => (key.startsWith("featbit:") ? config.get(key.slice("featbit:".length)) : undefined),
  };
}

const clients = new Map<string, FeatBitClient>();

/** One client per distinct settings, reused by every lookup of the program (in memory only). */
function clientFor(installation: string | undefined): FeatBitClient {
  const { settings } = resolveInstallationSettings(stackConfig(), process.env, installation);
  const fingerprint = JSON.stringify(settings);
  let client = clients.get(fingerprint);
  if (!client) {
    client = createClient(settings);
    clients.set(fingerprint, client);
  }
  return client;
}

/** The program form: the program's settings, and the secret fields as Pulumi secrets. */
async function inProgram<A extends LookupConnection, R>(
  lookup: LookupDefinition<A, Plain<R>>,
  args: A,
): Promise<R> {
  const result = (await runLookup(lookup, args, clientFor)) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...result };
  for (const field of lookup.secrets ?? []) out[field] = pulumi.secret(result[field]);
  return out as R;
}

/** A lookup whose answer would be an object FeatBit holds in a shape pulumi-featbit cannot read: named, and why. */
function lookupOfUnreadable(what: string, kind: string, items: readonly UnreadableItem[]): LookupError {
  return new LookupError(`${what} failed: ${unreadableError(kind, items, "the lookup").message}`);
}

const didYouMean = (wanted: string, candidates: readonly string[]) => {
  const near = closest(wanted, candidates);
  return near === undefined ? "" : `; did you mean '${near}'?`;
};

/** Exactly one of two arguments, named for the message. */
function oneOf(what: string, a: [string, string | undefined], b: [string, string | undefined]): void {
  if ((a[1] === undefined) === (b[1] === undefined))
    throw new LookupError(
      `${what}: give either ${a[0]} or ${b[0]}, not ${a[1] === undefined ? "neither" : "both"}`,
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Lookups

async function projectByKey(client: FeatBitClient, what: string, key: string): Promise<ProjectWithEnvs> {
  const projects = await client.projects.list();
  const found = projects.find((p) => sameKey(p.key, key));
  const odd = unreadableWhere(projects, "key", (k) => sameKey(k, key));
  if (odd.length > 0) throw lookupOfUnreadable(what, "project", odd);
  if (!found) {
    throw new LookupError(
      `${what}: no project with key '${key}' is visible to this access token${didYouMean(
        key,
        projects.map((p) => p.key),
      )}`,
    );
  }
  return found;
}

const projectLookup: LookupDefinition<GetProjectArgs, Plain<GetProjectResult>> = {
  name: "getProject",
  args: projectArgsSchema,
  result: projectResultSchema,
  what: (args) => `getProject(key '${args.key}')`,
  async read(client, what, args) {
    const project = await projectByKey(client, what, args.key);
    return {
      projectId: project.id,
      key: project.key,
      name: project.name,
      environments: project.environments.map((e) => ({ environmentId: e.id, key: e.key, name: e.name })),
    };
  },
};

/** The project with the key (keys compare ignoring case, as FeatBit compares them). */
export function getProject(args: GetProjectArgs): Promise<GetProjectResult> {
  return inProgram(projectLookup, args);
}

const environmentLookup: LookupDefinition<GetEnvironmentArgs, Plain<GetEnvironmentResult>> = {
  name: "getEnvironment",
  args: environmentArgsSchema,
  result: environmentResultSchema,
  secrets: ["serverKey", "clientKey"],
  what(args) {
    const project =
      args.projectKey !== undefined ? `project '${args.projectKey}'` : `project ${args.projectId}`;
    return `getEnvironment(${project}, key '${args.key}')`;
  },
  async read(client, what, args) {
    oneOf(what, ["projectKey", args.projectKey], ["projectId", args.projectId]);
    const owner =
      args.projectKey !== undefined
        ? await projectByKey(client, what, args.projectKey)
        : await client.projects.find(args.projectId as string);
    if (!owner)
      throw new LookupError(`${what}: no project with id ${args.projectId} is visible to this access token`);
    const env = owner.environments.find((e) => sameKey(e.key, args.key));
    if (!env) {
      throw new LookupError(
        `${what}: project '${owner.key}' has no environment with key '${args.key}' visible to this access token ` +
          `(it has ${owner.environments.map((e) => `'${e.key}'`).join(", ") || "none"})` +
          didYouMean(
            args.key,
            owner.environments.map((e) => e.key),
          ),
      );
    }
    const secret = (type: "server" | "client") => env.secrets.find((s) => s.type === type)?.value ?? "";
    return {
      environmentId: env.id,
      projectId: owner.id,
      projectKey: owner.key,
      key: env.key,
      name: env.name,
      description: env.description ?? "",
      requireChangeComment: env.settings?.requireChangeComment ?? false,
      serverKey: secret("server"),
      clientKey: secret("client"),
    };
  },
};

/** The environment of a project (by the project's key or id) with the key; its SDK keys are secrets. */
export function getEnvironment(args: GetEnvironmentArgs): Promise<GetEnvironmentResult> {
  return inProgram(environmentLookup, args);
}

/** "environment 'shop/dev'" when the environment is visible, else its id (for messages). */
async function environmentLabel(client: FeatBitClient, what: string, envId: string): Promise<string> {
  const located = await client.environments.locate(envId);
  if (!located) {
    throw new LookupError(`${what}: no environment with id ${envId} is visible to this access token`);
  }
  return `environment '${located.project.key}/${located.environment.key}'`;
}

const featureFlagLookup: LookupDefinition<GetFeatureFlagArgs, Plain<GetFeatureFlagResult>> = {
  name: "getFeatureFlag",
  args: featureFlagArgsSchema,
  result: featureFlagResultSchema,
  what: (args) => `getFeatureFlag(environment ${args.environmentId}, key '${args.key}')`,
  async read(client, what, args) {
    let flag: Awaited<ReturnType<FeatBitClient["flags"]["find"]>>;
    try {
      flag = await client.flags.find(args.environmentId, args.key);
    } catch (err) {
      // FeatBit answers 403 under an environment that does not exist (or that the token may not see): say which.
      if (isFeatBitApiError(err) && err.kind === "forbidden")
        await environmentLabel(client, what, args.environmentId);
      throw err;
    }
    if (!flag) {
      const where = await environmentLabel(client, what, args.environmentId);
      const keys = (
        await collectPages(`feature flags in ${where}`, (pageIndex, pageSize) =>
          // FeatBit's filter matches names and keys containing it, ignoring case: enough to catch a key in another case.
          client.flags.list(args.environmentId, { name: args.key, pageIndex, pageSize }),
        )
      ).map((f) => f.key);
      throw new LookupError(
        `${what}: ${where} has no flag with key '${args.key}'${didYouMean(args.key, keys)}`,
      );
    }
    return {
      flagId: flag.id,
      environmentId: args.environmentId,
      key: flag.key,
      name: flag.name,
      description: flag.description ?? "",
      variationType: flag.variationType,
      variations: flag.variations.map((v) => ({ id: v.id, name: v.name, value: v.value })),
      enabled: flag.isEnabled,
      archived: flag.isArchived,
      tags: flag.tags,
    };
  },
};

/** The flag of an environment with the key (exactly: FeatBit reads flags by key case-sensitively). */
export function getFeatureFlag(args: GetFeatureFlagArgs): Promise<GetFeatureFlagResult> {
  return inProgram(featureFlagLookup, args);
}

const segmentLookup: LookupDefinition<GetSegmentArgs, Plain<GetSegmentResult>> = {
  name: "getSegment",
  args: segmentArgsSchema,
  result: segmentResultSchema,
  what: (args) => `getSegment(environment ${args.environmentId}, key '${args.key}')`,
  async read(client, what, args) {
    const envId = args.environmentId;
    const where = await environmentLabel(client, what, envId);
    const listed: (SegmentVm & { archived: boolean })[] = [];
    for (const archived of [false, true]) {
      const page = await collectPages(`segments in ${where}`, (pageIndex, pageSize) =>
        client.segments.list(envId, { isArchived: archived, pageIndex, pageSize }),
      );
      listed.push(...page.map((s) => ({ ...s, archived })));
    }
    const keyed = listed.filter((s) => sameKey(s.key, args.key));
    const full: ApiSegment[] =
      keyed.length === 0
        ? []
        : await client.segments.byIds(
            envId,
            keyed.map((s) => s.id),
          );
    const own = full.filter((s) => s.type !== "environment-specific" || s.envId == null || s.envId === envId);
    const active = own.filter((s) => !s.isArchived);
    if (active.length === 0) {
      if (own.length > 0) {
        throw new LookupError(
          `${what}: segment '${own[0].key}' of ${where} is archived (id ${own[0].id}): restore it in FeatBit ` +
            `(Segments → Archived → Restore) to use it`,
        );
      }
      throw new LookupError(
        `${what}: ${where} has no segment with key '${args.key}'${didYouMean(
          args.key,
          listed.filter((s) => !s.archived).map((s) => s.key),
        )}`,
      );
    }
    if (active.length > 1) {
      throw new LookupError(
        `${what}: ${active.length} segments of ${where} have key '${args.key}' (${active.map((s) => `${s.id} (${s.type})`).join(", ")}; FeatBit does not enforce unique segment keys): rename or archive all but one in FeatBit`,
      );
    }
    const [segment] = active;
    return {
      segmentId: segment.id,
      environmentId: envId,
      key: segment.key,
      name: segment.name,
      description: segment.description ?? "",
      type: segment.type,
      included: segment.included,
      excluded: segment.excluded,
      tags: segment.tags,
    };
  },
};

/**
 * The segment an environment lists with the key. FeatBit does not enforce unique segment keys, and an environment
 * lists shared segments and those of a deleted environment of the same keys too: only a segment that belongs to the
 * environment (its own, or a shared one covering it) counts, and more than one active match is an error.
 */
export function getSegment(args: GetSegmentArgs): Promise<GetSegmentResult> {
  return inProgram(segmentLookup, args);
}

const policyLookup: LookupDefinition<GetPolicyArgs, Plain<GetPolicyResult>> = {
  name: "getPolicy",
  args: policyArgsSchema,
  result: policyResultSchema,
  what: (args) =>
    args.name !== undefined && args.key === undefined
      ? `getPolicy(name '${args.name}')`
      : `getPolicy(key '${args.key ?? "?"}')`,
  async read(client, what, args) {
    oneOf(what, ["name", args.name], ["key", args.key]);
    // FeatBit's name filter is a case-insensitive substring match: it narrows the pages, the match below decides.
    const all = await client.policies.all(args.name);
    const matches =
      args.name !== undefined
        ? all.filter((p) => p.name === args.name)
        : all.filter((p) => sameKey(p.key, args.key as string));
    const odd =
      args.name !== undefined
        ? unreadableWhere(all, "name", (n) => n === args.name)
        : unreadableWhere(all, "key", (k) => sameKey(k, args.key as string));
    if (odd.length > 0) throw lookupOfUnreadable(what, "policy", odd);
    if (matches.length === 0) {
      const others = args.name !== undefined ? await client.policies.all() : all;
      const wanted = (args.name ?? args.key) as string;
      throw new LookupError(
        `${what}: no policy ${args.name !== undefined ? "is named" : "has key"} '${wanted}'` +
          didYouMean(
            wanted,
            others.map((p) => (args.name !== undefined ? p.name : p.key)),
          ),
      );
    }
    if (matches.length > 1) {
      throw new LookupError(
        `${what}: ${matches.length} policies match (${matches.map((p) => `key '${p.key}', id ${p.id}`).join("; ")}; ` +
          `FeatBit does not enforce unique policy names or keys): rename all but one in FeatBit`,
      );
    }
    const [policy] = matches;
    return {
      policyId: policy.id,
      key: policy.key,
      name: policy.name,
      description: policy.description ?? "",
      builtIn: policy.type === "SysManaged",
      statements: policy.statements.map((s) => ({
        // As FeatBit holds them (see GetPolicyResult.statements).
        effect: s.effect as PolicyStatement["effect"],
        resourceType: s.resourceType as PolicyStatement["resourceType"],
        actions: s.actions,
        resources: s.resources,
      })),
    };
  },
};

/** A policy by its name (exactly) or key (ignoring case), FeatBit's built-in ones included. */
export function getPolicy(args: GetPolicyArgs): Promise<GetPolicyResult> {
  return inProgram(policyLookup, args);
}

const groupLookup: LookupDefinition<GetGroupArgs, Plain<GetGroupResult>> = {
  name: "getGroup",
  args: groupArgsSchema,
  result: groupResultSchema,
  what: (args) => `getGroup(name '${args.name}')`,
  async read(client, what, args) {
    const narrowed = await client.groups.all(args.name);
    const matches = narrowed.filter((g) => g.name === args.name);
    const odd = unreadableWhere(narrowed, "name", (n) => n === args.name);
    if (odd.length > 0) throw lookupOfUnreadable(what, "group", odd);
    if (matches.length === 0) {
      const names = (await client.groups.all()).map((g) => g.name);
      throw new LookupError(`${what}: no group is named '${args.name}'${didYouMean(args.name, names)}`);
    }
    if (matches.length > 1) {
      throw new LookupError(
        `${what}: ${matches.length} groups have this name (${matches.map((g) => g.id).join(", ")}; FeatBit does ` +
          `not enforce unique group names): rename all but one in FeatBit`,
      );
    }
    const [group] = matches;
    return { groupId: group.id, name: group.name, description: group.description ?? "" };
  },
};

/** A group by its name, exactly. */
export function getGroup(args: GetGroupArgs): Promise<GetGroupResult> {
  return inProgram(groupLookup, args);
}

const memberLookup: LookupDefinition<GetMemberArgs, Plain<GetMemberResult>> = {
  name: "getMember",
  args: memberArgsSchema,
  result: memberResultSchema,
  what: (args) => `getMember(email '${args.email}')`,
  async read(client, what, args) {
    // FeatBit's search is a substring match on email and name: it narrows, equality decides.
    const narrowed = await client.members.all(args.email);
    const sameEmail = (email: string) => email.toLowerCase() === args.email.toLowerCase();
    const odd = unreadableWhere(narrowed, "email", sameEmail);
    if (odd.length > 0) throw lookupOfUnreadable(what, "member", odd);
    // FeatBit compares emails as written (AddMember.cs), so 'Ann@x.io' and 'ann@x.io' can be two members: the one
    // spelt as asked is meant; ignoring case decides only when that leaves one.
    const ignoringCase = narrowed.filter((m) => sameEmail(m.email));
    const exact = ignoringCase.filter((m) => m.email === args.email);
    const matches = exact.length === 1 ? exact : ignoringCase;
    if (matches.length !== 1) {
      throw new LookupError(
        matches.length === 0
          ? `${what}: no member of this organization has this email address (members are added in FeatBit under ` +
              `Organization › Members, or with its API)`
          : `${what}: ${matches.length} members have this email address in different case ` +
              `(${matches.map((m) => `'${m.email}', id ${m.id}`).join("; ")}; FeatBit compares emails as written): ` +
              `give the email exactly as one of them is written`,
      );
    }
    const [member] = matches;
    return { memberId: member.id, email: member.email, name: member.name ?? "" };
  },
};

/** A member of the organization by email address (ignoring case). */
export function getMember(args: GetMemberArgs): Promise<GetMemberResult> {
  return inProgram(memberLookup, args);
}

/** @internal Every lookup, as both hosts serve it. */
export const lookups: readonly AnyLookup[] = [
  projectLookup,
  environmentLookup,
  featureFlagLookup,
  segmentLookup,
  policyLookup,
  groupLookup,
  memberLookup,
] as readonly AnyLookup[];

// ---------------------------------------------------------------------------------------------------------------
// The Output forms

/**
 * A failed lookup in a preview: its message is reported (which fails the preview) and its result is left unknown, as
 * if not known yet. Rejecting instead would hang the preview whenever a resource that uses the result has dependents:
 * Pulumi's Node.js SDK never settles the outputs of a resource whose inputs failed, so those dependents wait forever
 * (pulumi/pulumi#10176). A preview writes nothing, so an unknown costs nothing. In an update the lookup rejects: a
 * resource must not be written with a value missing, and `pulumi up` previews first, where the failure stops it.
 * Outside a Pulumi run (tests, mocks) nothing reports the message, so it rejects there too.
 */
async function failedInPreview<R>(err: LookupError): Promise<pulumi.Output<R>> {
  if (!pulumi.runtime.isDryRun() || pulumi.runtime.getEngine() === undefined) throw err;
  await pulumi.log.error(err.message);
  return pulumi.output(pulumi.unknown) as unknown as pulumi.Output<R>;
}

/**
 * The Output form of a lookup: it waits for its arguments, and while any is unknown (a preview before the resource
 * producing it exists) it makes no API call and its result is unknown too.
 */
function outputForm<A extends object, R>(lookup: (args: A) => Promise<R>) {
  return (args: LookupOutputArgs<A>): pulumi.Output<R> =>
    pulumi.output(args).apply(async (resolved): Promise<R | pulumi.Output<R>> => {
      try {
        return await lookup(resolved as unknown as A);
      } catch (err) {
        if (err instanceof LookupError) return failedInPreview<R>(err);
        throw err;
      }
    }) as pulumi.Output<R>;
}

export const getProjectOutput = outputForm(getProject);
export const getEnvironmentOutput = outputForm(getEnvironment);
export const getFeatureFlagOutput = outputForm(getFeatureFlag);
export const getSegmentOutput = outputForm(getSegment);
export const getPolicyOutput = outputForm(getPolicy);
export const getGroupOutput = outputForm(getGroup);
export const getMemberOutput = outputForm(getMember);
