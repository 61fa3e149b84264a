import * as pulumi from "@pulumi/pulumi";
import { createClient, resolveSettings, type FeatureFlag, type ProjectWithEnvs } from "../../provider/client";
import {
  FeatureFlagTargeting,
  featureFlagTargetingDefinition,
  internals,
  type Synced,
} from "../../provider/resources/featureFlagTargeting";
import { toProvider, type DynamicProvider } from "../../provider/host/dynamicProvider";
import { PartialWriteError } from "../../provider/resources/core/definition";
import { UNKNOWN } from "../../provider/resources/core/schema";
import {
  contextFor,
  startProviderHarness,
  withPaths,
  type ProviderHarness,
} from "../support/providerHarness";

type Props = Record<string, unknown>;

let h: ProviderHarness;
let targeting: DynamicProvider;
let envId: string;
let flagKey: string;
let counter = 0;

// Variation ids are chosen by the client (FeatBit keeps them), which lets tests assert on the wire form.
const ON = "11111111-1111-4111-8111-111111111111";
const OFF = "22222222-2222-4222-8222-222222222222";
const BETA = "33333333-3333-4333-8333-333333333333";
/** A segment of the environment (rules may only name live segments of their flag's environment). */
let SEGMENT: string;

beforeAll(async () => {
  h = await startProviderHarness();
  targeting = h.provider("FeatureFlagTargeting");
  const project = await h.api<ProjectWithEnvs>("POST", "/projects", { name: "Web", key: "web" });
  envId = project.body.environments[0].id;
  const env = project.body.environments[0];
  const segment = await h.api<{ id: string }>("POST", `/envs/${envId}/segments`, {
    type: "environment-specific",
    name: "Beta",
    key: "beta",
    scopes: [`organization/playground:project/web:env/${env.key}`],
  });
  SEGMENT = segment.body.id;
});
afterAll(() => h.close());

/** A fresh flag per test, created the way the FeatBit UI (or the FeatureFlag resource) would. */
beforeEach(async () => {
  flagKey = `flag-${++counter}`;
  const res = await h.api("POST", `/envs/${envId}/feature-flags`, {
    name: `Flag ${counter}`,
    key: flagKey,
    variationType: "string",
    variations: [
      { id: ON, name: "On", value: "on" },
      { id: OFF, name: "Off", value: "off" },
      { id: BETA, name: "Beta", value: "beta" },
    ],
    enabledVariationId: ON,
    disabledVariationId: OFF,
  });
  expect(res.status).toBe(200);
  h.emulator.requests.clear();
  h.emulator.faults.clear();
});

const requests = () =>
  h.emulator.requests.all().map((r) => `${r.method} ${r.path.replace(/^\/api\/v1/, "")}`);
const flagPath = () => `/envs/${envId}/feature-flags/${flagKey}`;
const id = () => `${envId}/${flagKey}`;

async function liveFlag(): Promise<FeatureFlag> {
  return (await h.api<FeatureFlag>("GET", flagPath())).body;
}

/** A write "in the FeatBit UI", behind Pulumi's back. */
async function uiTargeting(change: (flag: FeatureFlag) => Partial<FeatureFlag>): Promise<void> {
  const flag = await liveFlag();
  const next = { ...flag, ...change(flag) };
  const res = await h.api("PUT", `${flagPath()}/targeting`, {
    revision: flag.revision,
    targeting: {
      targetUsers: next.targetUsers,
      rules: next.rules,
      fallthrough: next.fallthrough,
      exptIncludeAllTargets: next.exptIncludeAllTargets,
    },
  });
  expect(res.status).toBe(200);
}

async function checked(news: Props, provider: DynamicProvider = targeting): Promise<Props> {
  const res = await provider.check({}, news);
  expect(res.failures).toBeUndefined();
  return res.inputs as Props;
}

async function up(
  news: Props,
  provider: DynamicProvider = targeting,
): Promise<{ outs: Props; inputs: Props }> {
  const inputs = await checked(news, provider);
  const res = await provider.create(inputs);
  expect(res.id).toBe(id());
  return { outs: res.outs as Props, inputs };
}

async function update(olds: Props, news: Props, provider: DynamicProvider = targeting): Promise<Props> {
  const inputs = await checked(news, provider);
  return (await provider.update(id(), olds, inputs)).outs as Props;
}

/** A client of its own, so a test can stand in for FeatBit behaviour the emulator cannot produce. */
function testClient() {
  const config: Record<string, string> = {
    "featbit:apiUrl": h.emulator.url,
    "featbit:accessToken": h.emulator.token,
    "featbit:maxRetries": "0",
  };
  return createClient(resolveSettings({ get: (k) => config[k] }));
}

async function errorOf(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return err as Error;
  }
  throw new Error("expected the call to fail");
}

async function failuresOf(news: Props) {
  const res = await targeting.check({}, { ...base(), ...news });
  return withPaths(res.failures);
}

const base = () => ({ environmentId: envId, flagKey });
const betaRule = (serve: Props = { variation: "On" }) => ({
  name: "Beta users",
  conditions: [{ property: "email", op: "EndsWith", value: "@example.com" }],
  serve,
});

describe("check (FeatBit's rules, no API calls)", () => {
  test("variation references are checked even when another part fails its own check", async () => {
    const failures = await failuresOf({
      variations: ["On", "Off"],
      enabled: "yes",
      offVariation: "Never",
      defaultRule: { serve: { rollout: [{ variation: "Maybe", percent: 100 }], extra: 1 } },
    });
    expect(failures.map((f) => f.property).sort()).toEqual([
      "defaultRule.serve",
      "defaultRule.serve.rollout[0].variation",
      "enabled",
      "offVariation",
    ]);
  });

  test.each<[string, Props, string, string]>([
    ["environment id", { environmentId: "prod" }, "environmentId", "must be a FeatBit id"],
    ["flag key", { flagKey: "has space" }, "flagKey", "may only contain"],
    [
      "rollout sum",
      {
        rules: [
          betaRule({
            rollout: [
              { variation: "On", percent: 50 },
              { variation: "Off", percent: 40 },
            ],
          }),
        ],
      },
      "rules[0].serve.rollout",
      "add up to 90, not 100",
    ],
    [
      "rollout one percent short",
      {
        defaultRule: {
          serve: {
            rollout: [
              { variation: "On", percent: 49 },
              { variation: "Off", percent: 50 },
            ],
          },
        },
      },
      "defaultRule.serve.rollout",
      "add up to 99, not 100",
    ],
    [
      "rollout one percent over",
      {
        defaultRule: {
          serve: {
            rollout: [
              { variation: "On", percent: 50.5 },
              { variation: "Off", percent: 50.5 },
            ],
          },
        },
      },
      "defaultRule.serve.rollout",
      "add up to 101, not 100",
    ],
    [
      "percent range",
      {
        defaultRule: {
          serve: {
            rollout: [
              { variation: "On", percent: 120 },
              { variation: "Off", percent: -20 },
            ],
          },
        },
      },
      "defaultRule.serve.rollout[0].percent",
      "at most 100",
    ],
    [
      "duplicate variation in a rollout",
      {
        defaultRule: {
          serve: {
            rollout: [
              { variation: "On", percent: 50 },
              { variation: "On", percent: 50 },
            ],
          },
        },
      },
      "defaultRule.serve.rollout[1].variation",
      "appears twice in this rollout",
    ],
    [
      "serve needs one form",
      { defaultRule: { serve: { variation: "On", rollout: [{ variation: "On", percent: 100 }] } } },
      "defaultRule.serve",
      "exactly one of variation",
    ],
    [
      "dispatchKey without rollout",
      { defaultRule: { serve: { variation: "On", dispatchKey: "email" } } },
      "defaultRule.serve.dispatchKey",
      "only applies to a rollout",
    ],
    [
      "unknown operator",
      { rules: [{ ...betaRule(), conditions: [{ property: "email", op: "Like", value: "x" }] }] },
      "rules[0].conditions[0].op",
      "op must be one of FeatBit's operators: LessThan, LessEqualThan, BiggerThan",
    ],
    [
      "IsOneOf without values",
      { rules: [{ ...betaRule(), conditions: [{ property: "country", op: "IsOneOf", values: [] }] }] },
      "rules[0].conditions[0].values",
      "non-empty list",
    ],
    [
      "numeric operator with text",
      { rules: [{ ...betaRule(), conditions: [{ property: "age", op: "BiggerThan", value: "old" }] }] },
      "rules[0].conditions[0].value",
      "not a number",
    ],
    [
      "numeric operator with a JavaScript-only number",
      { rules: [{ ...betaRule(), conditions: [{ property: "age", op: "LessThan", value: "0x12" }] }] },
      "rules[0].conditions[0].value",
      "'0x12' is not a number",
    ],
    [
      "segment by key instead of id",
      { rules: [{ ...betaRule(), conditions: [{ segment: "beta-testers" }] }] },
      "rules[0].conditions[0].segment",
      "not a segment id",
    ],
    ["empty rule name", { rules: [{ ...betaRule(), name: "  " }] }, "rules[0].name", "must not be empty"],
    [
      "duplicate rule names",
      { rules: [betaRule(), betaRule()] },
      "rules[1].name",
      "already used by rules[0]",
    ],
    [
      "user in two entries",
      {
        individualTargeting: [
          { variation: "On", users: ["u1"] },
          { variation: "Off", users: ["u2", "u1"] },
        ],
      },
      "individualTargeting[1].users[1]",
      "also targeted by individualTargeting[0]",
    ],
    [
      "two entries for one variation",
      {
        individualTargeting: [
          { variation: "On", users: ["u1"] },
          { variation: "On", users: ["u2"] },
        ],
      },
      "individualTargeting[1].variation",
      "merge the user lists",
    ],
    [
      "empty user list",
      { individualTargeting: [{ variation: "On", users: [] }] },
      "individualTargeting[0].users",
      "at least one",
    ],
    [
      "unknown off variation",
      { variations: ["On", "Off"], offVariation: "Of" },
      "offVariation",
      "not a variation",
    ],
    [
      "unknown rule variation",
      { variations: ["On", "Off"], rules: [betaRule({ variation: "Beta" })] },
      "rules[0].serve.variation",
      "its variations: On, Off",
    ],
    [
      "unknown rollout variation",
      {
        variations: ["On", "Off"],
        defaultRule: {
          serve: {
            rollout: [
              { variation: "On", percent: 50 },
              { variation: "Nope", percent: 50 },
            ],
          },
        },
      },
      "defaultRule.serve.rollout[1].variation",
      "not a variation",
    ],
    [
      "unknown individual variation",
      { variations: ["On", "Off"], individualTargeting: [{ variation: "X", users: ["u"] }] },
      "individualTargeting[0].variation",
      "not a variation",
    ],
    ["enabled type", { enabled: "yes" }, "enabled", "true or false"],
  ])("%s", async (_what, news, property, reason) => {
    const failures = await failuresOf(news);
    const failure = failures.find((f) => f.property === property);
    expect({ failures, found: failure !== undefined }).toMatchObject({ found: true });
    expect(failure?.reason).toContain(reason);
    expect(requests()).toEqual([]);
  });

  test("regular expressions are checked as .NET patterns: inline options pass, broken patterns fail", async () => {
    const regexRule = (op: string, value: string) => ({
      rules: [{ ...betaRule(), conditions: [{ property: "email", op, value }] }],
    });
    // FeatBit evaluates with .NET's Regex, where `(?i)` is the usual way to match ignoring case.
    for (const value of ["(?i)@example\\.com$", "^(?i:beta)-\\d+$", "(?im-s)^vip", "(?>a+)b"]) {
      expect(await failuresOf(regexRule("MatchRegex", value))).toEqual([]);
    }
    const broken = await failuresOf(regexRule("NotMatchRegex", "(?i)(unclosed"));
    expect(broken).toEqual([
      {
        property: "rules[0].conditions[0].value",
        reason: "'(?i)(unclosed' is not a valid regular expression",
      },
    ]);
  });

  test("reports every failure at once", async () => {
    const failures = await failuresOf({
      rules: [betaRule({ rollout: [{ variation: "On", percent: 10 }] }), { ...betaRule(), name: "" }],
      individualTargeting: [{ variation: "On", users: [] }],
    });
    expect(failures.map((f) => f.property).sort()).toEqual(
      ["individualTargeting[0].users", "rules[0].serve.rollout", "rules[1].name"].sort(),
    );
  });

  test("accepts tiny float error in a rollout sum and normalises individual targeting", async () => {
    const inputs = await checked({
      ...base(),
      defaultRule: {
        serve: {
          rollout: [
            { variation: "On", percent: 33.33 },
            { variation: "Off", percent: 33.33 },
            { variation: "Beta", percent: 33.34 },
          ],
        },
      },
      individualTargeting: [
        { variation: "Off", users: ["b", "a", "a"] },
        { variation: "Beta", users: ["c"] },
      ],
    });
    expect(inputs.individualTargeting).toEqual([
      { variation: "Beta", users: ["c"] },
      { variation: "Off", users: ["a", "b"] },
    ]);
    expect(requests()).toEqual([]);
  });

  test("individual targeting is canonical while a rule names a segment not created yet (no phantom change)", async () => {
    const inputs = await checked({
      ...base(),
      individualTargeting: [
        { variation: "Off", users: ["b", "a", "a"] },
        { variation: "Beta", users: ["c"] },
      ],
      rules: [{ name: "Beta users", conditions: [{ segment: UNKNOWN }], serve: { variation: "On" } }],
    });
    expect(inputs.individualTargeting).toEqual([
      { variation: "Beta", users: ["c"] },
      { variation: "Off", users: ["a", "b"] },
    ]);
    expect(inputs.rules).toEqual([
      { name: "Beta users", conditions: [{ segment: UNKNOWN }], serve: { variation: "On" } },
    ]);
  });

  test("unknown variation names (preview) leave reference checks to apply time", async () => {
    const res = await targeting.check({}, { ...base(), variations: UNKNOWN, offVariation: "Whatever" });
    expect(res.failures).toBeUndefined();
    const other = await targeting.check(
      {},
      { ...base(), environmentId: UNKNOWN, rules: [betaRule(), betaRule()] },
    );
    expect(withPaths(other.failures).map((f) => f.property)).toEqual(["rules[1].name"]);
  });
});

describe("mapping", () => {
  test("percentages become contiguous ranges ending exactly at 1, and read back as percentages", () => {
    const names = new Map([
      ["A", "a"],
      ["B", "b"],
      ["C", "c"],
    ]);
    const ranges = internals.toRollout(
      {
        rollout: [
          { variation: "A", percent: 10 },
          { variation: "B", percent: 20 },
          { variation: "C", percent: 70 },
        ],
      },
      (n) => names.get(n) ?? n,
      "serve",
    );
    expect(ranges).toEqual([
      { id: "a", rollout: [0, 0.1], exptRollout: 1 },
      { id: "b", rollout: [0.1, 0.3], exptRollout: 1 },
      { id: "c", rollout: [0.3, 1], exptRollout: 1 },
    ]);
    const thirds = internals.toRollout(
      {
        rollout: [
          { variation: "A", percent: 33.33 },
          { variation: "B", percent: 33.33 },
          { variation: "C", percent: 33.34 },
        ],
      },
      (n) => n,
      "serve",
    );
    for (let i = 1; i < thirds.length; i++) expect(thirds[i].rollout[0]).toBe(thirds[i - 1].rollout[1]);
    expect(thirds[2].rollout[1]).toBe(1);
    expect(thirds.map((r) => Math.round((r.rollout[1] - r.rollout[0]) * 1e6) / 1e4)).toEqual([
      33.33, 33.33, 33.34,
    ]);
  });
});

describe("create", () => {
  test("applies exactly the declared parts and leaves the others as the UI set them", async () => {
    await uiTargeting(() => ({
      targetUsers: [{ keyIds: ["vip"], variationId: BETA }],
      rules: [
        {
          id: "ui-rule",
          name: "Staff",
          dispatchKey: null,
          includedInExpt: false,
          conditions: [{ id: "c", property: "email", op: "EndsWith", value: "@corp.com" }],
          variations: [{ id: BETA, rollout: [0, 1], exptRollout: 1 }],
        },
      ],
    }));
    const before = await liveFlag();
    h.emulator.requests.clear();

    const { outs } = await up({
      ...base(),
      enabled: true,
      defaultRule: {
        serve: {
          rollout: [
            { variation: "On", percent: 25 },
            { variation: "Off", percent: 75 },
          ],
        },
      },
    });

    const sent = requests();
    const after = await liveFlag();
    expect(after.isEnabled).toBe(true);
    expect(after.fallthrough.variations).toEqual([
      { id: ON, rollout: [0, 0.25], exptRollout: 1 },
      { id: OFF, rollout: [0.25, 1], exptRollout: 1 },
    ]);
    expect(after.fallthrough.dispatchKey).toBeNull();
    expect(after.fallthrough.includedInExpt).toBe(true);
    // Not declared: untouched.
    expect(after.targetUsers).toEqual(before.targetUsers);
    expect(after.rules).toEqual(before.rules);
    expect(after.disabledVariationId).toBe(OFF);
    expect(after.exptIncludeAllTargets).toBe(before.exptIncludeAllTargets);
    expect(sent).toEqual([
      `GET ${flagPath()}`,
      `GET ${flagPath()}/pending-changes`,
      `PUT ${flagPath()}/targeting`,
      `PUT ${flagPath()}/toggle/true`,
    ]);
    expect(outs.revision).toBe(after.revision);
    expect(outs).not.toHaveProperty("rules");
  });

  test("writes nothing when FeatBit already serves what is declared", async () => {
    await up({ ...base(), enabled: false, offVariation: "Off", defaultRule: { serve: { variation: "On" } } });
    expect(requests()).toEqual([`GET ${flagPath()}`]);
  });

  test("a fresh create shows no diff, and refresh changes nothing", async () => {
    const news = {
      ...base(),
      variations: ["On", "Off", "Beta"],
      enabled: true,
      offVariation: "Beta",
      individualTargeting: [{ variation: "Beta", users: ["qa-1", "qa-2"] }],
      rules: [
        betaRule({ rollout: [{ variation: "On", percent: 100 }] }),
        {
          name: "Segment",
          conditions: [{ segment: [SEGMENT] }, { property: "plan", op: "IsOneOf", values: ["pro", "team"] }],
          serve: {
            rollout: [
              { variation: "On", percent: 33.33 },
              { variation: "Off", percent: 33.33 },
              { variation: "Beta", percent: 33.34 },
            ],
            dispatchKey: "email",
          },
        },
        { name: "Flag attr", conditions: [{ property: "beta", op: "IsTrue" }], serve: { variation: "Beta" } },
      ],
      defaultRule: { serve: { variation: "Off" } },
      comment: "initial targeting",
    };
    const { outs, inputs } = await up(news);
    h.emulator.requests.clear();
    expect(await targeting.diff(id(), outs, inputs)).toMatchObject({ changes: false });

    const refreshed = await targeting.read(id(), outs);
    expect(refreshed.inputs).toEqual(
      Object.fromEntries(Object.entries(inputs).filter(([k]) => k !== "__provider")),
    );
    expect(await targeting.diff(id(), refreshed.props as Props, inputs)).toMatchObject({ changes: false });
    expect(requests()).toEqual([`GET ${flagPath()}`]);
  });

  test("rules reference segments and rollouts are contiguous on the wire", async () => {
    await up({
      ...base(),
      rules: [
        {
          name: "Testers",
          conditions: [{ segment: SEGMENT }, { notInSegment: [SEGMENT] }],
          serve: {
            rollout: [
              { variation: "On", percent: 33.33 },
              { variation: "Off", percent: 33.33 },
              { variation: "Beta", percent: 33.34 },
            ],
          },
        },
      ],
    });
    const [rule] = (await liveFlag()).rules;
    expect(rule.name).toBe("Testers");
    expect(rule.includedInExpt).toBe(false);
    expect(rule.dispatchKey).toBeNull();
    expect(rule.conditions.map((c) => [c.property, c.op, c.value])).toEqual([
      ["User is in segment", null, JSON.stringify([SEGMENT])],
      ["User is not in segment", null, JSON.stringify([SEGMENT])],
    ]);
    const ranges = rule.variations.map((v) => v.rollout);
    expect(ranges[0][0]).toBe(0);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBe(ranges[i - 1][1]);
    expect(ranges[ranges.length - 1][1]).toBe(1);
    expect(ranges.reduce((sum, [from, to]) => sum + (to - from), 0)).toBeCloseTo(1, 12);
  });

  test("rule ids are stable across runs", async () => {
    await up({ ...base(), rules: [betaRule()] });
    const first = (await liveFlag()).rules[0].id;
    await uiTargeting(() => ({ rules: [] }));
    const olds = (await targeting.read(id(), { ...base(), rules: [betaRule()] })).props as Props;
    await update(olds, { ...base(), rules: [betaRule()] });
    expect((await liveFlag()).rules[0].id).toBe(first);
  });

  test("a rule naming a segment that does not exist (or is archived) fails before anything is written", async () => {
    const missing = "44444444-4444-4444-8444-444444444444";
    const rule = (id: string) => ({ ...betaRule(), conditions: [{ segment: id }] });
    const err = await errorOf(
      targeting.create(await checked({ ...base(), enabled: true, rules: [rule(missing)] })),
    );
    expect(err.message).toContain(
      `rules[0].conditions[0]: segment ${missing} does not exist in environment ${envId}`,
    );
    expect(requests().filter((r) => !r.startsWith("GET"))).toEqual([]);
    const archived = await h.api<{ id: string }>("POST", `/envs/${envId}/segments`, {
      type: "environment-specific",
      name: "Old",
      key: `old-${counter}`,
      scopes: [`organization/playground:project/web:env/prod`],
    });
    await h.api("PUT", `/envs/${envId}/segments/${archived.body.id}/archive`, {});
    const again = await errorOf(
      targeting.create(await checked({ ...base(), rules: [rule(archived.body.id)] })),
    );
    expect(again.message).toContain(`segment 'old-${counter}' (${archived.body.id}) is archived`);
    expect((await liveFlag()).rules).toEqual([]);
  });

  test("fails clearly when the flag does not exist", async () => {
    const inputs = await checked({ ...base(), flagKey: "missing-flag", enabled: true });
    const err = await errorOf(targeting.create(inputs));
    expect(err.message).toContain("feature flag 'missing-flag' does not exist");
    expect(err.message).toContain("FeatureFlag resource");
  });

  test("names that are not variations of the live flag fail at apply time with their paths", async () => {
    const inputs = await checked({
      ...base(),
      offVariation: "Of",
      rules: [betaRule({ variation: "Gamma" })],
    });
    const err = await errorOf(targeting.create(inputs));
    expect(err.message).toContain("offVariation: 'Of' is not a variation");
    expect(err.message).toContain("rules[0].serve.variation: 'Gamma' is not a variation");
    expect(requests()).toEqual([`GET ${flagPath()}`]);
  });

  test("an ambiguous write is settled by reading back", async () => {
    h.emulator.faults.add({ method: "PUT", path: "/targeting", reset: "after", times: 1 });
    const { outs } = await up({ ...base(), rules: [betaRule()] });
    expect((await liveFlag()).rules.map((r) => r.name)).toEqual(["Beta users"]);
    expect(outs.revision).toBe((await liveFlag()).revision);
  });

  test("a create that fails part-way records what landed, and update finishes it", async () => {
    h.emulator.faults.add({ method: "PUT", path: "/toggle/", respond: { status: 503 }, times: 1 });
    const inputs = await checked({ ...base(), enabled: true, rules: [betaRule()] });
    const err = await errorOf(targeting.create(inputs));
    expect(err).toBeInstanceOf(PartialWriteError);
    const partial = (err as PartialWriteError).properties;
    expect(partial.rules).toEqual([betaRule()]);
    expect(partial.enabled).toBe(false);
    const diff = await targeting.diff(id(), partial, inputs);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    await targeting.update(id(), partial, inputs);
    expect((await liveFlag()).isEnabled).toBe(true);
  });
});

describe("update and the revision guard", () => {
  test("an update that fails part-way records what landed, so reverting the program is no 'UI edit'", async () => {
    const original = { ...base(), offVariation: "Off", rules: [betaRule()] };
    const { outs } = await up(original);
    // The off variation is written first; the targeting write then fails.
    h.emulator.faults.add({ method: "PUT", path: "/targeting", respond: { status: 500 }, times: 1 });
    const changed = await checked({ ...original, offVariation: "Beta", rules: [] });
    const err = await errorOf(targeting.update(id(), outs, changed));
    expect(err).toBeInstanceOf(PartialWriteError);
    expect(err.message).toContain("stopped part-way");
    const recorded = (err as PartialWriteError).properties;
    expect(recorded.offVariation).toBe("Beta");
    expect(recorded.rules).toEqual([betaRule()]);
    expect((await liveFlag()).disabledVariationId).toBe(BETA);

    // Next run, the program is reverted: the provider's own write must not be mistaken for an edit in FeatBit.
    await update(recorded, original);
    expect((await liveFlag()).disabledVariationId).toBe(OFF);
  });

  test("an update whose first write fails records nothing new: the guard still has the old baseline", async () => {
    const original = { ...base(), offVariation: "Off" };
    const { outs } = await up(original);
    h.emulator.faults.add({ method: "PUT", path: "/off-variation", respond: { status: 500 }, times: 1 });
    const err = await errorOf(
      targeting.update(id(), outs, await checked({ ...original, offVariation: "Beta" })),
    );
    expect(err).not.toBeInstanceOf(PartialWriteError);
  });

  test("touches only what changed", async () => {
    const news = { ...base(), enabled: false, rules: [betaRule()], offVariation: "Off" };
    const { outs } = await up(news);
    h.emulator.requests.clear();
    const next = await update(outs, { ...news, enabled: true });
    expect(requests()).toEqual([
      `GET ${flagPath()}`,
      `GET ${flagPath()}/pending-changes`,
      `PUT ${flagPath()}/toggle/true`,
    ]);
    h.emulator.requests.clear();
    await update(next, { ...news, enabled: true, offVariation: "Beta" });
    expect(requests()).toEqual([
      `GET ${flagPath()}`,
      `GET ${flagPath()}/pending-changes`,
      `PUT ${flagPath()}/off-variation`,
    ]);
    expect((await liveFlag()).disabledVariationId).toBe(BETA);
  });

  test("switching off writes the off variation first, then turns the flag off", async () => {
    const news = { ...base(), enabled: true, offVariation: "Off", rules: [betaRule()] };
    const { outs } = await up(news);
    h.emulator.requests.clear();
    await update(outs, {
      ...news,
      enabled: false,
      offVariation: "Beta",
      rules: [betaRule({ variation: "Beta" })],
    });
    expect(requests()).toEqual([
      `GET ${flagPath()}`,
      `GET ${flagPath()}/pending-changes`,
      `PUT ${flagPath()}/off-variation`,
      `PUT ${flagPath()}/toggle/false`,
      `PUT ${flagPath()}/targeting`,
    ]);
  });

  test("a write that did not land is reported, not assumed", async () => {
    const news = { ...base(), rules: [betaRule()] };
    const { outs } = await up(news);
    const before = await liveFlag();
    h.emulator.faults.add({ method: "PUT", path: "/targeting", reset: "before", times: 1 });
    const err = await errorOf(update(outs, { ...news, rules: [betaRule({ variation: "Off" })] }));
    expect(err.message).toMatch(/^updating targeting of feature flag 'flag-\d+' in environment .* failed: /);
    expect(await liveFlag()).toEqual(before);
  });

  test("check and diff make no requests", async () => {
    const news = { ...base(), rules: [betaRule()] };
    const { outs, inputs } = await up(news);
    h.emulator.requests.clear();
    const changed = await checked({ ...news, rules: [betaRule({ variation: "Beta" })] });
    expect(await targeting.diff(id(), outs, changed)).toMatchObject({ changes: true, replaces: [] });
    expect(await targeting.diff(id(), outs, { ...inputs, flagKey: "other" })).toMatchObject({
      replaces: ["flagKey"],
    });
    expect(await targeting.diff(id(), outs, { ...inputs, comment: "why", variations: ["On"] })).toMatchObject(
      {
        changes: false,
      },
    );
    expect(requests()).toEqual([]);
  });

  test("refuses to overwrite an owned part edited in FeatBit, naming the change", async () => {
    const news = { ...base(), rules: [betaRule()], defaultRule: { serve: { variation: "Off" } } };
    const { outs } = await up(news);
    await uiTargeting((flag) => ({
      rules: flag.rules.map((r) => ({
        ...r,
        variations: [
          { id: ON, rollout: [0, 0.5], exptRollout: 1 },
          { id: OFF, rollout: [0.5, 1], exptRollout: 1 },
        ],
      })),
    }));
    const uiState = await liveFlag();
    h.emulator.requests.clear();
    const err = await errorOf(update(outs, { ...news, defaultRule: { serve: { variation: "On" } } }));
    expect(err.message).toContain(
      "targeting changed in FeatBit since the last `pulumi up`: rule 'Beta users' changed (serve On → rollout On 50% / Off 50%)",
    );
    expect(err.message).toContain("run `pulumi refresh` to accept the live targeting into state");
    expect(requests()).toEqual([`GET ${flagPath()}`]);
    expect(await liveFlag()).toEqual(uiState);
  });

  test("names other kinds of edits: toggles, off variation, users, added rules", async () => {
    const news = {
      ...base(),
      enabled: false,
      offVariation: "Off",
      individualTargeting: [{ variation: "Beta", users: ["qa"] }],
      rules: [betaRule()],
    };
    const { outs } = await up(news);
    await h.api("PUT", `${flagPath()}/toggle/true`);
    const rev = (await liveFlag()).revision;
    await h.api("PUT", `${flagPath()}/off-variation`, { revision: rev, offVariationId: BETA });
    await uiTargeting((flag) => ({
      targetUsers: [{ keyIds: ["qa", "boss"], variationId: ON }],
      rules: [
        ...flag.rules,
        {
          ...flag.rules[0],
          id: "new",
          name: "Added",
          variations: [{ id: BETA, rollout: [0, 1], exptRollout: 1 }],
        },
      ],
    }));
    const err = await errorOf(
      // The program keeps enabled: false, so the UI's toggle is an edit it would overwrite.
      update(outs, {
        ...news,
        offVariation: "On",
        individualTargeting: [{ variation: "Beta", users: ["qa", "x"] }],
        rules: [betaRule({ variation: "Off" })],
      }),
    );
    expect(err.message).toContain("the flag was turned on");
    expect(err.message).toContain("the off variation changed (Off → Beta)");
    expect(err.message).toContain("user 'qa' moved Beta → On");
    expect(err.message).toContain("user 'boss' added to On");
    expect(err.message).toContain("rule 'Added' was added (serve Beta)");
  });

  test("an owned part edited in FeatBit to what the program now says is no conflict", async () => {
    const news = { ...base(), rules: [betaRule()] };
    const { outs } = await up(news);
    await uiTargeting((flag) => ({
      rules: flag.rules.map((r) => ({ ...r, variations: [{ id: BETA, rollout: [0, 1], exptRollout: 1 }] })),
    }));
    h.emulator.requests.clear();
    const next = await update(outs, { ...news, rules: [betaRule({ variation: "Beta" })] });
    expect(requests()).toEqual([`GET ${flagPath()}`]);
    expect(next.revision).toBe((await liveFlag()).revision);
  });

  test("edits of unowned parts and a flag rename do not block", async () => {
    const news = { ...base(), rules: [betaRule()] };
    const { outs } = await up(news);
    await uiTargeting(() => ({ targetUsers: [{ keyIds: ["vip"], variationId: BETA }] }));
    await h.api("PUT", `${flagPath()}/name`, { name: "Renamed by FeatureFlag" });
    await h.api("PUT", `${flagPath()}/toggle/true`);
    const next = await update(outs, { ...news, rules: [betaRule({ variation: "Beta" })] });
    const after = await liveFlag();
    expect(after.rules[0].variations).toEqual([{ id: BETA, rollout: [0, 1], exptRollout: 1 }]);
    expect(after.targetUsers).toEqual([{ keyIds: ["vip"], variationId: BETA }]);
    expect(after.isEnabled).toBe(true);
    expect(after.name).toBe("Renamed by FeatureFlag");
    expect(next.revision).toBe(after.revision);
  });

  test("refresh folds drift back in the user's vocabulary, after which update proceeds", async () => {
    const news = {
      ...base(),
      rules: [betaRule()],
      individualTargeting: [{ variation: "Beta", users: ["qa"] }],
      defaultRule: { serve: { variation: "On" } },
    };
    const { outs } = await up(news);
    await uiTargeting((flag) => ({
      targetUsers: [{ keyIds: ["qa", "boss"], variationId: BETA }],
      rules: flag.rules.map((r) => ({
        ...r,
        variations: [
          { id: ON, rollout: [0, 0.2], exptRollout: 1 },
          { id: OFF, rollout: [0.2, 1], exptRollout: 1 },
        ],
      })),
      fallthrough: {
        dispatchKey: "email",
        includedInExpt: true,
        variations: [{ id: OFF, rollout: [0, 1], exptRollout: 1 }],
      },
    }));
    const refreshed = await targeting.read(id(), outs);
    expect(refreshed.inputs).toMatchObject({
      individualTargeting: [{ variation: "Beta", users: ["boss", "qa"] }],
      rules: [
        betaRule({
          rollout: [
            { variation: "On", percent: 20 },
            { variation: "Off", percent: 80 },
          ],
        }),
      ],
      defaultRule: { serve: { variation: "Off" } },
    });
    // The program still says the old thing: after accepting the live state, up is allowed to put it back.
    const props = refreshed.props as Props;
    expect(await targeting.diff(id(), props, await checked(news))).toMatchObject({ changes: true });
    await update(props, news);
    expect((await liveFlag()).rules[0].variations).toEqual([{ id: ON, rollout: [0, 1], exptRollout: 1 }]);
  });

  test("re-reads once on a concurrent write (409) and re-applies the guard", async () => {
    const news = { ...base(), rules: [betaRule()] };
    const { outs } = await up(news);
    const client = testClient();
    const original = client.flags.updateTargeting.bind(client.flags);
    let raced = false;
    client.flags.updateTargeting = async (env, key, body) => {
      if (!raced) {
        raced = true; // another writer renames the flag between our read and our write
        await h.api("PUT", `${flagPath()}/name`, { name: "Racing rename" });
      }
      return original(env, key, body);
    };
    const provider = toProvider(featureFlagTargetingDefinition, () => contextFor(client));
    h.emulator.requests.clear();
    await update(outs, { ...news, rules: [betaRule({ variation: "Off" })] }, provider);
    expect(raced).toBe(true);
    expect((await liveFlag()).rules[0].variations[0].id).toBe(OFF);
    expect(requests().filter((r) => r.startsWith("PUT") && r.endsWith("/targeting"))).toHaveLength(2);
  });

  test("gives up after a second conflict", async () => {
    const news = { ...base(), rules: [betaRule()] };
    const { outs } = await up(news);
    const client = testClient();
    const original = client.flags.updateTargeting.bind(client.flags);
    let renames = 0;
    client.flags.updateTargeting = async (env, key, body) => {
      await h.api("PUT", `${flagPath()}/name`, { name: `Racing rename ${++renames}` });
      return original(env, key, body);
    };
    const provider = toProvider(featureFlagTargetingDefinition, () => contextFor(client));
    const err = await errorOf(update(outs, { ...news, rules: [betaRule({ variation: "Off" })] }, provider));
    expect(err.message).toContain("kept changing while its targeting was written (FeatBit: Conflict");
    expect(renames).toBe(2);
  });

  test("refuses while a schedule or change request is pending (declined ones too, as FeatBit lists them)", async () => {
    const news = { ...base(), enabled: true };
    const { outs } = await up(news);
    // FeatBit creates these only for a signed-in user; the emulator seeds them as GetPendingChanges lists them.
    const seed = async (body: Record<string, unknown>) => {
      const res = await fetch(`${h.emulator.url}/_emulator/pending-changes`, {
        method: "POST",
        headers: { Authorization: h.emulator.token, "Content-Type": "application/json" },
        body: JSON.stringify({ envId, flagKey, ...body }),
      });
      expect(res.status).toBe(200);
    };
    await seed({
      type: "Schedule",
      title: "Launch day",
      scheduledTime: "2030-01-01T09:00:00Z",
      status: "PendingExecution",
      change: { isEnabled: false },
    });
    await seed({ type: "ChangeRequest", status: "Declined", reason: "not yet", change: { rules: [] } });
    h.emulator.requests.clear();
    const err = await errorOf(update(outs, { ...news, enabled: false }));
    expect(err.message).toContain("has pending changes in FeatBit: ");
    expect(err.message).toMatch(/Schedule 'Launch day' scheduled for 2030-01-01T09:00:00/);
    expect(err.message).toMatch(/ChangeRequest \('not yet'\).*Declined/);
    expect(err.message).toContain(
      "apply or delete them in FeatBit (a declined change request stays pending until it is deleted)",
    );
    expect(requests()).toEqual([`GET ${flagPath()}`, `GET ${flagPath()}/pending-changes`]);
    expect((await liveFlag()).isEnabled).toBe(true);

    await fetch(`${h.emulator.url}/_emulator/pending-changes`, {
      method: "DELETE",
      headers: { Authorization: h.emulator.token },
    });
    await update(outs, { ...news, enabled: false });
    expect((await liveFlag()).isEnabled).toBe(false);
  });

  test("declaring a part for the first time takes it over; dropping one releases it", async () => {
    const { outs } = await up({ ...base(), enabled: true });
    await uiTargeting(() => ({ targetUsers: [{ keyIds: ["vip"], variationId: BETA }] }));
    const next = await update(outs, { ...base(), enabled: true, individualTargeting: [] });
    expect((await liveFlag()).targetUsers).toEqual([]);
    const released = await update(next, { ...base() });
    expect(released).not.toHaveProperty("individualTargeting");
    expect(released.synced).toEqual({});
  });
});

describe("rollouts written elsewhere", () => {
  test("an even split into sixths refreshes to percentages that add up to 100 and map back to the same ranges", async () => {
    // FeatBit's API and UI store any ranges; six equal sixths are what an even split over six variations looks like.
    const flag = await liveFlag();
    const more = ["D", "E", "F"].map((n, i) => ({
      id: `5555555${i}-5555-4555-8555-555555555555`,
      name: n,
      value: n,
    }));
    const res = await h.api("PUT", `${flagPath()}/variations`, {
      revision: flag.revision,
      variations: [...flag.variations, ...more],
    });
    expect(res.status).toBe(200);
    const ids = [ON, OFF, BETA, ...more.map((v) => v.id)];
    await uiTargeting(() => ({
      fallthrough: {
        dispatchKey: null,
        includedInExpt: true,
        variations: ids.map((v, i) => ({ id: v, rollout: [i / 6, (i + 1) / 6], exptRollout: 1 })),
      },
    }));
    const refreshed = await targeting.read(id());
    const serve = (refreshed.inputs as { defaultRule: { serve: { rollout: { percent: number }[] } } })
      .defaultRule.serve;
    expect(serve.rollout.reduce((sum, r) => sum + r.percent, 0)).toBeCloseTo(100, 9);
    // What refresh shows can be written in the program, and means what FeatBit serves: applying it writes nothing.
    const inputs = await checked(refreshed.inputs as Props);
    h.emulator.requests.clear();
    expect((await targeting.diff(id(), refreshed.props as Props, inputs)).changes).toBe(false);
    await targeting.update(id(), refreshed.props as Props, inputs);
    expect(requests()).toEqual([]);
  });

  test("the UI's explicit dispatch key 'keyId' is the default split: no conflict, no write, no refresh drift", async () => {
    const rollout = (on: number) => ({
      rollout: [
        { variation: "On", percent: on },
        { variation: "Off", percent: 100 - on },
      ],
    });
    const news = { ...base(), defaultRule: { serve: rollout(25) } };
    const { outs, inputs } = await up(news);
    // Saving the default rule in the FeatBit UI sends its dispatch-key selector's default along.
    await uiTargeting((flag) => ({ fallthrough: { ...flag.fallthrough, dispatchKey: "keyId" } }));

    const refreshed = await targeting.read(id(), outs);
    expect((refreshed.inputs as Props).defaultRule).toEqual(inputs.defaultRule);
    h.emulator.requests.clear();
    expect((await targeting.diff(id(), outs, await checked(news))).changes).toBe(false);
    await update(outs, news);
    expect(requests()).toEqual([]);

    await update(outs, { ...news, defaultRule: { serve: rollout(50) } });
    expect((await liveFlag()).fallthrough.variations.map((v) => v.rollout)).toEqual([
      [0, 0.5],
      [0.5, 1],
    ]);
  });
  test("state that recorded the dispatch key 'keyId' as written still guards without a false conflict", async () => {
    const serve = (on: number) => ({
      rollout: [
        { variation: "On", percent: on },
        { variation: "Off", percent: 100 - on },
      ],
      dispatchKey: "keyId",
    });
    const news = { ...base(), rules: [betaRule(serve(10))], defaultRule: { serve: serve(25) } };
    const { outs } = await up(news);
    // What an earlier version stored as the baseline: the dispatch key exactly as written.
    const synced = outs.synced as Synced;
    const old: Synced = {
      rules: synced.rules?.map((r) => ({ ...r, serve: { ...r.serve, dispatchKey: "keyId" } })),
      fallthrough: { ...synced.fallthrough!, dispatchKey: "keyId" },
    };
    // Any other write moves the revision, so the guard compares the baseline with the live parts.
    await h.api("PUT", `${flagPath()}/name`, { name: "Renamed in the UI" });
    await update(
      { ...outs, synced: old },
      { ...news, rules: [betaRule(serve(20))], defaultRule: { serve: serve(50) } },
    );
    const after = await liveFlag();
    expect(after.rules[0].variations.map((v) => v.rollout)).toEqual([
      [0, 0.2],
      [0.2, 1],
    ]);
    expect(after.fallthrough.variations.map((v) => v.rollout)).toEqual([
      [0, 0.5],
      [0.5, 1],
    ]);
  });
});

describe("experiment settings", () => {
  test("rewriting a rule or the default rule keeps the experiment share the UI set for each variation", async () => {
    const split = (on: number) => ({
      rollout: [
        { variation: "On", percent: on },
        { variation: "Off", percent: 100 - on },
      ],
    });
    const news = { ...base(), rules: [betaRule(split(10))], defaultRule: { serve: split(25) } };
    const { outs } = await up(news);
    // An experiment set up in the FeatBit UI sends half of each variation's users to it.
    const halve = (variations: FeatureFlag["fallthrough"]["variations"]) =>
      variations.map((v) => ({ ...v, exptRollout: 0.5 }));
    await uiTargeting((flag) => ({
      rules: flag.rules.map((r) => ({ ...r, includedInExpt: true, variations: halve(r.variations) })),
      fallthrough: { ...flag.fallthrough, variations: halve(flag.fallthrough.variations) },
    }));

    await update(outs, { ...news, rules: [betaRule(split(20))], defaultRule: { serve: split(50) } });
    const after = await liveFlag();
    expect(after.rules[0].variations).toEqual([
      { id: ON, rollout: [0, 0.2], exptRollout: 0.5 },
      { id: OFF, rollout: [0.2, 1], exptRollout: 0.5 },
    ]);
    expect(after.rules[0].includedInExpt).toBe(true);
    expect(after.fallthrough.variations).toEqual([
      { id: ON, rollout: [0, 0.5], exptRollout: 0.5 },
      { id: OFF, rollout: [0.5, 1], exptRollout: 0.5 },
    ]);
  });

  test("a rule made in the UI and then declared keeps its experiment settings when it is rewritten", async () => {
    await uiTargeting(() => ({
      rules: [
        {
          id: "ui-rule",
          name: "Beta users",
          dispatchKey: null,
          includedInExpt: true,
          conditions: [{ id: "c", property: "email", op: "EndsWith", value: "@example.com" }],
          variations: [{ id: ON, rollout: [0, 1], exptRollout: 0.3 }],
        },
      ],
    }));
    // Taking the rules over, with one more rule: the rules are written, the UI's rule under the program's id.
    await up({
      ...base(),
      rules: [
        betaRule(),
        {
          name: "More",
          conditions: [{ property: "country", op: "IsOneOf", values: ["fr"] }],
          serve: { variation: "Off" },
        },
      ],
    });
    const [rule, more] = (await liveFlag()).rules;
    expect(rule.id).not.toBe("ui-rule");
    expect(rule.includedInExpt).toBe(true);
    expect(rule.variations).toEqual([{ id: ON, rollout: [0, 1], exptRollout: 0.3 }]);
    expect(more.includedInExpt).toBe(false);
    expect(more.variations).toEqual([{ id: OFF, rollout: [0, 1], exptRollout: 1 }]);
  });
});

describe("a flag deleted and created again", () => {
  /** What the FeatureFlag resource does on a replacement: archive, delete, create with the same key. */
  async function recreateFlag(): Promise<string> {
    await h.api("PUT", `${flagPath()}/archive`);
    await h.api("DELETE", flagPath());
    const res = await h.api<FeatureFlag>("POST", `/envs/${envId}/feature-flags`, {
      name: "Recreated",
      key: flagKey,
      variationType: "string",
      variations: [
        { id: ON, name: "On", value: "on" },
        { id: OFF, name: "Off", value: "off" },
        { id: BETA, name: "Beta", value: "beta" },
      ],
      enabledVariationId: ON,
      disabledVariationId: OFF,
    });
    return res.body.id;
  }

  test("the old flag's baseline does not block writing to the new flag", async () => {
    const news = { ...base(), rules: [betaRule()] };
    const { outs } = await up(news);
    await recreateFlag();
    const next = await update(outs, { ...news, rules: [betaRule({ variation: "Beta" })] });
    expect(next.targetFlagId).toBe((await liveFlag()).id);
    expect((await liveFlag()).rules[0].variations[0].id).toBe(BETA);
  });

  test("refresh reports the new flag's targeting against the new flag", async () => {
    const news = { ...base(), enabled: true, rules: [betaRule()] };
    const { outs } = await up(news);
    const newId = await recreateFlag();
    const refreshed = await targeting.read(id(), outs);
    expect(refreshed.inputs).toMatchObject({ enabled: false, rules: [] });
    expect((refreshed.props as Props).targetFlagId).toBe(newId);
  });
});

describe("read and delete", () => {
  test("get by id alone reports every part", async () => {
    await uiTargeting(() => ({ targetUsers: [{ keyIds: ["vip"], variationId: BETA }] }));
    const res = await targeting.read(id());
    expect(res.id).toBe(id());
    expect(res.inputs).toEqual({
      environmentId: envId,
      flagKey,
      variations: ["On", "Off", "Beta"],
      enabled: false,
      offVariation: "Off",
      individualTargeting: [{ variation: "Beta", users: ["vip"] }],
      rules: [],
      defaultRule: { serve: { variation: "On" } },
    });
  });

  test("a flag that is gone reads as gone", async () => {
    const res = await targeting.read(`${envId}/no-such-flag`, {
      ...base(),
      flagKey: "no-such-flag",
      enabled: true,
    });
    expect(res).toEqual({});
  });

  test("delete releases ownership and leaves the targeting exactly as it is", async () => {
    const { outs } = await up({ ...base(), enabled: true, offVariation: "Beta", rules: [betaRule()] });
    const before = await liveFlag();
    h.emulator.requests.clear();
    await targeting.delete(id(), outs);
    expect(requests()).toEqual([]);
    expect(await liveFlag()).toEqual(before);
  });
});

describe("the Pulumi resource", () => {
  test("`flag:` fills environmentId, flagKey and variations", async () => {
    const registered: Props[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push(args.inputs as Props);
          // The provider's id: <environment_uuid>/<flag_key> (the flagKey output derives from it).
          const inputs = args.inputs as { environmentId: string; flagKey: string };
          return { id: `${inputs.environmentId}/${inputs.flagKey}`, state: args.inputs };
        },
        call: (args) => args.inputs,
      },
      "project",
      "stack",
      false,
    );
    const res = new FeatureFlagTargeting("checkout-targeting", {
      flag: { environmentId: envId, key: "checkout", declaredVariationNames: ["On", "Off"] },
      enabled: true,
      // Outputs of other resources work inside rules (DeepInput).
      rules: [
        { name: "Testers", conditions: [{ segment: pulumi.output(SEGMENT) }], serve: { variation: "On" } },
      ],
      defaultRule: { serve: { variation: "On" } },
    });
    const flagKeyOut = await new Promise((resolve) => res.flagKey.apply(resolve));
    expect(flagKeyOut).toBe("checkout");
    expect(registered).toHaveLength(1);
    expect(registered[0]).toMatchObject({
      environmentId: envId,
      flagKey: "checkout",
      variations: ["On", "Off"],
      enabled: true,
      rules: [{ name: "Testers", conditions: [{ segment: SEGMENT }], serve: { variation: "On" } }],
      defaultRule: { serve: { variation: "On" } },
    });
    expect(registered[0]).not.toHaveProperty("flag");
  });

  test("get reads by id alone", async () => {
    const reads: { id?: string; inputs: Props }[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          reads.push({ id: args.id, inputs: args.inputs as Props });
          return { id: args.id ?? "", state: { environmentId: envId, flagKey: "checkout", enabled: true } };
        },
        call: (args) => args.inputs,
      },
      "project",
      "stack",
      false,
    );
    const res = FeatureFlagTargeting.get("existing", `${envId}/checkout`);
    expect(await new Promise((resolve) => res.enabled.apply(resolve))).toBe(true);
    expect(reads[0].id).toBe(`${envId}/checkout`);
  });
});
