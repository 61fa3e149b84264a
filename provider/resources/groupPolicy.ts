// featbit:GroupPolicy — a policy attached to a group: every member of the group gets the policy's permissions.
// Either side may be a policy or group this stack does not manage (getPolicy / getGroup), built-in policies included.
import * as pulumi from "@pulumi/pulumi";
import { idsOf } from "../client";
import { dynamicClass, getter, registered, registration, type ResourceArgs } from "./core/resourceClass";
import { bindingDefinition, ends } from "./iamBinding";

export interface GroupPolicyArgs extends ResourceArgs {
  /** The group's id (Group.groupId, or getGroup's groupId); changing it replaces the binding. */
  groupId: pulumi.Input<string>;
  /** The policy's id (Policy.policyId, or getPolicy's policyId); changing it replaces the binding. */
  policyId: pulumi.Input<string>;
  /** Manage a binding that already exists without a warning. */
  adopt?: pulumi.Input<boolean>;
  /** Adopt by the Terraform provider's import id: `<group_uuid>/<policy_uuid>`. */
  importId?: pulumi.Input<string>;
}

/** @internal */
const definition = bindingDefinition({
  kind: "GroupPolicy",
  a: { field: "groupId", what: "group", find: ends.group },
  b: { field: "policyId", what: "policy", find: ends.policy },
  bound: async (ctx, groupId) => idsOf(await ctx.client.groups.boundPolicies(groupId)),
  add: (ctx, groupId, policyId) => ctx.client.groups.addPolicy(groupId, policyId),
  remove: (ctx, groupId, policyId) => ctx.client.groups.removePolicy(groupId, policyId),
  phrase: (group, policy) => `${policy} of ${group}`,
  form: "a GroupPolicy",
});

/** @internal */
export { definition as groupPolicyDefinition };

export class GroupPolicy extends pulumi.CustomResource {
  /** An existing object by id, read-only: Pulumi reads it and manages nothing. */
  static readonly get = getter(GroupPolicy);

  declare readonly installation: pulumi.Input<string> | undefined;
  declare readonly groupId: pulumi.Output<string>;
  declare readonly policyId: pulumi.Output<string>;

  constructor(name: string, args: GroupPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    super(...registration(definition, name, args, opts));
    registered(this, definition, args);
  }
}
dynamicClass(GroupPolicy);
