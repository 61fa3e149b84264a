// The serialized provider lands in every resource's state twice (inputs and outputs): it must stay tiny and must
// not carry settings, tokens or the implementation.
import { shimFor, type ResourceKind } from "../../provider/host/shim";

interface SerializedFunction {
  text: string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- internal module, no public typings
const { serializeFunction } = require("@pulumi/pulumi/runtime/closure/serializeClosure") as {
  serializeFunction(f: () => unknown, opts: { allowSecrets: boolean }): Promise<SerializedFunction>;
};

const kinds: ResourceKind[] = ["Project", "Environment", "FeatureFlag", "FeatureFlagTargeting", "Segment"];

describe("serialized provider (__provider)", () => {
  const token = "api-ThisIsASecretTokenValue1234567890abcdefgh";
  let previous: string | undefined;
  beforeAll(() => {
    previous = process.env.FEATBIT_ACCESS_TOKEN;
    process.env.FEATBIT_ACCESS_TOKEN = token;
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.FEATBIT_ACCESS_TOKEN;
    else process.env.FEATBIT_ACCESS_TOKEN = previous;
  });

  test.each(kinds)(
    "%s serializes to a small shim that requires the implementation by package name",
    async (kind) => {
      const provider = shimFor(kind);
      const { text } = await serializeFunction(() => provider, { allowSecrets: true });
      expect(text.length).toBeLessThan(2400);
      expect(text).toContain('require("pulumi-featbit/provider-impl")');
      expect(text).toContain(JSON.stringify(kind));
      expect(text).not.toContain(token);
      // Nothing of the implementation travels: no zod, no HTTP client, no local module paths.
      expect(text).not.toMatch(/zod|axios|\.\/impl|\/provider\/resources\//);
    },
  );

  test("one shared instance per kind, so Pulumi serializes each once", () => {
    expect(shimFor("FeatureFlag")).toBe(shimFor("FeatureFlag"));
    expect(shimFor("FeatureFlag")).not.toBe(shimFor("Segment"));
  });
});
