// Moving a stack from the dynamic resources (the TypeScript quickstart) to the native provider (the same program in
// YAML) without touching FeatBit: same project, stack and resource names, and the package schema's type aliases tie
// each native resource to its dynamic one. `pulumi up` changes nothing, writes nothing, and the stack keeps what it
// created as created (destroy deletes it) and what it adopted as adopted.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { api, writes } from "./support/featbit";
import { ensureYamlCli, ok, pulumiIn } from "./support/native";
import { expectOk, REPO_ROOT, runStack } from "./support/stack";
import { e2eWorld } from "./support/world";

const world = e2eWorld("native-migrate");
let tmp: string;
let cli: string;

beforeAll(
  () => {
    cli = ensureYamlCli();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "featbit-native-migrate-"));
  },
  40 * 60 * 1000,
);
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

interface StateResource {
  type: string;
  urn: string;
  id?: string;
  outputs?: { origin?: string };
}

test("the YAML program takes over the TypeScript quickstart's stack: no change, no write, origins kept", async () => {
  const backend = path.join(tmp, "backend");
  const passphrase = "native-e2e";
  const dynamic = {
    ...world.target(path.join(REPO_ROOT, "examples", "quickstart"), { stack: "dev" }),
    backendUrl: `file://${backend}`,
    passphrase,
  };
  expectOk(await runStack("up", dynamic));

  // The plugin, installed from this checkout (the published package's command is featbit-plugin install).
  const home = path.join(tmp, "pulumi-home");
  execFileSync(
    process.execPath,
    [path.join(REPO_ROOT, "dist", "native", "installCli.js"), "install", "--pulumi", cli],
    {
      env: { ...process.env, PULUMI_HOME: home },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );

  // The YAML quickstart under the TypeScript program's project name, beside the stack's config file.
  const program = path.join(tmp, "program");
  fs.cpSync(path.join(REPO_ROOT, "examples", "yaml-quickstart"), program, { recursive: true });
  const file = path.join(program, "Pulumi.yaml");
  fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/^name: .*$/m, "name: featbit-quickstart"));
  const config = path.join(world.stateDir, "work", "featbit-quickstart", "Pulumi.dev.yaml");
  fs.copyFileSync(config, path.join(program, "Pulumi.dev.yaml"));
  const settings = world.settings();
  const pulumi = pulumiIn(cli, program, {
    home,
    backend,
    env: {
      PULUMI_CONFIG_PASSPHRASE: passphrase,
      FEATBIT_API_URL: settings.apiUrl ?? "",
      FEATBIT_ACCESS_TOKEN: settings.accessToken ?? "",
      FEATBIT_ORGANIZATION_KEY: settings.organizationKey ?? "",
    },
  });
  ok(await pulumi(["stack", "select", "dev"]));
  const before = JSON.parse(ok(await pulumi(["stack", "export"])).stdout) as {
    deployment: { resources: StateResource[] };
  };
  const dynamicIds = before.deployment.resources
    .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/featbit:"))
    .map((r) => [r.type.replace("pulumi-nodejs:dynamic/featbit:", ""), r.id, r.outputs?.origin]);
  expect(dynamicIds).toHaveLength(9);

  world.emulator.requests.clear();
  const preview = JSON.parse(ok(await pulumi(["preview", "--json", "--show-sames"])).stdout) as {
    steps: { op: string; urn: string }[];
  };
  // Nine resources move to their native type by alias ("same"); only providers come and go (the dynamic host's default
  // provider leaves the state, which touches nothing). Nothing is created, updated or replaced.
  const ops = preview.steps.map((s) => `${s.op} ${s.urn.split("::").slice(2).join("::")}`);
  expect(ops.filter((o) => !o.startsWith("same ") && !o.includes(" pulumi:providers:"))).toEqual([]);
  expect(ops.filter((o) => /^same featbit:index:/.test(o))).toHaveLength(9);
  ok(await pulumi(["up", "--yes"]));
  expect(writes(world.emulator.requests.all())).toEqual([]);

  const after = JSON.parse(ok(await pulumi(["stack", "export"])).stdout) as {
    deployment: { resources: StateResource[] };
  };
  const nativeIds = after.deployment.resources
    .filter((r) => r.type.startsWith("featbit:index:"))
    .map((r) => [r.type.replace("featbit:index:", ""), r.id, r.outputs?.origin]);
  expect(nativeIds.sort()).toEqual(dynamicIds.sort());
  expect(after.deployment.resources.some((r) => r.type.startsWith("pulumi-nodejs:"))).toBe(false);
  ok(await pulumi(["preview", "--expect-no-changes"]));
  ok(await pulumi(["refresh", "--yes", "--expect-no-changes"]));

  // Destroy as the native stack: the created objects deleted, the adopted environments released.
  const destroyed = ok(await pulumi(["destroy", "--yes"]));
  expect(destroyed.stdout).toMatch(/released environment 'prod'/);
  const projects = await api<{ key: string }[]>(world.emulator, "GET", "/projects");
  expect(projects.data.map((p) => p.key)).not.toContain("shop");
});
