// A create whose answer was lost, or a run that crashed before Pulumi recorded what it created, leaves an object in
// FeatBit that no state knows. The next run (a new provider process) takes it over, with a warning, when it is exactly
// what the resource creates and untouched since; anything else holding the key is refused. Each "run" below is a
// fresh copy of the implementation, as a new deployment's provider process would be.
import type { DynamicProvider } from "../../provider/host/dynamicProvider";
import type * as Implementation from "../../provider/implementation";
import { startProviderHarness, withPaths, type ProviderHarness } from "../support/providerHarness";

type Props = Record<string, unknown>;

let h: ProviderHarness;
let projectId: string;
let envId: string;
let counter = 0;
const warnings: string[] = [];

beforeAll(async () => {
  h = await startProviderHarness();
  process.env.FEATBIT_ORGANIZATION_KEY = "playground";
  const project = await h.api<{ id: string; environments: { id: string; key: string }[] }>(
    "POST",
    "/projects",
    {
      name: "Recovery",
      key: "recovery",
    },
  );
  projectId = project.body.id;
  envId = project.body.environments.find((e) => e.key === "prod")!.id;
  jest.spyOn(console, "warn").mockImplementation((message: string) => void warnings.push(message));
});
afterAll(async () => {
  delete process.env.FEATBIT_ORGANIZATION_KEY;
  jest.restoreAllMocks();
  await h.close();
});
beforeEach(() => warnings.splice(0));

/** A new deployment: a fresh provider process with the harness's settings. */
function newRun(): (kind: string) => DynamicProvider {
  let impl: typeof Implementation | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module registry per "process"
    impl = require("../../provider/implementation") as typeof Implementation;
  });
  const config: Record<string, string> = {
    "featbit:apiUrl": h.emulator.url,
    "featbit:accessToken": h.emulator.token,
    "featbit:maxRetries": "0",
  };
  impl!.configure({ config: { get: (k) => config[k], require: (k) => config[k] } });
  return (kind) => impl!.provider(kind);
}

async function create(run: (kind: string) => DynamicProvider, kind: string, news: Props) {
  const p = run(kind);
  const checked = await p.check({}, news);
  expect(withPaths(checked.failures)).toEqual([]);
  return p.create(checked.inputs as Props);
}

const cases: [string, () => Props, (id: string) => Promise<void>][] = [
  [
    "Project",
    () => ({ key: `lost-${++counter}`, name: "Lost" }),
    async (id) => void (await h.api("PUT", `/projects/${id}`, { name: "Renamed in the UI" })),
  ],
  [
    "Environment",
    () => ({ projectId, key: `lost-${++counter}`, name: "Lost", description: "d" }),
    async (id) =>
      void (await h.api("PUT", `/projects/${projectId}/envs/${id.split("/")[1]}`, {
        name: "UI",
        description: "d",
      })),
  ],
  [
    "FeatureFlag",
    () => ({ environmentId: envId, key: `lost-${++counter}`, name: "Lost", tags: ["t"] }),
    async (id) =>
      void (await h.api("PUT", `/envs/${envId}/feature-flags/${id.split("/")[1]}/toggle/true`, {})),
  ],
  [
    "Segment",
    () => ({ environmentId: envId, key: `lost-${++counter}`, name: "Lost", included: ["u1"] }),
    async (id) =>
      void (await h.api("PUT", `/envs/${envId}/segments/${id.split("/")[1]}/name`, { name: "UI" })),
  ],
];

describe.each(cases)("%s", (kind, program, touch) => {
  test("an object exactly as this resource creates it, unknown to state, is taken over with a warning", async () => {
    const news = program();
    const first = await create(newRun(), kind, news);
    // The run crashed before recording it; the next run declares the same resource.
    const second = await create(newRun(), kind, news);
    expect(second.id).toBe(first.id);
    expect(warnings.join("\n")).toMatch(/already existed exactly as this program creates it/);
  });

  test("one touched since (edited in the UI) is someone's: refused, pointing at adopt", async () => {
    const news = program();
    const first = await create(newRun(), kind, news);
    await touch(first.id);
    await expect(create(newRun(), kind, news)).rejects.toThrow(/already exists.*adopt: true/);
    expect(warnings).toEqual([]);
  });

  test("two resources of one run declaring the same key never share the object", async () => {
    const news = program();
    const run = newRun();
    await create(run, kind, news);
    await expect(create(run, kind, news)).rejects.toThrow(/already exists/);
  });
});
