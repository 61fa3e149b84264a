// A Go program on the native featbit plugin, through the plain CLI and Pulumi's Go language host, against the
// emulator: the Go SDK generated offline from the package schema (scripts/go-tools' featbit-go-sdkgen), then up, a
// clean preview, refresh, and destroy (created objects deleted, the adopted prod environment released).
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { api, startFreshEmulator, writes, type StartedEmulator } from "./support/featbit";
import { ensureGoCli, ok, pulumiIn, type CliResult } from "./support/native";
import { REPO_ROOT } from "./support/stack";

const run = promisify(execFile);

let tmp: string;
let started: StartedEmulator;
let pulumi: (args: string[], stdin?: string) => Promise<CliResult>;

beforeAll(
  async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "featbit-native-go-"));
    const { cli, sdk } = ensureGoCli(path.join(tmp, "sdk"));
    expect(fs.existsSync(path.join(sdk, "featureFlag.go"))).toBe(true);
    const home = path.join(tmp, "pulumi-home");
    // The plugin from this checkout (native-yaml.test.ts installs it from the npm package).
    await run(
      process.execPath,
      [path.join(REPO_ROOT, "dist", "native", "installCli.js"), "install", "--pulumi", cli],
      {
        env: { ...process.env, PULUMI_HOME: home },
      },
    );
    const program = path.join(tmp, "program");
    fs.cpSync(path.join(REPO_ROOT, "test", "e2e", "fixtures", "go-program"), program, { recursive: true });
    fs.writeFileSync(
      path.join(program, "go.mod"),
      [
        "module featbit-go",
        "",
        "go 1.26",
        "",
        "require (",
        "\tgithub.com/featbit/pulumi-featbit/sdk/go v0.0.0",
        "\tgithub.com/pulumi/pulumi/sdk/v3 v3.274.1",
        ")",
        "",
        `replace github.com/featbit/pulumi-featbit/sdk/go => ${path.join(tmp, "sdk")}`,
        "",
      ].join("\n"),
    );
    await run("go", ["mod", "tidy"], {
      cwd: program,
      env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod" },
      maxBuffer: 16 << 20,
    });
    started = await startFreshEmulator();
    pulumi = pulumiIn(cli, program, {
      home,
      backend: path.join(tmp, "backend"),
      env: {
        FEATBIT_API_URL: started.emulator.url,
        FEATBIT_ACCESS_TOKEN: started.emulator.token,
        FEATBIT_ORGANIZATION_KEY: "playground",
        GOTOOLCHAIN: "local",
      },
    });
    ok(await pulumi(["stack", "init", "dev"]));
  },
  40 * 60 * 1000,
);
afterAll(async () => {
  await started?.emulator.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  if (started) fs.rmSync(started.tmpDir, { recursive: true, force: true });
});

test("up, a clean preview and refresh, destroy: the same resources and ids as the other hosts", async () => {
  const up = ok(await pulumi(["up", "--yes", "--skip-preview"]));
  expect(up.stdout).toMatch(/\+ 6 created/);
  const outputs = JSON.parse(
    ok(await pulumi(["stack", "output", "--json", "--show-secrets"])).stdout,
  ) as Record<string, string>;
  expect(outputs.prodByLookup).toBe(outputs.prodId);
  expect(outputs.prodServerKey).toMatch(/\S/);
  const state = ok(await pulumi(["stack", "export"])).stdout;
  expect(state).not.toContain(started.emulator.token);
  expect(state).not.toContain(outputs.prodServerKey);
  const ids = (
    JSON.parse(state) as { deployment: { resources: { type: string; id?: string }[] } }
  ).deployment.resources
    .filter((r) => r.type.startsWith("featbit:index:"))
    .map((r) => `${r.type.slice("featbit:index:".length)} ${r.id ?? ""}`);
  expect(ids).toEqual(
    expect.arrayContaining([
      `Project ${outputs.projectId}`,
      `Environment ${outputs.projectId}/${outputs.prodId}`,
      `FeatureFlag ${outputs.prodId}/new-checkout`,
      `FeatureFlagTargeting ${outputs.prodId}/new-checkout`,
    ]),
  );
  const flag = await api<{ key: string; isEnabled: boolean; rules: { name: string }[] }>(
    started.emulator,
    "GET",
    `/envs/${outputs.prodId}/feature-flags/new-checkout`,
  );
  expect(flag.data).toMatchObject({ isEnabled: true, rules: [{ name: "Beta users" }] });

  started.emulator.requests.clear();
  ok(await pulumi(["preview", "--expect-no-changes"]));
  ok(await pulumi(["refresh", "--yes", "--expect-no-changes"]));
  expect(writes(started.emulator.requests.all())).toEqual([]);

  const destroyed = ok(await pulumi(["destroy", "--yes"]));
  expect(destroyed.stdout).toMatch(/released environment 'prod'/);
  const projects = await api<{ key: string }[]>(started.emulator, "GET", "/projects");
  expect(projects.data.map((p) => p.key)).not.toContain("go-shop");
});
