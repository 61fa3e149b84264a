import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { createClient, type FeatBitClient } from "../../provider/client";
import { startEmulator, type Emulator } from "../../provider/emulator";
import { formatImportIds, listImportIds } from "../../provider/tools/importIds";

let emu: Emulator;
let client: FeatBitClient;
let projectId: string;
let prodId: string;
let devId: string;
let segmentId: string;

beforeAll(async () => {
  emu = await startEmulator();
  client = createClient({
    apiUrl: emu.url,
    accessToken: emu.token,
    maxRetries: 0,
    httpTimeoutSeconds: 5,
    maxConcurrency: 4,
    allowInsecureHttp: false,
  });
  const project = await client.projects.create({ name: "Shop", key: "shop" });
  await client.projects.create({ name: "Other", key: "other" });
  projectId = project.id;
  prodId = project.environments.find((e) => e.key === "prod")?.id ?? "";
  devId = project.environments.find((e) => e.key === "dev")?.id ?? "";
  const variations = [
    { id: "on", name: "On", value: "true" },
    { id: "off", name: "Off", value: "false" },
  ];
  for (const key of ["checkout", "legacy"]) {
    await client.flags.create(prodId, {
      name: key,
      key,
      variationType: "boolean",
      variations,
      enabledVariationId: "on",
      disabledVariationId: "off",
    });
  }
  await client.flags.archive(prodId, "legacy");
  segmentId = (
    await client.segments.create(prodId, {
      type: "environment-specific",
      name: "Beta",
      key: "beta",
      scopes: ["organization/playground:project/shop:env/prod"],
    })
  ).id;
});
afterAll(() => emu.close());

test("lists the importId of every object, in the formats the resources accept", async () => {
  const rows = await listImportIds(client, { project: "SHOP" });
  expect(rows).toEqual([
    { kind: "Project", path: "shop", importId: projectId },
    { kind: "Environment", path: "shop/dev", importId: `${projectId}/${devId}` },
    { kind: "Environment", path: "shop/prod", importId: `${projectId}/${prodId}` },
    { kind: "FeatureFlag", path: "shop/prod/checkout", importId: `${prodId}/checkout` },
    {
      kind: "FeatureFlag",
      path: "shop/prod/legacy",
      importId: `${prodId}/legacy`,
      note: "archived: adopting restores it",
    },
    { kind: "Segment", path: "shop/prod/beta", importId: `${prodId}/${segmentId}` },
  ]);
  expect((await listImportIds(client)).filter((r) => r.kind === "Project").map((r) => r.path)).toEqual([
    "other",
    "shop",
  ]);
});

test("the table aligns columns", async () => {
  const text = formatImportIds(await listImportIds(client, { project: "shop" }));
  const lines = text.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^KIND\s+PATH\s+IMPORT ID$/);
  const column = lines[0].indexOf("IMPORT ID");
  for (const line of lines.slice(1)) expect(line[column - 1]).toBe(" ");
  expect(lines).toContain(`FeatureFlag  shop/prod/checkout  ${prodId}/checkout`);
});

test("the command reads the provider's environment variables and never prints the token", async () => {
  const root = path.resolve(__dirname, "../..");
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      "-r",
      "ts-node/register/transpile-only",
      "provider/tools/importIdsCli.ts",
      "--project",
      "shop",
      "--json",
    ],
    { cwd: root, env: { ...process.env, FEATBIT_API_URL: emu.url, FEATBIT_ACCESS_TOKEN: emu.token } },
  );
  expect(stdout).not.toContain(emu.token);
  const rows = JSON.parse(stdout) as { importId: string }[];
  expect(rows.map((r) => r.importId)).toContain(`${prodId}/checkout`);
});

test("without a token the command says how to set one", async () => {
  const root = path.resolve(__dirname, "../..");
  const env: NodeJS.ProcessEnv = { ...process.env, FEATBIT_API_URL: emu.url };
  for (const name of ["FEATBIT_ACCESS_TOKEN", "FEATBIT_TOKEN"]) delete env[name];
  const run = promisify(execFile)(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", "provider/tools/importIdsCli.ts"],
    {
      cwd: root,
      env,
    },
  );
  await expect(run).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringContaining("FEATBIT_ACCESS_TOKEN"),
  });
});
