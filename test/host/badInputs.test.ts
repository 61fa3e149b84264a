// Every bad input a user can write is refused by preview: `check` names the property and says what is expected, makes
// no API request, and does so on a first deployment too, when ids of resources not yet created are unknown (cases
// marked "fresh stack" use Pulumi's unknown placeholder for them).
import { UNKNOWN } from "../../provider/resources/core/schema";
import { startProviderHarness, withPaths, type ProviderHarness } from "../support/providerHarness";

type Props = Record<string, unknown>;
type Kind = "Project" | "Environment" | "FeatureFlag" | "FeatureFlagTargeting" | "Segment" | "GroupPolicy";

const ENV = "6a1d3f0e-2b4c-4d5e-8f60-718293a4b5c6";
const OTHER = "0f2c6a1d-1111-4222-8333-944455556666";
const SEGMENT = "11111111-2222-4333-8444-555555555555";

const base: Record<Kind, Props> = {
  Project: { key: "shop", name: "Shop" },
  Environment: { projectId: OTHER, key: "qa", name: "QA" },
  FeatureFlag: { environmentId: ENV, key: "checkout", name: "Checkout" },
  FeatureFlagTargeting: { environmentId: ENV, flagKey: "checkout", variations: ["On", "Off"] },
  Segment: { environmentId: ENV, key: "beta", name: "Beta" },
  GroupPolicy: { groupId: OTHER, policyId: SEGMENT },
};

const stringFlag = (variations: unknown[]): Props => ({ variationType: "string", variations });
const rule = (overrides: Props = {}): Props => ({
  name: "Beta",
  conditions: [{ property: "email", op: "EndsWith", value: "@example.com" }],
  serve: { variation: "On" },
  ...overrides,
});
const rollout = (a: number, b: number) => ({
  rollout: [
    { variation: "On", percent: a },
    { variation: "Off", percent: b },
  ],
});
const long = (n: number) => "x".repeat(n);
const fresh = { environmentId: UNKNOWN };

const cases: [string, Kind, Props, string, RegExp][] = [
  // Project
  ["empty key", "Project", { key: "" }, "key", /must not be empty/],
  ["key with a space", "Project", { key: "my shop" }, "key", /letters, digits, '\.', '_' and '-'/],
  ["key over 128 characters", "Project", { key: long(129) }, "key", /128-character limit/],
  ["blank name", "Project", { name: "  " }, "name", /must not be empty/],
  ["name over 128 characters", "Project", { name: long(129) }, "name", /128-character limit/],
  [
    "importId that is not a UUID",
    "Project",
    { importId: "abc" },
    "importId",
    /must be the project's id \(a UUID/,
  ],
  ["adopt not a boolean", "Project", { adopt: "yes" }, "adopt", /true or false/],
  ["a misspelt field", "Project", { nmae: "Shop" }, "", /unknown field 'nmae': a Project has key, name/],
  // Environment
  ["projectId that is a key", "Environment", { projectId: "web" }, "projectId", /must be a FeatBit id/],
  ["key with a slash", "Environment", { key: "qa/1" }, "key", /letters, digits/],
  [
    "requireChangeComment not a boolean",
    "Environment",
    { requireChangeComment: "yes" },
    "requireChangeComment",
    /true or false/,
  ],
  [
    "malformed importId",
    "Environment",
    { importId: "abc" },
    "importId",
    /<project_uuid>\/<environment_uuid>/,
  ],
  [
    "importId of another project",
    "Environment",
    { importId: `${ENV}/${ENV}` },
    "importId",
    /make them agree/,
  ],
  ["description not a string", "Environment", { description: 5 }, "description", /must be a string/],
  ["a misspelt field", "Environment", { descripton: "x" }, "", /unknown field 'descripton'/],
  // FeatureFlag
  ["key shadowed by a FeatBit route", "FeatureFlag", { key: "all-tags" }, "key", /cannot read a flag keyed/],
  ["key '.'", "FeatureFlag", { key: "." }, "key", /URLs collapse it/],
  [
    "unknown variationType",
    "FeatureFlag",
    { variationType: "bool" },
    "variationType",
    /one of boolean, string, number, json/,
  ],
  [
    "non-numeric value on a number flag (fresh stack)",
    "FeatureFlag",
    { ...fresh, variationType: "number", variations: [{ name: "a", value: "x" }] },
    "variations[0].value",
    /number flags take a finite decimal/,
  ],
  [
    "JSON that does not parse (fresh stack)",
    "FeatureFlag",
    { ...fresh, variationType: "json", variations: [{ name: "a", value: "{a:1}" }] },
    "variations[0].value",
    /not valid JSON/,
  ],
  [
    "number given to a string flag",
    "FeatureFlag",
    stringFlag([{ name: "a", value: 5 }]),
    "variations[0].value",
    /write '5' in quotes/,
  ],
  [
    "boolean flag with three variations",
    "FeatureFlag",
    {
      variations: [
        { name: "a", value: "true" },
        { name: "b", value: "false" },
        { name: "c", value: "true " },
      ],
    },
    "variations",
    /exactly two variations/,
  ],
  [
    "two variations of one name",
    "FeatureFlag",
    stringFlag([
      { name: "a", value: "1" },
      { name: "A", value: "2" },
    ]),
    "variations[1].name",
    /already used by variations\[0\]/,
  ],
  [
    "two variations of one value",
    "FeatureFlag",
    stringFlag([
      { name: "a", value: "1" },
      { name: "b", value: "1" },
    ]),
    "variations[1].value",
    /each variation needs its own value/,
  ],
  [
    "blank variation name",
    "FeatureFlag",
    stringFlag([{ name: " ", value: "1" }]),
    "variations[0].name",
    /must not be blank/,
  ],
  [
    "variation id over 128 characters",
    "FeatureFlag",
    stringFlag([{ name: "a", value: "1", id: long(129) }]),
    "variations[0].id",
    /128-character limit/,
  ],
  [
    "NaN as a value",
    "FeatureFlag",
    { variationType: "number", variations: [{ name: "a", value: Number.NaN }] },
    "variations[0].value",
    /NaN is not a finite number/,
  ],
  [
    "a misspelt variation field",
    "FeatureFlag",
    stringFlag([{ name: "a", vaule: "1" }]),
    "variations[0]",
    /unknown field 'vaule'/,
  ],
  ["a tag that is not a string", "FeatureFlag", { tags: [1] }, "tags[0]", /strings/],
  ["an empty tag", "FeatureFlag", { tags: [" "] }, "tags[0]", /must not be empty/],
  [
    "importId of another environment",
    "FeatureFlag",
    { importId: `${OTHER}/checkout` },
    "importId",
    /make them agree/,
  ],
  [
    "string flag without variations",
    "FeatureFlag",
    { variationType: "string" },
    "variations",
    /at least one variation/,
  ],
  // FeatureFlagTargeting
  [
    "environmentId that is a key",
    "FeatureFlagTargeting",
    { environmentId: "prod" },
    "environmentId",
    /must be a FeatBit id/,
  ],
  ["flagKey with a space", "FeatureFlagTargeting", { flagKey: "new checkout" }, "flagKey", /letters, digits/],
  [
    "rollout adding up to 90 (fresh stack)",
    "FeatureFlagTargeting",
    { ...fresh, defaultRule: { serve: rollout(50, 40) } },
    "defaultRule.serve.rollout",
    /add up to 90, not 100/,
  ],
  [
    "rollout adding up to 99",
    "FeatureFlagTargeting",
    { defaultRule: { serve: rollout(49, 50) } },
    "defaultRule.serve.rollout",
    /add up to 99, not 100/,
  ],
  [
    "percent over 100",
    "FeatureFlagTargeting",
    { defaultRule: { serve: rollout(120, -20) } },
    "defaultRule.serve.rollout[0].percent",
    /at most 100/,
  ],
  [
    "percentage instead of percent",
    "FeatureFlagTargeting",
    { defaultRule: { serve: { rollout: [{ variation: "On", percentage: 100 }] } } },
    "defaultRule.serve.rollout[0]",
    /unknown field 'percentage': a rollout entry/,
  ],
  [
    "a variation name the flag does not have",
    "FeatureFlagTargeting",
    { defaultRule: { serve: { variation: "Maybe" } } },
    "defaultRule.serve.variation",
    /'Maybe' is not a variation of this flag/,
  ],
  [
    "an unknown off variation",
    "FeatureFlagTargeting",
    { offVariation: "Never" },
    "offVariation",
    /not a variation of this flag/,
  ],
  [
    "a user both included and targeted twice (fresh stack)",
    "FeatureFlagTargeting",
    {
      ...fresh,
      individualTargeting: [
        { variation: "On", users: ["u1"] },
        { variation: "Off", users: ["u1"] },
      ],
    },
    "individualTargeting[1].users[0]",
    /a user can get only one variation/,
  ],
  [
    "a user key over 512 characters",
    "FeatureFlagTargeting",
    { individualTargeting: [{ variation: "On", users: [long(513)] }] },
    "individualTargeting[0].users[0]",
    /512-character limit/,
  ],
  [
    "an empty user key",
    "FeatureFlagTargeting",
    { individualTargeting: [{ variation: "On", users: [""] }] },
    "individualTargeting[0].users[0]",
    /must not be empty/,
  ],
  [
    "two rules of one name",
    "FeatureFlagTargeting",
    { rules: [rule(), rule()] },
    "rules[1].name",
    /rule names identify rules/,
  ],
  [
    "a rule without a name",
    "FeatureFlagTargeting",
    { rules: [rule({ name: " " })] },
    "rules[0].name",
    /must not be empty/,
  ],
  [
    "an unknown operator",
    "FeatureFlagTargeting",
    { rules: [rule({ conditions: [{ property: "email", op: "Like", value: "x" }] })] },
    "rules[0].conditions[0].op",
    /one of FeatBit's operators: LessThan/,
  ],
  [
    "IsOneOf without values",
    "FeatureFlagTargeting",
    { rules: [rule({ conditions: [{ property: "country", op: "IsOneOf" }] })] },
    "rules[0].conditions[0].values",
    /non-empty list/,
  ],
  [
    "a numeric comparison with text (fresh stack)",
    "FeatureFlagTargeting",
    { ...fresh, rules: [rule({ conditions: [{ property: "age", op: "LessThan", value: "old" }] })] },
    "rules[0].conditions[0].value",
    /compares numbers: 'old' is not a number/,
  ],
  [
    "a hexadecimal number",
    "FeatureFlagTargeting",
    { rules: [rule({ conditions: [{ property: "age", op: "BiggerThan", value: "0x10" }] })] },
    "rules[0].conditions[0].value",
    /is not a number/,
  ],
  [
    "a regular expression that does not parse",
    "FeatureFlagTargeting",
    { rules: [rule({ conditions: [{ property: "email", op: "MatchRegex", value: "(" }] })] },
    "rules[0].conditions[0].value",
    /not a valid regular expression/,
  ],
  [
    "a rule without conditions (FeatBit would match every end user with it)",
    "FeatureFlagTargeting",
    { rules: [rule({ conditions: [] })] },
    "rules[0].conditions",
    /at least one condition: FeatBit matches every end user.*defaultRule/,
  ],
  [
    "a segment named by key",
    "FeatureFlagTargeting",
    { rules: [rule({ conditions: [{ segment: "beta" }] })] },
    "rules[0].conditions[0].segment",
    /not a segment id/,
  ],
  [
    "serve with both a variation and a rollout",
    "FeatureFlagTargeting",
    { defaultRule: { serve: { variation: "On", ...rollout(50, 50) } } },
    "defaultRule.serve",
    /exactly one of variation/,
  ],
  [
    "serve with neither",
    "FeatureFlagTargeting",
    { defaultRule: { serve: {} } },
    "defaultRule.serve",
    /exactly one of variation/,
  ],
  [
    "a dispatch key without a rollout",
    "FeatureFlagTargeting",
    { defaultRule: { serve: { variation: "On", dispatchKey: "email" } } },
    "defaultRule.serve.dispatchKey",
    /only applies to a rollout/,
  ],
  [
    "a rollout naming one variation twice",
    "FeatureFlagTargeting",
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
    /appears twice/,
  ],
  [
    "a comment over 512 characters",
    "FeatureFlagTargeting",
    { enabled: true, comment: long(513) },
    "comment",
    /512-character audit-log limit/,
  ],
  ["enabled not a boolean", "FeatureFlagTargeting", { enabled: "on" }, "enabled", /true or false/],
  [
    "a misspelt field",
    "FeatureFlagTargeting",
    { rule: [] },
    "",
    /unknown field 'rule': a FeatureFlagTargeting has/,
  ],
  // Segment
  [
    "environmentId that is not a UUID",
    "Segment",
    { environmentId: "x" },
    "environmentId",
    /must be a FeatBit id/,
  ],
  ["empty key", "Segment", { key: "" }, "key", /must not be empty/],
  [
    "description over 512 characters",
    "Segment",
    { description: long(513) },
    "description",
    /512-character limit/,
  ],
  [
    "a user both included and excluded (fresh stack)",
    "Segment",
    { ...fresh, included: ["u1"], excluded: ["u1"] },
    "included",
    /both included and excluded/,
  ],
  [
    "an included key over 512 characters",
    "Segment",
    { included: [long(513)] },
    "included[0]",
    /512-character limit/,
  ],
  [
    "a rule without conditions",
    "Segment",
    { rules: [{ name: "All", conditions: [] }] },
    "rules[0].conditions",
    /would match every end user/,
  ],
  [
    "a segment condition in a segment rule",
    "Segment",
    { rules: [{ name: "Nested", conditions: [{ segment: SEGMENT }] }] },
    "rules[0].conditions[0]",
    /cannot test segment membership/,
  ],
  [
    "two rules of one name",
    "Segment",
    {
      rules: [
        { name: "A", conditions: [{ property: "p", op: "Equal", value: "1" }] },
        { name: "A", conditions: [{ property: "p", op: "Equal", value: "2" }] },
      ],
    },
    "rules[1].name",
    /must be unique within a segment/,
  ],
  [
    "an unknown operator",
    "Segment",
    { rules: [{ name: "A", conditions: [{ property: "p", op: "Bogus", value: "1" }] }] },
    "rules[0].conditions[0].op",
    /one of FeatBit's operators/,
  ],
  ["tags not a list", "Segment", { tags: "beta" }, "tags", /must be a list/],
  [
    "importId of another environment",
    "Segment",
    { importId: `${OTHER}/${SEGMENT}` },
    "importId",
    /make them agree/,
  ],
  ["a misspelt field", "Segment", { include: ["u1"] }, "", /unknown field 'include': a Segment has/],
  // An importId's form is checked on a fresh stack too, before the ids it must agree with exist.
  [
    "malformed importId (fresh stack)",
    "Environment",
    { projectId: UNKNOWN, importId: "shop/qa" },
    "importId",
    /must be <project_uuid>\/<environment_uuid>.*not 'shop\/qa'/,
  ],
  [
    "importId naming the environment by key (fresh stack)",
    "FeatureFlag",
    { ...fresh, importId: "prod/checkout" },
    "importId",
    /must be <environment_uuid>\/<flag_key>/,
  ],
  [
    "importId with a bad flag key (fresh stack)",
    "FeatureFlag",
    { ...fresh, importId: `${ENV}/check out` },
    "importId",
    /must be <environment_uuid>\/<flag_key>/,
  ],
  [
    "importId naming the segment by key (fresh stack)",
    "Segment",
    { ...fresh, importId: `${ENV}/beta` },
    "importId",
    /must be <environment_uuid>\/<segment_uuid>/,
  ],
  [
    "malformed importId (fresh stack)",
    "GroupPolicy",
    { groupId: UNKNOWN, importId: "ci/developer" },
    "importId",
    /must be <group_uuid>\/<policy_uuid>/,
  ],
  [
    "importId of another binding",
    "GroupPolicy",
    { importId: `${SEGMENT}/${OTHER}` },
    "importId",
    /make them agree/,
  ],
];

let h: ProviderHarness;
beforeAll(async () => {
  h = await startProviderHarness();
});
afterAll(() => h.close());

test("the matrix covers every resource with at least 60 cases", () => {
  expect(cases.length).toBeGreaterThanOrEqual(60);
  expect(new Set(cases.map(([, kind]) => kind)).size).toBe(6);
});

test.each(cases)(
  "%s (%s) is refused at preview, naming the property, with no API request",
  async (_what, kind, override, property, reason) => {
    h.emulator.requests.clear();
    const { failures } = await h.provider(kind).check({}, { ...base[kind], ...override });
    const named = withPaths(failures);
    const hit = named.find((f) => f.property === property && reason.test(f.reason));
    expect({ failures: named, hit: hit !== undefined }).toMatchObject({ hit: true });
    expect(h.emulator.requests.all()).toEqual([]);
  },
);
