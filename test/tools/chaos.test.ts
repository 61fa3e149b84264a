// The chaos harness's arithmetic (scripts/lib/chaos.ts), without running anything: how FeatBit and the state are
// compared (duplicates, orphans, lost, archived), the fault probabilities, the summary, and the options.
import {
  agreement,
  blankFigures,
  faultSpec,
  featbitObjects,
  parseArgs,
  summarize,
  type RunFigures,
} from "../../scripts/lib/chaos";

const data = (over: Partial<Parameters<typeof featbitObjects>[0]> = {}) => ({
  projects: [{ id: "p1", key: "chaos" }],
  environments: [
    { id: "e-prod", projectId: "p1", key: "prod" },
    { id: "e-dev", projectId: "p1", key: "dev" },
    { id: "e-qa", projectId: "p1", key: "qa" },
  ],
  flags: [{ envId: "e-qa", key: "flag-1", isArchived: false }],
  segments: [{ id: "s1", envId: "e-qa", key: "beta", isArchived: false }],
  policies: [{ id: "builtin", key: "owner" }],
  groups: [],
  groupPolicies: [],
  groupMembers: [],
  memberPolicies: [],
  ...over,
});

const before = featbitObjects({ ...data(), projects: [], environments: [], flags: [], segments: [] });
const state = [
  { kind: "Project", id: "p1" },
  { kind: "Environment", id: "p1/e-prod" },
  { kind: "Environment", id: "p1/e-qa" },
  { kind: "FeatureFlag", id: "e-qa/flag-1" },
  { kind: "FeatureFlagTargeting", id: "e-qa/flag-1" },
  { kind: "Segment", id: "e-qa/s1" },
];

test("FeatBit and state agreeing: FeatBit's own objects (built-in policies, a created project's dev) do not count", () => {
  expect(agreement(featbitObjects(data()), before, state)).toEqual({
    duplicates: [],
    orphans: [],
    lost: [],
    archived: [],
  });
});

test("a second segment with a key, ignoring case, is a duplicate and an orphan; a flag gone is lost", () => {
  const now = featbitObjects(
    data({
      flags: [],
      segments: [
        { id: "s1", envId: "e-qa", key: "beta", isArchived: false },
        { id: "s2", envId: "e-qa", key: "BETA", isArchived: false },
      ],
    }),
  );
  expect(agreement(now, before, state)).toEqual({
    duplicates: ["Segment e-qa/beta ×2"],
    orphans: ["Segment e-qa/s2"],
    lost: ["FeatureFlag e-qa/flag-1"],
    archived: [],
  });
});

test("an object FeatBit holds archived while the state records it live is counted", () => {
  const now = featbitObjects(data({ flags: [{ envId: "e-qa", key: "flag-1", isArchived: true }] }));
  expect(agreement(now, before, state).archived).toEqual(["FeatureFlag e-qa/flag-1"]);
});

test("after a destroy, everything of the stack left in FeatBit is an orphan, FeatBit's own environments included", () => {
  const now = featbitObjects(data());
  expect(agreement(now, before, []).orphans.sort()).toEqual(
    [
      "Environment p1/e-dev",
      "Environment p1/e-prod",
      "Environment p1/e-qa",
      "FeatureFlag e-qa/flag-1",
      "Project p1",
      "Segment e-qa/s1",
    ].sort(),
  );
});

test("the fault kinds together fault the requested share of requests", () => {
  const spec = faultSpec(0.2, 4000);
  const each = spec.split(",").map((kind) => Number(/=([\d.]+)/.exec(kind)?.[1]));
  expect(each).toHaveLength(8);
  const none = each.reduce((p, q) => p * (1 - q), 1);
  expect(1 - none).toBeCloseTo(0.2, 3);
  expect(spec).toContain("timeout=");
  expect(spec).toContain("ms=4000");
});

test("the summary counts runs, not problems, for convergence and every problem for the figures", () => {
  const run = (over: Partial<RunFigures>): RunFigures => ({
    ...blankFigures("destroy", 1),
    oneRun: true,
    runs: 1,
    converged: true,
    cleanPreview: true,
    cleanRefresh: true,
    ...over,
  });
  expect(
    summarize([
      run({}),
      run({ oneRun: false, runs: 2, orphans: ["a", "b"] }),
      run({ converged: false, oneRun: false }),
    ]),
  ).toEqual({
    runs: 3,
    oneRun: 1,
    converged: 2,
    duplicates: 0,
    orphans: 2,
    lost: 0,
    archived: 0,
    cleanPreviews: 3,
    cleanRefreshes: 3,
  });
});

test("options parse as documented, and mistakes are refused", () => {
  const opts = parseArgs(["--modes", "destroy,crash", "--runs=5", "--update-config", "revision=3"]);
  expect(opts).toMatchObject({
    modes: ["destroy", "crash"],
    runs: 5,
    rate: 0.2,
    updateConfig: { revision: "3" },
  });
  expect(parseArgs([]).updateConfig).toEqual({ revision: "2" });
  expect(() => parseArgs(["--modes", "up,sideways"])).toThrow(/unknown mode sideways/);
  expect(() => parseArgs(["--rate", "1"])).toThrow(/share of requests/);
  expect(() => parseArgs(["--runs"])).toThrow(/--runs needs a value/);
});
