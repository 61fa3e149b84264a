// Conformance: feature flags (§4.6, §5.1, §5.2, §6).
import type { Emulator } from "../../provider/emulator";
import {
  Api,
  BOOL_VARIATIONS,
  flagBody,
  MISSING,
  projectWithEnv,
  start,
  type Flag,
  type Paged,
} from "./support";

let emulator: Emulator;
let api: Api;
let envId: string;
let base: string;

beforeAll(async () => {
  ({ emulator, api } = await start({ seed: 7 }));
  envId = (await projectWithEnv(api, "flags")).env.id;
  base = `/envs/${envId}/feature-flags`;
});
afterAll(() => emulator.close());

const create = (key: string, extra: Record<string, unknown> = {}) =>
  api.ok<Flag>("POST", base, flagBody(key, extra));
const get = (key: string) => api.ok<Flag>("GET", `${base}/${key}`);

describe("create", () => {
  it("applies FeatBit's defaults and preserves client variation ids", async () => {
    const flag = await create("defaults");
    expect(flag).toMatchObject({
      envId,
      key: "defaults",
      description: null,
      isEnabled: false,
      variations: BOOL_VARIATIONS,
      disabledVariationId: "v-off",
      targetUsers: [],
      rules: [],
      fallthrough: {
        dispatchKey: null,
        includedInExpt: true,
        variations: [{ id: "v-on", rollout: [0, 1], exptRollout: 1 }],
      },
      exptIncludeAllTargets: true,
      tags: [],
      isArchived: false,
    });
    expect(flag.revision).toMatch(/^[0-9a-f-]{36}$/);
    expect(flag.creatorId).toBe(flag.updatorId);
    expect(await get("defaults")).toEqual(flag);
  });

  it("reports each property's first failure in rule order", async () => {
    const res = await api.call("POST", base, {
      name: "x".repeat(129),
      key: "bad key!",
      variationType: "date",
      variations: [],
      enabledVariationId: "a",
      disabledVariationId: "b",
    });
    expect(res.status).toBe(400);
    expect(res.body?.errors).toEqual([
      "name_is_invalid",
      "key_is_invalid",
      "variationType_is_invalid",
      "NotEmptyValidator",
      "disabledVariationId_is_invalid",
      "enabledVariationId_is_invalid",
    ]);
  });

  it("requires name and key, and variations with ids and names", async () => {
    const res = await api.call("POST", base, {
      variationType: "string",
      variations: [{ id: "", name: "x", value: "1" }],
      enabledVariationId: "zz",
      disabledVariationId: "zz",
    });
    expect(res.body?.errors).toEqual([
      "name_is_required",
      "key_is_required",
      "variations_is_invalid",
      "disabledVariationId_is_invalid",
      "enabledVariationId_is_invalid",
    ]);
  });

  it("rejects duplicate keys case-insensitively, archived flags included", async () => {
    await create("dupe");
    await api.ok("PUT", `${base}/dupe/archive`);
    const res = await api.call("POST", base, flagBody("DUPE"));
    expect(res.status).toBe(422);
    expect(res.body?.errors).toEqual(["KeyHasBeenUsed"]);
  });

  it("answers a wrong JSON type with a problem details keyed by path", async () => {
    const res = await api.call("POST", base, flagBody("typed", { isEnabled: "yes" }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({
      status: 400,
      errors: { "$.isEnabled": [expect.stringContaining("System.Boolean")] },
    });
  });
});

describe("get", () => {
  it("matches keys case-sensitively and answers 404 ResourceNotFound when missing", async () => {
    await create("CaseKey");
    const res = await api.call("GET", `${base}/casekey`);
    expect(res.status).toBe(404);
    expect(res.text).toBe('{"success":false,"errors":["ResourceNotFound"],"data":null}');
    expect(res.headers.get("cache-control")).toBe("no-store, no-cache");
  });

  it("answers 403 for any flag route under a missing env", async () => {
    const missing = `/envs/${MISSING}/feature-flags`;
    expect((await api.call("GET", missing)).status).toBe(403);
    expect((await api.call("GET", `${missing}/x`)).status).toBe(403);
    expect((await api.call("POST", missing, flagBody("x"))).status).toBe(403);
    expect((await api.call("PUT", `${missing}/x/toggle/true`)).status).toBe(403);
  });
});

describe("granular updates", () => {
  it("rotates the revision on name change and no-ops on the same name", async () => {
    const flag = await create("named");
    const rev = await api.ok<string>("PUT", `${base}/named/name`, { name: "Renamed" });
    expect(rev).not.toBe(flag.revision);
    expect(await api.ok<string>("PUT", `${base}/named/name`, { name: "Renamed" })).toBe(rev);
    const read = await get("named");
    expect(read).toMatchObject({ name: "Renamed", revision: rev });
    const bad = await api.call("PUT", `${base}/named/name`, { name: "" });
    expect(bad.body?.errors).toEqual(["name_is_required"]);
  });

  it("updates the description, same value is a no-op", async () => {
    await create("described");
    const rev = await api.ok<string>("PUT", `${base}/described/description`, { description: "d" });
    expect(await api.ok<string>("PUT", `${base}/described/description`, { description: "d" })).toBe(rev);
    expect((await get("described")).description).toBe("d");
  });

  it("checks the revision on off-variation, variations and targeting (409 Conflict)", async () => {
    const flag = await create("guarded");
    for (const [aspect, body] of [
      ["off-variation", { offVariationId: "v-on" }],
      ["variations", { variations: BOOL_VARIATIONS }],
      [
        "targeting",
        {
          targeting: {
            targetUsers: [],
            rules: [],
            fallthrough: flag.fallthrough,
            exptIncludeAllTargets: true,
          },
        },
      ],
    ] as const) {
      const stale = await api.call("PUT", `${base}/guarded/${aspect}`, { ...body, revision: MISSING });
      expect(stale.status).toBe(409);
      expect(stale.body?.errors).toEqual(["Conflict"]);
      const omitted = await api.call("PUT", `${base}/guarded/${aspect}`, body);
      expect(omitted.status).toBe(409);
    }
    const rev = await api.ok<string>("PUT", `${base}/guarded/off-variation`, {
      revision: flag.revision,
      offVariationId: "v-on",
    });
    expect(rev).not.toBe(flag.revision);
    expect((await get("guarded")).disabledVariationId).toBe("v-on");
  });

  it("validates off-variation and variations bodies before the revision", async () => {
    await create("validated");
    expect(
      (await api.call("PUT", `${base}/validated/off-variation`, { revision: MISSING })).body?.errors,
    ).toEqual(["offVariationId_is_required"]);
    expect((await api.call("PUT", `${base}/validated/variations`, { variations: [] })).body?.errors).toEqual([
      "NotEmptyValidator",
    ]);
  });

  it("replaces the variation list without checking references (quirk)", async () => {
    const flag = await create("varied");
    const variations = [{ id: "v-new", name: "New", value: "true" }];
    const rev = await api.ok<string>("PUT", `${base}/varied/variations`, {
      revision: flag.revision,
      variations,
    });
    const read = await get("varied");
    expect(read).toMatchObject({ variations, revision: rev, disabledVariationId: "v-off" });
  });

  it("replaces targeting as a whole and returns the new revision", async () => {
    const flag = await create("targeted");
    const targeting = {
      targetUsers: [{ keyIds: ["u1"], variationId: "v-on" }],
      rules: [
        {
          id: "r1",
          name: "Staff",
          dispatchKey: null,
          includedInExpt: false,
          conditions: [{ id: "c1", property: "email", op: "EndsWith", value: "@x.io" }],
          variations: [{ id: "v-on", rollout: [0, 1], exptRollout: 1 }],
        },
      ],
      fallthrough: {
        dispatchKey: "keyId",
        includedInExpt: true,
        variations: [{ id: "v-off", rollout: [0, 1], exptRollout: 1 }],
      },
      exptIncludeAllTargets: false,
    };
    const rev = await api.ok<string>("PUT", `${base}/targeted/targeting`, {
      revision: flag.revision,
      targeting,
    });
    const read = await get("targeted");
    expect(read).toMatchObject({ ...targeting, revision: rev });
  });

  it("answers 500 for a null targeting (no validator in FeatBit)", async () => {
    const flag = await create("nulltargeting");
    const res = await api.call("PUT", `${base}/nulltargeting/targeting`, {
      revision: flag.revision,
      targeting: null,
    });
    expect(res.status).toBe(500);
    expect(res.body?.errors).toEqual(["InternalServerError"]);
  });

  it("toggles idempotently and rejects unparsable status with a problem details", async () => {
    const flag = await create("toggled");
    const on = await api.ok<string>("PUT", `${base}/toggled/toggle/true`);
    expect(on).not.toBe(flag.revision);
    expect(await api.ok<string>("PUT", `${base}/toggled/toggle/True`, { comment: "again" })).toBe(on);
    expect((await get("toggled")).isEnabled).toBe(true);
    const res = await api.call("PUT", `${base}/toggled/toggle/maybe`);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });

  it("replaces tags, always bumping the revision, and returns true", async () => {
    const flag = await create("tagged", { tags: ["a"] });
    expect(await api.ok("PUT", `${base}/tagged/tags`, { tags: ["b", "c"] })).toBe(true);
    const read = await get("tagged");
    expect(read.tags).toEqual(["b", "c"]);
    expect(read.revision).not.toBe(flag.revision);
    await api.ok("PUT", `${base}/tagged/tags`, { tags: null });
    expect((await get("tagged")).tags).toEqual([]);
  });

  it("answers 403 Forbidden for granular routes on a missing key", async () => {
    for (const [method, path, body] of [
      ["PUT", "name", { name: "x" }],
      ["PUT", "toggle/true", undefined],
      ["PUT", "archive", undefined],
      ["PUT", "tags", { tags: [] }],
    ] as const) {
      const res = await api.call(method, `${base}/no-such-flag/${path}`, body);
      expect(res.status).toBe(403);
      expect(res.body?.errors).toEqual(["Forbidden"]);
    }
    expect((await api.call("DELETE", `${base}/no-such-flag`)).status).toBe(403);
  });
});

describe("archive, restore, delete", () => {
  it("requires archiving before delete (422 CannotDeleteUnarchivedFeatureFlag)", async () => {
    await create("lifecycle");
    const res = await api.call("DELETE", `${base}/lifecycle`);
    expect(res.status).toBe(422);
    expect(res.body?.errors).toEqual(["CannotDeleteUnarchivedFeatureFlag"]);
    expect(await api.ok("PUT", `${base}/lifecycle/archive`)).toBe(true);
    const archivedRev = (await get("lifecycle")).revision;
    expect(await api.ok("PUT", `${base}/lifecycle/archive`)).toBe(true);
    expect((await get("lifecycle")).revision).toBe(archivedRev);
    expect(await api.ok("DELETE", `${base}/lifecycle`, { comment: "bye" })).toBe(true);
    expect((await api.call("GET", `${base}/lifecycle`)).status).toBe(404);
  });

  it("restores idempotently", async () => {
    await create("restored");
    await api.ok("PUT", `${base}/restored/archive`);
    expect(await api.ok("PUT", `${base}/restored/restore`)).toBe(true);
    const rev = (await get("restored")).revision;
    expect(await api.ok("PUT", `${base}/restored/restore`)).toBe(true);
    expect(await get("restored")).toMatchObject({ isArchived: false, revision: rev });
  });
});

describe("list", () => {
  let listEnv: string;
  beforeAll(async () => {
    listEnv = (await projectWithEnv(api, "listing")).env.id;
    const mk = (key: string, extra: Record<string, unknown> = {}) =>
      api.ok("POST", `/envs/${listEnv}/feature-flags`, flagBody(key, extra));
    await mk("beta", { tags: ["web", "team-a"], isEnabled: true });
    await mk("alpha", { tags: ["web"] });
    await mk("gamma", { name: "Checkout" });
    await mk("old");
    await api.ok("PUT", `/envs/${listEnv}/feature-flags/old/archive`);
  });
  const list = (query = "") =>
    api.ok<Paged<Record<string, unknown>>>("GET", `/envs/${listEnv}/feature-flags${query}`);

  it("hides archived flags and sorts by createdAt desc by default", async () => {
    const page = await list();
    expect(page.totalCount).toBe(3);
    expect(page.items.map((f) => f.key)).toEqual(["gamma", "alpha", "beta"]);
    expect((await list("?isArchived=true")).items.map((f) => f.key)).toEqual(["old"]);
  });

  it("sorts by key, filters by name/key substring, all tags and isEnabled, and pages", async () => {
    expect((await list("?sortBy=key")).items.map((f) => f.key)).toEqual(["alpha", "beta", "gamma"]);
    expect((await list("?name=CHECK")).items.map((f) => f.key)).toEqual(["gamma"]);
    expect((await list("?name=alp")).items.map((f) => f.key)).toEqual(["alpha"]);
    expect((await list("?tags=web&tags=team-a")).items.map((f) => f.key)).toEqual(["beta"]);
    expect((await list("?isEnabled=true")).items.map((f) => f.key)).toEqual(["beta"]);
    const page = await list("?sortBy=key&pageIndex=1&pageSize=2");
    expect(page).toMatchObject({ totalCount: 3, items: [{ key: "gamma" }] });
  });

  it("returns the list view: serves, null creator, Ghost lastChange, no revision", async () => {
    const item = (await list("?name=beta")).items[0];
    expect(item).not.toHaveProperty("revision");
    expect(item).not.toHaveProperty("envId");
    expect(item).toMatchObject({
      creator: null,
      serves: { enabledVariations: ["true"], disabledVariation: "false" },
      lastChange: { operator: { name: "Ghost", email: "Ghost" } },
    });
  });

  it("answers 500 when a listed flag's off variation is dangling (quirk)", async () => {
    const env = (await projectWithEnv(api, "dangling")).env.id;
    const flag = await api.ok<Flag>("POST", `/envs/${env}/feature-flags`, flagBody("d"));
    await api.ok("PUT", `/envs/${env}/feature-flags/d/off-variation`, {
      revision: flag.revision,
      offVariationId: "gone",
    });
    expect((await api.call("GET", `/envs/${env}/feature-flags`)).status).toBe(500);
  });

  it("rejects an unparsable bool filter with a problem details", async () => {
    const res = await api.call("GET", `/envs/${listEnv}/feature-flags?isEnabled=yes`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ errors: { isEnabled: [expect.any(String)] } });
  });

  it("lists distinct tags of non-archived flags", async () => {
    await api.ok("PUT", `/envs/${listEnv}/feature-flags/old/tags`, { tags: ["hidden"] });
    const tags = await api.ok<string[]>("GET", `/envs/${listEnv}/feature-flags/all-tags`);
    expect(tags.sort()).toEqual(["team-a", "web"]);
  });
});

describe("clone, pending changes", () => {
  it("clones everything into a new key and returns true", async () => {
    const origin = await create("origin", { isEnabled: true });
    expect(await api.ok("POST", `${base}/clone/origin`, { name: "Copy", key: "copy", tags: ["t"] })).toBe(
      true,
    );
    const copy = await get("copy");
    expect(copy).toMatchObject({ name: "Copy", tags: ["t"], isEnabled: true, variations: origin.variations });
    expect(copy.id).not.toBe(origin.id);
    expect((await api.call("POST", `${base}/clone/origin`, { name: "Again", key: "COPY" })).status).toBe(422);
    expect((await api.call("POST", `${base}/clone/missing`, { name: "x", key: "y" })).status).toBe(403);
  });

  it("has no pending changes; a missing flag is 404", async () => {
    await create("pending");
    expect(
      await api.ok("GET", `${base}/pending-changes`.replace("/pending-changes", "/pending/pending-changes")),
    ).toEqual([]);
    expect((await api.call("GET", `${base}/nope/pending-changes`)).status).toBe(404);
  });

  it("answers 403 empty for JWT-only flag routes, with literal routes beating {key}", async () => {
    const res = await api.call("GET", `${base}/is-key-used?key=x`);
    expect(res.status).toBe(403);
    expect(res.text).toBe("");
  });
});

describe("JSON patch", () => {
  it("applies add/remove/replace/move/copy/test and rotates the revision", async () => {
    const flag = await create("patched", { description: "moved" });
    const ops = [
      { op: "test", path: "/isEnabled", value: false },
      { op: "replace", path: "/isEnabled", value: true },
      { op: "add", path: "/tags/-", value: "p" },
      { op: "copy", from: "/tags/0", path: "/tags/-" },
      { op: "add", path: "/targetUsers/-", value: { keyIds: ["u"], variationId: "v-on" } },
      { op: "replace", path: "/variations/0/value", value: "yes" },
      { op: "move", from: "/description", path: "/name" },
      { op: "remove", path: "/tags/1" },
    ];
    const res = await api.call("PATCH", `${base}/patched`, ops);
    expect(res.text).toBe('{"success":true,"errors":[],"data":true}');
    const read = await get("patched");
    expect(read).toMatchObject({
      isEnabled: true,
      tags: ["p"],
      targetUsers: [{ keyIds: ["u"], variationId: "v-on" }],
    });
    expect(read.name).toBe("moved");
    expect(read.description).toBeNull();
    expect(read.variations[0].value).toBe("yes");
    expect(read.revision).not.toBe(flag.revision);
  });

  it("answers apply errors with 200 success:false and a message, leaving the flag untouched", async () => {
    const flag = await create("patch-errors");
    for (const ops of [
      [{ op: "replace", path: "/noSuchField", value: 1 }],
      [{ op: "test", path: "/isEnabled", value: true }],
      [{ op: "replace", path: "/isEnabled", value: "not a bool" }],
      [
        { op: "replace", path: "/name", value: "changed" },
        { op: "remove", path: "/rules/3" },
      ],
    ]) {
      const res = await api.call("PATCH", `${base}/patch-errors`, ops);
      expect(res.status).toBe(200);
      // ApiResponse<bool>.Error: data is default(bool) (Api/Controllers/ApiResponse.cs).
      expect(res.body).toMatchObject({ success: false, data: false });
      expect(res.body?.errors).toHaveLength(1);
    }
    expect(await get("patch-errors")).toEqual(flag);
  });

  it("answers a non-array body with 500, malformed JSON with a 400 problem details", async () => {
    await create("patch-500");
    const res = await api.call("PATCH", `${base}/patch-500`, { op: "replace" });
    expect(res.status).toBe(500);
    expect(res.body?.errors).toEqual(["InternalServerError"]);
    const malformed = await api.call("PATCH", `${base}/patch-500`, undefined, { raw: "[{" });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get("content-type")).toContain("application/problem+json");
  });
});

describe("audit log", () => {
  it("records flag operations newest first with comments", async () => {
    const flag = await create("audited");
    await api.ok("PUT", `${base}/audited/toggle/true`, { comment: "go live" });
    const logs = await api.ok<
      Paged<{ refId: string; refType: string; operation: string; comment: string | null }>
    >("GET", `/envs/${envId}/audit-logs?refId=${flag.id}`);
    expect(logs.items.map((l) => [l.operation, l.comment])).toEqual([
      ["Update", "go live"],
      // OnFeatureFlagChanged's comment defaults to "" (Application/FeatureFlags/OnFeatureFlagChanged.cs).
      ["Create", ""],
    ]);
    expect(logs.items[0].refType).toBe("FeatureFlag");
  });

  it("filters by text, time window and environment, and pages", async () => {
    const other = (await projectWithEnv(api, "audit-other")).env.id;
    await api.ok("POST", `/envs/${other}/feature-flags`, flagBody("elsewhere", { name: "Needle flag" }));
    type Logs = Paged<{ refId: string; createdAt: string; operation: string }>;
    // The emulator's clock never repeats a millisecond, so "after the create" is its timestamp + 1.
    const created = (await api.ok<Logs>("GET", `/envs/${other}/audit-logs`)).items[0].createdAt;
    const from = Date.parse(created) + 1;
    expect((await api.ok<Logs>("GET", `/envs/${envId}/audit-logs?query=needle`)).totalCount).toBe(0);
    const cross = await api.ok<Logs>("GET", `/envs/${envId}/audit-logs?query=needle&crossEnvironment=true`);
    expect(cross.totalCount).toBe(1);
    await api.ok("PUT", `/envs/${other}/feature-flags/elsewhere/toggle/true`);
    const recent = await api.ok<Logs>("GET", `/envs/${other}/audit-logs?from=${from}`);
    expect(recent.items.map((l) => l.operation)).toEqual(["Update"]);
    expect((await api.ok<Logs>("GET", `/envs/${other}/audit-logs?to=${from - 2}`)).totalCount).toBe(0);
    const paged = await api.ok<Logs>("GET", `/envs/${other}/audit-logs?pageSize=1&pageIndex=1`);
    expect(paged).toMatchObject({ totalCount: 2, items: [{ operation: "Create" }] });
  });
});
