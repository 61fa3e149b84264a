// What the program itself knows at preview, against Pulumi's mock monitor: a targeting takes its flag's declared
// environment, key and variation names (known while the flag is replaced, unlike its outputs), and the program checks
// every resource it declares, so that one preview reports the problems of all of them (core/precheck.ts).
import * as pulumi from "@pulumi/pulumi";
import { Project } from "../../provider/resources/project";
import { FeatureFlag } from "../../provider/resources/featureFlag";
import { FeatureFlagTargeting } from "../../provider/resources/featureFlagTargeting";
import { Segment } from "../../provider/resources/segment";

const ENV = "0f2c6a1d-0000-4000-8000-000000000001";
const value = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

/** Each registration the engine would see, in order, with its inputs. */
const registered: { name: string; inputs: Record<string, unknown> }[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ name: args.name, inputs: args.inputs as Record<string, unknown> });
        // A flag's outputs say another key than it declares: what the targeting takes shows where it came from.
        const id = args.type.endsWith(":FeatureFlag") ? `${ENV}/key-from-outputs` : `id-${args.name}`;
        return { id, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "project",
    "stack",
    true,
  );
});

test("a targeting given `flag:` takes what the flag declares, not its outputs", async () => {
  const flag = new FeatureFlag("checkout", {
    environmentId: ENV,
    key: "checkout",
    name: "Checkout",
    variations: [
      { name: "On", value: true },
      { name: "Off", value: false },
    ],
  });
  const targeting = new FeatureFlagTargeting("checkout", { flag, enabled: true });
  await value(targeting.urn);
  expect(await value(flag.key)).toBe("key-from-outputs");
  const inputs = registered.find((r) => r.name === "checkout" && "flagKey" in r.inputs)?.inputs;
  expect(inputs).toMatchObject({ environmentId: ENV, flagKey: "checkout", variations: ["On", "Off"] });
});

test("the program reports every resource's problems: the first by the engine's check, the others itself", async () => {
  const logged: string[] = [];
  const spy = jest.spyOn(console, "error").mockImplementation((message: unknown) => {
    logged.push(String(message));
  });
  try {
    registered.length = 0;
    const valid = new Project("fine", { key: "fine", name: "Fine" });
    const first = new Project("bad-key", { key: "bad key", name: "Bad" });
    const second = new Segment("both", {
      environmentId: ENV,
      key: "both",
      name: "Both",
      included: ["alice"],
      excluded: ["alice"],
    });
    const third = new FeatureFlag("limit", {
      environmentId: ENV,
      key: "limit",
      name: "Limit",
      variationType: "number",
      variations: [{ name: "Low", value: "ten" }],
    });
    await Promise.all([valid, first, second, third].map((r) => value(r.urn)));
    // The valid one and the first with problems register as ever; the others only once the first one has.
    expect(registered.map((r) => r.name)).toEqual(["fine", "bad-key", "both", "limit"]);
    // The first one's problems are the engine's to report (under it, as a failed check): not logged here.
    expect(logged).toEqual([
      expect.stringMatching(/Segment resource 'both' has a problem: included: 'alice' is both included and/),
      expect.stringMatching(
        /FeatureFlag resource 'limit' has a problem: variations\[0\]\.value: number flags/,
      ),
    ]);
  } finally {
    spy.mockRestore();
  }
});

test("a read by id declares nothing, so nothing is checked", async () => {
  const spy = jest.spyOn(console, "error").mockImplementation(() => undefined);
  try {
    registered.length = 0;
    // Without inputs a declaration would fail its check (no key, no name): the second one's would be logged.
    const reads = ["one", "two"].map((name, i) =>
      Project.get(name, `0f2c6a1d-0000-4000-8000-00000000000${i}`),
    );
    await Promise.all(reads.map((r) => value(r.urn)));
    expect(registered.map((r) => r.name)).toEqual(["one", "two"]);
    expect(spy).not.toHaveBeenCalled();
  } finally {
    spy.mockRestore();
  }
});
