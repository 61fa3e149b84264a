// Every targeting form the provider can declare, written as `up` writes it (declaredSubject) and evaluated by
// FeatBit's SDK offline, against what FeatBit's evaluation server does (featbit/featbit
// modules/evaluation-server/src/Domain/Evaluation: Evaluator.cs, RuleMatcher.cs, Operator.cs, DispatchAlgorithm.cs;
// EndUsers/EndUser.cs). Where @featbit/node-server-sdk 1.3.0 differs from the server, the test pins the SDK's
// behaviour and says so: if the SDK changes, these fail and docs/flagset.md's notes must change with them.
import { declaredSegment, dataSyncMessage, type DeclaredSegment } from "../../provider/evaluation/dataSync";
import { OfflineSdk } from "../../provider/evaluation/offlineSdk";
import { anonymousUser, FlagEvaluator } from "../../provider/evaluation/targetingTests";
import { declaredSubject, type DeclaredTargeting } from "../../provider/resources/featureFlagTargeting";

const ENV = "0f2c6a1d-1111-4111-8111-111111111111";
const BETA = "0f2c6a1d-2222-4222-8222-222222222222";
const OLD = "0f2c6a1d-3333-4333-8333-333333333333";

const flag = (targeting: Partial<DeclaredTargeting>, segments: DeclaredSegment[] = []) =>
  new FlagEvaluator(
    declaredSubject(
      {
        environmentId: ENV,
        flagKey: "f",
        variations: ["On", "Off"],
        enabled: true,
        offVariation: "Off",
        defaultRule: { serve: { variation: "Off" } },
        ...targeting,
      } as DeclaredTargeting,
      segments,
    ),
  );

/** A flag serving On to users matching one condition. */
const withCondition = (condition: Record<string, unknown>, segments: DeclaredSegment[] = []) =>
  flag({ rules: [{ name: "R", conditions: [condition as never], serve: { variation: "On" } }] }, segments);

const served = (evaluator: FlagEvaluator, key: string, properties: Record<string, string> = {}) =>
  evaluator.serve({ key, properties }).variation;

describe("operators, as FeatBit's Operator.cs compares the user's value with the rule's", () => {
  const cases: [string, string | undefined, string[], string, boolean][] = [
    // op, value, values, the user's value, matches
    ["Equal", "ca", [], "ca", true],
    ["Equal", "ca", [], "CA", false], // ordinal comparison
    ["NotEqual", "ca", [], "us", true],
    ["NotEqual", "ca", [], "ca", false],
    ["Contains", "@example", [], "a@example.com", true],
    ["Contains", "@example", [], "a@other.org", false],
    ["NotContain", "@example", [], "a@other.org", true],
    ["NotContain", "@example", [], "a@example.com", false],
    ["StartsWith", "beta-", [], "beta-7", true],
    ["StartsWith", "beta-", [], "alpha-7", false],
    ["EndsWith", ".ca", [], "shop.ca", true],
    ["EndsWith", ".ca", [], "shop.com", false],
    ["IsOneOf", undefined, ["ca", "us"], "us", true],
    ["IsOneOf", undefined, ["ca", "us"], "de", false],
    ["NotOneOf", undefined, ["ca", "us"], "de", true],
    ["NotOneOf", undefined, ["ca", "us"], "ca", false],
    ["IsTrue", undefined, [], "TRUE", true], // case-insensitive
    ["IsTrue", undefined, [], "yes", false],
    ["IsFalse", undefined, [], "false", true],
    ["IsFalse", undefined, [], "true", false],
    ["LessThan", "18", [], "17.5", true],
    ["LessThan", "18", [], "18", false],
    ["LessEqualThan", "18", [], "18", true],
    ["BiggerThan", "18", [], "19", true],
    ["BiggerThan", "18", [], "eighteen", false], // not a number: no match
    ["BiggerEqualThan", "18", [], "18", true],
    ["BiggerEqualThan", "18", [], "17", false],
  ];
  it.each(cases)("%s %s%j: user value '%s' matches: %s", (op, value, values, user, matches) => {
    const condition = {
      property: "attr",
      op,
      ...(value !== undefined ? { value } : {}),
      ...(values.length > 0 ? { values } : {}),
    };
    expect(served(withCondition(condition), "u", { attr: user })).toBe(matches ? "On" : "Off");
  });

  it("a property the user lacks reads as '' (FeatBit: EndUser.ValueOf), so NotEqual and NotOneOf match", () => {
    expect(served(withCondition({ property: "attr", op: "NotEqual", value: "x" }), "u")).toBe("On");
    expect(served(withCondition({ property: "attr", op: "NotOneOf", values: ["x"] }), "u")).toBe("On");
    expect(served(withCondition({ property: "attr", op: "Contains", value: "x" }), "u")).toBe("Off");
  });

  it("SDK 1.3.0 divergence: without that '' the SDK throws on Contains for a missing property", () => {
    const evaluator = withCondition({ property: "attr", op: "Contains", value: "x" });
    const raw = new OfflineSdk(evaluator.subject.bootstrap);
    expect(() => raw.evaluate("f", { key: "u" })).toThrow(TypeError);
  });

  it("SDK 1.3.0 divergence: MatchRegex uses the user's value as the pattern (FeatBit: Regex.IsMatch(user, rule))", () => {
    const regex = withCondition({ property: "email", op: "MatchRegex", value: "@example\\.com$" });
    // FeatBit's server matches this user; the SDK tests the rule's text against a pattern made of the user's value.
    expect(served(regex, "u", { email: "a@example.com" })).toBe("Off");
    // …so a user value that is a pattern matching the rule's text matches.
    expect(served(regex, "u", { email: "example" })).toBe("On");
    const failure = regex.regexNote();
    expect(failure).toContain("the reverse of FeatBit's evaluation server");
  });
});

describe("segments, as RuleMatcher.cs matches them", () => {
  const beta: DeclaredSegment = {
    id: BETA,
    included: ["bob"],
    excluded: ["carol"],
    rules: [{ name: "Staff", conditions: [{ property: "email", op: "EndsWith", value: "@example.com" }] }],
  };
  it("in segment: included users, users matching a rule, never excluded ones", () => {
    const f = withCondition({ segment: BETA }, [beta]);
    expect(served(f, "bob")).toBe("On");
    expect(served(f, "dan", { email: "dan@example.com" })).toBe("On");
    expect(served(f, "carol", { email: "carol@example.com" })).toBe("Off");
    expect(served(f, "erin", { email: "erin@other.org" })).toBe("Off");
  });
  it("not in segment: the reverse", () => {
    const f = withCondition({ notInSegment: BETA }, [beta]);
    expect([served(f, "bob"), served(f, "carol", { email: "carol@example.com" })]).toEqual(["Off", "On"]);
  });
  it("any of several segments; an unknown id never matches", () => {
    const other: DeclaredSegment = { id: OLD, included: ["zoe"] };
    const f = withCondition({ segment: [BETA, OLD] }, [beta, other]);
    expect([served(f, "bob"), served(f, "zoe"), served(f, "yan")]).toEqual(["On", "On", "Off"]);
    expect(served(withCondition({ segment: OLD }, [beta]), "zoe")).toBe("Off");
  });
  it("an archived segment still matches its members (neither the server nor the SDK reads isArchived)", () => {
    const archived = declaredSegment({ id: OLD, included: ["zoe"], isArchived: true });
    expect(archived.isArchived).toBe(true);
    const f = withCondition({ segment: OLD }, [{ id: OLD, included: ["zoe"], isArchived: true }]);
    expect(f.subject.bootstrap.data.segments[0].isArchived).toBe(true);
    expect(served(f, "zoe")).toBe("On");
  });
});

describe("the evaluation order of Evaluator.cs", () => {
  const full = flag({
    individualTargeting: [{ variation: "Off", users: ["vip"] }],
    rules: [
      {
        name: "Canada",
        conditions: [{ property: "country", op: "Equal", value: "ca" }],
        serve: { variation: "On" },
      },
      { name: "Staff", conditions: [{ property: "staff", op: "IsTrue" }], serve: { variation: "Off" } },
    ],
  });
  it("individual targeting first, then the first matching rule, then the default rule", () => {
    expect(full.serve({ key: "vip", properties: { country: "ca" } })).toMatchObject({
      variation: "Off",
      decidedBy: "individual targeting",
    });
    expect(full.serve({ key: "a", properties: { country: "ca", staff: "true" } })).toMatchObject({
      variation: "On",
      decidedBy: "rule 'Canada'",
    });
    expect(full.serve({ key: "b", properties: { staff: "true" } }).decidedBy).toBe("rule 'Staff'");
    expect(full.serve({ key: "c" }).decidedBy).toBe("the default rule");
  });
  it("a disabled flag serves its off variation to everyone, individually targeted users included", () => {
    const off = flag({
      enabled: false,
      offVariation: "On",
      individualTargeting: [{ variation: "Off", users: ["vip"] }],
    });
    expect(off.serve({ key: "vip" })).toMatchObject({ variation: "On", decidedBy: "the flag is off" });
  });
});

describe("rollouts, as DispatchAlgorithm.cs buckets users", () => {
  const split = (dispatchKey?: string) =>
    flag({
      defaultRule: {
        serve: {
          rollout: [
            { variation: "On", percent: 20 },
            { variation: "Off", percent: 80 },
          ],
          ...(dispatchKey ? { dispatchKey } : {}),
        },
      },
    });
  const share = (f: FlagEvaluator, users: number, dispatch: string[] = []) => {
    let on = 0;
    for (let i = 0; i < users; i++)
      if (served(f, anonymousUser(i, {}, dispatch).key, anonymousUser(i, {}, dispatch).properties) === "On")
        on++;
    return on / users;
  };
  it("splits by the user's key: about the declared share, the same user always in the same bucket", () => {
    const f = split();
    expect(share(f, 20_000)).toBeCloseTo(0.2, 1);
    expect(served(f, "same-user")).toBe(served(f, "same-user"));
  });
  it("splits by a dispatch key: users with the same attribute value get the same variation", () => {
    const f = split("accountId");
    const byAccount = new Set(
      Array.from({ length: 50 }, (_, i) => served(f, `user-${i}`, { accountId: "acme" })),
    );
    expect(byAccount.size).toBe(1);
    expect(share(f, 20_000, ["accountId"])).toBeCloseTo(0.2, 1);
  });
  it("the bucket is MD5(flag key + value) as FeatBit's server computes it", () => {
    // DispatchAlgorithm.RolloutOfKey: |Int32 little-endian of MD5(key)| / 2^31.
    const { createHash } = jest.requireActual<typeof import("node:crypto")>("node:crypto");
    const bucket = (key: string) =>
      Math.abs(createHash("md5").update(key).digest().readInt32LE(0) / -2147483648);
    const f = split();
    for (const key of ["a", "b", "c", "d", "e", "f", "g", "h"]) {
      expect(served(f, key)).toBe(bucket(`f${key}`) <= 0.2 ? "On" : "Off");
    }
  });
});

test("the bootstrap is FeatBit's data-sync message", () => {
  const f = flag({});
  expect(f.subject.bootstrap).toEqual(dataSyncMessage(f.subject.bootstrap.data.featureFlags, []));
  expect(Object.keys(f.subject.bootstrap.data.featureFlags[0]).sort()).toEqual(
    [
      "id",
      "envId",
      "name",
      "description",
      "key",
      "variationType",
      "variations",
      "targetUsers",
      "rules",
      "isEnabled",
      "disabledVariationId",
      "fallthrough",
      "exptIncludeAllTargets",
      "tags",
      "updatedAt",
      "isArchived",
    ].sort(),
  );
});
