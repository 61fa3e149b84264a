// State written by pulumi-featbit 0.1.0 keeps working with this package. The 0.1.0 package is built from git
// (c5eb501) and runs its own quickstart example; then the program's node_modules/pulumi-featbit points at this
// checkout, and preview, refresh, up and destroy run on that state: nothing replaced, nothing recreated, and the
// stored provider (a 2.4 KB serialized object in 0.1.0 state) is replaced by the short module text as resources
// are written again.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../provider/emulator";
import { providerModule, type ResourceKind } from "../../provider/host/shim";
import {
  ensureCli,
  expectOk,
  readState,
  REPO_ROOT,
  resourceSteps,
  runStack,
  type RunResult,
  type StackTarget,
} from "./support/stack";

const OLD_COMMIT = "c5eb501";

interface StoredResource {
  type: string;
  urn: string;
  inputs?: { __provider?: string };
  outputs?: { __provider?: string };
}

function featbitResources(r: RunResult): StoredResource[] {
  const state = JSON.parse(readState(r)) as { checkpoint: { latest: { resources?: StoredResource[] } } };
  return (state.checkpoint.latest.resources ?? []).filter((x) =>
    x.type.startsWith("pulumi-nodejs:dynamic/featbit:"),
  );
}

const kindOf = (r: StoredResource) => r.type.split(":").pop() as ResourceKind;

describe(`state written by pulumi-featbit 0.1.0 (git ${OLD_COMMIT})`, () => {
  let tmp: string;
  let program: string;
  let emulator: Emulator;
  let target: StackTarget;
  const installed = () => path.join(program, "node_modules", "pulumi-featbit");
  /** Which package the program's node_modules/pulumi-featbit is. */
  const install = (pkg: string) => {
    fs.rmSync(installed(), { force: true });
    fs.symlinkSync(pkg, installed(), "dir");
  };
  const shop = async () =>
    (
      (await (
        await fetch(`${emulator.url}/api/v1/projects`, { headers: { Authorization: emulator.token } })
      ).json()) as { data: { key: string }[] }
    ).data.find((p) => p.key === "shop");

  beforeAll(
    async () => {
      ensureCli();
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), "featbit-old-state-"));
      // The 0.1.0 package: its sources and example from git, built with this checkout's compiler and dependencies
      // (the same versions: package.json's dependencies did not change).
      const old = path.join(tmp, "pulumi-featbit-0.1.0");
      fs.mkdirSync(old);
      const archive = execFileSync(
        "git",
        [
          "archive",
          OLD_COMMIT,
          "provider",
          "package.json",
          "tsconfig.json",
          "tsconfig.build.json",
          "examples/quickstart",
        ],
        { cwd: REPO_ROOT, maxBuffer: 64 << 20 },
      );
      execFileSync("tar", ["-x", "-C", old], { input: archive });
      fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(old, "node_modules"), "dir");
      execFileSync(
        process.execPath,
        [
          path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"),
          "-p",
          path.join(old, "tsconfig.build.json"),
        ],
        { stdio: "inherit" },
      );
      // A program folder with its own node_modules: @pulumi/pulumi shared, pulumi-featbit switchable.
      program = path.join(tmp, "shop");
      fs.mkdirSync(path.join(program, "node_modules"), { recursive: true });
      fs.copyFileSync(path.join(old, "examples", "quickstart", "index.ts"), path.join(program, "index.ts"));
      fs.writeFileSync(path.join(program, "Pulumi.yaml"), "name: shop\nruntime: nodejs\n");
      fs.symlinkSync(
        path.join(REPO_ROOT, "node_modules", "@pulumi"),
        path.join(program, "node_modules", "@pulumi"),
        "dir",
      );
      install(old);
      emulator = await startEmulator({ port: 0 });
      target = {
        dir: program,
        stack: "shop",
        settings: { apiUrl: emulator.url, accessToken: emulator.token, organizationKey: emulator.orgKey },
      };
    },
    40 * 60 * 1000,
  );

  afterAll(async () => {
    await emulator?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  let written: RunResult;

  it("0.1.0 writes the state: every resource holds its serialized shim", async () => {
    written = await runStack("up", target);
    expectOk(written);
    const resources = featbitResources(written);
    expect(resources).toHaveLength(9);
    for (const r of resources) {
      expect(r.inputs?.__provider).toContain('require("pulumi-featbit/provider-impl")');
      expect((r.inputs?.__provider ?? "").length).toBeGreaterThan(2000);
    }
  });

  it("this package previews it with no change and no request to FeatBit", async () => {
    install(REPO_ROOT);
    emulator.requests.clear();
    const r = await runStack("preview", target, { expectNoChanges: true });
    expectOk(r);
    expect(resourceSteps(r)).toEqual([]);
    expect(emulator.requests.all()).toEqual([]);
  });

  it("refreshes it: only outputs whose shape changed since 0.1.0 are rewritten, then nothing differs", async () => {
    const r = await runStack("refresh", target, { expectNoChanges: true });
    expectOk(r);
    // A project's `environments` output no longer carries their names; flags no longer store `variationIds` (the
    // FeatureFlag class derives it from `variations`).
    expect(
      resourceSteps(r)
        .map((s) => `${s.op} ${s.name} ${s.diffs.join(",")}`)
        .sort(),
    ).toEqual([
      "refresh banner variationIds",
      "refresh checkout variationIds",
      "refresh checkout-dev variationIds",
      "refresh shop environments",
    ]);
    const again = await runStack("refresh", target, { expectNoChanges: true });
    expectOk(again);
    expect(resourceSteps(again)).toEqual([]);
  });

  it("applies a change in place, and the resources written hold the short provider text", async () => {
    const r = await runStack("up", target, { config: { rolloutPercent: "40" } });
    expectOk(r);
    expect(resourceSteps(r).map((s) => `${s.op} ${s.name}`)).toEqual(["update checkout-targeting"]);
    const resources = featbitResources(r);
    expect(resources.map((x) => x.urn)).toEqual(featbitResources(written).map((x) => x.urn));
    const targeting = resources.find((x) => x.urn.endsWith("::checkout-targeting"));
    expect(targeting?.inputs?.__provider).toBe(providerModule("FeatureFlagTargeting"));
    expect(targeting?.outputs?.__provider).toBe(providerModule("FeatureFlagTargeting"));
    // The others keep working whichever text they hold: the new one, or 0.1.0's serialized shim.
    for (const x of resources) {
      for (const text of [x.inputs?.__provider, x.outputs?.__provider]) {
        const known = text === providerModule(kindOf(x)) || (text ?? "").includes("exports.handler = __f0");
        expect({ urn: x.urn, known }).toEqual({ urn: x.urn, known: true });
      }
    }
    const again = await runStack("preview", target, { expectNoChanges: true });
    expectOk(again);
  });

  it("destroys it all", async () => {
    const r = await runStack("destroy", target);
    expectOk(r);
    expect(featbitResources(r)).toEqual([]);
    expect(await shop()).toBeUndefined();
  });
});
