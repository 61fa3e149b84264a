// A first preview (every id unknown) still reports every mistake that needs no id, each with its property, before
// any request reaches FeatBit: those of every resource at once.
import * as path from "node:path";
import { REPO_ROOT, runStack, visibleText } from "./support/stack";
import { e2eWorld } from "./support/world";

const world = e2eWorld("bad-inputs");
const target = world.target(path.join(REPO_ROOT, "test/e2e/fixtures/bad-inputs"));

const previewWith = async (mistake: string) => {
  world.emulator.requests.clear();
  const r = await runStack("preview", target, { config: { mistake } });
  expect(r.ok).toBe(false);
  expect(world.emulator.requests.all()).toEqual([]);
  const text = visibleText(r);
  expect(text).not.toContain("<nil>");
  return text;
};

it.each<[string, RegExp[]]>([
  ["flag", [/FeatureFlag resource 'limit' has a problem: variations\[0\]\.value: number flags take/]],
  ["segment", [/Segment resource 'beta' has a problem: included: 'alice' is both included and excluded/]],
  [
    "targeting",
    [
      /FeatureFlagTargeting resource 'checkout' has a problem: individualTargeting\[1\]\.users\[0\]: user 'bob'/,
      /has a problem: defaultRule\.serve\.rollout: rollout percentages add up to 90, not 100/,
    ],
  ],
])("a first preview names every mistake of the %s with no request sent", async (mistake, expected) => {
  const text = await previewWith(mistake);
  for (const pattern of expected) expect(text).toMatch(pattern);
});

it("one preview names the mistakes of four resources, each once, with no request sent", async () => {
  world.emulator.requests.clear();
  const r = await runStack("preview", target, { config: { mistake: "all" } });
  expect(r.ok).toBe(false);
  expect(world.emulator.requests.all()).toEqual([]);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  const under = (name: string) => errors.filter((d) => d.urn?.endsWith(`::${name}`)).map((d) => d.message);
  expect(under("limit")).toEqual([
    expect.stringMatching(/'limit' has a problem: variations\[0\]\.value: number flags take/),
  ]);
  expect(under("beta")).toEqual([
    expect.stringMatching(/'beta' has a problem: included: 'alice' is both included/),
  ]);
  expect(under("checkout")).toEqual([
    expect.stringMatching(/'checkout' has a problem: individualTargeting\[1\]\.users\[0\]: user 'bob'/),
    expect.stringMatching(
      /'checkout' has a problem: defaultRule\.serve\.rollout: rollout percentages add up to 90/,
    ),
  ]);
  expect(under("other")).toEqual([
    expect.stringMatching(/'other' has a problem: .*project key may only contain/),
  ]);
  // Nothing else: each problem once, under its resource.
  expect(errors).toHaveLength(5);
});
