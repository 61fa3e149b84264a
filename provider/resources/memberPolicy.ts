// featbit:MemberPolicy — a policy attached to a member directly (not through a group). FeatBit attaches the
// organization's default policies (Developer, unless changed) to every member it adds: declaring one of those takes
// the existing binding over (set adopt: true to say so).
import * as pulumi from "@pulumi/pulumi";
import { idsOf } from "../client";
import { dynamicClass, getter, registered, registration, type ResourceArgs } from "./core/resourceClass";
import { bindingDefinition, ends } from "./iamBinding";

export interface MemberPolicyArgs extends ResourceArgs {
  /** The member's id (getMember's memberId); changing it replaces the binding. */
  memberId: pulumi.Input<string>;
  /** The policy's id (Policy.policyId, or getPolicy's policyId); changing it replaces the binding. */
  policyId: pulumi.Input<string>;
  /** Manage a binding that already exists without a warning. */
  adopt?: pulumi.Input<boolean>;
  /** Adopt by the Terraform provider's import id: `<member_uuid>/<policy_uuid>`. */
  importId?: pulumi.Input<string>;
}

/** @internal */
const definition = bindingDefinition({
  kind: "MemberPolicy",
  a: { field: "memberId", what: "member", find: ends.member },
  b: { field: "policyId", what: "policy", find: ends.policy },
  bound: async (ctx, memberId) => idsOf(await ctx.client.members.boundPolicies(memberId)),
  add: (ctx, memberId, policyId) => ctx.client.members.addPolicy(memberId, policyId),
  remove: (ctx, memberId, policyId) => ctx.client.members.removePolicy(memberId, policyId),
  phrase: (member, policy) => `${policy} of ${member}`,
  form: "a MemberPolicy",
});

/** @internal */
export { definition as memberPolicyDefinition };

export class MemberPolicy extends pulumi.CustomResource {
  /** An existing object by id, read-only: Pulumi reads it and manages nothing. */
  static readonly get = getter(MemberPolicy);

  declare readonly installation: pulumi.Input<string> | undefined;
  declare readonly memberId: pulumi.Output<string>;
  declare readonly policyId: pulumi.Output<string>;

  constructor(name: string, args: MemberPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    super(...registration(definition, name, args, opts));
    registered(this, definition, args);
  }
}
dynamicClass(MemberPolicy);
