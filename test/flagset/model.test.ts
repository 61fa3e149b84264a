// The FlagSet file format without Pulumi: structure, per-environment resolution, promotion, and that every problem
// of every file is reported at once with file:line:column and the field.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FlagSetError, loadFlagSet, type FlagSetPlan } from "../../provider/flagset";
import { featureFlagDefinition } from "../../provider/resources/featureFlag";
import { featureFlagTargetingDefinition } from "../../provider/resources/featureFlagTargeting";
import { segmentDefinition } from "../../provider/resources/segment";

const EXAMPLE = path.resolve(__dirname, "../../examples/flagset/flags");
const ENVS = ["dev", "staging", "prod"];

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "flagset-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
};

/** The problems of a FlagSet that must fail, as "file:line:column: field: message" without the folder. */
function problems(paths: string | string[], options = { environments: ENVS }): string[] {
  try {
    loadFlagSet(paths, options);
  } catch (err) {
    if (!(err instanceof FlagSetError)) throw err;
    return err.problems.map(
      (p) => `${path.basename(p.file ?? "")}:${p.line ?? "-"}:${p.column ?? "-"}: ${p.field}: ${p.message}`,
    );
  }
  throw new Error("expected the FlagSet to be refused");
}

const byEnv = (plan: FlagSetPlan, env: string, key: string) =>
  plan.environments[env].flags.find((f) => f.key === key);

describe("the example's files", () => {
  const plan = loadFlagSet(EXAMPLE, { environments: ENVS });

  it("gives each environment its flags, with the overrides of that environment", () => {
    expect(plan.files.map((f) => path.basename(f))).toEqual(["checkout.yaml", "segments.yaml", "ui.yaml"]);
    expect(byEnv(plan, "dev", "new-checkout")?.targeting?.defaultRule).toEqual({
      serve: { variation: "On" },
    });
    expect(byEnv(plan, "prod", "new-checkout")?.targeting?.defaultRule).toEqual({
      serve: {
        rollout: [
          { variation: "On", percent: 10 },
          { variation: "Off", percent: 90 },
        ],
      },
    });
    // Shared parts stay shared: the rule naming the segment by key is the same in every environment.
    expect(byEnv(plan, "prod", "new-checkout")?.targeting?.rules).toEqual(
      byEnv(plan, "dev", "new-checkout")?.targeting?.rules,
    );
    // `prod: false`: not in prod. No targeting declared: no targeting resource, the UI keeps it.
    expect(byEnv(plan, "prod", "search-results-per-page")).toBeUndefined();
    expect(byEnv(plan, "dev", "search-results-per-page")?.targeting).toBeUndefined();
    expect(plan.environments.prod.segments[0].segment.included).toEqual(["alice"]);
    expect(plan.environments.dev.segments[0].segment.included).toEqual(["alice", "bob"]);
  });

  it("gives inputs every resource's own check accepts (a FlagSet that passes never fails a resource's check)", () => {
    const environmentId = "0f2c6a1d-1111-4222-8333-444455556666";
    const segmentId = "0f2c6a1d-1111-4222-8333-777788889999";
    for (const env of ENVS) {
      for (const f of plan.environments[env].flags) {
        expect(featureFlagDefinition.schema.safeParse({ ...f.flag, environmentId }).error).toBeUndefined();
        if (!f.targeting) continue;
        const rules = JSON.parse(
          JSON.stringify(f.targeting.rules ?? []).replace(/"beta-users"/g, `"${segmentId}"`),
        );
        const variations = ((f.flag.variations as { name: string }[] | undefined) ?? []).map((v) => v.name);
        const targeting = { ...f.targeting, rules, environmentId, flagKey: f.key, variations };
        expect(featureFlagTargetingDefinition.schema.safeParse(targeting).error).toBeUndefined();
      }
      for (const s of plan.environments[env].segments) {
        expect(segmentDefinition.schema.safeParse({ ...s.segment, environmentId }).error).toBeUndefined();
      }
    }
  });

  it("resolves to the same inputs whatever the order of entries, the split into files or the file names", () => {
    const reference = JSON.stringify(plan.environments);
    const texts = fs.readdirSync(EXAMPLE).map((f) => fs.readFileSync(path.join(EXAMPLE, f), "utf8"));
    // One file, entries in another order, under another name.
    const { parseDocument } = jest.requireActual<typeof import("yaml")>("yaml");
    const all = texts.map((t) => parseDocument(t).toJS() as { flags?: unknown[]; segments?: unknown[] });
    const flags = all.flatMap((d) => d.flags ?? []).reverse();
    const segments = all.flatMap((d) => d.segments ?? []);
    write("everything.json", JSON.stringify({ segments, flags }, null, 2));
    expect(JSON.stringify(loadFlagSet(dir, { environments: ENVS }).environments)).toEqual(reference);
    // One entry per file, in nested folders.
    fs.rmSync(path.join(dir, "everything.json"));
    flags.forEach((f, i) => write(`team-${i % 2}/flag-${i}.yaml`, JSON.stringify({ flags: [f] })));
    write("segments/all.yml", JSON.stringify({ segments }));
    expect(JSON.stringify(loadFlagSet(dir, { environments: ENVS }).environments)).toEqual(reference);
  });
});

describe("problems", () => {
  it("reports every problem of every file in one error, each with file:line:column, the field and what is expected", () => {
    write(
      "checkout.yaml",
      [
        "flags:", // 1
        "  - key: new-checkout", // 2
        "    name: New checkout", // 3
        "    variations: [{ name: On, value: true }, { name: Off, value: false }]", // 4
        "    offVariation: Of", // 5
        "    rules:", // 6
        "      - name: Beta", // 7
        "        conditions: [{ segment: beta }]", // 8
        "        serve: { variation: On }", // 9
        "      - name: Canada", // 10
        "        conditions: [{ property: country, op: IsIn, value: ca }]", // 11
        "        serve: { rollout: [{ variation: On, percentage: 20 }, { variation: Off, percent: 80 }] }", // 12
        "    environments:", // 13
        "      prod:", // 14
        "        defaultRule: { serve: { rollout: [{ variation: On, percent: 10 }, { variation: Off, percent: 80 }] } }", // 15
        "      prd: { enabled: true }", // 16
        "  - key: bad key", // 17
        "    variationType: number", // 18
        "    variations: [{ name: A, value: abc }]", // 19
      ].join("\n"),
    );
    write("broken.yaml", "flags:\n  - key: x\n    name: [unclosed\n");
    write(
      "segments.json",
      '{\n  "segments": [\n    { "key": "beta-users", "name": "Beta", "included": ["alice"], "excluded": ["alice"] }\n  ]\n}\n',
    );
    expect(problems(dir)).toEqual([
      "broken.yaml:4:1: : not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
      "checkout.yaml:5:19: flag 'new-checkout', offVariation: 'Of' is not a variation of this flag (its variations: On, Off): use one of those names",
      "checkout.yaml:8:33: flag 'new-checkout', rules[0].conditions[0].segment: segment 'beta' is not declared in this FlagSet's files (declared: beta-users): declare it under segments, or give a segment id (UUID)",
      expect.stringMatching(
        /^checkout\.yaml:11:47: flag 'new-checkout', rules\[1\]\.conditions\[0\]\.op: op must be one of FeatBit's operators: LessThan, /,
      ),
      "checkout.yaml:12:28: flag 'new-checkout', rules[1].serve.rollout[0].percent: percent must be a number from 0 to 100",
      "checkout.yaml:12:45: flag 'new-checkout', rules[1].serve.rollout[0]: unknown field 'percentage': a rollout entry ({variation: 'On', percent: 50}) has variation, percent",
      "checkout.yaml:15:42: flag 'new-checkout', environments.prod.defaultRule.serve.rollout: rollout percentages add up to 90, not 100: adjust them so every user gets a variation",
      "checkout.yaml:16:7: flag 'new-checkout', environments: 'prd' is not one of this FlagSet's environments (dev, staging, prod): fix the name, or list it in the FlagSet's otherEnvironments if another stack deploys it",
      "checkout.yaml:17:5: flag 'bad key', name: feature flag name is required: a display name such as 'New checkout'",
      "checkout.yaml:17:10: flag 'bad key', key: feature flag key may only contain letters, digits, '.', '_' and '-' (FeatBit's key rule): e.g. 'new-checkout'",
      "checkout.yaml:19:36: flag 'bad key', variations[0].value: number flags take a finite decimal such as '42', '-1.5' or 42, not 'abc'",
      "segments.json:3:56: segment 'beta-users', included: 'alice' is both included and excluded: excluded wins in FeatBit, so remove it from one list",
    ]);
  });

  it("names unknown fields at their own line, at every level of the format", () => {
    write(
      "f.yaml",
      "flag:\n  - key: a\nflags:\n  - key: a\n    name: A\n    enabeld: true\n    environments:\n      prod: { from: dev, enable: true }\n",
    );
    expect(problems(dir)).toEqual([
      "f.yaml:1:1: : unknown field 'flag': a FlagSet file has $schema, flags, segments",
      "f.yaml:6:5: flag 'a': unknown field 'enabeld': a flag has key, name, description, variationType, variations, tags, adopt, enabled, offVariation, individualTargeting, rules, defaultRule, expect, environments",
      "f.yaml:8:26: flag 'a', environments.prod: unknown field 'enable': an environment override of a flag has from, name, description, variations, tags, enabled, offVariation, individualTargeting, rules, defaultRule, expect",
    ]);
  });

  it("refuses a key declared twice, ignoring case, naming where the first one is", () => {
    write("a.yaml", "flags:\n  - key: Checkout\n    name: A\n");
    write("b.yaml", "flags:\n  - { key: checkout, name: B }\n");
    expect(problems(dir)).toEqual([
      `b.yaml:2:12: flag 'checkout', key: flag 'checkout' is already declared at ${path.join(dir, "a.yaml")}:2 (keys are unique ignoring case): keep one definition, and put per-environment differences under its environments`,
    ]);
  });

  it.each([
    ["flags", "checkout", "Checkout"],
    ["flags", "Checkout", "checkout"],
    ["segments", "beta", "BETA"],
    ["segments", "BETA", "beta"],
  ])(
    "refuses %s keys '%s' then '%s' as one key declared twice, whichever comes first",
    (list, first, second) => {
      const entry = (key: string) =>
        list === "flags" ? `{ key: ${key}, name: N }` : `{ key: ${key}, name: N }`;
      write("f.yaml", `${list}:\n  - ${entry(first)}\n  - ${entry(second)}\n`);
      expect(problems(dir)).toEqual([
        expect.stringContaining(`'${second}' is already declared at ${path.join(dir, "f.yaml")}:2`),
      ]);
    },
  );

  it("refuses a rule using a segment that is not in that environment, saying which environment", () => {
    write(
      "f.yaml",
      [
        "segments:",
        "  - { key: beta, name: Beta, environments: { prod: false } }",
        "flags:",
        "  - key: a",
        "    name: A",
        "    rules: [{ name: Beta, conditions: [{ segment: beta }], serve: { variation: 'true' } }]",
      ].join("\n"),
    );
    expect(problems(dir)).toEqual([
      "f.yaml:6:51: flag 'a', rules[0].conditions[0].segment: segment 'beta' is not in environment 'prod' (it says prod: false), so a rule cannot use it there (in environment 'prod')",
    ]);
  });

  it("checks environment names against the program's, and accepts those listed in otherEnvironments", () => {
    write("f.yaml", "flags:\n  - key: a\n    name: A\n    environments: { qa: { enabled: true } }\n");
    expect(problems(dir, { environments: ["prod"] })).toEqual([
      "f.yaml:4:21: flag 'a', environments: 'qa' is not one of this FlagSet's environments (prod): fix the name, or list it in the FlagSet's otherEnvironments if another stack deploys it",
    ]);
    const plan = loadFlagSet(dir, { environments: ["prod"], otherEnvironments: ["qa"] });
    expect(Object.keys(plan.environments)).toEqual(["prod"]);
  });

  it("names a missing path", () => {
    expect(problems(path.join(dir, "nope"))).toEqual([
      "nope:-:-: path: no such file or folder: give a FlagSet file (.yaml, .yml or .json) or a folder of them",
    ]);
  });
});

describe("promotion", () => {
  const flagFile = (prod: string) =>
    [
      "flags:",
      "  - key: a",
      "    name: A",
      "    variations: [{ name: On, value: true }, { name: Off, value: false }]",
      "    enabled: false",
      "    defaultRule: { serve: { variation: Off } }",
      "    environments:",
      "      staging:",
      "        enabled: true",
      "        rules: [{ name: Staff, conditions: [{ property: email, op: EndsWith, value: '@x.com' }], serve: { variation: On } }]",
      "        defaultRule: { serve: { rollout: [{ variation: On, percent: 30 }, { variation: Off, percent: 70 }] } }",
      `      prod: ${prod}`,
    ].join("\n");

  it("from: copies another environment's targeting; the environment's own parts still apply on top", () => {
    write("f.yaml", flagFile("{ from: staging, enabled: false }"));
    const plan = loadFlagSet(dir, { environments: ENVS });
    const staging = byEnv(plan, "staging", "a")?.targeting;
    expect(byEnv(plan, "prod", "a")?.targeting).toEqual({ ...staging, enabled: false });
  });

  it("the program's promote replaces the target's targeting with the source's", () => {
    write("f.yaml", flagFile("{ enabled: false, defaultRule: { serve: { variation: On } } }"));
    const plan = loadFlagSet(dir, {
      environments: ENVS,
      promote: [{ flag: "a", from: "staging", to: "prod" }],
    });
    expect(byEnv(plan, "prod", "a")?.targeting).toEqual(byEnv(plan, "staging", "a")?.targeting);
    expect(byEnv(plan, "dev", "a")?.targeting).toEqual({
      enabled: false,
      defaultRule: { serve: { variation: "Off" } },
    });
  });

  it("refuses loops and copying from an environment the flag is not in", () => {
    write(
      "f.yaml",
      flagFile("{ from: dev }").replace("      staging:\n", "      dev: false\n      staging:\n"),
    );
    write(
      "g.yaml",
      "flags:\n  - key: b\n    name: B\n    environments:\n      dev: { from: prod }\n      prod: { from: dev }\n",
    );
    expect(problems(dir)).toEqual([
      "f.yaml:13:21: flag 'a', environments.prod.from: flag 'a' is not in environment 'dev' (it says dev: false): there is no targeting to copy",
      "g.yaml:5:20: flag 'b', environments.dev.from: 'from' makes a loop (dev → prod → dev): an environment cannot copy its own targeting",
      "g.yaml:6:21: flag 'b', environments.prod.from: 'from' makes a loop (prod → dev → prod): an environment cannot copy its own targeting",
    ]);
  });

  it("refuses a promotion naming an unknown flag or environment", () => {
    write("f.yaml", flagFile("{}"));
    expect(
      problems(dir, {
        environments: ENVS,
        promote: [
          { flag: "zzz", from: "staging", to: "prod" },
          { flag: "a", from: "stage", to: "prod" },
        ],
      } as never),
    ).toEqual([
      ":-:-: FlagSet promote[0]: flag 'zzz' is not declared in this FlagSet's files",
      ":-:-: FlagSet promote[1]: from 'stage' is not one of this FlagSet's environments (dev, staging, prod)",
    ]);
  });
});

describe("expect: targeting tests in the files", () => {
  const FILE = `segments:
  - key: beta-users
    name: Beta users
    included: [alice]
    rules:
      - name: Staff
        conditions: [{ property: email, op: EndsWith, value: "@example.com" }]
    environments:
      prod: { included: [] }
flags:
  - key: new-checkout
    name: New checkout
    variations: [{ name: On, value: true }, { name: Off, value: false }]
    offVariation: Off
    rules:
      - name: Beta testers
        conditions: [{ segment: beta-users }]
        serve: { variation: On }
    defaultRule: { serve: { variation: Off } }
    expect:
      - { user: alice, gets: On }
      - { user: carol, properties: { email: carol@example.com }, gets: On }
      - { user: dave, gets: Off }
    environments:
      dev:
        enabled: true
        defaultRule: { serve: { variation: On } }
        expect: [{ user: dave, gets: On }]
      prod:
        enabled: true
        defaultRule:
          serve:
            rollout: [{ variation: On, percent: 10 }, { variation: Off, percent: 90 }]
        expect:
          - { user: carol, properties: { email: carol@example.com }, gets: On }
          - { anonymous: 10000, properties: { email: x@elsewhere.org }, gets: { On: 10, Off: 90 } }
`;

  it("passes when every environment serves what its tests expect (each environment's own list replaces the shared one)", () => {
    const plan = loadFlagSet(write("flags.yaml", FILE), { environments: ENVS });
    expect(byEnv(plan, "dev", "new-checkout")?.tests).toEqual([{ user: "dave", gets: "On" }]);
    expect(byEnv(plan, "staging", "new-checkout")?.tests).toHaveLength(3);
    expect(byEnv(plan, "prod", "new-checkout")?.tests[1]).toEqual({
      anonymous: 10000,
      properties: { email: "x@elsewhere.org" },
      gets: { On: 10, Off: 90 },
    });
  });

  it("reports a failed expectation at the test's line, with the user, both variations, the deciding rule and the environment", () => {
    const text = FILE.replace(
      "      - { user: alice, gets: On }",
      "      - { user: alice, gets: Off }",
    ).replace("gets: { On: 10, Off: 90 } }", "gets: { On: 50, Off: 50 }, tolerance: 5 }");
    expect(problems(write("flags.yaml", text))).toEqual([
      "flags.yaml:21:9: flag 'new-checkout', expect[0]: user 'alice' gets 'On', expected 'Off': decided by rule 'Beta testers' (on/off is left to the FeatBit UI: taken as on) (in environment 'staging')",
      expect.stringMatching(
        /^flags\.yaml:36:13: flag 'new-checkout', environments\.prod\.expect\[1\]: of 10000 anonymous users \(email=x@elsewhere\.org\), 9\.\d+% get 'On', 9\d\.\d+% get 'Off'; expected 'On' 50% ± 5, 'Off' 50% ± 5: decided by the default rule \(10000\)$/,
      ),
    ]);
  });

  it("checks the tests' own shape and variation names, at their line", () => {
    const text = FILE.replace(
      "      - { user: dave, gets: Off }",
      "      - { user: dave, gets: Maybe, colour: red }",
    );
    expect(problems(write("flags.yaml", text))).toEqual([
      "flags.yaml:23:9: flag 'new-checkout', expect[2]: unknown field 'colour': a user expectation ({user: 'alice', properties: {country: 'ca'}, gets: 'On'}) has user, name, properties, gets",
    ]);
    const named = FILE.replace("      - { user: dave, gets: Off }", "      - { user: dave, gets: Maybe }");
    expect(problems(write("flags.yaml", named))).toEqual([
      "flags.yaml:23:29: flag 'new-checkout', expect[2].gets: 'Maybe' is not a variation of this flag (its variations: On, Off): use one of those names (in environment 'staging')",
    ]);
  });
});
