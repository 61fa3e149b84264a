// A first preview (every id unknown) still reports every mistake that needs no id, each with its property, before
// any request reaches FeatBit.
import * as fs from "node:fs";
import * as path from "node:path";
import { EMULATOR_ORG_KEY, startFreshEmulator, type StartedEmulator } from "./support/featbit";
import { ensureCli, makeStateDir, removeStateDir, REPO_ROOT, runStack, visibleText } from "./support/stack";

let started: StartedEmulator;
let stateDir: string;

beforeAll(
  async () => {
    ensureCli();
    started = await startFreshEmulator();
    stateDir = makeStateDir("bad-inputs");
  },
  40 * 60 * 1000,
);

afterAll(async () => {
  await started?.emulator.close();
  if (started) fs.rmSync(started.tmpDir, { recursive: true, force: true });
  if (stateDir) removeStateDir(stateDir);
});

const previewWith = async (mistake: string) => {
  started.emulator.requests.clear();
  const r = await runStack(
    "preview",
    {
      dir: path.join(REPO_ROOT, "test/e2e/fixtures/bad-inputs"),
      stack: "e2e",
      stateDir,
      settings: {
        apiUrl: started.emulator.url,
        accessToken: started.emulator.token,
        organizationKey: EMULATOR_ORG_KEY,
      },
    },
    { config: { mistake } },
  );
  expect(r.ok).toBe(false);
  expect(started.emulator.requests.all()).toEqual([]);
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
