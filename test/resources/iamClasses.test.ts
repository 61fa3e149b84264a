// The IAM classes against Pulumi's mock monitor: type tokens (stored in state), declared outputs, and the outputs
// derived from the Pulumi id (known in preview whenever the id is).
import * as pulumi from "@pulumi/pulumi";
import { Group } from "../../provider/resources/group";
import { GroupMember } from "../../provider/resources/groupMember";
import { GroupPolicy } from "../../provider/resources/groupPolicy";
import { MemberPolicy } from "../../provider/resources/memberPolicy";
import { Policy } from "../../provider/resources/policy";

const G = "0f2c6a1d-0000-4000-8000-00000000000a";
const P = "0f2c6a1d-0000-4000-8000-00000000000b";
const M = "0f2c6a1d-0000-4000-8000-00000000000c";

const BINDING_IDS: Record<string, string[]> = {
  GroupPolicy: ["groupId", "policyId"],
  GroupMember: ["groupId", "memberId"],
  MemberPolicy: ["memberId", "policyId"],
};

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      // Ids as the provider makes them: a UUID, or `<a_uuid>/<b_uuid>` for a binding.
      newResource: (args) => {
        const fields = BINDING_IDS[args.type.split(":").pop() ?? ""];
        const inputs = args.inputs as Record<string, string>;
        return {
          id: fields ? fields.map((f) => inputs[f]).join("/") : `${args.name}-id`,
          state: args.inputs,
        };
      },
      call: (args) => args.inputs,
    },
    "project",
    "stack",
    false,
  );
});

const value = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

test("Policy and Group register their tokens and declare their outputs", async () => {
  const policy = new Policy("ci", {
    key: "ci",
    name: "CI",
    statements: [{ effect: "allow", resourceType: "iam", actions: ["CanManageIAM"], resources: ["iam/*"] }],
  });
  expect(await value(policy.urn)).toContain("pulumi-nodejs:dynamic/featbit:Policy::ci");
  expect(await value(policy.policyId)).toBe("ci-id");
  expect((await value(policy.statements))[0].actions).toEqual(["CanManageIAM"]);

  const group = new Group("team", { name: "Team" });
  expect(await value(group.urn)).toContain("pulumi-nodejs:dynamic/featbit:Group::team");
  expect(await value(group.groupId)).toBe("team-id");
  expect(pulumi.Output.isInstance(group.description)).toBe(true);
});

test("the bindings derive both ids from the Pulumi id", async () => {
  const gp = new GroupPolicy("gp", { groupId: G, policyId: P });
  expect(await value(gp.urn)).toContain("pulumi-nodejs:dynamic/featbit:GroupPolicy::gp");
  expect([await value(gp.groupId), await value(gp.policyId)]).toEqual([G, P]);

  const gm = new GroupMember("gm", { groupId: G, memberId: M });
  expect(await value(gm.urn)).toContain("pulumi-nodejs:dynamic/featbit:GroupMember::gm");
  expect([await value(gm.groupId), await value(gm.memberId)]).toEqual([G, M]);

  const mp = new MemberPolicy("mp", { memberId: M, policyId: P });
  expect(await value(mp.urn)).toContain("pulumi-nodejs:dynamic/featbit:MemberPolicy::mp");
  expect([await value(mp.memberId), await value(mp.policyId)]).toEqual([M, P]);
});
