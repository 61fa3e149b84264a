// featbit-export writes variation values as a person would, and each must convert back to exactly the text FeatBit
// stores (or adoption would rewrite the variations); TypeScript literals must be valid code.
import ts from "typescript";
import { exportInternals } from "../../provider/tools/export";
import { featureFlagInternals } from "../../provider/resources/featureFlag";

const { valueForFile, literal } = exportInternals;

describe("variation values in exported files", () => {
  it.each([
    ["boolean", "true"],
    ["boolean", "false"],
    ["number", "10"],
    ["number", "1.50"],
    ["number", "-0.5"],
    ["number", "1e3"],
    ["json", '{"a":1,"b":[true,null]}'],
    ["json", "null"],
    ["json", '"text"'],
    ["json", "42"],
    ["string", "true"],
    ["string", "42"],
  ] as const)("%s %s converts back to the same stored text", (type, stored) => {
    const written = valueForFile(type, stored) as string | number | boolean | object;
    expect(featureFlagInternals.wireValue(type, written as never)).toEqual({ value: stored });
  });

  it("writes objects for json objects and numbers for plain numbers", () => {
    expect(valueForFile("json", '{"a":1}')).toEqual({ a: 1 });
    expect(valueForFile("number", "10")).toBe(10);
    expect(valueForFile("number", "1.50")).toBe("1.50");
    expect(valueForFile("boolean", "true")).toBe(true);
  });
});

describe("TypeScript literals", () => {
  it("are valid TypeScript for keys that are not identifiers, nested lists and strings with quotes", () => {
    const value = {
      key: "a-b",
      "needs-quotes": ['say "hi"', "it's"],
      nested: [{ op: "IsOneOf", values: ["x"] }],
    };
    const code = `const v = ${literal(value)};`;
    const out = ts.transpileModule(code, { reportDiagnostics: true });
    expect(out.diagnostics).toEqual([]);
    expect(new Function(`return ${literal(value)};`)()).toEqual(value);
  });
});
