// The JSON Schema editors use (`# yaml-language-server: $schema=…`) accepts the example files, rejects bad ones, and
// stays in step with the format model.ts reads.
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { parseDocument } from "yaml";
import { OPERATORS, VARIATION_TYPES } from "../../provider/client";
import { flagSetJsonSchema } from "../../provider/flagset";
import { EXPECT, FLAG_FIELDS, SEGMENT_FIELDS, TARGETING_PARTS } from "../../provider/flagset/model";
import packageJson from "../../package.json";

const ROOT = path.resolve(__dirname, "../..");
const validate = new Ajv({ allErrors: true, strict: false }).compile(flagSetJsonSchema);
const errorsOf = (doc: unknown): string[] =>
  validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`);

interface SchemaObject {
  properties: Record<string, unknown>;
  definitions: Record<string, { properties: Record<string, unknown> }>;
}
const schema = flagSetJsonSchema as unknown as SchemaObject;

describe("the FlagSet JSON Schema", () => {
  const examples = fs
    .readdirSync(path.join(ROOT, "examples/flagset/flags"))
    .map((f) => path.join(ROOT, "examples/flagset/flags", f));

  it.each(examples)("accepts %s", (file) => {
    expect(errorsOf(parseDocument(fs.readFileSync(file, "utf8")).toJS())).toEqual([]);
  });

  it("is what each example file's yaml-language-server comment points at, once built", () => {
    for (const file of examples) {
      const first = fs.readFileSync(file, "utf8").split("\n")[0];
      const target = /^# yaml-language-server: \$schema=(.+)$/.exec(first)?.[1];
      expect(target).toBeDefined();
      expect(path.resolve(path.dirname(file), target ?? "")).toBe(
        path.join(ROOT, "dist/flagset/flagset.schema.json"),
      );
    }
    // Shipped: in the package's files and exports.
    expect(packageJson.files).toContain("dist/flagset/flagset.schema.json");
    expect(packageJson.exports["./flagset.schema.json"]).toBe("./dist/flagset/flagset.schema.json");
  });

  it.each([
    ["an unknown top-level field", { flag: [] }, "must NOT have additional properties"],
    ["a flag without a name", { flags: [{ key: "a" }] }, "/flags/0 must have required property 'name'"],
    ["a key with a space", { flags: [{ key: "a b", name: "A" }] }, "/flags/0/key must match pattern"],
    [
      "a misspelt field",
      { flags: [{ key: "a", name: "A", enabeld: true }] },
      "must NOT have additional properties",
    ],
    [
      "an unknown operator",
      {
        flags: [
          {
            key: "a",
            name: "A",
            rules: [
              {
                name: "R",
                conditions: [{ property: "x", op: "IsIn", value: "1" }],
                serve: { variation: "true" },
              },
            ],
          },
        ],
      },
      "/flags/0/rules/0/conditions/0",
    ],
    [
      "serve with both forms",
      {
        flags: [
          {
            key: "a",
            name: "A",
            defaultRule: { serve: { variation: "On", rollout: [{ variation: "On", percent: 100 }] } },
          },
        ],
      },
      "/flags/0/defaultRule/serve must match exactly one schema",
    ],
    [
      "a percentage over 100",
      {
        flags: [
          { key: "a", name: "A", defaultRule: { serve: { rollout: [{ variation: "On", percent: 120 }] } } },
        ],
      },
      "percent must be <= 100",
    ],
    [
      "an override that is true",
      { flags: [{ key: "a", name: "A", environments: { prod: true } }] },
      "/flags/0/environments/prod",
    ],
    [
      "a segment condition in a segment rule",
      { segments: [{ key: "s", name: "S", rules: [{ name: "R", conditions: [{ segment: "x" }] }] }] },
      "/segments/0/rules/0/conditions/0 must have required property 'property'",
    ],
  ])("rejects %s", (_what, doc, expected) => {
    expect(errorsOf(doc).join("\n")).toContain(expected);
  });

  it("lists exactly the fields the loader accepts, and FeatBit's operators and variation types", () => {
    const props = (name: string) => Object.keys(schema.definitions[name].properties).sort();
    expect(Object.keys(schema.properties).sort()).toEqual(["$schema", "flags", "segments"]);
    expect(props("flag")).toEqual([...FLAG_FIELDS, ...TARGETING_PARTS, EXPECT, "environments"].sort());
    expect(props("flagOverride")).toEqual(
      ["from", "name", "description", "variations", "tags", ...TARGETING_PARTS, EXPECT].sort(),
    );
    expect(props("segment")).toEqual([...SEGMENT_FIELDS, "environments"].sort());
    const op = schema.definitions.propertyCondition.properties.op as { enum: string[] };
    expect(op.enum).toEqual([...OPERATORS]);
    const type = schema.definitions.flag.properties.variationType as { enum: string[] };
    expect(type.enum).toEqual([...VARIATION_TYPES]);
  });
});
