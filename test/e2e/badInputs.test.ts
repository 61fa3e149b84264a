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

it("preview of a fresh stack names every bad input and sends no request", async () => {
  started.emulator.requests.clear();
  const r = await runStack("preview", {
    dir: path.join(REPO_ROOT, "test/e2e/fixtures/bad-inputs"),
    stack: "e2e",
    stateDir,
    settings: {
      apiUrl: started.emulator.url,
      accessToken: started.emulator.token,
      organizationKey: EMULATOR_ORG_KEY,
    },
  });
  expect(r.ok).toBe(false);
  const text = visibleText(r);
  expect(text).toMatch(
    /FeatureFlag resource 'limit' has a problem: variations\[0\]\.value: number flags take/,
  );
  expect(text).toMatch(
    /Segment resource 'beta' has a problem: included: 'alice' is both included and excluded/,
  );
  expect(text).toMatch(
    /FeatureFlagTargeting resource 'checkout' has a problem: individualTargeting\[1\]\.users\[0\]: user 'bob'/,
  );
  expect(text).toMatch(
    /has a problem: defaultRule\.serve\.rollout: rollout percentages add up to 90, not 100/,
  );
  expect(text).not.toContain("<nil>");
  expect(started.emulator.requests.all()).toEqual([]);
});
