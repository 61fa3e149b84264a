// A Pulumi YAML program on the native featbit plugin, through the plain CLI, against the emulator: the plugin
// installed from the npm package the documented way, then what the quickstart does (up, a clean preview, refresh),
// `pulumi import` of an object made in FeatBit's UI (adopted: destroy releases it), destroy; and two installations
// as two providers.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { api, startFreshEmulator, writes, type StartedEmulator } from "./support/featbit";
import { ensureYamlCli, installPluginFromPackage, ok, pulumiIn, type CliResult } from "./support/native";
import { REPO_ROOT } from "./support/stack";

let cli: string;
let tmp: string;
let home: string;
let started: StartedEmulator;

beforeAll(
  async () => {
    cli = ensureYamlCli();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "featbit-native-yaml-"));
    home = path.join(tmp, "pulumi-home");
    const said = await installPluginFromPackage(path.join(tmp, "plugin"), cli, home);
    expect(said).toContain("plugin install resource featbit");
    started = await startFreshEmulator();
  },
  40 * 60 * 1000,
);
afterAll(async () => {
  await started?.emulator.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  if (started) fs.rmSync(started.tmpDir, { recursive: true, force: true });
});

describe("the YAML quickstart", () => {
  let program: string;
  let pulumi: (args: string[], stdin?: string) => Promise<CliResult>;
  let outputs: Record<string, unknown>;
  const emulator = () => started.emulator;

  beforeAll(async () => {
    program = path.join(tmp, "yaml-quickstart");
    fs.cpSync(path.join(REPO_ROOT, "examples", "yaml-quickstart"), program, { recursive: true });
    pulumi = pulumiIn(cli, program, { home, backend: path.join(tmp, "backend") });
    ok(await pulumi(["stack", "init", "dev"]));
    ok(await pulumi(["config", "set", "featbit:apiUrl", emulator().url]));
    ok(await pulumi(["config", "set", "featbit:organizationKey", "playground"]));
    // The token as a person keeps it in stack config: a secret, read from stdin.
    ok(await pulumi(["config", "set", "--secret", "featbit:accessToken"], emulator().token));
  });

  test("up creates what the TypeScript quickstart creates, with the same ids; lookups run as functions", async () => {
    const up = ok(await pulumi(["up", "--yes", "--skip-preview"]));
    expect(up.stdout).toMatch(/\+ 10 created/);
    outputs = JSON.parse(ok(await pulumi(["stack", "output", "--json", "--show-secrets"])).stdout) as Record<
      string,
      unknown
    >;
    const envs = outputs.environments as { prod: string; dev: string };
    expect(outputs.prodByLookup).toBe(envs.prod);
    expect(outputs.prodServerKey).toMatch(/\S/);
    const state = ok(await pulumi(["stack", "export"])).stdout;
    // No token in clear anywhere in the state, and the SDK keys encrypted.
    expect(state).not.toContain(emulator().token);
    expect(state).not.toContain(outputs.prodServerKey as string);
    const resources = (
      JSON.parse(state) as {
        deployment: { resources: { type: string; id?: string; outputs?: { origin?: string } }[] };
      }
    ).deployment.resources;
    const byType = (type: string) => resources.filter((r) => r.type === `featbit:index:${type}`);
    expect(byType("Project").map((r) => r.id)).toEqual([outputs.projectId]);
    expect(
      byType("FeatureFlag")
        .map((r) => r.id)
        .sort(),
    ).toEqual([`${envs.dev}/new-checkout`, `${envs.prod}/new-checkout`, `${envs.prod}/promo-banner`].sort());
    expect(byType("Environment").map((r) => [r.id, r.outputs?.origin])).toEqual(
      expect.arrayContaining([
        [`${outputs.projectId as string}/${envs.prod}`, "adopted"],
        [`${outputs.projectId as string}/${envs.dev}`, "adopted"],
      ]),
    );
    const flags = await api<{ items: { key: string }[] }>(
      emulator(),
      "GET",
      `/envs/${envs.prod}/feature-flags`,
    );
    expect(flags.data.items.map((f) => f.key).sort()).toEqual(["new-checkout", "promo-banner"]);
  });

  test("a second preview is clean and writes nothing; refresh finds no drift", async () => {
    emulator().requests.clear();
    ok(await pulumi(["preview", "--expect-no-changes"]));
    ok(await pulumi(["refresh", "--yes", "--expect-no-changes"]));
    expect(writes(emulator().requests.all())).toEqual([]);
  });

  test("pulumi import adopts a flag made in FeatBit, prints its YAML, and the program declaring it previews clean", async () => {
    const prod = (outputs.environments as { prod: string }).prod;
    const made = await api<{ key: string }>(emulator(), "POST", `/envs/${prod}/feature-flags`, {
      name: "Legacy",
      key: "legacy",
      isEnabled: false,
      description: "made in the UI",
      variationType: "boolean",
      variations: [
        { id: "11111111-1111-4111-8111-111111111111", name: "true", value: "true" },
        { id: "22222222-2222-4222-8222-222222222222", name: "false", value: "false" },
      ],
      enabledVariationId: "11111111-1111-4111-8111-111111111111",
      disabledVariationId: "22222222-2222-4222-8222-222222222222",
      tags: ["ui"],
    });
    expect(made.success).toBe(true);
    emulator().requests.clear();
    const code = path.join(tmp, "legacy.yaml");
    const imported = ok(
      await pulumi([
        "import",
        "featbit:index:FeatureFlag",
        "legacy",
        `${prod}/legacy`,
        "--yes",
        "--protect=false",
        "--out",
        code,
      ]),
    );
    expect(imported.stdout).toMatch(/= 1 imported/);
    // Importing reads; it writes nothing to FeatBit.
    expect(writes(emulator().requests.all())).toEqual([]);
    const generated = fs.readFileSync(code, "utf8");
    expect(generated).toContain("type: featbit:FeatureFlag");
    expect(generated).toContain(`environmentId: ${prod}`);
    expect(generated).toContain("key: legacy");

    // The printed code, pasted into the program as it is: nothing to change.
    const declared = generated.split("resources:\n")[1];
    const file = path.join(program, "Pulumi.yaml");
    fs.writeFileSync(
      file,
      fs.readFileSync(file, "utf8").replace("\noutputs:\n", `\n${declared}\noutputs:\n`),
    );
    ok(await pulumi(["preview", "--expect-no-changes"]));
    const state = JSON.parse(ok(await pulumi(["stack", "export"])).stdout) as {
      deployment: { resources: { id?: string; outputs?: { origin?: string } }[] };
    };
    expect(state.deployment.resources.find((r) => r.id === `${prod}/legacy`)?.outputs?.origin).toBe(
      "adopted",
    );
  });

  test("destroy deletes what the stack created and releases what it imported", async () => {
    const prod = (outputs.environments as { prod: string }).prod;
    emulator().requests.clear();
    // The imported flag first, alone: its project (which the stack created) takes every flag with it on delete.
    const released = ok(await pulumi(["destroy", "--yes", "--target", await urnOf("legacy")]));
    expect(released.stdout).toMatch(/released feature flag 'legacy'/);
    expect(writes(emulator().requests.all())).toEqual([]);
    expect((await api(emulator(), "GET", `/envs/${prod}/feature-flags/legacy`)).success).toBe(true);

    emulator().requests.clear();
    const destroyed = ok(await pulumi(["destroy", "--yes"]));
    expect(destroyed.stdout).toMatch(/- 10 deleted/);
    // The flag depends on the segment its rules name (the example's dependsOn): it goes before the segment's archive.
    const order = writes(emulator().requests.all());
    const flagGone = order.findIndex((w) => /^DELETE .*\/feature-flags\/new-checkout$/.test(w));
    const segmentArchived = order.findIndex((w) => /^PUT .*\/segments\/[^/]+\/archive$/.test(w));
    expect(flagGone).toBeGreaterThanOrEqual(0);
    expect(segmentArchived).toBeGreaterThan(flagGone);
    const projects = await api<{ key: string }[]>(emulator(), "GET", "/projects");
    expect(projects.data.map((p) => p.key)).not.toContain("shop");
  });

  async function urnOf(name: string): Promise<string> {
    const state = JSON.parse(ok(await pulumi(["stack", "export"])).stdout) as {
      deployment: { resources: { urn: string }[] };
    };
    const found = state.deployment.resources.find((r) => r.urn.endsWith(`::${name}`));
    if (!found) throw new Error(`no resource ${name} in the state`);
    return found.urn;
  }
});

describe("two FeatBit installations are two providers", () => {
  let second: StartedEmulator;
  afterAll(async () => {
    await second?.emulator.close();
    if (second) fs.rmSync(second.tmpDir, { recursive: true, force: true });
  });

  test("a featbit:Provider with its own URL and secret token serves the resources given it; the default one the rest", async () => {
    second = await startFreshEmulator();
    const program = path.join(tmp, "two-installations");
    fs.mkdirSync(program, { recursive: true });
    fs.writeFileSync(
      path.join(program, "Pulumi.yaml"),
      [
        "name: featbit-two-installations",
        "runtime: yaml",
        "config:",
        "  cloudUrl: { type: string }",
        "  cloudToken: { type: string, secret: true }",
        "resources:",
        "  cloud:",
        "    type: pulumi:providers:featbit",
        "    properties:",
        "      apiUrl: ${cloudUrl}",
        "      accessToken: ${cloudToken}",
        "  staging-shop:",
        "    type: featbit:Project",
        "    properties: { key: shop, name: Shop (staging) }",
        "  cloud-shop:",
        "    type: featbit:Project",
        "    properties: { key: shop, name: Shop }",
        "    options: { provider: '${cloud}' }",
        "outputs:",
        "  cloudShop:",
        "    fn::invoke:",
        // Read once cloud-shop exists (its id is unknown until then), from the installation of the provider given.
        "      function: featbit:getEnvironment",
        "      arguments: { projectId: '${cloud-shop.projectId}', key: prod }",
        "      options: { provider: '${cloud}' }",
        "      return: projectId",
        "  cloudShopId: ${cloud-shop.projectId}",
        "",
      ].join("\n"),
    );
    const pulumi = pulumiIn(cli, program, {
      home,
      backend: path.join(tmp, "backend-two"),
      // The default installation from the environment, as in CI.
      env: { FEATBIT_API_URL: started.emulator.url, FEATBIT_ACCESS_TOKEN: started.emulator.token },
    });
    ok(await pulumi(["stack", "init", "dev"]));
    ok(await pulumi(["config", "set", "cloudUrl", second.emulator.url]));
    ok(await pulumi(["config", "set", "--secret", "cloudToken"], second.emulator.token));
    ok(await pulumi(["up", "--yes", "--skip-preview"]));
    const names = async (e: StartedEmulator) =>
      (await api<{ key: string; name: string }[]>(e.emulator, "GET", "/projects")).data
        .filter((p) => p.key === "shop")
        .map((p) => p.name);
    expect(await names(started)).toEqual(["Shop (staging)"]);
    expect(await names(second)).toEqual(["Shop"]);
    const outputs = JSON.parse(
      ok(await pulumi(["stack", "output", "--json", "--show-secrets"])).stdout,
    ) as Record<string, string>;
    expect(outputs.cloudShop).toBe(outputs.cloudShopId);
    const state = ok(await pulumi(["stack", "export"])).stdout;
    expect(state).not.toContain(second.emulator.token);
    expect(state).not.toContain(started.emulator.token);
    ok(await pulumi(["preview", "--expect-no-changes"]));
    ok(await pulumi(["destroy", "--yes"]));
    expect(await names(started)).toEqual([]);
    expect(await names(second)).toEqual([]);
  });
});

test("a provider whose settings cannot work is refused at preview, naming the setting, without the token", async () => {
  const program = path.join(tmp, "bad-provider");
  fs.mkdirSync(program, { recursive: true });
  fs.writeFileSync(
    path.join(program, "Pulumi.yaml"),
    [
      "name: featbit-bad-provider",
      "runtime: yaml",
      "config:",
      "  token: { type: string, secret: true }",
      "resources:",
      "  plain:",
      "    type: pulumi:providers:featbit",
      "    properties: { apiUrl: 'http://featbit.example.com', accessToken: '${token}' }",
      "  shop:",
      "    type: featbit:Project",
      "    properties: { key: shop, name: Shop }",
      "    options: { provider: '${plain}' }",
      "",
    ].join("\n"),
  );
  const pulumi = pulumiIn(cli, program, { home, backend: path.join(tmp, "backend-bad") });
  ok(await pulumi(["stack", "init", "dev"]));
  ok(await pulumi(["config", "set", "--secret", "token"], started.emulator.token));
  const preview = await pulumi(["preview"]);
  expect(preview.code).not.toBe(0);
  const said = preview.stdout + preview.stderr;
  expect(said).toMatch(/featbit:apiUrl uses plain http to featbit\.example\.com/);
  expect(said).not.toContain(started.emulator.token);
});
