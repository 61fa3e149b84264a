// featbit:Group — a FeatBit IAM group: a named set of members that policies can be attached to (its members and
// policies are the GroupMember and GroupPolicy resources). Name and description update in place with one PUT.
//
// FeatBit does not enforce unique group names through its API (only its UI checks them), so this resource does, as
// FeatBit's own check does, ignoring case: creating a group whose name is in use is refused unless the declaration
// adopts it.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { unreadableError, unreadableWhere, type Group as ApiGroup } from "../client";
import type { Context, Created, ResourceDefinition } from "./core/definition";
import { dynamicClass, getter, registered, registration, type ResourceArgs } from "./core/resourceClass";
import { adoption, description, name, shape, uuidImportId, keptAdoption } from "./core/schema";
import { fixedRefusals } from "./core/permissions";
import { sharedListing, warnDuplicates } from "./core/duplicates";
import { claims, createOnce, notOurs, settledDelete, verifiedWrite, withLock } from "./core/writes";

// ---------------------------------------------------------------------------------------------------------------
// Public types

export interface GroupArgs extends ResourceArgs {
  /** Unique per organization (case-insensitive, checked by pulumi-featbit); renaming updates in place. */
  name: pulumi.Input<string>;
  /** Default "". */
  description?: pulumi.Input<string>;
  /** Manage an existing group with this name instead of failing because it exists. */
  adopt?: pulumi.Input<boolean>;
  /** Adopt by the Terraform provider's import id: the group's UUID. */
  importId?: pulumi.Input<string>;
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

const Inputs = shape(
  {
    // groups.name is varchar(128) (v0.0.0.sql), which name() enforces; the description is text, unlimited.
    name: name("group"),
    description: description(),
    ...adoption,
  },
  "a Group",
).superRefine(...uuidImportId("group"));
type Inputs = z.infer<typeof Inputs>;

type Outputs = Inputs & { groupId: string };

/** Serialises group creates and renames in this provider process: FeatBit would accept two groups of one name. */
const GROUPS_LOCK = "featbit:groups";

const describe = (p: Partial<Inputs>) => `group '${p.name ?? "?"}'`;

/** FeatBit's own name check compares lower-cased names (GroupService.IsNameUsedAsync). */
const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

const groupClaim = (name: string) => `group:${name}`;

// ---------------------------------------------------------------------------------------------------------------
// Reads and writes

function outputs(base: Pick<Inputs, "adopt" | "importId">, group: ApiGroup): Outputs {
  return {
    name: group.name,
    description: group.description ?? "",
    ...keptAdoption(base),
    groupId: group.id,
  };
}

function taken(group: ApiGroup): Error {
  return new Error(
    notOurs({
      what: `a group named '${group.name}'`,
      detail:
        `id ${group.id}; FeatBit does not enforce unique group names, pulumi-featbit does, so that people and ` +
        `getGroup find one group by name`,
      adopt: `\`adopt: true\` (or importId: '${group.id}')`,
      instead: "choose another name",
    }),
  );
}

/** The existing group to manage instead of creating one, after refusing duplicates FeatBit itself would accept. */
async function adoptionTarget(
  ctx: Context,
  inputs: Inputs,
  listed: readonly ApiGroup[],
): Promise<ApiGroup | undefined> {
  const odd = unreadableWhere(listed, "name", (n) => sameName(n, inputs.name));
  if (odd.length > 0) throw unreadableError("group", odd, describe(inputs));
  if (inputs.importId !== undefined) {
    const found = await ctx.client.groups.find(inputs.importId);
    if (!found) throw new Error(`importId ${inputs.importId} names no group of this organization`);
    const other = listed.find((g) => g.id !== found.id && sameName(g.name, inputs.name));
    if (other) throw taken(other);
    return found;
  }
  const named = listed.filter((g) => sameName(g.name, inputs.name));
  if (inputs.adopt) {
    if (named.length > 1) {
      throw new Error(
        `${named.length} groups are named '${inputs.name}' (${named.map((g) => g.id).join(", ")}): set importId to ` +
          `the id of the one to manage`,
      );
    }
    return named[0];
  }
  if (named.length > 0) throw taken(named[0]);
  return undefined;
}

function writeSettings(ctx: Context, id: string, wanted: Pick<Inputs, "name" | "description">) {
  return verifiedWrite(ctx.writes, {
    send: () => ctx.client.groups.update(id, { name: wanted.name, description: wanted.description }),
    read: () => ctx.client.groups.find(id),
    landed: (g) => g.name === wanted.name && (g.description ?? "") === wanted.description,
    result: (g) => g,
  });
}

async function create(ctx: Context, inputs: Inputs): Promise<Created<Outputs>> {
  const existing = await adoptionTarget(ctx, inputs, await ctx.client.groups.all());
  if (existing) {
    claims.add(groupClaim(inputs.name));
    const same = existing.name === inputs.name && (existing.description ?? "") === inputs.description;
    if (!same) await writeSettings(ctx, existing.id, inputs);
    return { id: existing.id, outs: { ...inputs, groupId: existing.id }, adopted: true };
  }
  const created = await createOnce<ApiGroup>(ctx.writes, {
    claim: groupClaim(inputs.name),
    refusal: fixedRefusals.iam,
    // adoptionTarget has just listed the groups and found the name free.
    knownFree: true,
    find: async () => {
      const landed = (await ctx.client.groups.all()).filter((g) => sameName(g.name, inputs.name));
      return landed.length === 1 ? landed[0] : undefined;
    },
    send: () => ctx.client.groups.create({ name: inputs.name, description: inputs.description }),
    // FeatBit does not check group names, so it never answers NameHasBeenUsed here.
    taken: (cause) =>
      cause ?? new Error(`another group named '${inputs.name}' was created meanwhile: run 'pulumi up' again`),
  });
  return { id: created.id, outs: { ...inputs, groupId: created.id } };
}

/** Warns about bindings made outside this stack, which deleting the group removes with it. */
async function warnAboutBindings(ctx: Context, group: ApiGroup): Promise<void> {
  const [members, policies] = await Promise.all([
    ctx.client.groups.boundMembers(group.id),
    ctx.client.groups.boundPolicies(group.id),
  ]);
  const held = [
    ...members.map((m) => `member ${m.email}`),
    ...policies.map((p) => `policy '${p.name ?? p.id}'`),
  ];
  if (held.length === 0) return;
  ctx.warn(
    `group '${group.name}' still held ${held.join(", ")} (bindings this stack does not manage); deleting the group ` +
      `removed ${held.length === 1 ? "that binding" : "those bindings"} too`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Definition

/** @internal */
const definition: ResourceDefinition<Inputs, Outputs> = {
  kind: "Group",
  schema: Inputs,
  createOnly: ["adopt", "importId"],
  // A group is its id: a new name is a rename.
  replaceOn: [],
  deleteBeforeReplace: () => false,
  outputs: ["groupId"],
  fromId: { groupId: (id) => id },
  describe,

  create: (ctx, inputs) => withLock(GROUPS_LOCK, () => create(ctx, inputs)),
  async locate(ctx, inputs) {
    const held = (await ctx.client.groups.all()).filter((g) => sameName(g.name, inputs.name));
    return held.length === 1 ? held[0].id : undefined;
  },

  async read(ctx, id, olds) {
    const group = await ctx.client.groups.find(id);
    if (!group) return undefined;
    await warnDuplicates(ctx, describe({ name: group.name }), async () =>
      (await sharedListing(ctx, "groups", () => ctx.client.groups.all()))
        .filter((g) => g.id !== id && sameName(g.name, group.name))
        .map((g) => ({ id: g.id })),
    );
    return outputs(keptAdoption(olds), group);
  },

  async update(ctx, id, _olds, news, changed) {
    if (changed.has("name") || changed.has("description")) {
      await withLock(GROUPS_LOCK, async () => {
        if (changed.has("name")) {
          const other = (await ctx.client.groups.all()).find(
            (g) => g.id !== id && sameName(g.name, news.name),
          );
          if (other) {
            throw new Error(
              `a group named '${other.name}' already exists (id ${other.id}; FeatBit does not enforce unique group ` +
                `names, pulumi-featbit does): choose another name`,
            );
          }
        }
        await writeSettings(ctx, id, news);
      });
    }
    return { ...news, groupId: id };
  },

  async delete(ctx, id) {
    const group = await ctx.client.groups.find(id);
    if (!group) return;
    await warnAboutBindings(ctx, group);
    await settledDelete(ctx.writes, {
      send: () => ctx.client.groups.delete(id),
      exists: async () => (await ctx.client.groups.find(id)) !== undefined,
      // FeatBit's delete acknowledges any id.
      confirm: true,
      refusal: fixedRefusals.iam,
    });
  },
};

/** @internal */
export { definition as groupDefinition };

// ---------------------------------------------------------------------------------------------------------------
// The Pulumi resource

export class Group extends pulumi.CustomResource {
  /** An existing object by id, read-only: Pulumi reads it and manages nothing. */
  static readonly get = getter(Group);

  declare readonly installation: pulumi.Input<string> | undefined;
  declare readonly groupId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;

  constructor(name: string, args: GroupArgs, opts?: pulumi.CustomResourceOptions) {
    super(...registration(definition, name, args, opts));
    registered(this, definition, args);
  }
}
dynamicClass(Group);
