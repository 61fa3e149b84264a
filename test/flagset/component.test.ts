// The FlagSet component against Pulumi's mock monitor: which resources it declares, under which names and with
// which inputs (segment keys become that environment's segment ids; installations per environment), and that a bad
// file declares nothing at all.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { FlagSet } from "../../provider/flagset";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registered[] = [];
const value = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        const env = String(args.inputs.environmentId ?? "");
        // Segment ids derive from the Pulumi id (<environment>/<segment uuid>), as they do live.
        const own = args.type.endsWith(":Segment")
          ? `segment-of-${args.name.replace(/\//g, "_")}`
          : (args.inputs.key ?? args.inputs.flagKey);
        return {
          id: `${env}/${String(own ?? args.name)}`,
          state: { ...args.inputs, segmentId: `segment-of-${args.name}`, flagId: `flag-of-${args.name}` },
        };
      },
      call: (args) => args.inputs,
    },
    "project",
    "stack",
    false,
  );
});

let dir: string;
beforeEach(() => {
  registered.length = 0;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "flagset-component-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const ENV = { dev: "00000000-0000-4000-8000-00000000000d", prod: "00000000-0000-4000-8000-00000000000e" };
const FILE = [
  "segments:",
  "  - { key: Beta-Users, name: Beta }",
  "flags:",
  "  - key: checkout",
  "    name: Checkout",
  "    rules: [{ name: Beta, conditions: [{ segment: beta-users }], serve: { variation: 'true' } }]",
  "    environments: { prod: { enabled: false } }",
  "  - { key: plain, name: Plain }",
].join("\n");

test("declares each environment's segments, flags and targeting, named <FlagSet>/<environment>/<key>", async () => {
  fs.writeFileSync(path.join(dir, "flags.yaml"), FILE);
  const set = new FlagSet("flags", {
    path: dir,
    environments: { dev: ENV.dev, prod: { environmentId: ENV.prod, installation: "cloud" } },
    comment: "from CI",
  });
  await value(set.urn);
  await value(set.targeting.prod.checkout.id);
  // Flags register a turn later (they wait for their targeting's segments: see core/ordering.ts).
  await Promise.all(
    Object.values(set.flags).flatMap((byKey) => Object.values(byKey).map((f) => value(f.urn))),
  );
  const names = registered.map((r) => `${r.type.split(":").pop()} ${r.name}`).sort();
  expect(names).toEqual([
    "FeatureFlag flags/dev/checkout",
    "FeatureFlag flags/dev/plain",
    "FeatureFlag flags/prod/checkout",
    "FeatureFlag flags/prod/plain",
    "FeatureFlagTargeting flags/dev/checkout",
    "FeatureFlagTargeting flags/prod/checkout",
    "FlagSet flags",
    "Segment flags/dev/Beta-Users",
    "Segment flags/prod/Beta-Users",
  ]);
  const prodTargeting = registered.find(
    (r) => r.name === "flags/prod/checkout" && r.type.endsWith("FeatureFlagTargeting"),
  );
  // The key in the file (any case) became prod's Segment id; the environment's installation and the comment apply.
  expect(prodTargeting?.inputs).toMatchObject({
    environmentId: ENV.prod,
    flagKey: "checkout",
    enabled: false,
    installation: "cloud",
    comment: "from CI",
    rules: [{ name: "Beta", conditions: [{ segment: "segment-of-flags_prod_Beta-Users" }] }],
  });
  const devFlag = registered.find((r) => r.name === "flags/dev/plain");
  expect(devFlag?.inputs.installation).toBeUndefined();
  expect(Object.keys(set.segments.prod)).toEqual(["Beta-Users"]);
  expect(set.targeting.dev.plain).toBeUndefined();
});

test("a bad file declares nothing, not even the component, and says where", () => {
  fs.writeFileSync(path.join(dir, "flags.yaml"), FILE.replace("variation: 'true'", "variation: 'yes'"));
  expect(() => new FlagSet("flags", { path: dir, environments: { dev: ENV.dev } })).toThrow(
    "FlagSet 'flags': nothing was declared because of the problems listed above",
  );
  expect(registered).toEqual([]);
});
