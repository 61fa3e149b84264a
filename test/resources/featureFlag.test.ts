// FeatureFlag against the emulator, called the way Pulumi's provider host calls a dynamic provider.
import { createClient, type FeatureFlag as ApiFlag } from "../../provider/client";
import { startEmulator } from "../../provider/emulator";
import { toProvider, type DynamicProvider } from "../../provider/host/dynamicProvider";
import { UNKNOWN } from "../../provider/resources/core/schema";
import { stableId } from "../../provider/resources/core/stableIds";
import { flagLock } from "../../provider/resources/core/writes";
import { featureFlagDefinition, featureFlagInternals } from "../../provider/resources/featureFlag";
import {
  contextFor,
  startProviderHarness,
  waitFor,
  withPaths,
  type ProviderHarness,
} from "../support/providerHarness";

type Props = Record<string, unknown>;

/** Variation name → id from stored outputs (what the FeatureFlag class derives as `variationIds`). */
const idsOf = (outs: Props): Record<string, string> =>
  Object.fromEntries((outs.variations as { name: string; id: string }[]).map((v) => [v.name, v.id]));

let h: ProviderHarness;
let p: DynamicProvider;
let envId: string;
let otherEnvId: string;
/** Every error message seen, to prove none carries the token. */
const messages: string[] = [];

beforeAll(async () => {
  h = await startProviderHarness();
  p = h.provider("FeatureFlag");
  const project = await h.api<{ environments: { id: string; key: string }[] }>("POST", "/projects", {
    name: "Flags",
    key: "flags",
  });
  envId = project.body.environments.find((e) => e.key === "prod")!.id;
  otherEnvId = project.body.environments.find((e) => e.key === "dev")!.id;
});

afterAll(async () => {
  try {
    if (process.env.SHOW_MESSAGES) console.log(messages.join("\n"));
    for (const m of messages) expect(m).not.toContain(h.emulator.token);
  } finally {
    await h.close();
  }
});

beforeEach(() => {
  h.emulator.faults.clear();
  h.emulator.requests.clear();
});

let counter = 0;
const newKey = () => `flag-${++counter}`;
const PROVIDER = "serialized-provider-text";

const base = (overrides: Props = {}): Props => ({
  environmentId: envId,
  key: newKey(),
  name: "New checkout",
  ...overrides,
});

async function check(news: Props): Promise<Props> {
  const res = await p.check({}, { ...news, __provider: PROVIDER });
  expect(res.failures).toBeUndefined();
  return res.inputs as Props;
}

async function failuresOf(news: Props): Promise<{ property: string; reason: string }[]> {
  const res = await p.check({}, { ...news, __provider: PROVIDER });
  const failures = withPaths(res.failures);
  messages.push(...failures.map((f) => f.reason));
  return failures;
}

/** check + create, as `pulumi up` does for a new resource. */
async function create(news: Props): Promise<{ id: string; outs: Props; inputs: Props }> {
  const inputs = await check(news);
  const res = await p.create(inputs);
  return { id: res.id, outs: res.outs as Props, inputs };
}

/** check + diff + update when there are changes, as `pulumi up` does for an existing resource. */
async function up(id: string, olds: Props, news: Props): Promise<Props> {
  const inputs = await check(news);
  const diff = await p.diff(id, olds, inputs);
  if (!diff.changes) return olds;
  expect(diff.replaces).toEqual([]);
  return (await p.update(id, olds, inputs)).outs as Props;
}

async function live(key: string, env = envId): Promise<ApiFlag> {
  const res = await h.api<ApiFlag>("GET", `/envs/${env}/feature-flags/${key}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** Method and path (below /api/v1) of every request since the last clear. */
const requests = () =>
  h.emulator.requests.all().map((r) => `${r.method} ${r.path.replace(/^\/api\/v1/, "")}`);

async function failure(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (err) {
    const message = (err as Error).message;
    messages.push(message);
    return message;
  }
  throw new Error("expected a failure");
}

/** A client of the test's own (nothing shared with the provider's), each request sent once. */
const ownClient = () =>
  createClient({
    apiUrl: `${h.emulator.url}/api/v1`,
    accessToken: h.emulator.token,
    maxRetries: 0,
    httpTimeoutSeconds: 5,
    maxConcurrency: 4,
    allowInsecureHttp: false,
  });

/** An API call "behind Pulumi's back" that must succeed. */
async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await h.api(method, path, body);
  expect(res.status).toBe(200);
  return res.body;
}

describe("check", () => {
  test("a flag moving into an environment not created yet: its known inputs are checked as `up` will (no phantom -description)", async () => {
    const program = base();
    const inputs = await check({
      ...program,
      environmentId: UNKNOWN,
      variations: [
        { name: "A", value: true },
        { name: "B", value: false },
      ],
    });
    expect(inputs).toMatchObject({
      environmentId: UNKNOWN,
      description: "",
      variationType: "boolean",
      variations: [
        { name: "A", value: "true" },
        { name: "B", value: "false" },
      ],
      tags: [],
    });
    // Another environment is another object: created there first, the old one deleted once it exists.
    const olds = { ...(await check(program)), flagId: "f", variations: [] };
    expect(await p.diff(`${envId}/x`, olds, inputs)).toMatchObject({
      replaces: ["environmentId"],
      deleteBeforeReplace: false,
    });
  });

  test.each(["is-key-used", "All-Tags", "insights", ".", ".."])(
    "refuses key %s, which FeatBit's routes could never read back",
    async (key) => {
      const failures = await failuresOf({ environmentId: envId, key, name: "Shadowed" });
      expect(failures).toEqual([
        { property: "key", reason: expect.stringMatching(/^FeatBit cannot .*choose another key$/) },
      ]);
    },
  );

  test("reports every failure in one pass: a bad name does not hide variation values that do not fit", async () => {
    const failures = await failuresOf({
      environmentId: envId,
      key: "bad key",
      name: "",
      variationType: "number",
      variations: [
        { name: "a", value: "x" },
        { name: "A", value: "1" },
      ],
    });
    expect(failures.map((f) => f.property)).toEqual([
      "key",
      "name",
      "variations[0].value",
      "variations[1].name",
    ]);
    expect(h.emulator.requests.all()).toEqual([]);
  });

  test("applies defaults: a boolean flag with true/false variations, empty description and tags", async () => {
    const inputs = await check({ environmentId: envId.toUpperCase(), key: "checkout", name: " Checkout " });
    expect(inputs).toEqual({
      environmentId: envId,
      key: "checkout",
      name: "Checkout",
      description: "",
      variationType: "boolean",
      variations: [
        { name: "true", value: "true" },
        { name: "false", value: "false" },
      ],
      tags: [],
      __provider: PROVIDER,
    });
  });

  test("normalises values to FeatBit's string form and tags to a sorted set", async () => {
    const bool = await check(
      base({
        variations: [
          { name: "On", value: true },
          { name: "Off", value: "FALSE" },
        ],
      }),
    );
    expect(bool.variations).toEqual([
      { name: "On", value: "true" },
      { name: "Off", value: "false" },
    ]);
    const num = await check(
      base({
        variationType: "number",
        variations: [
          { name: "a", value: 42 },
          { name: "b", value: "1.50" },
        ],
      }),
    );
    expect(num.variations).toEqual([
      { name: "a", value: "42" },
      { name: "b", value: "1.50" },
    ]);
    const json = await check(
      base({
        variationType: "json",
        variations: [
          { name: "obj", value: { b: 1, a: [true, { d: 2, c: 3 }] } },
          { name: "text", value: '{ "z": 1,\n "y": null }' },
          { name: "list", value: [3, 1] },
        ],
        tags: ["b", "a", "b"],
      }),
    );
    expect(json.variations).toEqual([
      { name: "obj", value: '{"a":[true,{"c":3,"d":2}],"b":1}' },
      { name: "text", value: '{"y":null,"z":1}' },
      { name: "list", value: "[3,1]" },
    ]);
    expect(json.tags).toEqual(["a", "b"]);
  });

  const stringFlag = (variations: unknown[]) => base({ variationType: "string", variations });
  // Built lazily: the environment id exists only once the emulator runs.
  const cases: [string, () => Props, string, RegExp][] = [
    ["environment id not a uuid", () => base({ environmentId: "prod" }), "environmentId", /UUID/],
    ["environment id missing", () => ({ key: "k", name: "n" }), "environmentId", /required/],
    ["key with a space", () => base({ key: "new checkout" }), "key", /letters, digits/],
    ["key too long", () => base({ key: "k".repeat(129) }), "key", /128/],
    ["key empty", () => base({ key: "" }), "key", /empty/],
    ["key shadowed by a FeatBit route", () => base({ key: "All-Tags" }), "key", /cannot read a flag keyed/],
    ["name empty", () => base({ name: "  " }), "name", /empty/],
    ["name too long", () => base({ name: "n".repeat(129) }), "name", /128/],
    ["description not a string", () => base({ description: 5 }), "description", /string/],
    [
      "variation value that is not a number",
      () => base({ variationType: "number", variations: [{ name: "a", value: Number.NaN }] }),
      "variations[0].value",
      /variation value NaN is not a finite number/,
    ],
    [
      "variation id longer than FeatBit's 128-character column",
      () => stringFlag([{ name: "a", value: "a", id: "i".repeat(129) }]),
      "variations[0].id",
      /128-character limit/,
    ],
    [
      "a misspelt variation field",
      () => stringFlag([{ name: "a", vaule: "a" }]),
      "variations[0]",
      /unknown field 'vaule': a variation .* has name, value, id/,
    ],
    [
      "unknown variation type",
      () => base({ variationType: "bool" }),
      "variationType",
      /boolean, string, number, json/,
    ],
    ["string flag without variations", () => base({ variationType: "string" }), "variations", /at least one/],
    ["empty variation list", () => stringFlag([]), "variations", /at least one/],
    ["variations not a list", () => base({ variations: "a,b" }), "variations", /list/],
    ["variation not an object", () => stringFlag(["a"]), "variations[0]", /\{name, value\}/],
    ["blank variation name", () => stringFlag([{ name: " ", value: "a" }]), "variations[0].name", /blank/],
    ["missing variation value", () => stringFlag([{ name: "a" }]), "variations[0].value", /required/],
    [
      "duplicate names ignoring case",
      () =>
        stringFlag([
          { name: "Blue", value: "a" },
          { name: "blue", value: "b" },
        ]),
      "variations[1].name",
      /already used by variations\[0\].*ignoring case/,
    ],
    [
      "duplicate values",
      () =>
        stringFlag([
          { name: "a", value: "x" },
          { name: "b", value: "x" },
        ]),
      "variations[1].value",
      /already used by variations\[0\]/,
    ],
    [
      "duplicate json values after canonicalisation",
      () =>
        base({
          variationType: "json",
          variations: [
            { name: "a", value: { x: 1, y: 2 } },
            { name: "b", value: '{"y":2,"x":1}' },
          ],
        }),
      "variations[1].value",
      /already used/,
    ],
    [
      "duplicate ids",
      () =>
        stringFlag([
          { name: "a", value: "x", id: "v1" },
          { name: "b", value: "y", id: "v1" },
        ]),
      "variations[1].id",
      /already used/,
    ],
    ["blank id", () => stringFlag([{ name: "a", value: "x", id: "" }]), "variations[0].id", /blank/],
    [
      "boolean value that is not true/false",
      () =>
        base({
          variations: [
            { name: "a", value: "yes" },
            { name: "b", value: "false" },
          ],
        }),
      "variations[0].value",
      /'true' or 'false'/,
    ],
    [
      "boolean flag with three variations",
      () =>
        base({
          variations: [
            { name: "a", value: "true" },
            { name: "b", value: "false" },
            { name: "c", value: "TRUE " },
          ],
        }),
      "variations",
      /exactly two variations/,
    ],
    [
      "boolean flag with one variation",
      () => base({ variations: [{ name: "a", value: true }] }),
      "variations",
      /exactly two/,
    ],
    [
      "number value that is not a number",
      () => base({ variationType: "number", variations: [{ name: "a", value: "12px" }] }),
      "variations[0].value",
      /finite decimal/,
    ],
    [
      "number value that overflows",
      () => base({ variationType: "number", variations: [{ name: "a", value: "1e999" }] }),
      "variations[0].value",
      /finite decimal/,
    ],
    [
      "number value written as .5",
      () => base({ variationType: "number", variations: [{ name: "a", value: ".5" }] }),
      "variations[0].value",
      /finite decimal/,
    ],
    [
      "json value that does not parse",
      () => base({ variationType: "json", variations: [{ name: "a", value: "{a:1}" }] }),
      "variations[0].value",
      /not valid JSON/,
    ],
    [
      "string flag given a number",
      () => stringFlag([{ name: "a", value: 5 }]),
      "variations[0].value",
      /write '5' in quotes/,
    ],
    ["tags not strings", () => base({ tags: [1] }), "tags[0]", /strings/],
    ["blank tag", () => base({ tags: [" "] }), "tags[0]", /empty/],
    ["adopt not a boolean", () => base({ adopt: "yes" }), "adopt", /true or false/],
    ["importId without a key", () => base({ importId: envId }), "importId", /<environment_uuid>\/<flag_key>/],
    [
      "importId for another flag",
      () => base({ key: "a", importId: `${envId}/b` }),
      "importId",
      /make them agree/,
    ],
    [
      "importId for the same key in another environment",
      () => base({ key: "a", importId: `${otherEnvId}/a` }),
      "importId",
      /names flag 'a' in environment .* but this resource declares 'a' in .*make them agree/,
    ],
  ];

  test.each(cases)("rejects %s with the property and the fix", async (_what, news, property, reason) => {
    const failures = await failuresOf(news());
    const hit = failures.find((f) => f.property === property);
    expect({ failures, hit: hit?.property }).toMatchObject({ hit: property });
    expect(hit!.reason).toMatch(reason);
  });

  test("reports every failure at once", async () => {
    const failures = await failuresOf(
      base({
        variationType: "number",
        variations: [
          { name: "a", value: "x" },
          { name: "A", value: "1" },
          { name: "b", value: "1" },
        ],
        importId: "nope",
      }),
    );
    expect(failures.map((f) => f.property).sort()).toEqual([
      "importId",
      "variations[0].value",
      "variations[1].name",
      "variations[2].value",
    ]);
  });

  test("accepts an importId that names the declared flag, ignoring the case of the environment id", async () => {
    await check(base({ key: "a", importId: `${envId.toUpperCase()}/a` }));
  });

  test("defers validation of unknown values to apply time", async () => {
    const res = await p.check(
      {},
      { ...base({ environmentId: UNKNOWN, variations: UNKNOWN }), __provider: PROVIDER },
    );
    expect(res.failures).toBeUndefined();
  });

  test("makes no API calls", async () => {
    await check(base());
    await failuresOf(base({ key: "bad key" }));
    expect(requests()).toEqual([]);
  });
});

describe("diff (pure)", () => {
  test("a fresh create diffs clean for every variation type, with no API calls", async () => {
    const programs = [
      base(),
      base({
        variations: [
          { name: "Off", value: false },
          { name: "On", value: "TRUE" },
        ],
        tags: ["b", "a"],
      }),
      base({
        variationType: "string",
        variations: [
          { name: "blue", value: "b" },
          { name: "green", value: "g", id: "fixed-id" },
        ],
      }),
      base({
        variationType: "number",
        variations: [
          { name: "n", value: 3 },
          { name: "m", value: "2.50" },
        ],
      }),
      base({ variationType: "json", description: "d", variations: [{ name: "j", value: { b: 1, a: 2 } }] }),
    ];
    for (const program of programs) {
      const { id, outs } = await create(program);
      h.emulator.requests.clear();
      const inputs = await check(program);
      expect(await p.diff(id, outs, inputs)).toEqual({ changes: false });
      // Key order and formatting differences in JSON, order and duplicates in tags: still no change.
      expect(requests()).toEqual([]);
    }
  });

  test("JSON key order and formatting never show as a change", async () => {
    const program = base({
      variationType: "json",
      variations: [{ name: "j", value: '{"a": 1, "b": [1, 2]}' }],
    });
    const { id, outs } = await create(program);
    const reordered = await check({ ...program, variations: [{ name: "j", value: { b: [1, 2], a: 1 } }] });
    expect(await p.diff(id, outs, reordered)).toEqual({ changes: false });
  });

  test("lists exactly the changed properties and marks replacements", async () => {
    const program = base({ variationType: "string", variations: [{ name: "a", value: "a" }] });
    const { id, outs } = await create(program);
    h.emulator.requests.clear();
    const diff = async (change: Props) => p.diff(id, outs, await check({ ...program, ...change }));

    expect(await diff({ name: "Renamed", tags: ["t"] })).toMatchObject({ changes: true, replaces: [] });
    expect(await diff({ description: "new" })).toMatchObject({ changes: true, replaces: [] });
    expect(await diff({ variations: [{ name: "a", value: "b" }] })).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(await diff({ adopt: true, importId: `${envId}/${program.key as string}` })).toEqual({
      changes: false,
    });

    expect(await diff({ environmentId: otherEnvId })).toEqual({
      changes: true,
      replaces: ["environmentId"],
      deleteBeforeReplace: false,
    });
    expect(await diff({ key: "other-key" })).toEqual({
      changes: true,
      replaces: ["key"],
      deleteBeforeReplace: false,
    });
    // Keys are unique ignoring case, so a case-only change must delete the old flag first.
    expect(await diff({ key: (program.key as string).toUpperCase() })).toEqual({
      changes: true,
      replaces: ["key"],
      deleteBeforeReplace: true,
    });
    expect(await diff({ variationType: "json", variations: [{ name: "a", value: "{}" }] })).toEqual({
      changes: true,
      replaces: ["variationType"],
      deleteBeforeReplace: true,
    });
    const changed = await diff({ name: "x", description: "y" });
    expect(changed).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(requests()).toEqual([]);
  });
});

describe("create", () => {
  test("creates the flag with stable variation ids, serving true when on and false when off", async () => {
    const program = base({ description: "Checkout v2", tags: ["checkout", "web"] });
    const key = program.key as string;
    const { id, outs } = await create(program);
    // A look proving the key free (the evidence that a create whose answer is lost made what holds it), then one write.
    expect(requests()).toEqual([
      `GET /envs/${envId}/feature-flags/${key}`,
      `POST /envs/${envId}/feature-flags`,
    ]);
    const trueId = stableId(key, "variation", "true");
    const falseId = stableId(key, "variation", "false");
    expect(id).toBe(`${envId}/${key}`);
    const flag = await live(key);
    expect(outs).toEqual({
      environmentId: envId,
      key,
      name: "New checkout",
      description: "Checkout v2",
      variationType: "boolean",
      variations: [
        { id: trueId, name: "true", value: "true", idDeclared: false },
        { id: falseId, name: "false", value: "false", idDeclared: false },
      ],
      tags: ["checkout", "web"],
      flagId: flag.id,
      origin: "created",
    });
    expect(flag).toMatchObject({
      isEnabled: false,
      disabledVariationId: falseId,
      fallthrough: { variations: [{ id: trueId, rollout: [0, 1] }] },
      tags: ["checkout", "web"],
    });
  });

  test("boolean flags serve true/false whatever the order; other types serve first/last", async () => {
    const bool = await create(
      base({
        variations: [
          { name: "Off", value: false },
          { name: "On", value: true },
        ],
      }),
    );
    const boolFlag = await live(bool.inputs.key as string);
    expect(boolFlag.disabledVariationId).toBe(idsOf(bool.outs).Off);
    expect(boolFlag.fallthrough.variations[0].id).toBe(idsOf(bool.outs).On);

    const str = await create(
      base({ variationType: "string", variations: ["a", "b", "c"].map((v) => ({ name: v, value: v })) }),
    );
    const strFlag = await live(str.inputs.key as string);
    const ids = idsOf(str.outs);
    expect(strFlag.fallthrough.variations[0].id).toBe(ids.a);
    expect(strFlag.disabledVariationId).toBe(ids.c);
  });

  test("the same program gives the same variation ids in every environment; declared ids are kept", async () => {
    const key = newKey();
    const variations = [
      { name: "a", value: "a" },
      { name: "b", value: "b", id: "my-own-id" },
    ];
    const one = await create({ environmentId: envId, key, name: "n", variationType: "string", variations });
    const two = await create({
      environmentId: otherEnvId,
      key,
      name: "n",
      variationType: "string",
      variations,
    });
    expect(one.outs.variations).toEqual(two.outs.variations);
    expect(one.outs.variations).toEqual([
      { id: stableId(key, "variation", "a"), name: "a", value: "a", idDeclared: false },
      { id: "my-own-id", name: "b", value: "b", idDeclared: true },
    ]);
  });

  test("an existing key fails with a clear line pointing at adopt and importId", async () => {
    const program = base();
    await create(program);
    h.emulator.requests.clear();
    const message = await failure(create({ ...program, key: (program.key as string).toUpperCase() }));
    expect(message).toMatch(
      /already exists in FeatBit \(possibly archived, or with another letter case; FeatBit: KeyHasBeenUsed\), and this stack has no evidence that it created it.*adopt: true.*importId/,
    );
    // A look at the key (FeatBit reads keys case-sensitively, so it seems free), then FeatBit's refusal.
    expect(requests()).toEqual([
      `GET /envs/${envId}/feature-flags/${(program.key as string).toUpperCase()}`,
      `POST /envs/${envId}/feature-flags`,
    ]);
  });

  test("a lost response to the create is reconciled by reading back, never by creating twice", async () => {
    const program = base();
    h.emulator.faults.add({ method: "POST", path: "/feature-flags", reset: "after", times: 1 });
    const { id, outs } = await create(program);
    expect(id).toBe(`${envId}/${program.key as string}`);
    expect(outs.flagId).toBe((await live(program.key as string)).id);
    expect(requests().filter((r) => r.startsWith("POST"))).toHaveLength(1);
  });

  test("an existing flag is never taken, even exactly as this program creates it, and even after a lost answer", async () => {
    const program = base();
    const key = program.key as string;
    // The key is taken by a flag made in the FeatBit UI (its own variation ids), or by an archived flag of this
    // program (a retained or half-deleted one): FeatBit answers KeyHasBeenUsed, and the answer is lost.
    await api("POST", `/envs/${envId}/feature-flags`, {
      name: "Made in the UI",
      key,
      variationType: "boolean",
      variations: [
        { id: "ui-true", name: "True", value: "true" },
        { id: "ui-false", name: "False", value: "false" },
      ],
      enabledVariationId: "ui-true",
      disabledVariationId: "ui-false",
    });
    h.emulator.faults.add({ method: "POST", path: "/feature-flags", reset: "after", times: 1 });
    expect(await failure(create(program))).toMatch(
      /already exists in FeatBit.*, and this stack has no evidence.*adopt: true/,
    );

    // One this stack's provider made (so exactly what this resource creates), found by a second declaration.
    const twin = base();
    await create(twin);
    expect(await failure(create(twin))).toMatch(
      /already exists in FeatBit.*, and this stack has no evidence/,
    );

    const archived = base();
    await create(archived);
    await api("PUT", `/envs/${envId}/feature-flags/${archived.key as string}/archive`);
    h.emulator.faults.add({ method: "POST", path: "/feature-flags", reset: "after", times: 1 });
    expect(await failure(create(archived))).toMatch(/already exists in FeatBit \(archived; id .*adopt: true/);
    expect((await live(key)).name).toBe("Made in the UI");
    // The UI's flag and the two this program made: each refusal came from looking, before anything was sent.
    expect(requests().filter((r) => r.startsWith("POST"))).toHaveLength(3);
  });

  test("a create refused by the server fails without retrying the write", async () => {
    h.emulator.faults.add({ method: "POST", path: "/feature-flags", respond: { status: 503 }, times: 1 });
    const program = base();
    const message = await failure(create(program));
    expect(message).toMatch(
      /creating feature flag '.*' in environment .* failed: .*503.*showed the change was not applied$/,
    );
    expect(message).not.toMatch(/may have been applied/);
    expect(requests().filter((r) => r.startsWith("POST"))).toHaveLength(1);
  });

  test("an environment the token cannot see fails with FeatBit's reason", async () => {
    const message = await failure(create(base({ environmentId: "00000000-0000-4000-8000-000000000000" })));
    expect(message).toMatch(
      /^creating feature flag '.*' in environment 00000000-0000-4000-8000-000000000000 failed: /,
    );
  });
});

describe("read", () => {
  test("a refresh of many flags (reads in flight together) is one listing, with what reading each alone finds", async () => {
    // An environment of its own: the listing answers later reads of it for a while.
    const project = await h.api<{ environments: { id: string; key: string }[] }>("POST", "/projects", {
      name: "Many",
      key: "many",
    });
    const env = project.body.environments[0].id;
    const created = [];
    for (let i = 0; i < 12; i++) {
      created.push(
        await create({
          environmentId: env,
          key: `many-${i}`,
          name: `Many ${i}`,
          description: i % 2 ? "odd" : "",
          variationType: i % 3 ? "boolean" : "json",
          ...(i % 3
            ? {}
            : {
                variations: [
                  { name: "a", value: { n: i } },
                  { name: "b", value: [i] },
                ],
              }),
          tags: i % 2 ? ["b", "a"] : [],
        }),
      );
    }
    // Drift made outside Pulumi: a rename, an archived flag, a deleted flag.
    const path = (i: number) => `/envs/${env}/feature-flags/many-${i}`;
    await api("PUT", `${path(5)}/name`, { name: "Renamed in UI" });
    await api("PUT", `${path(6)}/archive`);
    await api("PUT", `${path(7)}/archive`);
    await api("DELETE", path(7));

    const outcome = (read: Promise<unknown>) =>
      read.then(
        (r) => r,
        (err: unknown) => (err instanceof Error ? `error: ${err.message}` : err),
      );
    h.emulator.requests.clear();
    const together = await Promise.all(created.map(({ id, outs }) => outcome(p.read(id, outs))));
    const sent = requests();
    // A provider with a client of its own reads each flag alone.
    const alone = toProvider(featureFlagDefinition, () => contextFor(ownClient()));
    const oneByOne = [];
    for (const { id, outs } of created) oneByOne.push(await outcome(alone.read(id, outs)));

    expect(together).toEqual(oneByOne);
    expect(oneByOne[5]).toMatchObject({ props: { name: "Renamed in UI" } });
    expect(oneByOne[6]).toMatchObject({ props: { archived: true } });
    expect(oneByOne[7]).toEqual({});
    // Three reads went out before a listing paid; the listing answered the rest, except the flags it lacks.
    expect(sent.filter((r) => r === `GET /envs/${env}/feature-flags`)).toHaveLength(1);
    expect(sent.filter((r) => r !== `GET /envs/${env}/feature-flags`).sort()).toEqual(
      [0, 1, 2, 6, 7].map((i) => `GET ${path(i)}`).sort(),
    );
  });

  test("refresh returns the same outputs and inputs that diff clean against the program", async () => {
    const program = base({
      variationType: "string",
      variations: [
        { name: "a", value: "a", id: "a-id" },
        { name: "b", value: "b" },
      ],
      tags: ["x"],
    });
    const { id, outs } = await create(program);
    const read = await p.read(id, { ...outs, __provider: PROVIDER });
    expect(read.id).toBe(id);
    expect(read.props).toEqual(outs);
    expect(read.inputs).toEqual({ ...(await check(program)), __provider: undefined });
    expect(await p.diff(id, read.props as Props, await check(program))).toEqual({ changes: false });
  });

  test("get by id alone (no state) returns the flag", async () => {
    const program = base({ description: "d" });
    const { id, outs } = await create(program);
    const read = await p.read(id);
    // A read without state adopts nothing, so it records no origin.
    const { origin: _origin, ...found } = outs;
    expect(read.props).toEqual(found);
    expect(read.inputs).toMatchObject({ key: program.key, description: "d" });
    // Not declared, so not stored: the adoption inputs are kept only as the program gave them.
    expect(read.inputs).not.toHaveProperty("adopt");
  });

  test("drift made outside Pulumi folds back into inputs, and the next update restores the program", async () => {
    const program = base({
      variationType: "string",
      variations: [
        { name: "a", value: "a" },
        { name: "b", value: "b" },
      ],
      tags: ["x"],
    });
    const key = program.key as string;
    const { id, outs } = await create(program);
    const flag = await live(key);
    const path = `/envs/${envId}/feature-flags/${key}`;
    await api("PUT", `${path}/name`, { name: "Changed in UI" });
    await api("PUT", `${path}/description`, { description: "ui" });
    await api("PUT", `${path}/tags`, { tags: ["y", "x"] });
    const rev = (await live(key)).revision;
    await api("PUT", `${path}/variations`, {
      revision: rev,
      variations: [flag.variations[0], { ...flag.variations[1], value: "B" }],
    });

    const read = await p.read(id, { ...outs, __provider: PROVIDER });
    expect(read.inputs).toMatchObject({
      name: "Changed in UI",
      description: "ui",
      tags: ["x", "y"],
      variations: [
        { name: "a", value: "a" },
        { name: "b", value: "B" },
      ],
    });
    const refreshed = read.props as Props;
    const inputs = await check(program);
    const diff = await p.diff(id, refreshed, inputs);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    h.emulator.requests.clear();
    await p.update(id, refreshed, inputs);
    expect(await live(key)).toMatchObject({
      name: "New checkout",
      description: "",
      tags: ["x"],
      variations: [flag.variations[0], flag.variations[1]],
    });
  });

  test("JSON stored with other formatting is not drift", async () => {
    const program = base({ variationType: "json", variations: [{ name: "j", value: { a: 1, b: 2 } }] });
    const key = program.key as string;
    const { id, outs } = await create(program);
    const flag = await live(key);
    await api("PUT", `/envs/${envId}/feature-flags/${key}/variations`, {
      revision: flag.revision,
      variations: [{ ...flag.variations[0], value: '{\n  "b": 2,\n  "a": 1\n}' }],
    });
    const read = await p.read(id, { ...outs, __provider: PROVIDER });
    expect(await p.diff(id, read.props as Props, await check(program))).toEqual({ changes: false });
  });

  test("a flag deleted outside Pulumi reads as gone", async () => {
    const { id, outs, inputs } = await create(base());
    const path = `/envs/${envId}/feature-flags/${inputs.key as string}`;
    await api("PUT", `${path}/archive`);
    await api("DELETE", path);
    expect(await p.read(id, { ...outs, __provider: PROVIDER })).toEqual({});
  });

  test("a flag FeatBit holds archived (an interrupted destroy, the UI) reads as archived; up restores it", async () => {
    const { id, outs, inputs } = await create(base());
    const path = `/envs/${envId}/feature-flags/${inputs.key as string}`;
    await api("PUT", `${path}/archive`);
    const warnings: string[] = [];
    const ctx = contextFor(ownClient(), warnings);
    const read = await featureFlagDefinition.read(ctx, id, outs as never);
    expect(read).toMatchObject({ archived: true, name: outs.name });
    expect(warnings).toEqual([
      expect.stringMatching(/is archived in FeatBit.*`pulumi up` restores it.*destroy/),
    ]);

    // The refreshed state disagrees with the program (which declares the flag live): up plans an update, and makes
    // FeatBit agree.
    const refreshed = (await p.read(id, { ...outs, __provider: PROVIDER })).props as Props;
    expect(refreshed.archived).toBe(true);
    const news = await check(base({ key: inputs.key }));
    expect(await p.diff(id, refreshed, news)).toMatchObject({ changes: true, replaces: [] });
    const updated = (await p.update(id, refreshed, news)).outs as Props;
    expect(updated.archived).toBeUndefined();
    expect((await h.api<ApiFlag>("GET", path)).body.isArchived).toBe(false);
    expect((await p.read(id, { ...updated, __provider: PROVIDER })).props).not.toHaveProperty("archived");
  });

  test("an archived flag in the state is deleted by destroy (archiving again is harmless)", async () => {
    const { id, outs, inputs } = await create(base());
    const path = `/envs/${envId}/feature-flags/${inputs.key as string}`;
    await api("PUT", `${path}/archive`);
    const refreshed = (await p.read(id, { ...outs, __provider: PROVIDER })).props as Props;
    await p.delete(id, refreshed);
    expect((await h.api("GET", path)).status).not.toBe(200);
  });

  test("a delete that fails after its archive landed puts the flag back, as the state still records it", async () => {
    const { id, outs, inputs } = await create(base());
    const path = `/envs/${envId}/feature-flags/${inputs.key as string}`;
    h.emulator.faults.add({ method: "DELETE", path, respond: { status: 503 }, times: 1 });
    const message = await failure(p.delete(id, { ...outs, __provider: PROVIDER }));
    expect(message).toMatch(/restored now, as the stack still records it: run `pulumi destroy` again/);
    expect((await h.api<ApiFlag>("GET", path)).body.isArchived).toBe(false);
  });

  test("a malformed id names the expected format", async () => {
    const message = await failure(p.read("just-a-key"));
    expect(message).toMatch(/expected <environment_uuid>\/<flag_key>/);
  });
});

describe("update", () => {
  const stringProgram = () =>
    base({
      variationType: "string",
      variations: [
        { name: "a", value: "a" },
        { name: "b", value: "b" },
        { name: "c", value: "c" },
      ],
    });

  test("touches only what changed: one call per changed aspect", async () => {
    const program = stringProgram();
    const key = program.key as string;
    const path = `/envs/${envId}/feature-flags/${key}`;
    const created = await create(program);
    const id = created.id;
    let outs = created.outs;

    h.emulator.requests.clear();
    outs = await up(id, outs, { ...program, name: "Renamed" });
    expect(requests()).toEqual([`PUT ${path}/name`]);

    h.emulator.requests.clear();
    outs = await up(id, outs, { ...program, name: "Renamed", description: "new" });
    expect(requests()).toEqual([`PUT ${path}/description`]);

    h.emulator.requests.clear();
    outs = await up(id, outs, { ...program, name: "Renamed", description: "new", tags: ["t"] });
    expect(requests()).toEqual([`PUT ${path}/tags`]);

    h.emulator.requests.clear();
    const variations = [
      { name: "a", value: "a2" },
      { name: "b", value: "b" },
      { name: "c", value: "c" },
    ];
    outs = await up(id, outs, { ...program, name: "Renamed", description: "new", tags: ["t"], variations });
    expect(requests()).toEqual([`GET ${path}`, `PUT ${path}/variations`]);

    h.emulator.requests.clear();
    const final = { ...program, name: "Renamed", description: "new", tags: ["t"], variations };
    expect(await p.diff(id, outs, await check(final))).toEqual({ changes: false });
    expect(await live(key)).toMatchObject({ name: "Renamed", description: "new", tags: ["t"] });
    expect(requests()).toHaveLength(1);
  });

  test("variation ids survive value changes (matched by name), renames (matched by value) and reordering", async () => {
    const program = stringProgram();
    const key = program.key as string;
    const { id, outs } = await create(program);
    const before = idsOf(outs);
    const after = await up(id, outs, {
      ...program,
      variations: [
        { name: "c", value: "c" },
        { name: "A", value: "a" },
        { name: "b", value: "b-changed" },
        { name: "d", value: "d" },
      ],
    });
    expect(idsOf(after)).toEqual({
      c: before.c,
      A: before.a,
      b: before.b,
      d: stableId(key, "variation", "d"),
    });
    expect((await live(key)).variations.map((v) => v.id)).toEqual([
      before.c,
      before.a,
      before.b,
      stableId(key, "variation", "d"),
    ]);
  });

  test("a variation whose name changes only in letter case keeps its id, also when its value changes with it", async () => {
    const program = stringProgram();
    const key = program.key as string;
    const { id, outs } = await create(program);
    const before = idsOf(outs);
    // 'a' is what the new flag serves when on, so replacing it under a new id would be refused.
    const after = await up(id, outs, {
      ...program,
      variations: [
        { name: "A", value: "a2" },
        { name: "b", value: "b" },
        { name: "c", value: "c" },
      ],
    });
    expect(idsOf(after)).toEqual({ A: before.a, b: before.b, c: before.c });
    expect((await live(key)).variations).toEqual([
      { id: before.a, name: "A", value: "a2" },
      { id: before.b, name: "b", value: "b" },
      { id: before.c, name: "c", value: "c" },
    ]);
  });

  test("targeting set through the API survives definition updates", async () => {
    const program = stringProgram();
    const key = program.key as string;
    const path = `/envs/${envId}/feature-flags/${key}`;
    const { id, outs } = await create(program);
    const ids = idsOf(outs);
    const targeting = {
      targetUsers: [{ keyIds: ["alice"], variationId: ids.b }],
      rules: [
        {
          id: "r1",
          name: "Staff",
          dispatchKey: null,
          includedInExpt: false,
          conditions: [{ id: "c1", property: "email", op: "EndsWith", value: "@example.com" }],
          variations: [{ id: ids.a, rollout: [0, 1], exptRollout: 1 }],
        },
      ],
      fallthrough: {
        dispatchKey: null,
        includedInExpt: true,
        variations: [{ id: ids.c, rollout: [0, 1], exptRollout: 1 }],
      },
      exptIncludeAllTargets: true,
    };
    await api("PUT", `${path}/targeting`, { revision: (await live(key)).revision, targeting });
    await api("PUT", `${path}/toggle/true`);
    const pick = (f: ApiFlag) => ({
      targetUsers: f.targetUsers,
      rules: f.rules,
      fallthrough: f.fallthrough,
      isEnabled: f.isEnabled,
      disabledVariationId: f.disabledVariationId,
    });
    const expected = pick(await live(key));

    await up(id, outs, {
      ...program,
      name: "Renamed",
      description: "changed",
      tags: ["t"],
      variations: [
        { name: "A", value: "a" },
        { name: "b", value: "b2" },
        { name: "c", value: "c" },
        { name: "d", value: "d" },
      ],
    });
    expect(pick(await live(key))).toEqual(expected);
  });

  test("keeps the variations the live targeting serves, as retiring, and changes nothing that is served", async () => {
    const program = stringProgram();
    const key = program.key as string;
    const path = `/envs/${envId}/feature-flags/${key}`;
    const { id, outs } = await create(program);
    const ids = idsOf(outs);
    await api("PUT", `${path}/targeting`, {
      revision: (await live(key)).revision,
      targeting: {
        targetUsers: [{ keyIds: ["alice", "bob"], variationId: ids.b }],
        rules: [
          {
            id: "r1",
            name: "Staff",
            dispatchKey: null,
            includedInExpt: false,
            conditions: [],
            variations: [{ id: ids.b, rollout: [0, 1], exptRollout: 1 }],
          },
        ],
        fallthrough: {
          dispatchKey: null,
          includedInExpt: true,
          variations: [{ id: ids.a, rollout: [0, 1], exptRollout: 1 }],
        },
        exptIncludeAllTargets: true,
      },
    });
    const before = await live(key);
    h.emulator.requests.clear();
    const inputs = await check({ ...program, variations: [{ name: "d", value: "d" }] });
    const { outs: after } = await p.update(id, outs, inputs);
    expect(requests()).toEqual([`GET ${path}`, `PUT ${path}/variations`]);
    // `d` is added; a, b and c stay in FeatBit because targeting serves them (the default rule, target users and a
    // rule, the off variation), recorded apart from what the program declares.
    expect((after!.variations as { name: string }[]).map((v) => v.name)).toEqual(["d"]);
    expect((after!.retiringVariations as { id: string }[]).map((v) => v.id)).toEqual([ids.a, ids.b, ids.c]);
    const now = await live(key);
    expect(now.variations.map((v) => v.name)).toEqual(["d", "a", "b", "c"]);
    expect([now.targetUsers, now.rules, now.fallthrough, now.disabledVariationId]).toEqual([
      before.targetUsers,
      before.rules,
      before.fallthrough,
      before.disabledVariationId,
    ]);
    // The program no longer has them, and preview does not say otherwise.
    expect((await p.diff(id, after!, inputs)).changes).toBe(false);
    // A refresh keeps them apart while FeatBit keeps them.
    expect((await p.read(id, after!)).props).toMatchObject({ retiringVariations: after!.retiringVariations });
  });

  test("removes a variation nothing serves", async () => {
    const program = stringProgram();
    const key = program.key as string;
    const { id, outs } = await create(program);
    const ids = idsOf(outs);
    const after = await up(id, outs, {
      ...program,
      variations: [
        { name: "a", value: "a" },
        { name: "c", value: "c" },
      ],
    });
    expect(idsOf(after)).toEqual({ a: ids.a, c: ids.c });
    expect((await live(key)).variations.map((v) => v.name)).toEqual(["a", "c"]);
  });

  test("a concurrent edit between read and write (409 Conflict) is retried once with the new revision", async () => {
    const program = stringProgram();
    const key = program.key as string;
    const path = `/envs/${envId}/feature-flags/${key}`;
    const { id, outs } = await create(program);
    // The PUT is held back while someone renames the flag, so it arrives with a stale revision.
    h.emulator.faults.add({ method: "PUT", path: "/variations", latencyMs: 1000, times: 1 });
    const inputs = await check({
      ...program,
      variations: [
        { name: "a", value: "a1" },
        { name: "b", value: "b" },
        { name: "c", value: "c" },
      ],
    });
    h.emulator.requests.clear();
    const updating = p.update(id, outs, inputs);
    // Rename once the update has read the revision: its PUT is then on its way, held back by the fault.
    await waitFor(
      () => h.emulator.requests.all().some((r) => r.method === "GET" && r.path.endsWith(path)),
      "the update to read the flag",
    );
    await api("PUT", `${path}/name`, { name: "Meanwhile" });
    await updating;
    expect((await live(key)).variations[0].value).toBe("a1");
    const log = h.emulator.requests.all().map((r) => `${r.method} ${r.status}`);
    expect(log.filter((r) => r.startsWith("PUT 409"))).toHaveLength(1);
  });

  test("lost responses to updates are reconciled by reading back", async () => {
    const program = stringProgram();
    const key = program.key as string;
    const { id, outs } = await create(program);
    for (const aspect of ["/name", "/description", "/tags", "/variations"]) {
      h.emulator.faults.add({ method: "PUT", path: aspect, reset: "after", times: 1 });
    }
    const final = {
      ...program,
      name: "N",
      description: "D",
      tags: ["T"],
      variations: [
        { name: "a", value: "z" },
        { name: "b", value: "b" },
        { name: "c", value: "c" },
      ],
    };
    const after = await up(id, outs, final);
    expect(await live(key)).toMatchObject({ name: "N", description: "D", tags: ["T"] });
    expect(await p.diff(id, after, await check(final))).toEqual({ changes: false });
  });

  test("a write that failed on the server is reported with FeatBit's reason and nothing else is written", async () => {
    const program = stringProgram();
    const { id, outs } = await create(program);
    h.emulator.faults.add({ method: "PUT", path: "/description", respond: { status: 500 }, times: 1 });
    h.emulator.requests.clear();
    const inputs = await check({ ...program, description: "x", tags: ["t"] });
    const message = await failure(p.update(id, outs, inputs));
    expect(message).toMatch(
      /^updating feature flag '.*' in environment .* failed: .*HTTP 500.*showed the change was not applied$/,
    );
    expect(requests().filter((r) => r.includes("/tags"))).toEqual([]);
  });

  test("a flag deleted since the last refresh fails with advice to refresh", async () => {
    const program = stringProgram();
    const key = program.key as string;
    const path = `/envs/${envId}/feature-flags/${key}`;
    const { id, outs } = await create(program);
    await api("PUT", `${path}/archive`);
    await api("DELETE", path);
    const message = await failure(
      p.update(id, outs, await check({ ...program, variations: [{ name: "a", value: "a" }] })),
    );
    expect(message).toMatch(/no longer exists in FeatBit: run `pulumi refresh`/);
    const nameMessage = await failure(p.update(id, outs, await check({ ...program, name: "x" })));
    // FeatBit answers 403 for a missing flag here; reading back turns that into the real reason.
    expect(nameMessage).toMatch(/no longer exists in FeatBit: run `pulumi refresh`/);
  });
});

describe("adoption", () => {
  /** A flag as the FeatBit UI would create it: random variation ids, "True"/"False" names. */
  async function uiFlag(key: string, extra: Props = {}): Promise<ApiFlag> {
    await api("POST", `/envs/${envId}/feature-flags`, {
      name: "From UI",
      key,
      description: "ui",
      variationType: "boolean",
      variations: [
        { id: "ui-true", name: "True", value: "true" },
        { id: "ui-false", name: "False", value: "false" },
      ],
      enabledVariationId: "ui-true",
      disabledVariationId: "ui-false",
      tags: ["ui"],
      ...extra,
    });
    return live(key);
  }

  const declared = (key: string): Props => ({
    environmentId: envId,
    key,
    name: "Adopted",
    variations: [
      { name: "True", value: true },
      { name: "False", value: false },
    ],
    tags: ["code"],
  });

  test("adopt: true takes over an existing flag, keeps its variation ids and brings it to the program", async () => {
    const key = newKey();
    const before = await uiFlag(key);
    const path = `/envs/${envId}/feature-flags/${key}`;
    h.emulator.requests.clear();
    const { id, outs } = await create({ ...declared(key), adopt: true });
    expect(id).toBe(`${envId}/${key}`);
    expect(outs).toMatchObject({ flagId: before.id, adopt: true });
    expect(idsOf(outs)).toEqual({ True: "ui-true", False: "ui-false" });
    expect(requests()).toEqual([
      `GET ${path}`,
      `PUT ${path}/name`,
      `PUT ${path}/description`,
      `PUT ${path}/tags`,
    ]);
    expect(await live(key)).toMatchObject({
      name: "Adopted",
      description: "",
      tags: ["code"],
      variations: before.variations,
    });
    expect(await p.diff(id, outs, await check({ ...declared(key), adopt: true }))).toEqual({
      changes: false,
    });
    // Dropping adopt afterwards is not a change.
    expect(await p.diff(id, outs, await check(declared(key)))).toEqual({ changes: false });
  });

  test("importId (the Terraform import id) adopts the named flag", async () => {
    const key = newKey();
    const before = await uiFlag(key);
    const { id, outs } = await create({ ...declared(key), importId: `${envId}/${key}` });
    expect(id).toBe(`${envId}/${key}`);
    expect(outs).toMatchObject({ flagId: before.id, importId: `${envId}/${key}` });
    const read = await p.read(id, { ...outs, __provider: PROVIDER });
    expect(read.inputs).toMatchObject({ importId: `${envId}/${key}`, name: "Adopted" });
  });

  test("adoption rewrites variations that differ, keeping ids matched by name", async () => {
    const key = newKey();
    await uiFlag(key);
    const { outs } = await create({
      ...declared(key),
      variations: [
        { name: "False", value: false },
        { name: "True", value: true },
      ],
      adopt: true,
    });
    expect((await live(key)).variations.map((v) => v.id)).toEqual(["ui-false", "ui-true"]);
    expect(idsOf(outs)).toEqual({ False: "ui-false", True: "ui-true" });
  });

  test("adoption keeps ids of renamed variations, matching values in canonical form", async () => {
    const key = newKey();
    await api("POST", `/envs/${envId}/feature-flags`, {
      name: "Limits",
      key,
      variationType: "json",
      variations: [
        { id: "ui-free", name: "Free tier", value: '{ "mb": 10,\n  "files": 5 }' },
        { id: "ui-pro", name: "Pro", value: '{"mb":500}' },
      ],
      enabledVariationId: "ui-pro",
      disabledVariationId: "ui-free",
    });
    const { outs } = await create({
      environmentId: envId,
      key,
      name: "Limits",
      variationType: "json",
      variations: [
        { name: "Free", value: { files: 5, mb: 10 } },
        { name: "Pro", value: { mb: 500 } },
      ],
      adopt: true,
    });
    expect(idsOf(outs)).toEqual({ Free: "ui-free", Pro: "ui-pro" });
    expect((await live(key)).variations).toEqual([
      { id: "ui-free", name: "Free", value: '{"files":5,"mb":10}' },
      { id: "ui-pro", name: "Pro", value: '{"mb":500}' },
    ]);
  });

  test("adopt: true with nothing to adopt creates the flag", async () => {
    const key = newKey();
    const { outs } = await create({ ...declared(key), adopt: true });
    expect((await live(key)).id).toBe(outs.flagId);
  });

  test("an importId naming a missing flag fails clearly", async () => {
    const key = newKey();
    const message = await failure(create({ ...declared(key), importId: `${envId}/${key}` }));
    expect(message).toMatch(/importId '.*' names no feature flag this access token can see/);
  });

  test("adopting an archived flag restores it", async () => {
    const key = newKey();
    await uiFlag(key);
    await api("PUT", `/envs/${envId}/feature-flags/${key}/archive`);
    h.emulator.requests.clear();
    await create({ ...declared(key), adopt: true });
    expect(await live(key)).toMatchObject({ isArchived: false, name: "Adopted", tags: ["code"] });
    // The revision the restore rotated is read again, so no write meets a conflict.
    expect(h.emulator.requests.all().filter((r) => r.status !== 200)).toEqual([]);
  });

  test("an archived flag of another variation type is left archived", async () => {
    const key = newKey();
    await uiFlag(key);
    await api("PUT", `/envs/${envId}/feature-flags/${key}/archive`);
    await failure(
      create({
        ...declared(key),
        variationType: "string",
        variations: [{ name: "a", value: "a" }],
        adopt: true,
      }),
    );
    expect((await live(key)).isArchived).toBe(true);
  });

  test("adopting a flag of another variation type fails without changing it", async () => {
    const key = newKey();
    const before = await uiFlag(key);
    const message = await failure(
      create({
        ...declared(key),
        variationType: "string",
        variations: [{ name: "a", value: "a" }],
        adopt: true,
      }),
    );
    expect(message).toMatch(/exists with variationType 'boolean'.*cannot change a flag's type/);
    expect(await live(key)).toEqual(before);
  });

  test("a failure after adopting reports a partial create carrying the flag's id", async () => {
    const key = newKey();
    await uiFlag(key);
    h.emulator.faults.add({ method: "PUT", path: "/tags", respond: { status: 500 }, times: 1 });
    const inputs = await check({ ...declared(key), adopt: true });
    let caught: unknown;
    try {
      await p.create(inputs);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ name: "PartialWriteError", id: `${envId}/${key}` });
    messages.push((caught as Error).message);
    // The recorded state shows the flag as found, so the next update retries what is still different.
    const props = (caught as { properties: Props }).properties;
    const diff = await p.diff(`${envId}/${key}`, props, inputs);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const outs = (await p.update(`${envId}/${key}`, props, inputs)).outs as Props;
    expect(await live(key)).toMatchObject({ name: "Adopted", tags: ["code"] });
    expect(await p.diff(`${envId}/${key}`, outs, inputs)).toEqual({ changes: false });
  });
});

describe("delete", () => {
  test("archives and deletes: two requests, FeatBit's answer to the delete is proof enough", async () => {
    const { id, outs, inputs } = await create(base());
    const path = `/envs/${envId}/feature-flags/${inputs.key as string}`;
    h.emulator.requests.clear();
    await p.delete(id, { ...outs, __provider: PROVIDER });
    expect(requests()).toEqual([`PUT ${path}/archive`, `DELETE ${path}`]);
    expect((await h.api("GET", path)).status).toBe(404);
  });

  test("a delete answered with an error reads back, once", async () => {
    const { id, outs, inputs } = await create(base());
    const path = `/envs/${envId}/feature-flags/${inputs.key as string}`;
    h.emulator.faults.add({ method: "DELETE", path: "/feature-flags/", reset: "after", times: 1 });
    h.emulator.requests.clear();
    await p.delete(id, outs);
    expect(requests()).toEqual([`PUT ${path}/archive`, `DELETE ${path}`, `GET ${path}`]);
  });

  test("a same-key replacement (new variation type) deletes first, then creates under the same key", async () => {
    const program = base();
    const old = await create(program);
    const replacement = await check({
      ...program,
      variationType: "string",
      variations: [{ name: "a", value: "a" }],
    });
    const diff = await p.diff(old.id, old.outs, replacement);
    expect(diff).toMatchObject({ replaces: ["variationType"], deleteBeforeReplace: true });
    // The engine's order for deleteBeforeReplace: delete the old flag, then create the new one.
    await p.delete(old.id, old.outs);
    const created = await p.create(replacement);
    expect(created.id).toBe(old.id);
    expect(await live(program.key as string)).toMatchObject({ variationType: "string", isArchived: false });
  });

  test("tolerates a flag already archived or already deleted", async () => {
    const archived = await create(base());
    await api("PUT", `/envs/${envId}/feature-flags/${archived.inputs.key as string}/archive`);
    await p.delete(archived.id, archived.outs);

    const gone = await create(base());
    const path = `/envs/${envId}/feature-flags/${gone.inputs.key as string}`;
    await api("PUT", `${path}/archive`);
    await api("DELETE", path);
    await p.delete(gone.id, gone.outs);
  });

  test("a lost response to the delete is confirmed by reading back", async () => {
    const { id, outs, inputs } = await create(base());
    h.emulator.faults.add({ method: "DELETE", path: "/feature-flags/", reset: "after", times: 1 });
    await p.delete(id, outs);
    expect((await h.api("GET", `/envs/${envId}/feature-flags/${inputs.key as string}`)).status).toBe(404);
  });

  test("an archive that fails leaves the flag live and says so", async () => {
    const { id, outs, inputs } = await create(base());
    h.emulator.faults.add({ method: "PUT", path: "/archive", respond: { status: 502 }, times: 1 });
    const message = await failure(p.delete(id, outs));
    expect(message).toMatch(/^deleting feature flag '.*' in environment .* failed: .*HTTP 502.*not applied$/);
    expect((await live(inputs.key as string)).isArchived).toBe(false);
  });

  test("a lost response to the archive is confirmed by reading back", async () => {
    const { id, outs, inputs } = await create(base());
    h.emulator.faults.add({ method: "PUT", path: "/archive", reset: "after", times: 1 });
    await p.delete(id, outs);
    expect((await h.api("GET", `/envs/${envId}/feature-flags/${inputs.key as string}`)).status).toBe(404);
  });

  test("a delete FeatBit refuses is reported and the flag stays, live as the state records it", async () => {
    const { id, outs, inputs } = await create(base());
    h.emulator.faults.add({ method: "DELETE", path: "/feature-flags/", respond: { status: 503 }, times: 1 });
    const message = await failure(p.delete(id, outs));
    expect(message).toMatch(
      /^deleting feature flag '.*' in environment .* failed: .*503.*showed the change was not applied\. It was archived first, and is restored now/,
    );
    // FeatBit agrees with the state, which still records the flag live.
    expect((await live(inputs.key as string)).isArchived).toBe(false);
  });
});

describe("permissions", () => {
  test("a token without a permission gets FeatBit's refusal in one line, without the token", async () => {
    const restricted = "api-RestrictedTokenForTests0123456789abcdefghij";
    const emulator = await startEmulator({
      tokens: [
        "api-OwnerTokenForTests0123456789abcdefghijklmn",
        {
          token: restricted,
          permissions: [
            { id: "a", resourceType: "*", effect: "allow", actions: ["*"], resources: ["*"] },
            {
              id: "d",
              resourceType: "flag",
              effect: "deny",
              actions: ["UpdateFlagTags", "DeleteFlag"],
              resources: ["*"],
            },
          ],
        },
      ],
    });
    try {
      const client = createClient({
        apiUrl: `${emulator.url}/api/v1`,
        accessToken: restricted,
        maxRetries: 0,
        httpTimeoutSeconds: 5,
        maxConcurrency: 4,
        allowInsecureHttp: false,
      });
      const provider = toProvider(featureFlagDefinition, () => contextFor(client));
      const projects = await fetch(`${emulator.url}/api/v1/projects`, {
        method: "POST",
        headers: { Authorization: restricted, "Content-Type": "application/json" },
        body: JSON.stringify({ name: "P", key: "p" }),
      });
      const env = ((await projects.json()) as { data: { environments: { id: string }[] } }).data
        .environments[0].id;
      const program = { environmentId: env, key: "guarded", name: "Guarded", __provider: PROVIDER };
      const inputs = (await provider.check({}, program)).inputs as Props;
      const { id, outs } = await provider.create(inputs);

      const withTags = (await provider.check({}, { ...program, tags: ["x"] })).inputs as Props;
      const tagsMessage = await failure(provider.update(id, outs as Props, withTags));
      expect(tagsMessage).toMatch(
        /^updating feature flag 'guarded' in environment .* failed: .*Forbidden.*HTTP 403/,
      );
      expect(tagsMessage).not.toContain(restricted);

      const deleteMessage = await failure(provider.delete(id, outs as Props));
      expect(deleteMessage).toMatch(/^deleting feature flag 'guarded' in environment .* failed: .*HTTP 403/);
      expect(deleteMessage).not.toContain(restricted);
    } finally {
      await emulator.close();
    }
  });
});

describe("helpers", () => {
  test("the flag lock ignores case, as FeatBit keys do", () => {
    expect(flagLock(envId.toUpperCase(), "Checkout")).toBe(flagLock(envId, "checkout"));
  });

  test("assignIds never hands out one id twice", () => {
    const { assignIds } = featureFlagInternals;
    const clash = stableId("k", "variation", "a");
    const ids = assignIds(
      "k",
      [
        { name: "a", value: "1" },
        { name: "b", value: "2", id: clash },
      ],
      [],
    ).map((v) => v.id);
    expect(new Set(ids).size).toBe(2);
    expect(ids[1]).toBe(clash);
  });
});

// Runs last (jest keeps declaration order): every message provoked above is checked for the token in afterAll.
test("the suite provokes enough error messages for the token check to mean something", () => {
  expect(messages.length).toBeGreaterThan(10);
});
