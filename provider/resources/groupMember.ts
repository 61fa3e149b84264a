// featbit:GroupMember — a member in a group: the member gets the permissions of every policy attached to the group.
// Members are people: pulumi-featbit never invites or removes them (find one with getMember by email).
import * as pulumi from "@pulumi/pulumi";
import { idsOf } from "../client";
import { dynamicClass, getter, registered, registration, type ResourceArgs } from "./core/resourceClass";
import { bindingDefinition, ends } from "./iamBinding";

export interface GroupMemberArgs extends ResourceArgs {
  /** The group's id (Group.groupId, or getGroup's groupId); changing it replaces the binding. */
  groupId: pulumi.Input<string>;
  /** The member's id (getMember's memberId); changing it replaces the binding. */
  memberId: pulumi.Input<string>;
  /** Manage a membership that already exists without a warning. */
  adopt?: pulumi.Input<boolean>;
  /** Adopt by the Terraform provider's import id: `<group_uuid>/<member_uuid>`. */
  importId?: pulumi.Input<string>;
}

/** @internal */
const definition = bindingDefinition({
  kind: "GroupMember",
  a: { field: "groupId", what: "group", find: ends.group },
  b: { field: "memberId", what: "member", find: ends.member },
  bound: async (ctx, groupId) => idsOf(await ctx.client.groups.boundMembers(groupId)),
  add: (ctx, groupId, memberId) => ctx.client.groups.addMember(groupId, memberId),
  remove: (ctx, groupId, memberId) => ctx.client.groups.removeMember(groupId, memberId),
  phrase: (group, member) => `${member} in ${group}`,
  form: "a GroupMember",
});

/** @internal */
export { definition as groupMemberDefinition };

export class GroupMember extends pulumi.CustomResource {
  /** An existing object by id, read-only: Pulumi reads it and manages nothing. */
  static readonly get = getter(GroupMember);

  declare readonly installation: pulumi.Input<string> | undefined;
  declare readonly groupId: pulumi.Output<string>;
  declare readonly memberId: pulumi.Output<string>;

  constructor(name: string, args: GroupMemberArgs, opts?: pulumi.CustomResourceOptions) {
    super(...registration(definition, name, args, opts));
    registered(this, definition, args);
  }
}
dynamicClass(GroupMember);
