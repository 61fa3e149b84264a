import type { ProjectWithEnvs, Segment as ApiSegment } from "../../provider/client";
import type { DynamicProvider } from "../../provider/host/dynamicProvider";
import * as impl from "../../provider/implementation";
import { sharing } from "../../provider/resources/core/duplicates";
import { UNKNOWN } from "../../provider/resources/core/schema";
import { stableId } from "../../provider/resources/core/stableIds";
import { referenceWait } from "../../provider/resources/segment";
import {
  errorOf,
  lifecycle,
  requestLines,
  startProviderHarness,
  waitFor,
  type ProviderHarness,
} from "../support/providerHarness";

type Props = Record<string, unknown>;

// The emulator's organization key; resolved by the provider at call time, so tests can change it.
const ORG = "playground";

let h: ProviderHarness;
let seg: DynamicProvider;
let projectKey: string;
let envId: string;
let devEnvId: string;
let counter = 0;

beforeAll(async () => {
  // Every read lists afresh: a listing shared between tests would hide what a test made behind its back.
  sharing.ms = 0;
  h = await startProviderHarness();
  seg = h.provider("Segment");
});
afterAll(async () => {
  delete process.env.FEATBIT_ORGANIZATION_KEY;
  await h.close();
});

beforeEach(async () => {
  process.env.FEATBIT_ORGANIZATION_KEY = ORG;
  projectKey = `proj-${++counter}`;
  const res = await h.api<ProjectWithEnvs>("POST", "/projects", {
    name: `Project ${counter}`,
    key: projectKey,
  });
  envId = res.body.environments.find((e) => e.key === "prod")?.id as string;
  devEnvId = res.body.environments.find((e) => e.key === "dev")?.id as string;
  h.emulator.requests.clear();
  h.emulator.faults.clear();
});

const requests = () => requestLines(h);
const { checked, up, failuresOf } = lifecycle(() => seg);
const writes = () => requests().filter((r) => !r.startsWith("GET"));

async function segment(id: string): Promise<{ status: number; body: ApiSegment }> {
  return h.api<ApiSegment>("GET", `/envs/${envId}/segments/${id}`);
}

/** A segment made behind Pulumi's back, the way the FeatBit UI makes one. */
async function external(
  key: string,
  scope = `organization/${ORG}:project/${projectKey}:env/prod`,
): Promise<string> {
  const res = await h.api<ApiSegment>("POST", `/envs/${envId}/segments`, {
    type: "environment-specific",
    name: `External ${key}`,
    key,
    description: "",
    scopes: [scope],
  });
  h.emulator.requests.clear();
  return res.body.id;
}

/** A boolean flag whose only rule targets the segment. */
async function flagUsing(segmentId: string, flagKey = "checkout"): Promise<void> {
  const on = "00000000-0000-4000-8000-000000000001";
  const off = "00000000-0000-4000-8000-000000000002";
  await h.api("POST", `/envs/${envId}/feature-flags`, {
    name: flagKey,
    key: flagKey,
    isEnabled: true,
    variationType: "boolean",
    variations: [
      { id: on, name: "on", value: "true" },
      { id: off, name: "off", value: "false" },
    ],
    enabledVariationId: on,
    disabledVariationId: off,
    tags: [],
  });
  const flag = await h.api<{ revision: string; fallthrough: unknown }>(
    "GET",
    `/envs/${envId}/feature-flags/${flagKey}`,
  );
  const res = await h.api("PUT", `/envs/${envId}/feature-flags/${flagKey}/targeting`, {
    revision: flag.body.revision,
    targeting: {
      targetUsers: [],
      rules: [
        {
          id: "00000000-0000-4000-8000-000000000003",
          name: "Beta",
          dispatchKey: null,
          includedInExpt: false,
          conditions: [
            {
              id: "00000000-0000-4000-8000-000000000004",
              property: "User is in segment",
              op: null,
              value: JSON.stringify([segmentId]),
            },
          ],
          variations: [{ id: on, rollout: [0, 1], exptRollout: 1 }],
        },
      ],
      fallthrough: flag.body.fallthrough,
      exptIncludeAllTargets: true,
    },
  });
  expect(res.status).toBe(200);
  h.emulator.requests.clear();
}

const base = () => ({ environmentId: envId, key: "beta-users", name: "Beta users" });

const rule = { name: "Young", conditions: [{ property: "age", op: "LessThan", value: "30" }] };
const full = () => ({
  ...base(),
  description: "early adopters",
  included: ["u2", "u1", "u2"],
  excluded: ["u9"],
  rules: [
    rule,
    {
      name: "Members",
      conditions: [
        { property: "plan", op: "IsOneOf", values: ["pro", "team"] },
        { property: "member", op: "IsTrue" },
      ],
    },
  ],
  tags: ["b", "a"],
});

describe("check (no API calls)", () => {
  test("applies defaults and set semantics", async () => {
    const inputs = await checked(full());
    expect(inputs).toMatchObject({
      included: ["u1", "u2"],
      excluded: ["u9"],
      tags: ["a", "b"],
    });
    expect(await checked(base())).toMatchObject({
      description: "",
      included: [],
      excluded: [],
      rules: [],
      tags: [],
    });
    expect(requests()).toEqual([]);
  });

  test.each([
    [{ environmentId: "prod" }, "environmentId", "must be a FeatBit id"],
    [{ key: "a/b" }, "key", "may only contain letters, digits"],
    [{ key: "k".repeat(129) }, "key", "128-character limit"],
    [{ name: "" }, "name", "must not be empty"],
    [{ name: "n".repeat(129) }, "name", "128-character limit"],
    [{ description: "d".repeat(513) }, "description", "512-character limit"],
    [{ included: "u1" }, "included", "list of end-user keys"],
    [{ included: [""] }, "included[0]", "must not be empty"],
    [{ excluded: [3] }, "excluded[0]", "end-user keys (strings)"],
    [{ tags: [" "] }, "tags[0]", "must not be empty"],
    [{ rules: {} }, "rules", "list of {name, conditions}"],
    [{ rules: [{ name: "", conditions: rule.conditions }] }, "rules[0].name", "must not be empty"],
    [{ rules: [{ name: "r", conditions: [] }] }, "rules[0].conditions", "at least one condition"],
    [
      { rules: [{ name: "r", conditions: [{ property: "age", op: "Older", value: "3" }] }] },
      "rules[0].conditions[0].op",
      "FeatBit's operators",
    ],
    [
      { rules: [{ name: "r", conditions: [{ segment: "0779d76b-0000-4000-8000-000000000000" }] }] },
      "rules[0].conditions[0]",
      "cannot test segment membership",
    ],
    [
      { rules: [{ name: "r", conditions: [{ notInSegment: "x" }] }] },
      "rules[0].conditions[0]",
      "rules_is_invalid",
    ],
    [
      { rules: [{ name: "r", conditions: [{ property: "age", op: "LessThan", value: "old" }] }] },
      "rules[0].conditions[0].value",
      "not a number",
    ],
    [
      { rules: [{ name: "r", conditions: [{ property: "plan", op: "IsOneOf" }] }] },
      "rules[0].conditions[0].values",
      "needs values",
    ],
    [
      { rules: [{ name: "r", conditions: [{ property: "e", op: "MatchRegex", value: "(" }] }] },
      "rules[0].conditions[0].value",
      "not a valid regular expression",
    ],
    [{ rules: [rule, { ...rule }] }, "rules[1].name", "must be unique"],
    [{ included: ["u1"], excluded: ["u1"] }, "included", "both included and excluded"],
    [{ importId: "beta-users" }, "importId", "<environment_uuid>/<segment_uuid>"],
    [
      { importId: "11111111-2222-4333-8444-555555555555/11111111-2222-4333-8444-555555555555" },
      "importId",
      "make them agree",
    ],
    [{ adopt: 1 }, "adopt", "true or false"],
  ])("rejects %j at %s", async (override, property, reason) => {
    const failures = await failuresOf({ ...base(), ...override });
    expect(failures).toContainEqual({ property, reason: expect.stringContaining(reason) });
    expect(requests()).toEqual([]);
  });

  test("unknown values during preview are accepted", async () => {
    const res = await seg.check({}, { ...base(), environmentId: UNKNOWN, included: [UNKNOWN] });
    expect(res.failures).toBeUndefined();
  });
});

describe("lifecycle", () => {
  test("create writes segment, targeting and tags; diff and refresh show nothing", async () => {
    const { id, outs, inputs } = await up(full());
    const segmentId = String(outs.segmentId);
    expect(id).toBe(`${envId}/${segmentId}`);
    expect(outs).toMatchObject({
      scope: `organization/${ORG}:project/${projectKey}:env/prod`,
      tags: ["a", "b"],
    });
    expect(writes()).toEqual([
      `POST /envs/${envId}/segments`,
      `PUT /envs/${envId}/segments/${segmentId}/targeting`,
      `PUT /envs/${envId}/segments/${segmentId}/tags`,
    ]);

    const stored = (await segment(segmentId)).body;
    expect(stored).toMatchObject({
      key: "beta-users",
      type: "environment-specific",
      scopes: [`organization/${ORG}:project/${projectKey}:env/prod`],
      description: "early adopters",
      included: ["u1", "u2"],
      excluded: ["u9"],
      tags: ["a", "b"],
    });
    const ruleId = stableId(segmentId, "rule", "Members");
    expect(stored.rules[1]).toEqual({
      id: ruleId,
      name: "Members",
      conditions: [
        { id: stableId(ruleId, "condition", "0"), property: "plan", op: "IsOneOf", value: '["pro","team"]' },
        { id: stableId(ruleId, "condition", "1"), property: "member", op: "IsTrue", value: "IsTrue" },
      ],
    });

    h.emulator.requests.clear();
    expect(await seg.diff(id, outs, inputs)).toEqual({ changes: false });
    const read = await seg.read(id, outs);
    expect(read.props).toEqual(outs);
    expect(await seg.diff(id, read.props as Props, await checked(read.inputs as Props))).toEqual({
      changes: false,
    });
    // The read, and a listing of the environment's active segments that looks for duplicates of the key.
    expect(requests()).toEqual([`GET /envs/${envId}/segments/${segmentId}`, `GET /envs/${envId}/segments`]);
  });

  test("a bare segment needs only the POST", async () => {
    const { outs } = await up(base());
    expect(writes()).toEqual([`POST /envs/${envId}/segments`]);
    expect(outs).toMatchObject({ included: [], rules: [], tags: [] });
  });

  test("order and duplicates of included, excluded and tags never diff", async () => {
    const { id, outs } = await up(full());
    h.emulator.requests.clear();
    const shuffled = {
      ...full(),
      included: ["u1", "u2", "u1"],
      excluded: ["u9", "u9"],
      tags: ["a", "b", "a"],
    };
    expect(await seg.diff(id, outs, await checked(shuffled))).toEqual({ changes: false });
    expect(requests()).toEqual([]);
  });

  test("update makes one call per changed aspect", async () => {
    const { id, outs } = await up(full());
    const segmentId = String(outs.segmentId);
    const path = `/envs/${envId}/segments/${segmentId}`;
    const cases: [Props, string[]][] = [
      [{ name: "Beta" }, [`PUT ${path}/name`]],
      [{ description: "changed" }, [`PUT ${path}/description`]],
      [{ included: ["u3"] }, [`PUT ${path}/targeting`]],
      [{ excluded: [] }, [`PUT ${path}/targeting`]],
      [{ rules: [rule] }, [`PUT ${path}/targeting`]],
      [{ tags: ["c"] }, [`PUT ${path}/tags`]],
      [{ name: "Both", tags: [] }, [`PUT ${path}/name`, `PUT ${path}/tags`]],
    ];
    for (const [change, expected] of cases) {
      const news = await checked({ ...full(), ...change });
      expect(await seg.diff(id, outs, news)).toEqual({
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
      });
      h.emulator.requests.clear();
      const updated = (await seg.update(id, outs, news)).outs as Props;
      expect(requests()).toEqual(expected);
      const read = await seg.read(id, updated);
      expect(read.props).toEqual(updated);
      // Put FeatBit back to the original declaration for the next case.
      await seg.update(id, updated, await checked(full()));
    }
  });

  test("environment and key changes replace; a same-key replacement deletes first", async () => {
    const { id, outs } = await up(base());
    h.emulator.requests.clear();
    expect(await seg.diff(id, outs, await checked({ ...base(), key: "gamma" }))).toEqual({
      changes: true,
      replaces: ["key"],
      deleteBeforeReplace: false,
    });
    expect(await seg.diff(id, outs, await checked({ ...base(), key: "Beta-Users" }))).toEqual({
      changes: true,
      replaces: ["key"],
      deleteBeforeReplace: true,
    });
    expect(await seg.diff(id, outs, await checked({ ...base(), environmentId: devEnvId }))).toEqual({
      changes: true,
      replaces: ["environmentId"],
      deleteBeforeReplace: false,
    });
    expect(await seg.diff(id, outs, await checked({ ...base(), adopt: true }))).toEqual({ changes: false });
    expect(requests()).toEqual([]);
  });

  test("delete archives and deletes: two requests, FeatBit's answers are proof enough", async () => {
    const { id, outs } = await up(full());
    const segmentId = String(outs.segmentId);
    h.emulator.requests.clear();
    await seg.delete(id, outs);
    const path = `/envs/${envId}/segments/${segmentId}`;
    expect(requests()).toEqual([`PUT ${path}/archive`, `DELETE ${path}`]);
    expect((await segment(segmentId)).status).toBe(404);
    // Deleting again (already gone) succeeds.
    await seg.delete(id, outs);
  });
});

describe("duplicate keys (FeatBit accepts them, this resource does not)", () => {
  test("FeatBit itself accepts a duplicate key", async () => {
    await external("beta-users");
    await external("beta-users");
    const list = await h.api<{ items: { key: string }[] }>("GET", `/envs/${envId}/segments`);
    expect(list.body.items.filter((s) => s.key === "beta-users")).toHaveLength(2);
  });

  test("an active segment with the key (any case) is refused", async () => {
    const existing = await external("Beta-Users");
    const err = await errorOf(h, up(base()));
    expect(err.message).toContain("already exists");
    expect(err.message).toContain(existing);
    expect(err.message).toContain("adopt: true");
    expect(writes()).toEqual([]);
  });

  test("an archived segment with the key is refused too", async () => {
    const existing = await external("beta-users");
    await h.api("PUT", `/envs/${envId}/segments/${existing}/archive`, {});
    h.emulator.requests.clear();
    const err = await errorOf(h, up(base()));
    expect(err.message).toContain("archived");
    expect(err.message).toContain("restore it");
    expect(writes()).toEqual([]);
  });

  test("the check reads every page of the listing", async () => {
    // The duplicate is the least recently updated, so it sorts last: on the second page of 100.
    const existing = await external("beta-users");
    for (let i = 0; i < 100; i++) await external(`filler-${i}`);
    const err = await errorOf(h, up(base()));
    expect(err.message).toContain(existing);
    expect(requests()).toContain(`GET /envs/${envId}/segments`);
    const pages = h.emulator.requests.all().filter((r) => r.method === "GET" && r.path.endsWith("/segments"));
    expect(pages.length).toBeGreaterThanOrEqual(3);
  });

  test("a segment left behind by a deleted environment with the same keys neither blocks nor is adopted", async () => {
    // FeatBit keeps a deleted project's segments, and lists them in a new environment with the same scope.
    const orphan = await external("beta-users");
    const projectId = (await h.api<ProjectWithEnvs[]>("GET", "/projects")).body.find(
      (p) => p.key === projectKey,
    )?.id as string;
    await h.api("DELETE", `/projects/${projectId}`);
    const again = await h.api<ProjectWithEnvs>("POST", "/projects", { name: "Again", key: projectKey });
    const newEnvId = again.body.environments.find((e) => e.key === "prod")?.id as string;
    const listed = await h.api<{ items: { id: string }[] }>("GET", `/envs/${newEnvId}/segments`);
    expect(listed.body.items.map((s) => s.id)).toEqual([orphan]);

    const created = await up({ ...base(), environmentId: newEnvId });
    expect(created.outs.segmentId).not.toBe(orphan);
    const adopted = await up({ ...base(), key: "BETA-USERS", environmentId: newEnvId, adopt: true });
    expect(adopted.outs.segmentId).toBe(created.outs.segmentId);
  });

  test("two creates of one key in one run: the second is refused", async () => {
    const results = await Promise.allSettled([up(base()), up(base())]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
  });
});

describe("organization key for the scope", () => {
  test("derived from the environment's existing segments when not configured", async () => {
    await external("other");
    delete process.env.FEATBIT_ORGANIZATION_KEY;
    const { outs } = await up(base());
    expect(outs.scope).toBe(`organization/${ORG}:project/${projectKey}:env/prod`);
  });

  test("derived from an organization-wide scope too (a shared segment listed in every environment)", async () => {
    // Made shared and org-wide with a JSON patch: the emulated workspace has no shareable-segment license.
    const shared = await external("everyone");
    const patched = await h.api("PATCH", `/envs/${envId}/segments/${shared}`, [
      { op: "replace", path: "/type", value: "shared" },
      { op: "replace", path: "/scopes", value: [`organization/${ORG}`] },
    ]);
    expect(patched.body).toBe(true);
    delete process.env.FEATBIT_ORGANIZATION_KEY;
    const { outs } = await up(base());
    expect(outs.scope).toBe(`organization/${ORG}:project/${projectKey}:env/prod`);
    // It is listed in every environment: remove it so later tests start without segments.
    await h.api("PUT", `/envs/${envId}/segments/${shared}/archive`, {});
    expect((await h.api("DELETE", `/envs/${envId}/segments/${shared}`, {})).status).toBe(200);
  });

  test("an empty featbit:organizationKey counts as unset: the environment variable still applies", async () => {
    const config: Record<string, string> = {
      "featbit:apiUrl": h.emulator.url,
      "featbit:accessToken": h.emulator.token,
      "featbit:organizationKey": " ",
    };
    const source = { get: (k: string) => config[k], require: (k: string) => config[k] };
    impl.configure({ config: source });
    try {
      const { outs } = await up(base());
      expect(outs.scope).toBe(`organization/${ORG}:project/${projectKey}:env/prod`);
    } finally {
      // Back to the harness's own configuration for the tests that follow.
      delete config["featbit:organizationKey"];
      config["featbit:maxRetries"] = "0";
      impl.configure({ config: source });
    }
  });

  test("without configuration or existing segments, the error says how to set it", async () => {
    delete process.env.FEATBIT_ORGANIZATION_KEY;
    const err = await errorOf(h, up(base()));
    expect(err.message).toContain("pulumi config set featbit:organizationKey <key>");
    expect(err.message).toContain("FEATBIT_ORGANIZATION_KEY");
    expect(writes()).toEqual([]);
  });

  test("a configured key that contradicts the environment's segments is refused", async () => {
    await external("other");
    process.env.FEATBIT_ORGANIZATION_KEY = "acme";
    const err = await errorOf(h, up(base()));
    expect(err.message).toContain(`belong to organization '${ORG}'`);
    expect(writes()).toEqual([]);
  });

  test("a wrong key with nothing to contradict it: the segment FeatBit does not list is deleted, the error says why", async () => {
    process.env.FEATBIT_ORGANIZATION_KEY = "acme";
    const err = await errorOf(h, up(base()));
    expect(err.message).toMatch(
      /FeatBit does not list the segment just created \(id ([0-9a-f-]{36})\).*organization 'acme'.*deleted again.*featbit:organizationKey/,
    );
    const id = /id ([0-9a-f-]{36})/.exec(err.message)?.[1];
    expect((await segment(String(id))).status).not.toBe(200);
    expect(writes().filter((w) => w.startsWith("POST"))).toHaveLength(1);
  });

  test.each(["my org", "acme:shop", "acme/x", "*"])(
    "a key FeatBit could not have (%s) is refused by check, with no request",
    async (orgKey) => {
      process.env.FEATBIT_ORGANIZATION_KEY = orgKey;
      h.emulator.requests.clear();
      const failures = await failuresOf(base());
      expect(failures).toEqual([
        expect.objectContaining({ reason: expect.stringContaining("cannot be a FeatBit organization key") }),
      ]);
      expect(requests()).toEqual([]);
    },
  );

  test("an environment no project lists is reported", async () => {
    const err = await errorOf(h, up({ ...base(), environmentId: "11111111-2222-4333-8444-555555555555" }));
    expect(err.message).toContain("check environmentId");
  });
});

describe("adoption", () => {
  test("adopt: true takes over the segment with the key and brings it to the declaration", async () => {
    const existing = await external("beta-users");
    const { id, outs, inputs } = await up({ ...full(), adopt: true });
    expect(id).toBe(`${envId}/${existing}`);
    expect(outs).toMatchObject({ segmentId: existing, adopt: true, name: "Beta users" });
    expect(writes()).toEqual([
      `PUT /envs/${envId}/segments/${existing}/name`,
      `PUT /envs/${envId}/segments/${existing}/description`,
      `PUT /envs/${envId}/segments/${existing}/targeting`,
      `PUT /envs/${envId}/segments/${existing}/tags`,
    ]);
    const read = await seg.read(id, outs);
    expect(await seg.diff(id, read.props as Props, inputs)).toEqual({ changes: false });
  });

  test("adopt: true without an existing segment creates one", async () => {
    const { outs } = await up({ ...base(), adopt: true });
    expect((await segment(String(outs.segmentId))).status).toBe(200);
  });

  test("adopt: true with two candidates asks for importId", async () => {
    await external("beta-users");
    await external("beta-users");
    const err = await errorOf(h, up({ ...base(), adopt: true }));
    expect(err.message).toContain("set importId");
  });

  test("importId (the Terraform import id) adopts that segment", async () => {
    const existing = await external("beta-users");
    const importId = `${envId}/${existing}`;
    const { id, outs } = await up({ ...base(), name: "External beta-users", importId });
    expect(id).toBe(importId);
    expect(outs).toMatchObject({ segmentId: existing, importId });
    expect(writes()).toEqual([]);
  });

  test("importId of another key, a missing segment or an archived one is refused", async () => {
    const existing = await external("beta-users");
    expect(
      (await errorOf(h, up({ ...base(), key: "gamma", importId: `${envId}/${existing}` }))).message,
    ).toContain("is segment 'beta-users', but key is 'gamma'");
    const missing = "11111111-2222-4333-8444-555555555555";
    expect((await errorOf(h, up({ ...base(), importId: `${envId}/${missing}` }))).message).toContain(
      "names no segment",
    );
    await h.api("PUT", `/envs/${envId}/segments/${existing}/archive`, {});
    expect((await errorOf(h, up({ ...base(), importId: `${envId}/${existing}` }))).message).toContain(
      "archived",
    );
  });
});

describe("refresh", () => {
  test("drift made in FeatBit is folded back into inputs", async () => {
    const { id, outs } = await up(full());
    const segmentId = String(outs.segmentId);
    await h.api("PUT", `/envs/${envId}/segments/${segmentId}/targeting`, {
      included: ["z", "a"],
      excluded: [],
      rules: [
        {
          id: "r1",
          name: "UI rule",
          conditions: [{ id: "c1", property: "country", op: "Equal", value: "NL" }],
        },
      ],
    });
    await h.api("PUT", `/envs/${envId}/segments/${segmentId}/name`, { name: "Renamed" });
    const read = await seg.read(id, outs);
    expect(read.inputs).toMatchObject({
      name: "Renamed",
      included: ["a", "z"],
      excluded: [],
      rules: [{ name: "UI rule", conditions: [{ property: "country", op: "Equal", value: "NL" }] }],
      tags: ["a", "b"],
    });
    expect(await seg.diff(id, read.props as Props, await checked(full()))).toMatchObject({
      changes: true,
      replaces: [],
    });
  });

  test("read works from the id alone (get)", async () => {
    const { id, outs } = await up(full());
    const read = await seg.read(id);
    // A read without state adopts nothing, so it records no origin.
    const { origin: _origin, ...found } = outs;
    expect(read.props).toEqual({ ...found, included: ["u1", "u2"] });
    expect(read.inputs).toMatchObject({ key: "beta-users" });
    expect(read.inputs).not.toHaveProperty("adopt");
  });

  test("a segment deleted outside Pulumi reads as gone", async () => {
    const { id, outs } = await up(base());
    const segmentId = String(outs.segmentId);
    await h.api("PUT", `/envs/${envId}/segments/${segmentId}/archive`, {});
    await h.api("DELETE", `/envs/${envId}/segments/${segmentId}`, {});
    expect(await seg.read(id, outs)).toEqual({});
  });

  test("a segment whose environment was deleted reads as gone", async () => {
    const { id, outs } = await up(base());
    const project = (await h.api<ProjectWithEnvs[]>("GET", "/projects")).body.find(
      (p) => p.key === projectKey,
    );
    await h.api("DELETE", `/projects/${project?.id}/envs/${envId}`);
    expect(await seg.read(id, outs)).toEqual({});
    await seg.delete(id, outs);
  });

  test("a second segment with the key (a create that landed after the provider stopped waiting) is named by a read", async () => {
    const { id, outs } = await up(base());
    const warned = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      expect((await seg.read(id, outs)).props).toEqual(outs);
      expect(warned).not.toHaveBeenCalled();
      const late = await external("beta-users");
      expect((await seg.read(id, outs)).props).toEqual(outs);
      expect(warned).toHaveBeenCalledWith(
        expect.stringContaining(`also holds another object with its key (${envId}/${late})`),
      );
      expect(String(warned.mock.calls[0][0])).toContain("Delete the duplicate in FeatBit");
    } finally {
      warned.mockRestore();
    }
  });

  test("a segment FeatBit holds archived reads as archived; up restores it, destroy deletes it", async () => {
    const { id, outs } = await up(base());
    const path = `/envs/${envId}/segments/${String(outs.segmentId)}`;
    await h.api("PUT", `${path}/archive`, {});
    const refreshed = (await seg.read(id, outs)).props as Props;
    expect(refreshed).toMatchObject({ archived: true, key: "beta-users" });
    const news = await checked(base());
    expect(await seg.diff(id, refreshed, news)).toMatchObject({ changes: true, replaces: [] });
    const updated = (await seg.update(id, refreshed, news)).outs as Props;
    expect(updated.archived).toBeUndefined();
    expect((await segment(String(outs.segmentId))).body.isArchived).toBe(false);

    await h.api("PUT", `${path}/archive`, {});
    await seg.delete(id, (await seg.read(id, outs)).props as Props);
    expect((await segment(String(outs.segmentId))).status).toBe(404);
  });

  test("a delete that fails after its archive landed puts the segment back", async () => {
    const { id, outs } = await up(base());
    h.emulator.faults.add({ method: "DELETE", path: "/segments/", respond: { status: 500 }, times: 1 });
    const err = await errorOf(h, seg.delete(id, outs));
    expect(err.message).toMatch(/restored now, as the stack still records it: run `pulumi destroy` again/);
    expect((await segment(String(outs.segmentId))).body.isArchived).toBe(false);
  });

  test("an id naming another environment than the segment's own reads as absent there (get included)", async () => {
    const { outs } = await up(base());
    expect(await seg.read(`${devEnvId}/${String(outs.segmentId)}`)).toEqual({});
    expect(await seg.read(`${envId}/${String(outs.segmentId)}`)).toMatchObject({
      props: { key: "beta-users" },
    });
  });

  test("a malformed id is refused with the expected format", async () => {
    expect((await errorOf(h, seg.read(`${envId}/beta-users`))).message).toContain(
      "<environment_uuid>/<segment_uuid>",
    );
  });

  test("a FeatBit failure while reading is reported, not mistaken for absence", async () => {
    const { id, outs } = await up(base());
    h.emulator.faults.add({ method: "GET", path: "/segments/", respond: { status: 503 } });
    const err = await errorOf(h, seg.read(id, outs));
    expect(err.message).toContain("reading segment 'beta-users'");
    expect(err.message).toContain("503");
  });
});

describe("flag references", () => {
  const defaults = { ...referenceWait };
  beforeAll(() => Object.assign(referenceWait, { totalMs: 400, pollMs: 20 }));
  afterAll(() => Object.assign(referenceWait, defaults));

  test("destroy waits for references that go away meanwhile (the flag destroyed in the same run)", async () => {
    const { id, outs } = await up(base());
    const segmentId = String(outs.segmentId);
    await flagUsing(segmentId);
    const deleting = seg.delete(id, outs);
    // The flag's own destroy, in parallel: archive, then delete.
    await h.api("PUT", `/envs/${envId}/feature-flags/checkout/archive`, {});
    await h.api("DELETE", `/envs/${envId}/feature-flags/checkout`, {});
    await deleting;
    expect((await segment(segmentId)).status).toBe(404);
  });

  test("a segment used by a flag rule is not destroyed; the message names the flag", async () => {
    const { id, outs } = await up(base());
    const segmentId = String(outs.segmentId);
    await flagUsing(segmentId);
    h.emulator.requests.clear();
    const err = await errorOf(h, seg.delete(id, outs));
    expect(err.message).toContain("flag 'checkout' in environment 'prod' (project '");
    expect(err.message).toContain("Remove those segment conditions first");
    // FeatBit refused the archive (422 SegmentIsBeingUsed); nothing else was written.
    expect(writes()).toEqual([`PUT /envs/${envId}/segments/${segmentId}/archive`]);
    expect((await segment(segmentId)).body.isArchived).toBe(false);
  });

  test("after the wait, the references named are those left (one went, another came)", async () => {
    const { id, outs } = await up(base());
    const segmentId = String(outs.segmentId);
    await flagUsing(segmentId);
    const deleting = errorOf(h, seg.delete(id, outs));
    // While destroy waits: the first flag goes (its own destroy), another flag starts using the segment.
    await waitFor(() => requests().some((r) => r.endsWith("/flag-references")), "the wait for references");
    await flagUsing(segmentId, "checkout-2");
    await h.api("PUT", `/envs/${envId}/feature-flags/checkout/archive`, {});
    await h.api("DELETE", `/envs/${envId}/feature-flags/checkout`, {});
    const err = await deleting;
    expect(err.message).toContain("flag 'checkout-2' in environment 'prod'");
    expect(err.message).toContain("Remove those segment conditions first");
    expect((await segment(segmentId)).body.isArchived).toBe(false);
  });
});

describe("FeatBit errors", () => {
  test("a failed targeting write after the POST is a partial create Pulumi can finish", async () => {
    h.emulator.faults.add({ method: "PUT", path: "/targeting", times: 1, respond: { status: 500 } });
    const inputs = await checked(full());
    let partial: unknown;
    try {
      await seg.create(inputs);
    } catch (err) {
      partial = err;
    }
    expect(partial).toMatchObject({ name: "PartialWriteError" });
    const { id, properties, message } = partial as { id: string; properties: Props; message: string };
    expect(message).toContain("setting its targeting failed");
    expect(message).not.toContain(h.emulator.token);
    expect(properties).toMatchObject({ included: [], rules: [], tags: [], key: "beta-users" });
    const segmentId = id.split("/")[1];
    expect((await segment(segmentId)).status).toBe(200);

    // The next `pulumi up`: diff sees the missing targeting and tags, update writes them.
    const diff = await seg.diff(id, properties, inputs);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    h.emulator.requests.clear();
    const updated = (await seg.update(id, properties, inputs)).outs as Props;
    expect(writes()).toEqual([
      `PUT /envs/${envId}/segments/${segmentId}/targeting`,
      `PUT /envs/${envId}/segments/${segmentId}/tags`,
    ]);
    expect((await seg.read(id, updated)).props).toEqual(updated);
  });

  test("a POST whose connection dropped after it was applied is reconciled, not repeated", async () => {
    h.emulator.faults.add({ method: "POST", path: "/segments", reset: "after", times: 1 });
    const { id, outs } = await up(full());
    const list = await h.api<{ items: { id: string; key: string }[] }>("GET", `/envs/${envId}/segments`);
    const mine = list.body.items.filter((s) => s.key === "beta-users");
    expect(mine).toHaveLength(1);
    expect(id).toBe(`${envId}/${mine[0].id}`);
    expect((await seg.read(id, outs)).props).toEqual(outs);
  });

  test("an ambiguous targeting write that was applied is accepted after reading back", async () => {
    const { id, outs } = await up(base());
    h.emulator.faults.add({ method: "PUT", path: "/targeting", reset: "after", times: 1 });
    const news = await checked({ ...base(), included: ["u1"] });
    const updated = (await seg.update(id, outs, news)).outs as Props;
    expect(updated.included).toEqual(["u1"]);
  });

  test("an ambiguous write that was not applied is reported", async () => {
    const { id, outs } = await up(base());
    h.emulator.faults.add({ method: "PUT", path: "/name", reset: "before", times: 1 });
    const err = await errorOf(h, seg.update(id, outs, await checked({ ...base(), name: "New" })));
    expect(err.message).toContain("updating segment 'beta-users'");
  });

  test("updating a segment deleted outside Pulumi advises a refresh", async () => {
    const { id, outs } = await up(base());
    const segmentId = String(outs.segmentId);
    await h.api("PUT", `/envs/${envId}/segments/${segmentId}/archive`, {});
    await h.api("DELETE", `/envs/${envId}/segments/${segmentId}`, {});
    const err = await errorOf(h, seg.update(id, outs, await checked({ ...base(), name: "New" })));
    expect(err.message).toContain("no longer exists");
    expect(err.message).toContain("pulumi refresh");
  });

  test("an ambiguous delete is confirmed by reading", async () => {
    const { id, outs } = await up(base());
    h.emulator.faults.add({ method: "DELETE", path: "/segments/", reset: "after", times: 1 });
    await seg.delete(id, outs);
    expect((await segment(String(outs.segmentId))).status).toBe(404);
  });

  test("an archive lost in transit, with no send left, fails the delete before it is sent; destroy again finishes", async () => {
    const { id, outs } = await up(base());
    h.emulator.faults.add({ method: "PUT", path: "/archive", reset: "before", times: 1 });
    const err = await errorOf(h, seg.delete(id, outs));
    expect(err.message).toContain("reading it back showed the change was not applied");
    expect(writes().filter((w) => w.startsWith("DELETE"))).toEqual([]);
    await seg.delete(id, outs);
    expect((await segment(String(outs.segmentId))).status).toBe(404);
  });

  test("a server error on delete is reported and the segment kept", async () => {
    const { id, outs } = await up(base());
    h.emulator.faults.add({ method: "DELETE", path: "/segments/", respond: { status: 500 } });
    const err = await errorOf(h, seg.delete(id, outs));
    expect(err.message).toContain("deleting segment 'beta-users'");
    expect((await segment(String(outs.segmentId))).status).toBe(200);
  });
});
