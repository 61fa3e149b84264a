// Conformance: segments (§4.8, §5.3).
import type { Emulator } from "../../provider/emulator";
import {
  Api,
  flagBody,
  MISSING,
  projectWithEnv,
  start,
  type Flag,
  type Paged,
  type ProjectView,
} from "./support";

interface SegmentView {
  id: string;
  envId: string;
  workspaceId: string;
  name: string;
  key: string;
  type: string;
  scopes: string[];
  description: string | null;
  included: string[];
  excluded: string[];
  rules: unknown[];
  tags: string[];
  isArchived: boolean;
  isEnvironmentSpecific: boolean;
  updatedAt: string;
}

let emulator: Emulator;
let api: Api;
let project: ProjectView;
let envId: string;
let devId: string;
let base: string;
const prodScope = "organization/acme:project/seg:env/prod";

beforeAll(async () => {
  ({ emulator, api } = await start({ seed: 3, orgKey: "acme" }));
  ({ project } = await projectWithEnv(api, "seg"));
  envId = project.environments[0].id;
  devId = project.environments[1].id;
  base = `/envs/${envId}/segments`;
});
afterAll(() => emulator.close());

const create = (key: string, extra: Record<string, unknown> = {}) =>
  api.ok<SegmentView>("POST", base, {
    type: "environment-specific",
    name: `Seg ${key}`,
    key,
    scopes: [prodScope],
    ...extra,
  });

describe("create and read", () => {
  it("creates an empty environment-specific segment", async () => {
    const s = await create("beta", { description: "d" });
    expect(s).toMatchObject({
      envId,
      key: "beta",
      type: "environment-specific",
      scopes: [prodScope],
      description: "d",
      included: [],
      excluded: [],
      rules: [],
      tags: [],
      isArchived: false,
      isEnvironmentSpecific: true,
    });
    expect(await api.ok("GET", `${base}/${s.id}`)).toEqual(s);
  });

  it("does not check key uniqueness (faithful)", async () => {
    await create("twin");
    await create("twin");
  });

  it("validates type, name (empty → name_is_invalid), key and scopes", async () => {
    const res = await api.call("POST", base, { type: "global", name: "", key: "bad key", scopes: [] });
    expect(res.status).toBe(400);
    expect(res.body?.errors).toEqual([
      "type_is_invalid",
      "name_is_invalid",
      "key_is_invalid",
      "scopes_is_invalid",
    ]);
    const star = await api.call("POST", base, {
      type: "environment-specific",
      name: "n",
      key: "k",
      scopes: ["organization/*"],
    });
    expect(star.body?.errors).toEqual(["scopes_is_invalid"]);
  });

  it("refuses shared segments without the shareable-segment license (422 Unauthorized)", async () => {
    const res = await api.call("POST", base, {
      type: "shared",
      name: "n",
      key: "k",
      scopes: ["organization/acme"],
    });
    expect(res.status).toBe(422);
    expect(res.body?.errors).toEqual(["Unauthorized"]);
  });

  it("looks segments up by id only and answers 404 when missing", async () => {
    const s = await create("anywhere");
    expect((await api.ok<SegmentView>("GET", `/envs/${devId}/segments/${s.id}`)).id).toBe(s.id);
    const res = await api.call("GET", `${base}/${MISSING}`);
    expect(res.status).toBe(404);
    expect(res.body?.errors).toEqual(["ResourceNotFound"]);
  });

  it("reads several by ids", async () => {
    const a = await create("by-a");
    const b = await create("by-b");
    const found = await api.ok<SegmentView[]>("GET", `${base}/by-ids?ids=${a.id}&ids=${b.id}&ids=${MISSING}`);
    expect(found.map((s) => s.id).sort()).toEqual([a.id, b.id].sort());
  });

  it("rejects a non-GUID id in by-ids with a problem details", async () => {
    const res = await api.call("GET", `${base}/by-ids?ids=nope`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ errors: { "ids[0]": [expect.any(String)] } });
  });

  it("answers 403 under a missing env and for mutations of a missing id", async () => {
    expect((await api.call("GET", `/envs/${MISSING}/segments`)).status).toBe(403);
    expect((await api.call("PUT", `${base}/${MISSING}/name`, { name: "x" })).status).toBe(403);
    expect((await api.call("DELETE", `${base}/${MISSING}`)).status).toBe(403);
  });
});

describe("list", () => {
  it("includes segments whose scope equals or prefixes the env's RN, newest update first", async () => {
    const env = await projectWithEnv(api, "scoped");
    const b = `/envs/${env.env.id}/segments`;
    const mk = (key: string, scopes: string[]) =>
      api.ok<SegmentView>("POST", b, { type: "environment-specific", name: key, key, scopes });
    await mk("exact", ["organization/acme:project/scoped:env/prod"]);
    await mk("project-wide", ["organization/acme:project/scoped"]);
    await mk("other-env", ["organization/acme:project/scoped:env/dev"]);
    await mk("prefix-trap", ["organization/acme:project/scop"]);
    const exact = (await api.ok<Paged<SegmentView>>("GET", b)).items;
    expect(exact.map((s) => s.key)).toEqual(["project-wide", "exact"]);
    await api.ok("PUT", `${b}/${exact[1].id}/name`, { name: "touched" });
    const reordered = await api.ok<Paged<SegmentView>>("GET", b);
    expect(reordered.items.map((s) => s.key)).toEqual(["exact", "project-wide"]);
    expect(Object.keys(reordered.items[0]).sort()).toEqual(
      ["createdAt", "description", "id", "key", "name", "scopes", "tags", "type", "updatedAt"].sort(),
    );
    expect((await api.ok<Paged<SegmentView>>("GET", `${b}?name=TOUCH`)).items.map((s) => s.key)).toEqual([
      "exact",
    ]);
  });

  it("ignores a blank name filter (and so do the flag and policy lists)", async () => {
    const env = await projectWithEnv(api, "blank");
    const b = `/envs/${env.env.id}/segments`;
    await api.ok("POST", b, {
      type: "environment-specific",
      name: "nospace",
      key: "k",
      scopes: ["organization/acme:project/blank:env/prod"],
    });
    expect((await api.ok<Paged<SegmentView>>("GET", `${b}?name=%20%20`)).totalCount).toBe(1);
    await api.ok("POST", `/envs/${env.env.id}/feature-flags`, flagBody("nospace"));
    const flags = await api.ok<Paged<unknown>>("GET", `/envs/${env.env.id}/feature-flags?name=%20`);
    expect(flags.totalCount).toBe(1);
    expect((await api.ok<Paged<unknown>>("GET", "/policies?name=%20")).totalCount).toBeGreaterThanOrEqual(3);
  });
});

describe("updates", () => {
  it("updates name, description and tags, returning true", async () => {
    const s = await create("upd");
    expect(await api.ok("PUT", `${base}/${s.id}/name`, { name: "New" })).toBe(true);
    expect(await api.ok("PUT", `${base}/${s.id}/description`, { description: "D" })).toBe(true);
    expect(await api.ok("PUT", `${base}/${s.id}/tags`, { tags: ["x", "y"] })).toBe(true);
    expect(await api.ok("GET", `${base}/${s.id}`)).toMatchObject({
      name: "New",
      description: "D",
      tags: ["x", "y"],
    });
    expect((await api.call("PUT", `${base}/${s.id}/name`, { name: "" })).body?.errors).toEqual([
      "name_is_required",
    ]);
    const tags = await api.ok<string[]>("GET", `${base}/all-tags`);
    expect(tags).toEqual(expect.arrayContaining(["x", "y"]));
  });

  it("answers 500 for a description longer than the database column", async () => {
    const s = await create("long-description");
    const res = await api.call("PUT", `${base}/${s.id}/description`, { description: "d".repeat(513) });
    expect(res.status).toBe(500);
    // Segment.cs stores `description ?? string.Empty`; the refused update left it as created.
    expect((await api.ok<SegmentView>("GET", `${base}/${s.id}`)).description).toBe("");
  });

  it("replaces targeting and rejects segment conditions with rules_is_invalid", async () => {
    const s = await create("targeting");
    const rules = [
      { id: "r", name: "R", conditions: [{ id: "c", property: "age", op: "LessThan", value: "30" }] },
    ];
    expect(
      await api.ok("PUT", `${base}/${s.id}/targeting`, { included: ["a"], excluded: ["b"], rules }),
    ).toBe(true);
    expect(await api.ok("GET", `${base}/${s.id}`)).toMatchObject({ included: ["a"], excluded: ["b"], rules });
    const bad = await api.call("PUT", `${base}/${s.id}/targeting`, {
      included: [],
      excluded: [],
      rules: [
        {
          id: "r",
          name: "R",
          conditions: [{ property: "User is in segment", op: null, value: `["${s.id}"]` }],
        },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body?.errors).toEqual(["rules_is_invalid"]);
  });
});

describe("archive and delete", () => {
  it("requires archive before delete (422 CannotDeleteUnArchivedSegment)", async () => {
    const s = await create("doomed");
    const res = await api.call("DELETE", `${base}/${s.id}`);
    expect(res.status).toBe(422);
    expect(res.body?.errors).toEqual(["CannotDeleteUnArchivedSegment"]);
    expect(await api.ok("PUT", `${base}/${s.id}/archive`)).toBe(true);
    expect(await api.ok("PUT", `${base}/${s.id}/restore`)).toBe(true);
    expect((await api.ok<SegmentView>("GET", `${base}/${s.id}`)).isArchived).toBe(false);
    await api.ok("PUT", `${base}/${s.id}/archive`);
    expect(await api.ok("DELETE", `${base}/${s.id}`)).toBe(true);
    expect((await api.call("GET", `${base}/${s.id}`)).status).toBe(404);
  });

  it("refuses to archive a segment referenced by a flag rule, archived flags included", async () => {
    const s = await create("used");
    const flag = await api.ok<Flag>("POST", `/envs/${envId}/feature-flags`, flagBody("uses-segment"));
    await api.ok("PUT", `/envs/${envId}/feature-flags/uses-segment/targeting`, {
      revision: flag.revision,
      targeting: {
        targetUsers: [],
        rules: [
          {
            id: "r",
            name: "In segment",
            dispatchKey: null,
            includedInExpt: false,
            conditions: [
              { id: "c", property: "User is in segment", op: null, value: JSON.stringify([s.id]) },
            ],
            variations: [{ id: "v-on", rollout: [0, 1], exptRollout: 1 }],
          },
        ],
        fallthrough: flag.fallthrough,
        exptIncludeAllTargets: true,
      },
    });
    const refs = await api.ok("GET", `${base}/${s.id}/flag-references`);
    expect(refs).toEqual([{ envId, id: flag.id, name: flag.name, key: "uses-segment" }]);
    await api.ok("PUT", `/envs/${envId}/feature-flags/uses-segment/archive`);
    const res = await api.call("PUT", `${base}/${s.id}/archive`);
    expect(res.status).toBe(422);
    expect(res.body?.errors).toEqual(["SegmentIsBeingUsed"]);
  });

  it("looks for references of an environment-specific segment in its own env, whatever its scope says", async () => {
    // Scoped to dev by mistake (FeatBit accepts any scope), but it belongs to prod: prod's flags count.
    const s = await create("misscoped", { scopes: ["organization/acme:project/seg:env/dev"] });
    const refer = async (env: string, key: string) => {
      const flag = await api.ok<Flag>("POST", `/envs/${env}/feature-flags`, flagBody(key));
      await api.ok("PUT", `/envs/${env}/feature-flags/${key}/targeting`, {
        revision: flag.revision,
        targeting: {
          targetUsers: [],
          rules: [
            {
              id: "r",
              name: "In segment",
              dispatchKey: null,
              includedInExpt: false,
              conditions: [
                { id: "c", property: "User is in segment", op: null, value: JSON.stringify([s.id]) },
              ],
              variations: [{ id: "v-on", rollout: [0, 1], exptRollout: 1 }],
            },
          ],
          fallthrough: flag.fallthrough,
          exptIncludeAllTargets: true,
        },
      });
      return flag;
    };
    const inProd = await refer(envId, "prod-uses-misscoped");
    await refer(devId, "dev-uses-misscoped");
    const refs = await api.ok("GET", `${base}/${s.id}/flag-references`);
    expect(refs).toEqual([{ envId, id: inProd.id, name: inProd.name, key: "prod-uses-misscoped" }]);
    const res = await api.call("PUT", `${base}/${s.id}/archive`);
    expect(res.status).toBe(422);
    expect(res.body?.errors).toEqual(["SegmentIsBeingUsed"]);
  });

  it("bumps referencing flags' updatedAt but not their revision on targeting changes", async () => {
    const s = await create("touching");
    const flag = await api.ok<Flag>("POST", `/envs/${envId}/feature-flags`, flagBody("touched"));
    const rev = await api.ok<string>("PUT", `/envs/${envId}/feature-flags/touched/targeting`, {
      revision: flag.revision,
      targeting: {
        targetUsers: [],
        rules: [
          {
            id: "r",
            name: "seg",
            dispatchKey: null,
            includedInExpt: false,
            conditions: [
              { id: "c", property: "User is not in segment", op: null, value: JSON.stringify([s.id]) },
            ],
            variations: [],
          },
        ],
        fallthrough: flag.fallthrough,
        exptIncludeAllTargets: true,
      },
    });
    const before = await api.ok<Flag>("GET", `/envs/${envId}/feature-flags/touched`);
    await api.ok("PUT", `${base}/${s.id}/targeting`, { included: ["z"], excluded: [], rules: [] });
    const after = await api.ok<Flag>("GET", `/envs/${envId}/feature-flags/touched`);
    expect(after.revision).toBe(rev);
    expect(after.updatedAt > before.updatedAt).toBe(true);
  });
});

describe("JSON patch", () => {
  it("patches and reports apply errors as 200 success:false", async () => {
    const s = await create("patchy");
    expect(await api.ok("PATCH", `${base}/${s.id}`, [{ op: "add", path: "/included/-", value: "u" }])).toBe(
      true,
    );
    expect((await api.ok<SegmentView>("GET", `${base}/${s.id}`)).included).toEqual(["u"]);
    const res = await api.call("PATCH", `${base}/${s.id}`, [{ op: "remove", path: "/nothing" }]);
    expect(res.status).toBe(200);
    expect(res.body?.success).toBe(false);
    expect((await api.call("PATCH", `${base}/${s.id}`, "nope")).status).toBe(500);
  });

  it("records segment operations in the audit log", async () => {
    const s = await create("logged");
    await api.ok("PUT", `${base}/${s.id}/name`, { name: "Logged", comment: "why" });
    const logs = await api.ok<Paged<{ operation: string; comment: string | null; refType: string }>>(
      "GET",
      `/envs/${envId}/audit-logs?refType=Segment&refId=${s.id}`,
    );
    expect(logs.items.map((l) => [l.operation, l.comment])).toEqual([
      ["Update", "why"],
      ["Create", ""],
    ]);
  });
});
