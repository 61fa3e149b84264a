// The dependency Pulumi cannot see (provider/resources/core/ordering.ts): a flag depends on the segments its
// targeting's rules name, so a destroy deletes the flag before FeatBit is asked to archive the segment. Checked on
// what the program registers with Pulumi's mock monitor: the dependencies the engine records.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { FeatureFlag } from "../../provider/resources/featureFlag";
import { FeatureFlagTargeting } from "../../provider/resources/featureFlagTargeting";
import { Segment } from "../../provider/resources/segment";
import { FlagSet } from "../../provider/flagset";

const ENV = "0f2c6a1d-0000-4000-8000-000000000001";
/** Resource name → the URNs it was registered as depending on. */
const dependencies = new Map<string, string[]>();

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({
        id: `${args.name}-id`,
        state: { ...args.inputs, segmentId: "0f2c6a1d-0000-4000-8000-0000000000aa", flagId: "flag-uuid" },
      }),
      call: (args) => args.inputs,
    },
    "project",
    "stack",
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: { getName(): string; getDependenciesList(): string[] }, cb: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    dependencies.set(req.getName(), req.getDependenciesList());
    return register(req, cb);
  };
});

const urnOf = (r: pulumi.Resource) => new Promise<string>((resolve) => r.urn.apply(resolve));
const registeredDeps = async (r: pulumi.Resource, name: string) => {
  await urnOf(r);
  return dependencies.get(name) ?? [];
};

const segment = (name: string) => new Segment(name, { environmentId: ENV, key: name, name });

test("a flag depends on the segments its targeting's rules name, so destroy deletes it first", async () => {
  const beta = segment("beta");
  const staff = segment("staff");
  const unused = segment("unused");
  const flag = new FeatureFlag("checkout", { environmentId: ENV, key: "checkout", name: "Checkout" });
  new FeatureFlagTargeting("checkout-targeting", {
    flag,
    rules: [
      { name: "Beta", conditions: [{ segment: beta.segmentId }], serve: { variation: "true" } },
      { name: "Not staff", conditions: [{ notInSegment: [staff.segmentId] }], serve: { variation: "false" } },
    ],
  });
  const deps = await registeredDeps(flag, "checkout");
  expect(deps.sort()).toEqual([await urnOf(beta), await urnOf(staff)].sort());
  expect(deps).not.toContain(await urnOf(unused));
});

test("what the program declared in dependsOn stays", async () => {
  const beta = segment("beta-2");
  const other = segment("other");
  const flag = new FeatureFlag(
    "banner",
    { environmentId: ENV, key: "banner", name: "Banner" },
    { dependsOn: [other] },
  );
  new FeatureFlagTargeting("banner-targeting", {
    flag,
    rules: [{ name: "Beta", conditions: [{ segment: beta.segmentId }], serve: { variation: "true" } }],
  });
  expect((await registeredDeps(flag, "banner")).sort()).toEqual(
    [await urnOf(beta), await urnOf(other)].sort(),
  );
});

test("a flag without targeting, or whose targeting names no Segment resource, depends on nothing more", async () => {
  const plain = new FeatureFlag("plain", { environmentId: ENV, key: "plain", name: "Plain" });
  const literal = new FeatureFlag("literal", { environmentId: ENV, key: "literal", name: "Literal" });
  new FeatureFlagTargeting("literal-targeting", {
    flag: literal,
    rules: [
      {
        name: "Fixed",
        conditions: [{ segment: "0f2c6a1d-0000-4000-8000-0000000000bb" }],
        serve: { variation: "true" },
      },
    ],
  });
  expect(await registeredDeps(plain, "plain")).toEqual([]);
  expect(await registeredDeps(literal, "literal")).toEqual([]);
});

test("FlagSet's flags depend on the segments their rules name", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "destroy-order-"));
  try {
    fs.writeFileSync(
      path.join(dir, "flags.yaml"),
      [
        "segments:",
        "  - { key: beta, name: Beta }",
        "flags:",
        "  - key: checkout",
        "    name: Checkout",
        "    rules: [{ name: Beta, conditions: [{ segment: beta }], serve: { variation: 'true' } }]",
      ].join("\n"),
    );
    const set = new FlagSet("files", { path: dir, environments: { prod: ENV } });
    expect(await registeredDeps(set.flags.prod.checkout, "files/prod/checkout")).toEqual([
      await urnOf(set.segments.prod.beta),
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
