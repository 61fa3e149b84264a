// The stored provider lands in every resource's state twice (inputs and outputs) and the engine rewrites the whole
// checkpoint after every step: it must stay tiny, must not carry settings, tokens or the implementation, and must be
// what Pulumi's dynamic-provider host can load. State written by 0.1.0 holds another text (a serialized object):
// the implementation must keep serving that too.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { providerModule, RESOURCE_KINDS, typeToken, type ResourceKind } from "../../provider/host/shim";
import { FeatureFlag } from "../../provider/resources/featureFlag";
import { startProviderHarness, type ProviderHarness } from "../support/providerHarness";
import oldState from "./fixtures/provider-0.1.0.json";

// The dynamic-provider host loads `__provider` with this very package (see @pulumi/pulumi/cmd/dynamic-provider).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- untyped CommonJS module
const requireFromString = require("require-from-string") as (code: string, filename?: string) => unknown;

type Handler = { handler(): Record<string, (...args: unknown[]) => unknown> };

/** Loads a stored `__provider` text as the provider process does: modules resolve from its working directory. */
function load(text: string): Record<string, (...args: unknown[]) => unknown> {
  return (requireFromString(text, path.join(process.cwd(), "provider.js")) as Handler).handler();
}

/** A FeatureFlag's `__provider` as state written by 0.1.0 holds it (2.4 KB: nine serialized closures). */
const OLD_SHIM = (oldState as { FeatureFlag: string }).FeatureFlag;

describe("stored provider (__provider)", () => {
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

  test.each(RESOURCE_KINDS.map((k) => [k]))(
    "%s: at most 128 bytes per copy as state stores it, so 256 per resource",
    (kind) => {
      const text = providerModule(kind);
      // State holds it as a JSON string: escapes count.
      expect(Buffer.byteLength(JSON.stringify(text)) - 2).toBeLessThanOrEqual(128);
      expect(text).toContain(`'${kind}'`);
      expect(text).not.toContain(token);
      expect(text).not.toMatch(/zod|axios|apiUrl|accessToken|\/provider\/resources\//);
    },
  );

  test("refuses a kind that is not a plain name (it is pasted into code)", () => {
    expect(() => providerModule("Flag') || process.exit(1) || ('" as ResourceKind)).toThrow(/letters only/);
  });

  test.each(RESOURCE_KINDS.map((k) => [k]))(
    "%s: the dynamic-provider host gets every method, configure included",
    (kind) => {
      const provider = load(providerModule(kind));
      for (const method of ["configure", "check", "diff", "create", "read", "update", "delete"]) {
        expect(typeof provider[method]).toBe("function");
      }
    },
  );

  test("a kind this version lacks names the upgrade, as before", () => {
    const text = providerModule("FeatureFlag").replace("FeatureFlag", "Webhook");
    expect(() => load(text)).toThrow(/no resource type 'Webhook': upgrade the pulumi-featbit package/);
  });

  test("resources register with the type token and the text, and are still pulumi.dynamic.Resource", async () => {
    const registered: { type: string; inputs: Record<string, unknown> }[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push({ type: args.type, inputs: args.inputs as Record<string, unknown> });
          return {
            id: `${String(args.inputs.environmentId)}/${String(args.inputs.key)}`,
            state: args.inputs,
          };
        },
        call: () => ({}),
      },
      "project",
      "stack",
      false,
    );
    const flag = new FeatureFlag("f", {
      environmentId: "0f2c0000-0000-4000-8000-000000000000",
      key: "k",
      name: "K",
    });
    await new Promise<void>((resolve) => flag.urn.apply(() => resolve()));
    expect(registered).toEqual([
      expect.objectContaining({
        type: typeToken("FeatureFlag"),
        inputs: expect.objectContaining({ __provider: providerModule("FeatureFlag") }),
      }),
    ]);
    expect(flag).toBeInstanceOf(pulumi.dynamic.Resource);
    expect(flag).toBeInstanceOf(pulumi.CustomResource);
  });
});

describe("state written by 0.1.0", () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProviderHarness();
  });
  afterAll(() => h.close());

  test("its serialized shim still configures, reads and deletes through the implementation", async () => {
    const project = await h.api<{ environments: { id: string; key: string }[] }>("POST", "/projects", {
      name: "Old",
      key: "old",
    });
    const envId = project.body.environments[0].id;
    const created = await h.provider("FeatureFlag").create({
      environmentId: envId,
      key: "legacy",
      name: "Legacy",
      description: "",
      variationType: "boolean",
      tags: [],
      adopt: false,
    });
    const old = load(OLD_SHIM);
    // The stack config reaches the implementation through the old shim's own configure.
    await old.configure({
      config: {
        get: (k: string) =>
          ({ "featbit:apiUrl": h.emulator.url, "featbit:accessToken": h.emulator.token })[k],
        require: () => "",
      },
    });
    const read = (await old.read(created.id, created.outs)) as { props: Record<string, unknown> };
    expect(read.props).toMatchObject({ key: "legacy", name: "Legacy" });
    await old.delete(created.id, created.outs);
    const after = await h.api("GET", `/envs/${envId}/feature-flags/legacy`);
    expect(after.status).toBe(404);
  });
});
