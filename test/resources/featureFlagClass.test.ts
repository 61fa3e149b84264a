// The FeatureFlag Pulumi class: type token and declared outputs, checked against Pulumi's mock monitor.
import * as pulumi from "@pulumi/pulumi";
import { FeatureFlag } from "../../provider/resources/featureFlag";

const value = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      // The mock "provider" answers like create: the inputs plus the outputs only FeatBit knows.
      newResource: (args) => ({
        id: `${String(args.inputs.environmentId)}/${String(args.inputs.key)}`,
        state: {
          ...args.inputs,
          flagId: "flag-uuid",
          variations: [
            { id: "on-id", name: "On", value: "true", idDeclared: false },
            { id: "off-id", name: "Off", value: "false", idDeclared: false },
          ],
        },
      }),
      call: (args) => args.inputs,
    },
    "project",
    "stack",
    false,
  );
});

test("FeatureFlag registers featbit:FeatureFlag and exposes its outputs", async () => {
  const flag = new FeatureFlag("checkout", {
    environmentId: "0f2c6a1d-0000-4000-8000-000000000001",
    key: "checkout",
    name: "Checkout",
    variations: [
      { name: "On", value: true },
      { name: "Off", value: false },
    ],
    tags: ["web"],
  });
  expect(await value(flag.urn)).toContain("pulumi-nodejs:dynamic/featbit:FeatureFlag");
  expect(await value(flag.id)).toBe("0f2c6a1d-0000-4000-8000-000000000001/checkout");
  expect(await value(flag.flagId)).toBe("flag-uuid");
  // Derived in the program from the stored variations: state does not hold a second copy of the ids.
  expect(await value(flag.variationIds)).toEqual({ On: "on-id", Off: "off-id" });
  expect(await value(flag.key)).toBe("checkout");
  expect(await value(flag.tags)).toEqual(["web"]);
});

test("declaredVariationNames are the program's names (boolean default when omitted), for targeting checks", async () => {
  const explicit = new FeatureFlag("theme", {
    environmentId: "0f2c6a1d-0000-4000-8000-000000000001",
    key: "theme",
    name: "Theme",
    variationType: "string",
    variations: [
      { name: "Light", value: "light" },
      { name: "Dark", value: "dark" },
    ],
  });
  const defaulted = new FeatureFlag("simple", {
    environmentId: "0f2c6a1d-0000-4000-8000-000000000001",
    key: "simple",
    name: "Simple",
  });
  expect(await value(explicit.declaredVariationNames)).toEqual(["Light", "Dark"]);
  expect(await value(defaulted.declaredVariationNames)).toEqual(["true", "false"]);
});
