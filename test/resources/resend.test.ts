// A write whose answer is lost and which reading back proves did not land is sent again, within the write policy, on
// the way in (create, update) and on the way out (archive, delete) alike, whatever lost it: a 500 or a gateway's
// 502/503/504 (FeatBit or a proxy answered without applying it) or a connection reset before FeatBit handled it.
// Through the real client and transport against the emulator, so the classification of each failure counts too.
import type { ProjectWithEnvs } from "../../provider/client";
import type { FaultRule } from "../../provider/emulator";
import {
  startProviderHarness,
  lifecycle,
  requestLines,
  type ProviderHarness,
} from "../support/providerHarness";

type Props = Record<string, unknown>;

let h: ProviderHarness;
let envId: string;
let counter = 0;

beforeAll(async () => {
  // Two sends more at most: one lost answer costs one of them.
  h = await startProviderHarness({ maxRetries: 2 });
  process.env.FEATBIT_ORGANIZATION_KEY = h.emulator.orgKey;
});
afterAll(async () => {
  delete process.env.FEATBIT_ORGANIZATION_KEY;
  await h.close();
});

beforeEach(async () => {
  const res = await h.api<ProjectWithEnvs>("POST", "/projects", {
    name: `P ${++counter}`,
    key: `p-${counter}`,
  });
  envId = res.body.environments.find((e) => e.key === "prod")?.id as string;
  h.emulator.faults.clear();
  h.emulator.requests.clear();
});

const LOST: [string, Pick<FaultRule, "respond" | "reset">][] = [
  ["500", { respond: { status: 500 } }],
  ["502", { respond: { status: 502 } }],
  ["503", { respond: { status: 503 } }],
  ["504", { respond: { status: 504 } }],
  ["a reset before FeatBit handled it", { reset: "before" }],
];

/** The write `method path` fails once as `lost`; every other request is answered. */
const loseOnce = (method: string, path: RegExp, lost: Pick<FaultRule, "respond" | "reset">) =>
  h.emulator.faults.add({ method, path, times: 1, ...lost });

const sent = (method: string, path: RegExp) =>
  requestLines(h).filter((line) => line.startsWith(`${method} `) && path.test(line.slice(method.length + 1)));

const flagLife = lifecycle(() => h.provider("FeatureFlag"));
const segmentLife = lifecycle(() => h.provider("Segment"));
const policyLife = lifecycle(() => h.provider("Policy"));

const flag = (key: string): Props => ({ environmentId: envId, key, name: key });

async function flagStatus(key: string): Promise<{ status: number; archived?: boolean }> {
  const r = await h.api<{ isArchived: boolean }>("GET", `/envs/${envId}/feature-flags/${key}`);
  return { status: r.status, archived: r.body?.isArchived };
}

describe.each(LOST)("a write lost to %s and proven not applied is sent again", (_name, lost) => {
  test("creating a flag", async () => {
    loseOnce("POST", /\/feature-flags$/, lost);
    const { id } = await flagLife.up(flag("made"));
    expect(id).toBe(`${envId}/made`);
    expect(sent("POST", /\/feature-flags$/)).toHaveLength(2);
    expect((await flagStatus("made")).status).toBe(200);
  });

  test("updating a flag", async () => {
    const { id, outs } = await flagLife.up(flag("named"));
    loseOnce("PUT", /\/name$/, lost);
    const news = await flagLife.checked({ ...flag("named"), name: "Renamed" });
    await h.provider("FeatureFlag").update(id, outs, news);
    expect(sent("PUT", /\/name$/)).toHaveLength(2);
  });

  test("archiving a flag on its way to deletion", async () => {
    const { id, outs } = await flagLife.up(flag("archived-first"));
    loseOnce("PUT", /\/archive$/, lost);
    await h.provider("FeatureFlag").delete(id, outs);
    expect(sent("PUT", /\/archive$/)).toHaveLength(2);
    expect((await flagStatus("archived-first")).status).not.toBe(200);
  });

  test("deleting a flag", async () => {
    const { id, outs } = await flagLife.up(flag("deleted"));
    loseOnce("DELETE", /\/feature-flags\//, lost);
    await h.provider("FeatureFlag").delete(id, outs);
    expect(sent("DELETE", /\/feature-flags\//)).toHaveLength(2);
    expect((await flagStatus("deleted")).status).not.toBe(200);
  });

  test("archiving and deleting a segment", async () => {
    const { id, outs } = await segmentLife.up({ environmentId: envId, key: "beta", name: "Beta" });
    loseOnce("PUT", /\/segments\/.*\/archive$/, lost);
    loseOnce("DELETE", /\/segments\//, lost);
    await h.provider("Segment").delete(id, outs);
    expect(sent("PUT", /\/segments\/.*\/archive$/)).toHaveLength(2);
    expect(sent("DELETE", /\/segments\//)).toHaveLength(2);
    const segmentId = String(outs.segmentId);
    expect((await h.api("GET", `/envs/${envId}/segments/${segmentId}`)).status).not.toBe(200);
  });

  test("renaming a project", async () => {
    const projects = lifecycle(() => h.provider("Project"));
    const { id, outs } = await projects.up({ key: `renamed-${counter}`, name: "Before" });
    loseOnce("PUT", /\/projects\/[^/]+$/, lost);
    await h
      .provider("Project")
      .update(id, outs, await projects.checked({ key: `renamed-${counter}`, name: "After" }));
    expect(sent("PUT", /\/projects\/[^/]+$/)).toHaveLength(2);
  });

  test("deleting a policy (settledDelete)", async () => {
    const { id, outs } = await policyLife.up({ key: `policy-${counter}`, name: `Policy ${counter}` });
    loseOnce("DELETE", /\/policies\//, lost);
    await h.provider("Policy").delete(id, outs);
    expect(sent("DELETE", /\/policies\//)).toHaveLength(2);
    expect((await h.api("GET", `/policies/${id}`)).status).toBe(404);
  });
});

test("a destroy write lost more often than the policy allows fails, says it was not applied, and keeps state", async () => {
  const { id, outs } = await flagLife.up(flag("stubborn"));
  h.emulator.faults.add({ method: "PUT", path: /\/archive$/, times: 3, respond: { status: 502 } });
  await expect(h.provider("FeatureFlag").delete(id, outs)).rejects.toThrow(
    /reading it back showed the change was not applied/,
  );
  expect(sent("PUT", /\/archive$/)).toHaveLength(3);
  expect(await flagStatus("stubborn")).toEqual({ status: 200, archived: false });
});
