// featbit-export writes variation values as a person would, and each must convert back to exactly the text FeatBit
// stores (or adoption would rewrite the variations); TypeScript literals must be valid code.
import ts from "typescript";
import { createClient } from "../../provider/client";
import { startEmulator, type Emulator } from "../../provider/emulator";
import { flagBody } from "../emulator/support";
import { exportInternals, exportProject } from "../../provider/tools/export";
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

describe("what an exported program declares", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${emulator.url}/api/v1${path}`, {
      method,
      headers: { Authorization: emulator.token, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return ((await res.json()) as { data: T }).data;
  };

  it.each(["ts", "yaml"] as const)(
    "a flag that is off declares enabled: false and one that is on enabled: true (%s)",
    async (format) => {
      const key = `exp-${format}`;
      const project = await api<{ environments: { id: string; key: string }[] }>("POST", "/projects", {
        name: key,
        key,
      });
      const prod = project.environments.find((e) => e.key === "prod")?.id as string;
      for (const [flagKey, on] of [
        ["dark-launch", false],
        ["live-one", true],
      ] as const) {
        const made = await api<{ id: string }>("POST", `/envs/${prod}/feature-flags`, flagBody(flagKey));
        expect(made.id).toBeTruthy();
        if (on) await api("PUT", `/envs/${prod}/feature-flags/${flagKey}/toggle/true`);
      }
      const client = createClient({
        apiUrl: `${emulator.url}/api/v1`,
        accessToken: emulator.token,
        maxRetries: 0,
        httpTimeoutSeconds: 5,
        maxConcurrency: 4,
        allowInsecureHttp: false,
      });
      const result = await exportProject(client, { project: key, environments: ["prod"], format });
      const text = result.files.map((f) => f.content).join("\n");
      // Both formats declare a flag's `enabled` after its key and before the next flag's.
      const enabledOf = (flagKey: string) =>
        /enabled: (true|false)/.exec(text.slice(text.indexOf(flagKey)))?.[1];
      expect(enabledOf("dark-launch")).toBe("false");
      expect(enabledOf("live-one")).toBe("true");
    },
  );
});
