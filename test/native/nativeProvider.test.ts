// The native host serves the same definitions and lookups as the dynamic one, speaking the native protocol: type
// tokens in URNs, settings from the provider's configuration, secrets marked on the way out, import adopts.
import { startEmulator, type Emulator } from "../../provider/emulator";
import { createNativeHost, reveal, typeOfUrn, type NativeHost } from "../../provider/host/nativeProvider";
import { nativeHost } from "../../provider/native";

const SIG = "4dabf18193072939515e22adb298388d";
const urn = (type: string, name = "x") => `urn:pulumi:dev::proj::featbit:index:${type}::${name}`;
const isSecretValue = (v: unknown) => typeof v === "object" && v !== null && SIG in v;

let emulator: Emulator;
let host: NativeHost;
const SAVED = { ...process.env };

beforeAll(async () => {
  emulator = await startEmulator();
  for (const k of Object.keys(process.env)) if (k.startsWith("FEATBIT_")) delete process.env[k];
});
afterAll(async () => {
  process.env = SAVED;
  await emulator.close();
});
beforeEach(() => {
  host = nativeHost();
  host.configure({
    apiUrl: emulator.url,
    accessToken: { [SIG]: "1b47061264138c4ac30d75fd1eb44270", value: emulator.token },
    maxRetries: 0,
  });
});

test("the type comes from the URN, nested or not", () => {
  expect(typeOfUrn(urn("FeatureFlag"))).toBe("featbit:index:FeatureFlag");
  expect(typeOfUrn("urn:pulumi:dev::p::my:comp$featbit:index:Segment::s")).toBe("featbit:index:Segment");
});

test("a project and environment through check, create, read and import: ids as the dynamic ones, SDK keys secret", async () => {
  const p = host.provider;
  const checked = await p.check!(urn("Project"), {}, { key: "shop", name: "Shop" });
  expect(checked.failures).toBeUndefined();
  const project = await p.create!(urn("Project"), checked.inputs);
  expect(project.outs).toMatchObject({ key: "shop", projectId: project.id, origin: "created" });

  const envChecked = await p.check!(urn("Environment"), {}, { projectId: project.id, key: "qa", name: "QA" });
  const env = await p.create!(urn("Environment"), envChecked.inputs);
  expect(env.id).toBe(`${project.id}/${env.outs.environmentId}`);
  expect(isSecretValue(env.outs.serverKey)).toBe(true);
  expect(isSecretValue(env.outs.clientKey)).toBe(true);
  expect(typeof (reveal(env.outs) as Record<string, unknown>).serverKey).toBe("string");

  // `pulumi import`: a read with nothing stored adopts; its inputs check and diff clean against what it read.
  const imported = await p.read!(env.id, urn("Environment"), {});
  expect(imported.id).toBe(env.id);
  expect(imported.props).toMatchObject({ origin: "adopted", key: "qa" });
  expect(isSecretValue(imported.props.serverKey)).toBe(true);
  const again = await p.check!(urn("Environment"), {}, imported.inputs);
  expect(again.failures).toBeUndefined();
  expect(await p.diff!(env.id, urn("Environment"), imported.props, again.inputs)).toEqual({ changes: false });

  // Refresh keeps the recorded origin; destroy of the created one deletes, of an adopted one releases.
  const refreshed = await p.read!(env.id, urn("Environment"), env.outs);
  expect(refreshed.props).toMatchObject({ origin: "created" });
  await p.delete!(env.id, urn("Environment"), imported.props);
  expect((await p.read!(env.id, urn("Environment"), env.outs)).id).toBe(env.id);
  await p.delete!(env.id, urn("Environment"), env.outs);
  expect((await p.read!(env.id, urn("Environment"), env.outs)).id).toBe("");
  await p.delete!(project.id, urn("Project"), project.outs);
});

test("inputs that came in secret leave secret; installation is refused with the provider option as the fix", async () => {
  const p = host.provider;
  const secretName = { [SIG]: "1b47061264138c4ac30d75fd1eb44270", value: "Hidden" };
  const checked = await p.check!(urn("Group"), {}, { name: secretName, description: "d" });
  expect(checked.failures).toBeUndefined();
  expect(isSecretValue(checked.inputs.name)).toBe(true);
  const group = await p.create!(urn("Group"), checked.inputs);
  expect(isSecretValue(group.outs.name)).toBe(true);
  expect(group.outs.description).toBe("d");
  await p.delete!(group.id, urn("Group"), group.outs);

  const refused = await p.check!(urn("Group"), {}, { name: "G", installation: "cloud" });
  expect(refused.failures?.map((f) => f.property)).toContain("installation");
  expect(refused.failures?.[0].reason).toMatch(/provider/);
});

test("lookups are functions; their secret fields are marked, their failures name the lookup", async () => {
  const p = host.provider;
  const project = await p.create!(
    urn("Project"),
    (await p.check!(urn("Project"), {}, { key: "look", name: "L" })).inputs,
  );
  const env = await p.invoke!("featbit:index:getEnvironment", { projectKey: "look", key: "dev" });
  expect(env.outputs).toMatchObject({ projectId: project.id, key: "dev" });
  expect(isSecretValue(env.outputs.serverKey)).toBe(true);
  await expect(p.invoke!("featbit:index:getProject", { key: "nope" })).rejects.toThrow(
    /getProject\(key 'nope'\): no project with key 'nope'/,
  );
  await expect(p.invoke!("featbit:index:getProject", { key: 3 })).rejects.toThrow(
    /getProject: key: key must be a string/,
  );
  await p.delete!(project.id, urn("Project"), project.outs);
});

test("settings are the provider's: a token goes only to the URL configured beside it, refused at CheckConfig", () => {
  expect(host.checkConfig({ apiUrl: emulator.url, accessToken: emulator.token })).toEqual([]);
  const [failure] = host.checkConfig({ accessToken: emulator.token });
  expect(failure.reason).toMatch(/featbit:apiUrl is not/);
  expect(failure.reason).not.toContain(emulator.token);
  // An unknown value (another resource's output, in a preview) is checked once known.
  expect(
    host.checkConfig({ apiUrl: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", accessToken: emulator.token }),
  ).toEqual([]);

  const unconfigured = createNativeHost({
    definitions: [],
    lookups: [],
    secretOutputs: () => [],
    version: "0.0.0",
    schema: async () => "{}",
  });
  expect(unconfigured.checkConfig({ apiUrl: emulator.url })[0].reason).toMatch(/access token/);
});

test("a resource type or function the package lacks is an error naming it", async () => {
  await expect(host.provider.check!(urn("Nope"), {}, {})).rejects.toThrow(
    /no resource type 'featbit:index:Nope'/,
  );
  await expect(host.provider.invoke!("featbit:index:getNope", {})).rejects.toThrow(/no function/);
});
