// The Project class and the `get` of every resource class, against Pulumi's mock monitor.
import * as pulumi from "@pulumi/pulumi";
import {
  Environment,
  FeatureFlag,
  FeatureFlagTargeting,
  Group,
  GroupMember,
  GroupPolicy,
  MemberPolicy,
  Policy,
  Project,
  Segment,
} from "../../provider";

const value = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));
const reads: { type: string; id: string | undefined; inputs: Record<string, unknown> }[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        if (args.id) reads.push({ type: args.type, id: args.id, inputs: args.inputs });
        // What a read or create of the provider answers: the object's properties.
        return {
          id: args.id || "6a1d0000-0000-4000-8000-000000000001",
          state: {
            ...args.inputs,
            key: "shop",
            name: "Web shop",
            projectId: "6a1d0000-0000-4000-8000-000000000001",
          },
        };
      },
      call: (args) => args.inputs,
    },
    "project",
    "stack",
    false,
  );
});

test("Project registers featbit:Project and exposes its outputs", async () => {
  const project = new Project("shop", { key: "shop", name: "Web shop" });
  expect(await value(project.urn)).toContain("pulumi-nodejs:dynamic/featbit:Project");
  expect(await value(project.projectId)).toBe("6a1d0000-0000-4000-8000-000000000001");
  expect(await value(project.key)).toBe("shop");
});

test("get reads by id and exposes every output, with no declared inputs", async () => {
  const got = Project.get("existing", "6a1d0000-0000-4000-8000-000000000002");
  expect(await value(got.id)).toBe("6a1d0000-0000-4000-8000-000000000002");
  expect(await value(got.name)).toBe("Web shop");
  expect(await value(got.key)).toBe("shop");
  Environment.get("env", "p/e");
  FeatureFlag.get("flag", "e/checkout");
  Segment.get("segment", "e/s");
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(reads.map((r) => [r.type, r.id])).toEqual([
    ["pulumi-nodejs:dynamic/featbit:Project", "6a1d0000-0000-4000-8000-000000000002"],
    ["pulumi-nodejs:dynamic/featbit:Environment", "p/e"],
    ["pulumi-nodejs:dynamic/featbit:FeatureFlag", "e/checkout"],
    ["pulumi-nodejs:dynamic/featbit:Segment", "e/s"],
  ]);
  // Only output names (undefined) and the provider travel: nothing the program did not declare.
  for (const read of reads) {
    expect(Object.entries(read.inputs).filter(([k, v]) => k !== "__provider" && v !== undefined)).toEqual([]);
  }
});

test("Pulumi records the program's line as where each resource was declared, not this package's", async () => {
  // Pulumi sends the first stack frame past the registering class's constructor as the resource's `sourcePosition`
  // (and the frames from there as its stack trace), and the engine stores both: with a shared base class in between,
  // every resource of every program pointed at this package and stored one frame more.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(
      req: { getName(): string; getSourceposition(): { getUri(): string } | undefined },
      cb: unknown,
    ): unknown;
  };
  const positions = new Map<string, string | undefined>();
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    positions.set(req.getName(), req.getSourceposition()?.getUri());
    return original(req, cb);
  };
  const env = "0f2c6a1d-0000-4000-8000-000000000001";
  const declared = [
    new Project("at-p", { key: "p", name: "P" }),
    new Environment("at-e", { projectId: env, key: "qa", name: "QA" }),
    new FeatureFlag("at-f", { environmentId: env, key: "f", name: "F" }),
    new FeatureFlagTargeting("at-t", { environmentId: env, flagKey: "f" }),
    new Segment("at-s", { environmentId: env, key: "s", name: "S" }),
    new Policy("at-pol", { key: "pol", name: "Pol", statements: [] }),
    new Group("at-g", { name: "G" }),
    new GroupPolicy("at-gp", { groupId: env, policyId: env }),
    new GroupMember("at-gm", { groupId: env, memberId: env }),
    new MemberPolicy("at-mp", { memberId: env, policyId: env }),
  ];
  await Promise.all(declared.map((r) => value(r.urn)));
  monitor.registerResource = original;
  for (const r of declared) expect(r).toBeInstanceOf(pulumi.dynamic.Resource);
  const names = declared.map((r) => (r.constructor as { name: string }).name);
  expect(names).toHaveLength(10);
  expect([...positions.keys()].sort()).toEqual(
    ["at-p", "at-e", "at-f", "at-t", "at-s", "at-pol", "at-g", "at-gp", "at-gm", "at-mp"].sort(),
  );
  for (const [name, uri] of positions) {
    expect({ name, uri }).toEqual({
      name,
      uri: expect.stringMatching(/test\/resources\/projectClass\.test\.ts$/),
    });
  }
});
