// Targeting tests on FeatureFlagTargeting: run by check (preview) in FeatBit's SDK, offline, with no API request.
import { toProvider } from "../../provider/host/dynamicProvider";
import type { Context } from "../../provider/resources/core/definition";
import { UNKNOWN } from "../../provider/resources/core/schema";
import { featureFlagTargetingDefinition } from "../../provider/resources/featureFlagTargeting";
import type { AnyDefinition } from "../../provider/resources/core/definition";
import { withPaths } from "../support/providerHarness";

const ENV = "0f2c6a1d-1111-4111-8111-111111111111";
const BETA = "0f2c6a1d-2222-4222-8222-222222222222";

/** Any API call fails the test: check must not make one. */
const noApi = (): Context => {
  throw new Error("check called the API");
};
const provider = toProvider(featureFlagTargetingDefinition as unknown as AnyDefinition, noApi);

const base = {
  environmentId: ENV,
  flagKey: "new-checkout",
  variations: ["On", "Off"],
  enabled: true,
  offVariation: "Off",
  individualTargeting: [{ variation: "On", users: ["alice"] }],
  rules: [
    { name: "Beta users", conditions: [{ segment: BETA }], serve: { variation: "On" } },
    {
      name: "Canada",
      conditions: [{ property: "country", op: "IsOneOf", values: ["ca"] }],
      serve: {
        rollout: [
          { variation: "On", percent: 25 },
          { variation: "Off", percent: 75 },
        ],
      },
    },
  ],
  defaultRule: { serve: { variation: "Off" } },
  testSegments: [
    {
      segmentId: BETA,
      included: ["bob"],
      rules: [{ name: "Staff", conditions: [{ property: "email", op: "EndsWith", value: "@example.com" }] }],
    },
  ],
};

const check = (extra: Record<string, unknown>) => provider.check({}, { ...base, ...extra });

test("passing tests: the check succeeds and keeps the tests in the checked inputs", async () => {
  const tests = [
    { user: "alice", gets: "On" },
    { user: "bob", gets: "On" },
    { user: "carol", properties: { email: "carol@example.com" }, gets: "On" },
    { user: "dave", properties: { country: "de" }, gets: "Off" },
    { anonymous: 10000, properties: { country: "ca" }, gets: { On: 25, Off: 75 } },
    { anonymous: 2000, gets: { Off: 100 } },
  ];
  const result = await check({ tests });
  expect(result.failures).toBeUndefined();
  expect((result.inputs as { tests: unknown[] }).tests).toHaveLength(6);
});

test("a failing user test names the flag, the user, the expected and actual variation and the deciding rule", async () => {
  const result = await check({
    tests: [
      { user: "erin", properties: { country: "de" }, gets: "On" },
      { user: "bob", gets: "Off" },
      { user: "alice", gets: "On" },
    ],
  });
  expect(withPaths(result.failures)).toEqual([
    {
      property: "tests[0]",
      reason:
        "flag 'new-checkout': user 'erin' (country=de) gets 'Off', expected 'On': decided by the default rule",
    },
    {
      property: "tests[1]",
      reason: "flag 'new-checkout': user 'bob' gets 'On', expected 'Off': decided by rule 'Beta users'",
    },
  ]);
});

test("a failing rollout test reports the shares the SDK's bucketing gave", async () => {
  const result = await check({
    tests: [{ anonymous: 10000, properties: { country: "ca" }, gets: { On: 50, Off: 50 }, tolerance: 2 }],
  });
  const [failure] = withPaths(result.failures);
  expect(failure.reason).toMatch(
    /^flag 'new-checkout': of 10000 anonymous users \(country=ca\), 2\d\.\d+% get 'On', 7\d\.\d+% get 'Off'; expected 'On' 50% ± 2, 'Off' 50% ± 2: decided by rule 'Canada' \(10000\)$/,
  );
});

test("tests naming unknown variations, without variations or with unseen segments are refused with the fix", async () => {
  expect(withPaths((await check({ tests: [{ user: "x", gets: "Maybe" }] })).failures)).toEqual([
    {
      property: "tests[0].gets",
      reason: "'Maybe' is not a variation of this flag (its variations: On, Off): use one of those names",
    },
  ]);
  const { variations: _v, ...noVariations } = base;
  const without = await provider.check({}, { ...noVariations, tests: [{ user: "x", gets: "On" }] });
  expect(withPaths(without.failures)[0].reason).toMatch(/tests need the flag's variation names/);
  const unseen = await check({ testSegments: [], tests: [{ user: "x", gets: "On" }] });
  expect(withPaths(unseen.failures)[0].reason).toBe(
    `the rules name segment ${BETA}, whose members the tests cannot see: pass that Segment resource in testSegments`,
  );
});

test("parts left to the FeatBit UI are not guessed", async () => {
  const { defaultRule: _d, enabled: _e, ...rest } = base;
  const result = await provider.check(
    {},
    {
      ...rest,
      tests: [
        { user: "zoe", gets: "Off" },
        { user: "alice", gets: "Off" },
      ],
    },
  );
  expect(withPaths(result.failures).map((f) => `${f.property}: ${f.reason}`)).toEqual([
    "tests[0]: flag 'new-checkout': user 'zoe' should get 'Off', but it reaches the default rule, which is left to the FeatBit UI: declare defaultRule to test this user",
    "tests[1]: flag 'new-checkout': user 'alice' gets 'On', expected 'Off': decided by individual targeting (on/off is left to the FeatBit UI: taken as on)",
  ]);
});

test("tests wait for values known only at up (a segment created by the same update)", async () => {
  const result = await check({
    testSegments: [{ segmentId: UNKNOWN, included: ["bob"] }],
    tests: [{ user: "bob", gets: "Off" }],
  });
  expect(result.failures).toBeUndefined();
});

test("malformed tests are reported against the form they were meant as", async () => {
  const result = await check({
    tests: [
      { user: "a", gets: "On", colour: "red" },
      { anonymous: 10, gets: { On: 60, Off: 30 } },
    ],
  });
  expect(withPaths(result.failures).map((f) => `${f.property}: ${f.reason}`)).toEqual([
    "tests[0]: unknown field 'colour': a user expectation ({user: 'alice', properties: {country: 'ca'}, gets: 'On'}) has user, name, properties, gets",
    "tests[1].anonymous: anonymous must be at least 100: fewer users say little about a share",
    "tests[1].gets: the shares add up to 90, not 100: list every variation the users may get",
  ]);
});

test("changing tests alone is no change of the targeting", async () => {
  const olds = { ...base, tests: [{ user: "alice", gets: "On" }] };
  const news = {
    ...base,
    tests: [
      { user: "alice", gets: "On" },
      { user: "bob", gets: "On" },
    ],
  };
  expect(await provider.diff("id", olds, news)).toEqual({ changes: false });
});

test("the default tolerance is four standard errors of the sample's share", async () => {
  const { defaultTolerance } = await import("../../provider/evaluation/targetingTests");
  expect(defaultTolerance(50, 10_000)).toBe(2);
  expect(defaultTolerance(40, 10_000)).toBe(1.96);
  expect(defaultTolerance(100, 10_000)).toBe(0);
  // 25 % On passes with 10,000 users; 35 % (10 points off) fails with the tolerance in the message.
  const ok = await check({
    tests: [{ anonymous: 10000, properties: { country: "ca" }, gets: { On: 25, Off: 75 } }],
  });
  expect(ok.failures).toBeUndefined();
  const off = await check({
    tests: [{ anonymous: 10000, properties: { country: "ca" }, gets: { On: 35, Off: 65 } }],
  });
  expect(withPaths(off.failures)[0].reason).toMatch(
    /expected 'On' 35% ± 1\.91, 'Off' 65% ± 1\.91: decided by rule 'Canada'/,
  );
});
