// featbit-diff's "Who changes": per changed flag, the sample users whose variation changes and the share of a
// pseudo-random population that moves, as FeatBit's SDK evaluates the targeting before and after the preview.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { formatImpact, whoChanges } from "../../provider/tools/impact";
import type { PreviewDocument } from "../../provider/tools/previewSummary";

type Props = Record<string, unknown>;
const ENV = "b6ac3e30-5afa-46c0-81bd-14f18272ecf8";
const BETA = "973636d5-1e31-4aa9-9495-e8a08c18ad55";
const typeOf = (kind: string) => `pulumi-nodejs:dynamic/featbit:${kind}`;
const urnOf = (kind: string, name: string) =>
  `urn:pulumi:live::flags::featbit:index:FlagSet$${typeOf(kind)}::${name}`;

/** As `pulumi preview --json` has them: the old state with its id, the new one with its inputs only. */
function step(
  op: string,
  kind: string,
  name: string,
  old: Props | undefined,
  now: Props | undefined,
  id = "",
) {
  const state = (inputs: Props, stateId: string) => ({
    urn: urnOf(kind, name),
    type: typeOf(kind),
    custom: true,
    id: stateId,
    inputs,
    outputs: {},
  });
  return {
    op,
    urn: urnOf(kind, name),
    ...(old ? { oldState: state(old, id) } : {}),
    ...(now ? { newState: state(now, "") } : {}),
  };
}

const segment = { environmentId: ENV, key: "beta", name: "Beta", included: ["bob"] };
const targeting = (percentOn: number, extra: Props = {}): Props => ({
  environmentId: ENV,
  flagKey: "new-checkout",
  variations: ["On", "Off"],
  enabled: true,
  offVariation: "Off",
  rules: [{ name: "Beta", conditions: [{ segment: BETA }], serve: { variation: "On" } }],
  defaultRule: {
    serve: {
      rollout: [
        { variation: "On", percent: percentOn },
        { variation: "Off", percent: 100 - percentOn },
      ],
    },
  },
  tests: [
    { user: "bob", gets: "On" },
    { user: "zoe", gets: "Off" },
  ],
  ...extra,
});

const doc = (before: Props, after: Props, segmentNow: Props = segment): PreviewDocument => ({
  steps: [
    step("same", "Segment", "flags/prod/beta", segment, segmentNow, `${ENV}/${BETA}`),
    step("update", "FeatureFlagTargeting", "flags/prod/new-checkout", before, after),
  ],
});

test("a rollout change: the share of anonymous users that moves, from the SDK's bucketing", () => {
  const lines = whoChanges(doc(targeting(10), targeting(50)), { population: 10_000 });
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ environment: "prod", flag: "new-checkout" });
  // MD5 bucketing: about 40 % of users move from Off to On, none the other way (ranges are contiguous).
  expect(lines[0].text).toMatch(
    /^user 'zoe' Off → On \(the default rule\); of 10,000 anonymous users, 39\.\d+% change variation \(Off → On 39\.\d+%\)$/,
  );
});

test("sample users from the tests and a users file, each with the rule that now decides", () => {
  const after = targeting(10, { rules: [] });
  const lines = whoChanges(doc(targeting(10), after), {
    population: 1000,
    users: [{ key: "carl", properties: {} }],
  });
  expect(lines[0].text).toMatch(
    /^user 'bob' On → Off \(the default rule\); of 1,000 anonymous users, none changes variation$/,
  );
  const markdown = formatImpact(lines);
  expect(markdown).toContain("#### Who changes");
  expect(markdown).toContain("- prod · `new-checkout`: user 'bob' On → Off (the default rule)");
});

test("a segment change reaches the flags using it", () => {
  const lines = whoChanges(
    doc(targeting(10), targeting(10, { comment: "x" }), { ...segment, included: ["zoe"] }),
    {
      population: 100,
    },
  );
  expect(lines[0].text).toMatch(
    /^user 'bob' On → Off \(the default rule\); user 'zoe' Off → On \(rule 'Beta'\)/,
  );
});

test("values known only at up are said so, not guessed", () => {
  const after = targeting(50, {
    rules: [
      {
        name: "Beta",
        conditions: [{ segment: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }],
        serve: { variation: "On" },
      },
    ],
  });
  expect(whoChanges(doc(targeting(10), after))[0].text).toMatch(/^not evaluated: values known only at `up`/);
});

test("featbit-diff appends the section, with a users file", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "impact-"));
  fs.writeFileSync(
    path.join(dir, "preview.json"),
    JSON.stringify(doc(targeting(10), targeting(10, { rules: [] }))),
  );
  fs.writeFileSync(path.join(dir, "users.yaml"), "- key: bob\n- { key: ann, properties: { country: ca } }\n");
  const cli = path.join(__dirname, "..", "..", "dist", "tools", "diffCli.js");
  const r = spawnSync(
    process.execPath,
    [cli, path.join(dir, "preview.json"), "--users", path.join(dir, "users.yaml"), "--population", "100"],
    {
      encoding: "utf8",
    },
  );
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("- prod · `new-checkout`: rule 'Beta' removed");
  expect(r.stdout).toContain(
    "- prod · `new-checkout`: user 'bob' On → Off (the default rule); of 100 anonymous users, none changes variation",
  );
  fs.rmSync(dir, { recursive: true, force: true });
});
