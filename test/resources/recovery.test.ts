// Ownership by evidence. A create whose answer was lost in this run made whatever holds its key afterwards: the run
// looked, just before sending, and found the key free. An object that no state knows and that held the key before a
// run sent anything is refused, whatever it looks like: exactly what the resource creates may be another stack's
// (two stacks declaring one project) as well as a killed run's (which `featbit-recover` records from that run's
// pending create, see test/tools/recover.test.ts). Each "run" below is a fresh copy of the implementation, as a new
// deployment's provider process would be.
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

/** The path each kind's create is POSTed to. */
const createPath: Record<string, RegExp> = {
  Project: /\/projects$/,
  Environment: /\/projects\/[^/]+\/envs$/,
  FeatureFlag: /\/feature-flags$/,
  Segment: /\/segments$/,
};
const creates = (kind: string) =>
  h.emulator.requests.all().filter((r) => r.method === "POST" && createPath[kind].test(r.path)).length;

describe.each(cases)("%s", (kind, program, touch) => {
  test("an object exactly as this resource creates it, unknown to state, is refused with the safe ways out", async () => {
    const news = program();
    const first = await create(newRun(), kind, news);
    // Another stack declaring the same object, or this stack after a run that crashed before recording it: the
    // object alone cannot tell which.
    const before = creates(kind);
    await expect(create(newRun(), kind, news)).rejects.toThrow(
      /already exists in FeatBit.*, and this stack has no evidence that it created it.*renamed or moved.*featbit-recover.*adopt: true/,
    );
    expect(creates(kind)).toBe(before);
    expect(warnings).toEqual([]);
    // The first one is untouched.
    expect((await newRun()(kind).read(first.id, first.outs as Props)).id).toBe(first.id);
  });

  test("one touched since (edited in the UI) is refused the same way", async () => {
    const news = program();
    const first = await create(newRun(), kind, news);
    await touch(first.id);
    await expect(create(newRun(), kind, news)).rejects.toThrow(/already exists in FeatBit.*adopt: true/);
  });

  test("a create whose answer is lost is this create's: found by reading, never sent twice", async () => {
    const news = program();
    h.emulator.faults.add({ method: "POST", path: createPath[kind], reset: "after", times: 1 });
    const before = creates(kind);
    const made = await create(newRun(), kind, news);
    expect(made.outs).toMatchObject({ origin: "created" });
    expect(creates(kind) - before).toBe(1);
  });

  test("two resources of one run declaring the same key never share the object", async () => {
    const news = program();
    const run = newRun();
    await create(run, kind, news);
    await expect(create(run, kind, news)).rejects.toThrow(/already exists/);
  });
});
