// featbit:Group — a FeatBit IAM group: a named set of members that policies can be attached to (its members and
// policies are the GroupMember and GroupPolicy resources). Name and description update in place with one PUT.
//
// FeatBit does not enforce unique group names through its API (only its UI checks them), so this resource does, as
// FeatBit's own check does, ignoring case: creating a group whose name is in use is refused unless the declaration
// adopts it.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { Group as ApiGroup } from "../client";
import type { Context, ResourceDefinition } from "./core/definition";
import { dynamicClass, getter, registered, registration, type ConnectionArgs } from "./core/resourceClass";
import { adoption, description, name, shape, uuidImportId, keptAdoption } from "./core/schema";
import { claims, createOnce, settledDelete, verifiedWrite, withLock } from "./core/writes";

// ---------------------------------------------------------------------------------------------------------------
// Public types

export interface GroupArgs extends ConnectionArgs {
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

/** Whether a group holding the name is the one this resource creates (a lost create, or an interrupted run). */
const asCreated = (group: ApiGroup, inputs: Inputs) =>
  group.name === inputs.name && (group.description ?? "") === inputs.description;

function taken(group: ApiGroup, wanted: string): Error {
  return new Error(
    `a group named '${group.name}' already exists (id ${group.id}; FeatBit does not enforce unique group names, ` +
      `pulumi-featbit does, so that people and getGroup find one group by name): set adopt: true to manage it ` +
      `with Pulumi, or choose another name than '${wanted}'`,
  );
}

/** The existing group to manage instead of creating one, after refusing duplicates FeatBit itself would accept. */
async function adoptionTarget(
  ctx: Context,
  inputs: Inputs,
  listed: readonly ApiGroup[],
): Promise<ApiGroup | undefined> {
  if (inputs.importId !== undefined) {
    const found = await ctx.client.groups.find(inputs.importId);
    if (!found) throw new Error(`importId ${inputs.importId} names no group of this organization`);
    const other = listed.find((g) => g.id !== found.id && sameName(g.name, inputs.name));
    if (other) throw taken(other, inputs.name);
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
  if (named.length === 1 && asCreated(named[0], inputs) && !claims.has(groupClaim(inputs.name))) {
    ctx.warn(
      `${describe(inputs)} already existed exactly as this program creates it (id ${named[0].id}): a create whose ` +
        `answer was lost, or an interrupted run, made it, so this stack manages it now. If someone else made it, ` +
        `remove it from one of the two.`,
    );
    return named[0];
  }
  if (named.length > 0) throw taken(named[0], inputs.name);
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

async function create(ctx: Context, inputs: Inputs): Promise<{ id: string; outs: Outputs }> {
  const existing = await adoptionTarget(ctx, inputs, await ctx.client.groups.all());
  if (existing) {
    claims.add(groupClaim(inputs.name));
    if (!asCreated(existing, inputs)) await writeSettings(ctx, existing.id, inputs);
    return { id: existing.id, outs: { ...inputs, groupId: existing.id } };
  }
  const created = await createOnce<ApiGroup>(ctx.writes, {
    claim: groupClaim(inputs.name),
    send: () => ctx.client.groups.create({ name: inputs.name, description: inputs.description }),
    // No group had this name before (see adoptionTarget), so one that has it now is this create's.
    lookup: async () => {
      const landed = (await ctx.client.groups.all()).filter((g) => sameName(g.name, inputs.name));
      if (landed.length === 0) return { state: "absent" };
      return landed.length === 1 && asCreated(landed[0], inputs)
        ? { state: "landed", object: landed[0] }
        : { state: "taken" };
    },
    taken: (cause) =>
      new Error(
        `another group named '${inputs.name}' appeared while this one was being created: run 'pulumi up' again`,
        { cause },
      ),
    // FeatBit does not check group names, so it never answers NameHasBeenUsed here.
    adopted: () => undefined,
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

  async read(ctx, id, olds) {
    const group = await ctx.client.groups.find(id);
    if (!group) return undefined;
    return outputs(keptAdoption(olds), group);
  },

  async update(ctx, id, _olds, news, changed) {
    if (changed.has("name") || changed.has("description")) {
      await withLock(GROUPS_LOCK, async () => {
        if (changed.has("name")) {
          const other = (await ctx.client.groups.all()).find(
            (g) => g.id !== id && sameName(g.name, news.name),
          );
          if (other) throw taken(other, news.name);
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
    await settledDelete({
      send: () => ctx.client.groups.delete(id),
      exists: async () => (await ctx.client.groups.find(id)) !== undefined,
      // FeatBit's delete acknowledges any id.
      confirm: true,
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
