// Several FeatBit installations in one program: each resource's `installation` picks the configured FeatBit it lives
// in; the token stays in stack config (never in state), and a new installation means a new object (replacement).
import { startEmulator, type Emulator } from "../../provider/emulator";
import { createHost } from "../../provider/host/host";
import { definitions } from "../../provider/resources/definitions";

let staging: Emulator;
let cloud: Emulator;
let config: Record<string, string>;

beforeAll(async () => {
  [staging, cloud] = await Promise.all([startEmulator(), startEmulator()]);
  config = {
    "featbit:apiUrl": staging.url,
    "featbit:accessToken": staging.token,
    "featbit:installations": JSON.stringify({ cloud: { apiUrl: cloud.url, accessToken: cloud.token } }),
  };
});
afterAll(() => Promise.all([staging.close(), cloud.close()]));

function project() {
  const host = createHost(definitions);
  host.configure({ config: { get: (k) => config[k], require: (k) => config[k] } });
  return host.provider("Project");
}

const keysIn = async (emulator: Emulator) => {
  const res = await fetch(`${emulator.url}/api/v1/projects`, { headers: { Authorization: emulator.token } });
  return ((await res.json()) as { data: { key: string }[] }).data.map((p) => p.key);
};

test("a resource lives in the installation it names; its state keeps the name, never the token", async () => {
  const p = project();
  const checked = await p.check({}, { key: "web", name: "Web", installation: "cloud" });
  expect(checked.failures).toBeUndefined();
  const created = await p.create(checked.inputs!);
  expect(await keysIn(cloud)).toContain("web");
  expect(await keysIn(staging)).not.toContain("web");
  expect(created.outs).toMatchObject({ installation: "cloud" });
  expect(JSON.stringify(created.outs)).not.toContain(cloud.token);

  const read = await p.read(created.id, created.outs);
  expect(read.props).toMatchObject({ key: "web", installation: "cloud" });
  expect(read.inputs).toMatchObject({ installation: "cloud" });
  // `get` by id reaches the installation it is given.
  expect(await p.read(created.id, { installation: "cloud" })).toMatchObject({ id: created.id });

  const moved = (await p.check({}, { key: "web", name: "Web" })).inputs!;
  expect(await p.diff(created.id, created.outs!, moved)).toEqual({
    changes: true,
    replaces: ["installation"],
    deleteBeforeReplace: false,
  });
  await p.delete(created.id, created.outs!);
  expect(await keysIn(cloud)).not.toContain("web");
});

test("an installation that is not configured, or a malformed name, is refused at preview", async () => {
  const p = project();
  const missing = await p.check({}, { key: "web", name: "Web", installation: "eu" });
  expect(missing.failures).toEqual([
    { property: "", reason: expect.stringContaining("no FeatBit installation named 'eu' is configured") },
  ]);
  const bad = await p.check({}, { key: "web", name: "Web", installation: "not a name" });
  expect(bad.failures).toEqual([
    { property: "installation", reason: expect.stringContaining("letters, digits") },
  ]);
});
