// The Project class and the `get` of every resource class, against Pulumi's mock monitor.
import * as pulumi from "@pulumi/pulumi";
import { Environment, FeatureFlag, Project, Segment } from "../../provider";

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
