// What GroupPolicy, GroupMember and MemberPolicy share: one binding between two FeatBit IAM objects, named by their
// ids and identified by `<a_uuid>/<b_uuid>` (the FeatBit Terraform provider's import id). A binding has nothing to
// update: a new id on either side is another binding (a replacement).
//
// FeatBit's add and remove calls are idempotent and check nothing (an add naming a deleted group answers `true` and
// shows up nowhere), so the binding's presence is always decided by FeatBit's listing of the first object's bound
// ones (`getAll…=false`): before adding, after adding, on read and after removing.
import type { z } from "zod";
import type { ResourceKind } from "../host/shim";
import { splitId, type Context, type Created, type ResourceDefinition } from "./core/definition";
import { adoption, crossField, importIdForm, shape, uuid, keptAdoption } from "./core/schema";
import { fixedRefusals } from "./core/permissions";
import { claims, createOnce, notOurs, settledDelete } from "./core/writes";

/** One end of a binding: the input naming it and how to find it. */
export interface BindingEnd<F extends string> {
  field: F;
  /** "group", "policy" or "member", for messages and the id format. */
  what: "group" | "policy" | "member";
  /** How a user names it in messages ("group 'CI pipelines'"), or undefined when it does not exist. */
  find(ctx: Context, id: string): Promise<string | undefined>;
}

export interface BindingSpec<A extends string, B extends string> {
  kind: ResourceKind;
  /** The object whose listing shows the binding. */
  a: BindingEnd<A>;
  b: BindingEnd<B>;
  /** The ids of the b-side objects bound to `aId`, all pages. */
  bound(ctx: Context, aId: string): Promise<string[]>;
  add(ctx: Context, aId: string, bId: string): Promise<unknown>;
  remove(ctx: Context, aId: string, bId: string): Promise<unknown>;
  /** How the binding reads given how each end reads: "policy 'Admins' of group 'CI'". */
  phrase(aLabel: string, bLabel: string): string;
  /** The form of `pulumi.Input`s this resource's class takes, for the unknown-field message. */
  form: string;
}

export type BindingInputs<A extends string, B extends string> = Record<A | B, string> & {
  adopt?: boolean;
  importId?: string;
};

/** The definition of a binding resource, from its two ends. */
export function bindingDefinition<A extends string, B extends string>(
  spec: BindingSpec<A, B>,
): ResourceDefinition<BindingInputs<A, B>, BindingInputs<A, B>> {
  const { a, b } = spec;
  const idFormat = `<${a.what}_uuid>/<${b.what}_uuid>`;

  const parseId = (id: string): { aId: string; bId: string } => {
    const [aPart, bPart] = splitId(id, 2, idFormat);
    const aId = uuid(`the ${a.what} part`).safeParse(aPart);
    const bId = uuid(`the ${b.what} part`).safeParse(bPart);
    if (!aId.success || !bId.success) throw new Error(`'${id}' is not a valid id: expected ${idFormat}`);
    return { aId: aId.data, bId: bId.data };
  };

  type Inputs = BindingInputs<A, B>;
  const describeIds = (aId: string, bId: string) => spec.phrase(`${a.what} ${aId}`, `${b.what} ${bId}`);
  const fields = { [a.field]: uuid(a.field), [b.field]: uuid(b.field), ...adoption } as Record<
    A | B,
    ReturnType<typeof uuid>
  > &
    typeof adoption;
  // The object's field names are type parameters, which zod's inference cannot follow: the shape is asserted.
  const object = shape(fields, spec.form) as unknown as z.ZodType<Inputs>;
  const schema = object.superRefine(...importIdForm(idFormat, parseId)).superRefine(
    ...crossField<Inputs>([a.field, b.field, "importId"], (inputs, ctx) => {
      if (inputs.importId === undefined) return;
      let parsed: { aId: string; bId: string };
      try {
        parsed = parseId(inputs.importId);
      } catch {
        return; // importIdForm says so
      }
      if (parsed.aId !== inputs[a.field] || parsed.bId !== inputs[b.field]) {
        ctx.addIssue({
          code: "custom",
          path: ["importId"],
          message: `importId names ${describeIds(parsed.aId, parsed.bId)}, but ${a.field} and ${b.field} name ${describeIds(inputs[a.field], inputs[b.field])}: make them agree`,
        });
      }
    }),
  );

  const isBound = async (ctx: Context, aId: string, bId: string) =>
    (await spec.bound(ctx, aId)).some((id) => id.toLowerCase() === bId);
  const claimOf = (aId: string, bId: string) => `${spec.kind}:${aId}/${bId}`;

  async function create(ctx: Context, inputs: Inputs): Promise<Created<Inputs>> {
    const aId = inputs[a.field];
    const bId = inputs[b.field];
    const id = `${aId}/${bId}`;
    const [aName, bName] = await Promise.all([a.find(ctx, aId), b.find(ctx, bId)]);
    // FeatBit would acknowledge the add anyway and bind nothing anyone can see.
    const missing = (end: BindingEnd<string>, value: string) =>
      new Error(`${end.field} ${value} names no ${end.what} of this organization: check ${end.field}`);
    if (aName === undefined) throw missing(a, aId);
    if (bName === undefined) throw missing(b, bId);
    const subject = spec.phrase(aName, bName);
    const claim = claimOf(aId, bId);
    if (inputs.adopt || inputs.importId !== undefined) {
      if (claims.has(claim)) {
        throw new Error(
          `another resource of this program already manages the binding of ${subject}: declare each binding once`,
        );
      }
      if (await isBound(ctx, aId, bId)) {
        claims.add(claim);
        return { id, outs: inputs, adopted: true };
      }
      if (inputs.importId !== undefined) {
        throw new Error(`importId ${inputs.importId} names no existing binding: ${subject} is not bound`);
      }
    }
    await createOnce<true>(ctx.writes, {
      claim,
      find: async () => ((await isBound(ctx, aId, bId)) ? true : undefined),
      send: async () => {
        await spec.add(ctx, aId, bId);
        return true;
      },
      refusal: fixedRefusals.iam,
      taken: () =>
        new Error(
          notOurs({
            what: `the binding of ${subject}`,
            adopt: `\`adopt: true\` (or importId: '${id}')`,
            instead: "leave it out of this program",
          }),
        ),
    });
    if (!(await isBound(ctx, aId, bId))) {
      throw new Error(
        `FeatBit acknowledged binding ${subject}, but its listing of the ${a.what}'s ${b.what === "member" ? "members" : "policies"} ` +
          `does not show it: check that both still exist, then run 'pulumi up' again`,
      );
    }
    return { id, outs: inputs };
  }

  return {
    kind: spec.kind,
    schema,
    createOnly: ["adopt", "importId"],
    replaceOn: [a.field, b.field],
    // Another pair is another binding: the new one can be made while the old one still exists.
    deleteBeforeReplace: () => false,
    outputs: [],
    fromId: {
      [a.field]: (id: string) => id.split("/")[0],
      [b.field]: (id: string) => id.split("/")[1],
    } as ResourceDefinition<Inputs, Inputs>["fromId"],
    describe: (p) => `the binding of ${describeIds(p[a.field] ?? "?", p[b.field] ?? "?")}`,

    create,

    locate: async (ctx, inputs) =>
      (await isBound(ctx, inputs[a.field], inputs[b.field]))
        ? `${inputs[a.field]}/${inputs[b.field]}`
        : undefined,

    async read(ctx, id, olds) {
      const { aId, bId } = parseId(id);
      if (!(await isBound(ctx, aId, bId))) return undefined;
      return {
        [a.field]: aId,
        [b.field]: bId,
        ...keptAdoption(olds),
      } as Inputs;
    },

    // Both ids replace the binding and the other inputs only steer creation: nothing is ever updated in place.
    async update(_ctx, _id, olds, news) {
      return { ...olds, ...news };
    },

    async delete(ctx, id) {
      const { aId, bId } = parseId(id);
      if (!(await isBound(ctx, aId, bId))) return;
      await settledDelete(ctx.writes, {
        send: () => spec.remove(ctx, aId, bId),
        exists: () => isBound(ctx, aId, bId),
        // FeatBit's remove calls acknowledge any ids: only the listing tells.
        confirm: true,
        refusal: fixedRefusals.iam,
      });
    },
  };
}

/** How the ends are found, shared by the three binding resources. */
export const ends = {
  group: async (ctx: Context, id: string) => {
    const group = await ctx.client.groups.find(id);
    return group && `group '${group.name}'`;
  },
  policy: async (ctx: Context, id: string) => {
    const policy = await ctx.client.policies.find(id);
    return policy && `policy '${policy.name}'`;
  },
  member: async (ctx: Context, id: string) => {
    const member = await ctx.client.members.find(id);
    return member && `member ${member.email}`;
  },
};
