// The package schema the native plugin serves is generated from the definitions, the lookups and the docs: the
// committed file must be what they make now, and what it says must hold of what the resources really do.
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { nativeToken } from "../../provider/host/nativeProvider";
import { RESOURCE_KINDS } from "../../provider/host/shim";
import { lookups } from "../../provider/lookups";
import { OUTPUTS } from "../../provider/native/outputs";
import { currentSchema, SCHEMA_FILE, schemaText } from "../../provider/native/schemaFile";
import { definitions } from "../../provider/resources/definitions";
import { startProviderHarness, type ProviderHarness } from "../support/providerHarness";

const ROOT = path.resolve(__dirname, "../..");
const version = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string })
  .version;
const schema = currentSchema(ROOT, version);

test("provider/native/schema.json is what the definitions and docs make now (run `npm run schema`)", () => {
  expect(fs.readFileSync(SCHEMA_FILE, "utf8")).toBe(schemaText(schema));
});

test("every resource kind and every lookup is in the package, each described, each input described", () => {
  expect(Object.keys(schema.resources).sort()).toEqual(RESOURCE_KINDS.map(nativeToken).sort());
  expect(Object.keys(schema.functions).sort()).toEqual(lookups.map((l) => nativeToken(l.name)).sort());
  for (const [token, resource] of Object.entries(schema.resources)) {
    expect([token, (resource.description ?? "").length > 40]).toEqual([token, true]);
    const undescribed = Object.entries(resource.inputProperties)
      .filter(([, p]) => !p.description)
      .map(([name]) => name);
    expect([token, undescribed]).toEqual([token, []]);
  }
});

test("secrets, replacements, import ids and aliases come from the definitions", () => {
  const env = schema.resources["featbit:index:Environment"];
  expect(env.properties.serverKey.secret).toBe(true);
  expect(env.properties.clientKey.secret).toBe(true);
  expect(schema.provider.inputProperties.accessToken.secret).toBe(true);
  expect(schema.config.variables.accessToken.secret).toBe(true);
  expect(schema.functions["featbit:index:getEnvironment"].outputs.properties.serverKey.secret).toBe(true);
  for (const def of definitions) {
    const resource = schema.resources[nativeToken(def.kind)];
    const replacing = Object.entries(resource.inputProperties)
      .filter(([, p]) => p.replaceOnChanges)
      .map(([name]) => name);
    expect([def.kind, replacing.sort()]).toEqual([def.kind, [...def.replaceOn].sort()]);
    expect(resource.aliases).toEqual([{ type: `pulumi-nodejs:dynamic/featbit:${def.kind}` }]);
  }
  expect(schema.resources["featbit:index:FeatureFlag"].description).toContain(
    "pulumi import featbit:index:FeatureFlag <name> '<environment_uuid>/<flag_key>'",
  );
  expect(schema.resources["featbit:index:Project"].description).toContain("'<project_uuid>'");
  expect(schema.resources["featbit:index:Group"].description).toContain("'<group_uuid>'");
  // The host's fields: onDestroy wherever destroy can touch FeatBit, origin as an output.
  expect(schema.resources["featbit:index:FeatureFlagTargeting"].inputProperties.onDestroy).toBeUndefined();
  expect(schema.resources["featbit:index:Segment"].inputProperties.onDestroy.description).toMatch(/archive/);
  expect(schema.resources["featbit:index:Segment"].properties.origin).toBeDefined();
});

test("a changed definition changes the schema", () => {
  const flag = definitions.find((d) => d.kind === "FeatureFlag")!;
  const widened = { ...flag, schema: (flag.schema as unknown as z.ZodObject).extend({ extra: z.number() }) };
  const changed = currentSchemaWith(definitions.map((d) => (d === flag ? widened : d)));
  expect(changed.resources["featbit:index:FeatureFlag"].inputProperties.extra).toEqual({ type: "number" });
  expect(schemaText(changed)).not.toBe(schemaText(schema));
});

function currentSchemaWith(defs: typeof definitions) {
  // The generator reads the definitions table; swap it for one call.
  const table = definitions as unknown as unknown[];
  const saved = [...table];
  table.splice(0, table.length, ...defs);
  try {
    return currentSchema(ROOT, version);
  } finally {
    table.splice(0, table.length, ...saved);
  }
}

describe("what the resources return fits the declared output types", () => {
  let h: ProviderHarness;
  const saved = process.env.FEATBIT_ORGANIZATION_KEY;
  beforeAll(async () => {
    h = await startProviderHarness();
    // Segment scopes need it, and access tokens cannot read it.
    process.env.FEATBIT_ORGANIZATION_KEY = "playground";
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.FEATBIT_ORGANIZATION_KEY;
    else process.env.FEATBIT_ORGANIZATION_KEY = saved;
    await h.close();
  });

  test("project, environment, flag, segment, policy, group", async () => {
    const up = async (kind: (typeof RESOURCE_KINDS)[number], news: Record<string, unknown>) => {
      const p = h.provider(kind);
      const checked = await p.check({}, news);
      expect(checked.failures).toBeUndefined();
      const created = await p.create(checked.inputs!);
      const fits = z.object(OUTPUTS[kind].fields).safeParse(created.outs);
      expect([kind, fits.success ? [] : fits.error.issues]).toEqual([kind, []]);
      return created.outs as Record<string, string>;
    };
    const project = await up("Project", { key: "fit", name: "Fit" });
    const env = await up("Environment", { projectId: project.projectId, key: "qa", name: "QA" });
    await up("FeatureFlag", { environmentId: env.environmentId, key: "f", name: "F" });
    await up("Segment", { environmentId: env.environmentId, key: "s", name: "S" });
    await up("Policy", { key: "fit-policy", name: "Fit policy" });
    await up("Group", { name: "Fit group" });
  });
});
