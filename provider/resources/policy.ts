// featbit:Policy — a custom FeatBit IAM policy: who may do what, as statements (effect, resource type, permission
// names, resource names). The key is fixed for life (FeatBit has no endpoint to change it), so a new key replaces the
// policy; name, description and statements update in place (the statements as one full replacement).
//
// FeatBit enforces neither unique policy keys nor unique names, and its API would even delete a built-in policy. This
// resource refuses all three: a second policy with a key or a name in use is refused unless the declaration adopts
// it (names too, because lookups and people find policies by name), and the built-in Owner, Administrator and
// Developer policies can be referred to (getPolicy) and bound, never managed.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { unreadableError, unreadableWhere, type Policy as ApiPolicy } from "../client";
import { canonicalJson, sameJson, sameKey } from "./core/canonical";
import { PartialWriteError, type Context, type Created, type ResourceDefinition } from "./core/definition";
import { dynamicClass, getter, registered, registration, type ResourceArgs } from "./core/resourceClass";
import { adoption, description, key, name, shape, uuidImportId, keptAdoption } from "./core/schema";
import { stableId } from "./core/stableIds";
import { fixedRefusals } from "./core/permissions";
import { sharedListing, warnDuplicates } from "./core/duplicates";
import { claims, createOnce, notOurs, settledDelete, verifiedWrite, withLock } from "./core/writes";
import {
  canonicalStatements,
  EFFECTS,
  statementsSchema,
  type Effect,
  type PolicyStatementInput,
  type ResourceType,
} from "./policyStatements";

// ---------------------------------------------------------------------------------------------------------------
// Public types

/** FeatBit's resource types: what a statement's resource names name. */
export type PolicyResourceType = ResourceType;

export interface PolicyStatementArgs {
  /** "allow" or "deny". A resource a matching deny covers is refused whatever else allows it. */
  effect: pulumi.Input<Effect>;
  resourceType: pulumi.Input<PolicyResourceType>;
  /** Permission names of the resource type (e.g. "UpdateFlagTargetingRules"), or "*" for all of them. */
  actions: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Resource names the statement covers, in FeatBit's grammar: "project/<key>", "project/<key>:env/<key>",
   * "project/<key>:env/<key>:flag/<key>[;tag,…]", "project/<key>:env/<key>:segment/<key>[;tag,…]", "iam/*", … Keys
   * match exactly as FeatBit stores them (case-sensitive); "*" is a wildcard anywhere in a key.
   */
  resources: pulumi.Input<pulumi.Input<string>[]>;
}

export interface PolicyStatement {
  effect: Effect;
  resourceType: PolicyResourceType;
  actions: string[];
  resources: string[];
}

export interface PolicyArgs extends ResourceArgs {
  /** Unique per organization (case-insensitive, checked by pulumi-featbit); changing it replaces the policy. */
  key: pulumi.Input<string>;
  /** Unique per organization (case-insensitive, checked by pulumi-featbit), built-in policies included. */
  name: pulumi.Input<string>;
  /** Default "". */
  description?: pulumi.Input<string>;
  /** A set: order and duplicates do not matter. Default: none (the policy grants nothing). */
  statements?: pulumi.Input<pulumi.Input<PolicyStatementArgs>[]>;
  /** Manage an existing policy with this key instead of failing because it exists. */
  adopt?: pulumi.Input<boolean>;
  /** Adopt by the Terraform provider's import id: the policy's UUID. */
  importId?: pulumi.Input<string>;
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

/** FeatBit's built-in policies (Domain/Policies/BuiltInPolicy.cs, keys from the v5.2.1 migration). */
const BUILT_IN = [
  { key: "owner", name: "Owner" },
  { key: "administrator", name: "Administrator" },
  { key: "developer", name: "Developer" },
];

function builtInMessage(which: string, field: "key" | "name"): string {
  const builtIn = BUILT_IN.find((b) => sameKey(b[field], which))?.name ?? which;
  return (
    `${field} '${which}' is that of FeatBit's built-in ${builtIn} policy, which cannot be managed: choose another ` +
    `${field}, and refer to the built-in one with getPolicy({ name: '${builtIn}' }) (it can be bound to groups and ` +
    `members)`
  );
}

const Inputs = shape(
  {
    key: key("policy").refine((k) => !BUILT_IN.some((b) => sameKey(b.key, k)), {
      error: (issue) => builtInMessage(String(issue.input), "key"),
    }),
    // policies.name is varchar(128) (v0.0.0.sql), which name() enforces.
    name: name("policy").refine((n) => !BUILT_IN.some((b) => sameKey(b.name, n)), {
      error: (issue) => builtInMessage(String(issue.input), "name"),
    }),
    description: description({ chars: 512, column: "its policies.description column" }),
    statements: statementsSchema,
    ...adoption,
  },
  "a Policy",
).superRefine(...uuidImportId("policy"));
type Inputs = z.infer<typeof Inputs>;

type Outputs = Inputs & { policyId: string };

const CUSTOMER_MANAGED = "CustomerManaged";

/** Serialises policy creates and renames in this provider process: uniqueness is checked, not enforced, by FeatBit. */
const POLICIES_LOCK = "featbit:policies";

const describe = (p: Partial<Inputs>) => `policy '${p.key ?? "?"}'`;

// ---------------------------------------------------------------------------------------------------------------
// Mapping

/**
 * Statements as FeatBit holds them, in canonical form (their ids, which FeatBit's Terraform provider leaves null, play
 * no part). FeatBit stores whatever it was sent: a value outside the catalog (an effect spelt 'Allow', written with
 * the API) is kept as is, shows as drift, and the next update writes the declaration.
 */
function statementsOf(policy: ApiPolicy): PolicyStatementInput[] {
  return canonicalStatements(
    policy.statements.map((s) => ({
      effect: s.effect as Effect,
      resourceType: s.resourceType as ResourceType,
      actions: s.actions,
      resources: s.resources,
    })),
  );
}

/** The statements FeatBit is sent; ids derive from the policy and the statement, so a rewrite keeps them. */
function toApiStatements(policyId: string, statements: readonly PolicyStatementInput[]) {
  return statements.map((s) => ({ id: stableId(policyId, "statement", canonicalJson(s)), ...s }));
}

type Base = Pick<Inputs, "key" | "adopt" | "importId">;

/** Outputs from what FeatBit holds; the key keeps the declared spelling when it differs only in case. */
function outputs(base: Base, policy: ApiPolicy): Outputs {
  return {
    key: sameKey(base.key, policy.key) ? base.key : policy.key,
    name: policy.name,
    description: policy.description ?? "",
    statements: statementsOf(policy),
    ...keptAdoption(base),
    policyId: policy.id,
  };
}

const builtInRefusal = (policy: ApiPolicy, how: string) =>
  new Error(
    `${how} is FeatBit's built-in '${policy.name}' policy (SysManaged), which pulumi-featbit never manages: refer ` +
      `to it with getPolicy({ name: '${policy.name}' }) and bind it with GroupPolicy or MemberPolicy instead`,
  );

// ---------------------------------------------------------------------------------------------------------------
// Reads and writes

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Refuses a name another policy (built-in ones included) already has. */
function checkNameFree(listed: readonly ApiPolicy[], wanted: string, self: string | undefined): void {
  const odd = unreadableWhere(listed, "name", (n) => sameName(n, wanted));
  if (odd.length > 0) throw unreadableError("policy", odd, `checking that the name '${wanted}' is free`);
  const holder = listed.find((p) => p.id !== self && sameName(p.name, wanted));
  if (!holder) return;
  throw new Error(
    `a policy named '${holder.name}' already exists (key '${holder.key}', id ${holder.id}; FeatBit does not enforce ` +
      `unique policy names, pulumi-featbit does, so that people and getPolicy find one policy by name): choose ` +
      `another name` +
      (holder.type === CUSTOMER_MANAGED
        ? `, or manage that policy by declaring key '${holder.key}' with adopt: true`
        : ""),
  );
}

/**
 * Whether a policy holding the key is the one this resource creates: its name and description as declared, and its
 * statements either as declared or still empty (this resource creates a policy, then sets its statements). Such a
 * policy comes from a create whose answer was lost or a run interrupted before it was recorded; FeatBit does not
 * check policy keys, so without this every later run would refuse the key.
 */

const policyClaim = (inputs: Pick<Inputs, "key">) => `policy:${inputs.key}`;

/** The existing policy to manage instead of creating one, after refusing duplicates FeatBit itself would accept. */
async function adoptionTarget(
  ctx: Context,
  inputs: Inputs,
  listed: readonly ApiPolicy[],
): Promise<ApiPolicy | undefined> {
  if (inputs.importId !== undefined) {
    const found = await ctx.client.policies.find(inputs.importId);
    if (!found) throw new Error(`importId ${inputs.importId} names no policy of this organization`);
    if (found.type !== CUSTOMER_MANAGED) throw builtInRefusal(found, `importId ${inputs.importId}`);
    if (!sameKey(found.key, inputs.key)) {
      throw new Error(
        `importId ${inputs.importId} is policy '${found.key}', but key is '${inputs.key}': make them agree`,
      );
    }
    return found;
  }
  const odd = unreadableWhere(listed, "key", (k) => sameKey(k, inputs.key));
  if (odd.length > 0) throw unreadableError("policy", odd, `${describe(inputs)}`);
  const sameKeyed = listed.filter((p) => sameKey(p.key, inputs.key));
  if (inputs.adopt) {
    if (sameKeyed.length > 1) {
      throw new Error(
        `${sameKeyed.length} policies have key '${inputs.key}' (${sameKeyed.map((p) => p.id).join(", ")}): set ` +
          `importId to the id of the one to manage`,
      );
    }
    const [found] = sameKeyed;
    if (found && found.type !== CUSTOMER_MANAGED) throw builtInRefusal(found, `key '${inputs.key}'`);
    return found;
  }
  if (sameKeyed.length > 0) {
    throw new Error(
      notOurs({
        what: `a policy with key '${inputs.key}'`,
        detail: `id ${sameKeyed[0].id}; FeatBit does not enforce unique policy keys, pulumi-featbit does`,
        adopt: `\`adopt: true\` (or importId: '${sameKeyed[0].id}')`,
      }),
    );
  }
  return undefined;
}

function writeSettings(ctx: Context, id: string, wanted: Pick<Inputs, "name" | "description">) {
  return verifiedWrite(ctx.writes, {
    send: () =>
      ctx.client.policies.updateSettings(id, { name: wanted.name, description: wanted.description }),
    read: () => ctx.client.policies.find(id),
    landed: (p) => p.name === wanted.name && (p.description ?? "") === wanted.description,
    result: (p) => p,
  });
}

function writeStatements(ctx: Context, id: string, wanted: readonly PolicyStatementInput[]) {
  return verifiedWrite(ctx.writes, {
    send: () => ctx.client.policies.setStatements(id, toApiStatements(id, wanted)),
    read: () => ctx.client.policies.find(id),
    landed: (p) => sameJson(statementsOf(p), wanted),
    result: (p) => p,
  });
}

/**
 * Effects FeatBit holds that are neither 'allow' nor 'deny' (written with its API): FeatBit allows only for exactly
 * 'allow' (Domain/Policies/PolicyHelper.cs), so such a statement denied wherever it matched.
 */
function unknownEffects(policy: ApiPolicy): string[] {
  return [...new Set(policy.statements.map((s) => s.effect))].filter((e) => !EFFECTS.includes(e as Effect));
}

/** Brings an existing policy (adopted, or made by a create whose answer was lost) to the declaration. */
async function settle(ctx: Context, inputs: Inputs, policy: ApiPolicy): Promise<Outputs> {
  if (policy.name !== inputs.name || (policy.description ?? "") !== inputs.description)
    await writeSettings(ctx, policy.id, inputs);
  if (!sameJson(statementsOf(policy), inputs.statements)) {
    const odd = unknownEffects(policy);
    if (odd.length > 0) {
      ctx.warn(
        `${describe(inputs)} held statements whose effect is ${odd.map((e) => `'${e}'`).join(", ")}: FeatBit allows ` +
          `only for exactly 'allow', so they denied wherever they matched; they are replaced by the declared statements`,
      );
    }
    await writeStatements(ctx, policy.id, inputs.statements);
  }
  return { ...inputs, policyId: policy.id };
}

async function create(ctx: Context, inputs: Inputs): Promise<Created<Outputs>> {
  const listed = await ctx.client.policies.all();
  const existing = await adoptionTarget(ctx, inputs, listed);
  checkNameFree(listed, inputs.name, existing?.id);
  if (existing) {
    claims.add(policyClaim(inputs));
    return { id: existing.id, outs: await settle(ctx, inputs, existing), adopted: true };
  }

  const created = await createOnce<ApiPolicy>(ctx.writes, {
    claim: policyClaim(inputs),
    // adoptionTarget has just listed the policies and found the key free.
    knownFree: true,
    find: async () => {
      const landed = (await ctx.client.policies.all()).filter((p) => sameKey(p.key, inputs.key));
      return landed.length === 1 ? landed[0] : undefined;
    },
    send: () =>
      ctx.client.policies.create({ name: inputs.name, key: inputs.key, description: inputs.description }),
    refusal: fixedRefusals.iam,
    // FeatBit does not check policy keys, so it never answers KeyHasBeenUsed here.
    taken: (cause) =>
      cause ??
      new Error(`another policy with key '${inputs.key}' was created meanwhile: run 'pulumi up' again`),
  });

  // FeatBit creates a policy without statements; they are a second write. If it fails the policy exists: Pulumi
  // records it with what was applied and the next `pulumi up` finishes through update.
  const applied: Outputs = { ...inputs, statements: [], policyId: created.id };
  if (inputs.statements.length > 0) {
    try {
      await writeStatements(ctx, created.id, inputs.statements);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new PartialWriteError(
        `${describe(inputs)} was created (id ${created.id}) but setting its statements failed: ${reason}. ` +
          `Run 'pulumi up' again to finish`,
        created.id,
        { ...applied },
      );
    }
  }
  return { id: created.id, outs: { ...applied, statements: inputs.statements } };
}

/** Warns about bindings made outside this stack, which deleting the policy removes with it. */
async function warnAboutBindings(ctx: Context, policy: ApiPolicy): Promise<void> {
  const [groups, members] = await Promise.all([
    ctx.client.policies.boundGroups(policy.id),
    ctx.client.policies.boundMembers(policy.id),
  ]);
  const holders = [
    ...groups.map((g) => `group '${g.name ?? g.id}'`),
    ...members.map((m) => `member ${m.email}`),
  ];
  if (holders.length === 0) return;
  ctx.warn(
    `policy '${policy.key}' was still attached to ${holders.join(", ")} (bindings this stack does not manage); ` +
      `deleting the policy removed ${holders.length === 1 ? "that binding" : "those bindings"} too`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Definition

/** @internal */
const definition: ResourceDefinition<Inputs, Outputs> = {
  kind: "Policy",
  schema: Inputs,
  createOnly: ["adopt", "importId"],
  replaceOn: ["key"],
  // This resource refuses a second policy with a key in use, so a same-key replacement must delete first.
  deleteBeforeReplace: (olds, news) => sameKey(olds.key, news.key),
  outputs: ["policyId"],
  fromId: { policyId: (id) => id },
  describe,

  create: (ctx, inputs) => withLock(POLICIES_LOCK, () => create(ctx, inputs)),
  async locate(ctx, inputs) {
    const held = (await ctx.client.policies.all()).filter((p) => sameKey(p.key, inputs.key));
    return held.length === 1 ? held[0].id : undefined;
  },

  async read(ctx, id, olds) {
    const policy = await ctx.client.policies.find(id);
    if (!policy) return undefined;
    if (policy.type !== CUSTOMER_MANAGED) throw builtInRefusal(policy, `policy ${id}`);
    await warnDuplicates(ctx, describe({ key: policy.key }), async () =>
      (await sharedListing(ctx, "policies", () => ctx.client.policies.all()))
        .filter((p) => p.id !== id && sameKey(p.key, policy.key))
        .map((p) => ({ id: p.id })),
    );
    return outputs(
      {
        key: olds?.key ?? policy.key,
        ...keptAdoption(olds),
      },
      policy,
    );
  },

  async update(ctx, id, _olds, news, changed) {
    if (changed.has("name") || changed.has("description")) {
      await withLock(POLICIES_LOCK, async () => {
        if (changed.has("name")) checkNameFree(await ctx.client.policies.all(), news.name, id);
        await writeSettings(ctx, id, news);
      });
    }
    if (changed.has("statements")) await writeStatements(ctx, id, news.statements);
    return { ...news, policyId: id };
  },

  async delete(ctx, id) {
    const policy = await ctx.client.policies.find(id);
    if (!policy) return;
    // FeatBit's API deletes built-in policies too (and every member relying on one would lose its permissions).
    if (policy.type !== CUSTOMER_MANAGED) throw builtInRefusal(policy, `policy ${id}`);
    await warnAboutBindings(ctx, policy);
    await settledDelete(ctx.writes, {
      send: () => ctx.client.policies.delete(id),
      exists: async () => (await ctx.client.policies.find(id)) !== undefined,
      // FeatBit's delete acknowledges any id.
      confirm: true,
      refusal: fixedRefusals.iam,
    });
  },
};

/** @internal */
export { definition as policyDefinition };

// ---------------------------------------------------------------------------------------------------------------
// The Pulumi resource

export class Policy extends pulumi.CustomResource {
  /** An existing object by id, read-only: Pulumi reads it and manages nothing. */
  static readonly get = getter(Policy);

  declare readonly installation: pulumi.Input<string> | undefined;
  declare readonly policyId: pulumi.Output<string>;
  declare readonly key: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;
  /** By resource type, then effect, without duplicates (each statement's actions and resources sorted). */
  declare readonly statements: pulumi.Output<PolicyStatement[]>;

  constructor(name: string, args: PolicyArgs, opts?: pulumi.CustomResourceOptions) {
    super(...registration(definition, name, args, opts));
    registered(this, definition, args);
  }
}
dynamicClass(Policy);
