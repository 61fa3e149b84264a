// Targeting tests: expectations of who gets what, checked by FeatBit's own SDK (offline) against the declared
// targeting, before anything is written. A test names a sample user and the variation it must get, or a population
// of pseudo-random anonymous users and the share of each variation they must get (a rollout), within a tolerance.
// Used by FeatureFlagTargeting (`tests`), FlagSet files (`expect`) and featbit-diff (who changes).
import { createHash } from "node:crypto";
import { z } from "zod";
import { SEGMENT_IN, SEGMENT_NOT_IN } from "../client/targeting";
import { round } from "../resources/core/canonical";
import { shape, userKey } from "../resources/core/schema";
import type { DataSyncMessage } from "./dataSync";
import type { ShareTest, TargetingTest, UserTest } from "./testTypes";
import { OfflineSdk, sdkVersion, type EndUser, type Evaluation } from "./offlineSdk";

/**
 * Standard errors a rollout share may be off by when a test gives no tolerance: the population is a sample of all
 * users, and its share of a p % rollout is off by about 100·√(p(1−p)/n) points (0.49 points for 40 % of 10,000); four
 * of them let a correct rollout pass for any sample, and still catch a rollout that is off by more.
 */
const DEFAULT_STANDARD_ERRORS = 4;

/** The default tolerance of a share, in percentage points. */
export function defaultTolerance(percent: number, users: number): number {
  const p = percent / 100;
  return Math.round(DEFAULT_STANDARD_ERRORS * 100 * Math.sqrt((p * (1 - p)) / users) * 100) / 100;
}
const MIN_ANONYMOUS = 100;
const MAX_ANONYMOUS = 1_000_000;
const SUM_TOLERANCE = 1e-6;

// ---------------------------------------------------------------------------------------------------------------
// The format
// ---------------------------------------------------------------------------------------------------------------

/** FeatBit's custom properties are strings; numbers and booleans are written as FeatBit would send them. */
const properties = z.record(
  z.string().min(1, "a property name must not be empty"),
  z
    .union([z.string(), z.number(), z.boolean()], {
      error:
        "a property value must be a string, a number or true/false (FeatBit sends custom properties as text)",
    })
    .transform(String),
  { error: "properties must map property names to values, e.g. {country: 'ca'}" },
);

const expected = (where: string) =>
  z
    .string({ error: `${where} must be a variation name (a string such as 'On')` })
    .min(1, `${where} must not be empty: name one of the flag's variations`);

const userTest = shape(
  {
    user: userKey("user"),
    name: z.string({ error: "name must be a string" }).optional(),
    properties: properties.optional(),
    gets: expected("gets"),
  },
  "a user expectation ({user: 'alice', properties: {country: 'ca'}, gets: 'On'})",
);

const shareTest = shape(
  {
    anonymous: z
      .number({ error: `anonymous must be how many pseudo-random users to draw, e.g. 10000` })
      .int("anonymous must be a whole number of users")
      .min(MIN_ANONYMOUS, `anonymous must be at least ${MIN_ANONYMOUS}: fewer users say little about a share`)
      .max(MAX_ANONYMOUS, `anonymous must be at most ${MAX_ANONYMOUS}`),
    properties: properties.optional(),
    gets: z.record(
      expected("a variation in gets"),
      z
        .number({ error: "a share must be a percentage from 0 to 100" })
        .min(0, "a share must be at least 0")
        .max(100, "a share must be at most 100"),
      { error: "gets must map variations to percentages, e.g. {On: 10, Off: 90}" },
    ),
    tolerance: z
      .number({ error: "tolerance must be percentage points, e.g. 1" })
      .min(0, "tolerance must be at least 0")
      .max(100, "tolerance must be at most 100")
      .optional(),
  },
  "a rollout expectation ({anonymous: 10000, gets: {On: 10, Off: 90}, tolerance: 1})",
).superRefine((test, ctx) => {
  const sum = Object.values(test.gets).reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 100) > SUM_TOLERANCE) {
    ctx.addIssue({
      code: "custom",
      path: ["gets"],
      message: `the shares add up to ${round(sum, 6)}, not 100: list every variation the users may get`,
    });
  }
});

export type { ShareTest, TargetingTest, TargetingTestArgs, UserTest } from "./testTypes";

/** The schemas produce exactly the public shapes (testTypes.ts): a compile error here if one of them drifts. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const shapesAgree: [Same<z.infer<typeof userTest>, UserTest>, Same<z.infer<typeof shareTest>, ShareTest>] = [
  true,
  true,
];
void shapesAgree;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** One test, told apart by shape so a mistake is reported against the form it was meant as. */
export const targetingTestSchema = z.unknown().transform((value, ctx): TargetingTest => {
  const schema = isRecord(value) && "anonymous" in value ? shareTest : userTest;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    return z.NEVER;
  }
  return parsed.data;
});

export const targetingTestsSchema = z.array(targetingTestSchema, {
  error: "tests must be a list of {user, gets} or {anonymous, gets} expectations",
});

export const isShareTest = (test: TargetingTest): test is ShareTest => "anonymous" in test;

/** Every variation a test names, with its path inside the test. */
export function testVariationReferences(test: TargetingTest): { path: (string | number)[]; name: string }[] {
  return isShareTest(test)
    ? Object.keys(test.gets).map((name) => ({ path: ["gets", name], name }))
    : [{ path: ["gets"], name: test.gets }];
}

// ---------------------------------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------------------------------

/** A UUID-shaped key from an MD5 of the seed: the same population on every run and every machine. */
function pseudoRandomKey(seed: string): string {
  const hex = createHash("md5").update(seed).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The i-th pseudo-random anonymous user. Each attribute a rollout splits by (`dispatchKeys`) that the given
 * properties do not set gets a pseudo-random value too, as anonymous users of such a flag would carry one.
 */
export function anonymousUser(
  i: number,
  given: Readonly<Record<string, string>> = {},
  dispatchKeys: readonly string[] = [],
): EndUser {
  const props: Record<string, string> = { ...given };
  for (const attribute of dispatchKeys) {
    if (attribute !== "keyId" && attribute !== "name" && props[attribute] === undefined)
      props[attribute] = pseudoRandomKey(`featbit-anonymous/${attribute}/${i}`);
  }
  return { key: pseudoRandomKey(`featbit-anonymous/${i}`), properties: props };
}

export function describeUser(user: {
  key: string;
  name?: string;
  properties?: Record<string, string>;
}): string {
  const props = Object.entries(user.properties ?? {}).map(([k, v]) => `${k}=${v}`);
  if (user.name !== undefined) props.unshift(`name=${user.name}`);
  return `user '${user.key}'${props.length > 0 ? ` (${props.join(", ")})` : ""}`;
}

// ---------------------------------------------------------------------------------------------------------------
// What a flag serves, from the SDK
// ---------------------------------------------------------------------------------------------------------------

/**
 * Parts a targeting leaves to the FeatBit UI are unknown before `up`: the data sync gets a stand-in variation for
 * them whose value says which part it is, so a test that reaches one is told so instead of getting a guess.
 */
export const LEFT_TO_UI = {
  offVariation: "\u0000the off variation",
  defaultRule: "\u0000the default rule",
} as const;

/** A flag ready for evaluation: its data sync, and what the runner must know to explain results. */
export interface EvaluationSubject {
  flagKey: string;
  bootstrap: DataSyncMessage;
  /** On/off is left to the FeatBit UI: the data sync takes the flag as on. */
  enabledAssumed: boolean;
}

/** One evaluation in the provider's words. */
export interface Served {
  /** The variation name, or undefined when a part left to the FeatBit UI decided. */
  variation: string | undefined;
  /** "rule 'Beta users'", "individual targeting", "the default rule", "the flag is off". */
  decidedBy: string;
  /** Set when the SDK threw or answered an error. */
  error?: string;
}

/** The attributes rollouts of the flag split by (other than keyId). */
export function dispatchKeysOf(subject: EvaluationSubject): string[] {
  const keys = new Set<string>();
  for (const flag of subject.bootstrap.data.featureFlags) {
    for (const serve of [...flag.rules, flag.fallthrough]) {
      const key = serve.dispatchKey?.trim();
      if (key && key !== "keyId") keys.add(key);
    }
  }
  return [...keys];
}

function decidedBy(e: Evaluation): string {
  switch (e.kind) {
    case "Off":
      return "the flag is off";
    case "TargetMatch":
      return "individual targeting";
    case "RuleMatch":
      return `rule '${e.reason.replace(/^match rule /, "")}'`;
    case "FallThrough":
      return "the default rule";
    default:
      return `the SDK (${e.kind}: ${e.reason})`;
  }
}

const SEGMENT_PROPERTIES = new Set<string>([SEGMENT_IN, SEGMENT_NOT_IN]);

/** Operators @featbit/node-server-sdk 1.3.0 evaluates differently from FeatBit's evaluation server (see docs). */
const REGEX_OPERATORS = new Set(["MatchRegex", "NotMatchRegex"]);
/** Read from the user object itself, not from its custom properties. */
const BUILT_IN = new Set(["keyId", "name"]);

export class FlagEvaluator {
  private readonly sdk: OfflineSdk;
  /** Custom properties the targeting reads (conditions and dispatch keys). */
  private readonly read: string[];

  constructor(readonly subject: EvaluationSubject) {
    this.sdk = new OfflineSdk(subject.bootstrap);
    const props = new Set(this.conditions().map((c) => c.property));
    for (const key of dispatchKeysOf(subject)) props.add(key);
    this.read = [...props].filter((p) => !BUILT_IN.has(p) && !SEGMENT_PROPERTIES.has(p));
  }

  /**
   * What the flag serves the user. A custom property the targeting reads and the user lacks is sent as '': FeatBit's
   * evaluation server reads a missing property as '' (EndUser.ValueOf), where @featbit/node-server-sdk 1.3.0 reads
   * undefined and throws on Contains, StartsWith, EndsWith and regex conditions (see docs/flagset.md).
   */
  serve(user: EndUser): Served {
    const properties: Record<string, string> = {};
    for (const p of this.read) properties[p] = "";
    Object.assign(properties, user.properties);
    let result: Evaluation;
    try {
      result = this.sdk.evaluate(this.subject.flagKey, { ...user, properties });
    } catch (err) {
      const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      return { variation: undefined, decidedBy: "", error: `the SDK threw ${why}` };
    }
    if (result.kind === "Error" || result.kind === "FlagNotFound")
      return {
        variation: undefined,
        decidedBy: decidedBy(result),
        error: `the SDK answered ${result.reason}`,
      };
    const variation = result.value.startsWith("\u0000") ? undefined : result.value;
    return { variation, decidedBy: decidedBy(result) };
  }

  /** Where the SDK disagrees with FeatBit's evaluation server on the operators the flag uses, for messages. */
  regexNote(): string {
    const uses = this.conditions().some((c) => c.op !== null && REGEX_OPERATORS.has(c.op));
    return uses
      ? ` (note: @featbit/node-server-sdk ${sdkVersion()} matches MatchRegex/NotMatchRegex with the user's value as the pattern and the rule's value as the input, the reverse of FeatBit's evaluation server)`
      : "";
  }

  private conditions() {
    const { featureFlags, segments } = this.subject.bootstrap.data;
    return [
      ...featureFlags.flatMap((f) => f.rules.flatMap((r) => r.conditions)),
      ...segments.flatMap((s) => s.rules.flatMap((r) => r.conditions)),
    ];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Running tests
// ---------------------------------------------------------------------------------------------------------------

export interface TestFailure {
  /** The test's index in its list. */
  index: number;
  message: string;
}

const pct = (n: number) => `${round(n, 2)}%`;

function undeclaredPart(served: Served): string {
  return served.decidedBy === "the flag is off"
    ? "the flag is off and its off variation is left to the FeatBit UI: declare offVariation to test this user"
    : "it reaches the default rule, which is left to the FeatBit UI: declare defaultRule to test this user";
}

function runUserTest(evaluator: FlagEvaluator, test: UserTest): string | undefined {
  const user: EndUser = {
    key: test.user,
    ...(test.name !== undefined ? { name: test.name } : {}),
    properties: test.properties ?? {},
  };
  const who = describeUser(user);
  const served = evaluator.serve(user);
  if (served.error) return `${who} should get '${test.gets}', but ${served.error}`;
  if (served.variation === undefined)
    return `${who} should get '${test.gets}', but ${undeclaredPart(served)}`;
  if (served.variation === test.gets) return undefined;
  const assumed = evaluator.subject.enabledAssumed ? " (on/off is left to the FeatBit UI: taken as on)" : "";
  return `${who} gets '${served.variation}', expected '${test.gets}': decided by ${served.decidedBy}${assumed}${evaluator.regexNote()}`;
}

function runShareTest(evaluator: FlagEvaluator, test: ShareTest): string | undefined {
  const tolerance = (name: string) =>
    test.tolerance ?? defaultTolerance(test.gets[name] ?? 0, test.anonymous);
  const dispatchKeys = dispatchKeysOf(evaluator.subject);
  const byVariation = new Map<string, number>();
  const byDecider = new Map<string, number>();
  for (let i = 0; i < test.anonymous; i++) {
    const user = anonymousUser(i, test.properties, dispatchKeys);
    const served = evaluator.serve(user);
    if (served.error)
      return `${describeUser(user)} (anonymous user ${i + 1} of ${test.anonymous}): ${served.error}`;
    if (served.variation === undefined)
      return `anonymous users should get ${describeShares(test.gets)}, but ${undeclaredPart(served)}`;
    byVariation.set(served.variation, (byVariation.get(served.variation) ?? 0) + 1);
    byDecider.set(served.decidedBy, (byDecider.get(served.decidedBy) ?? 0) + 1);
  }
  const share = (name: string) => ((byVariation.get(name) ?? 0) / test.anonymous) * 100;
  const names = [...new Set([...Object.keys(test.gets), ...byVariation.keys()])];
  const off = names.filter((name) => Math.abs(share(name) - (test.gets[name] ?? 0)) > tolerance(name));
  if (off.length === 0) return undefined;
  const props = Object.entries(test.properties ?? {}).map(([k, v]) => `${k}=${v}`);
  const who = `of ${test.anonymous} anonymous users${props.length > 0 ? ` (${props.join(", ")})` : ""}`;
  const got = names
    .filter((name) => byVariation.has(name))
    .map((name) => `${pct(share(name))} get '${name}'`)
    .join(", ");
  const deciders = [...byDecider].map(([d, n]) => `${d} (${n})`).join(", ");
  return `${who}, ${got}; expected ${describeShares(test.gets, tolerance)}: decided by ${deciders}${evaluator.regexNote()}`;
}

function describeShares(gets: Record<string, number>, tolerance?: (name: string) => number): string {
  return Object.entries(gets)
    .map(
      ([name, percent]) => `'${name}' ${pct(percent)}${tolerance ? ` ± ${round(tolerance(name), 2)}` : ""}`,
    )
    .join(", ");
}

/** Results of recent runs: the same inputs are checked several times per preview (check, then diff). */
const memo = new Map<string, TestFailure[]>();
const MEMO_SIZE = 64;

/** Runs the tests against the flag in the SDK; a failure names the user, the expected and actual variation, and why. */
export function runTargetingTests(
  subject: EvaluationSubject,
  tests: readonly TargetingTest[],
): TestFailure[] {
  if (tests.length === 0) return [];
  const key = JSON.stringify([subject, tests]);
  const cached = memo.get(key);
  if (cached) return cached;
  const evaluator = new FlagEvaluator(subject);
  const failures: TestFailure[] = [];
  tests.forEach((test, index) => {
    const message = isShareTest(test) ? runShareTest(evaluator, test) : runUserTest(evaluator, test);
    if (message !== undefined) failures.push({ index, message });
  });
  if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value as string);
  memo.set(key, failures);
  return failures;
}
