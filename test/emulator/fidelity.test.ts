// Where FeatBit fails and a kinder emulator would succeed: column limits and partial saves, null
// lists, environment-scoped permissions, FeatBit's comparer deciding targeting permissions, response
// shapes. Each test names the FeatBit source file (featbit/featbit) it reproduces.
import type { Emulator } from "../../provider/emulator";
import { Api, flagBody, start, type Flag, type Paged, type ProjectView } from "./support";

const OWNER = "api-fidelity-owner-000000000000000000000000";
/** May read the env and change nothing in targeting (no UpdateFlag*, no UpdateSegment*). */
const READER = "api-fidelity-reader-00000000000000000000000";

let emulator: Emulator;
let api: Api;
let project: ProjectView;
let prod: string;
let dev: string;

beforeAll(async () => {
  ({ emulator, api } = await start({
    seed: 21,
    orgKey: "acme",
    tokens: [
      OWNER,
      {
        token: READER,
        permissions: [
          {
            id: "r1",
            resourceType: "env",
            effect: "allow",
            actions: ["CanAccessEnv"],
            resources: ["project/*:env/*"],
          },
        ],
      },
    ],
  }));
  project = await api.ok<ProjectView>("POST", "/projects", { name: "Fid", key: "fid" });
  [prod, dev] = project.environments.map((e) => e.id);
});
afterAll(() => emulator.close());

const flags = (env = prod) => `/envs/${env}/feature-flags`;
const segments = (env = prod) => `/envs/${env}/segments`;
const createFlag = (key: string, extra: Record<string, unknown> = {}, env = prod) =>
  api.ok<Flag>("POST", flags(env), flagBody(key, extra));
const getFlag = (key: string, env = prod) => api.ok<Flag>("GET", `${flags(env)}/${key}`);

interface AuditItem {
  refId: string;
  operation: string;
  comment: string | null;
  dataChange: { previous: string; current: string };
}
const auditOf = async (refId: string, env = prod) =>
  (await api.ok<Paged<AuditItem>>("GET", `/envs/${env}/audit-logs?refId=${refId}&pageSize=50`)).items;

interface SegmentView {
  id: string;
  envId: string;
  name: string;
  description: string | null;
  included: string[];
  rules: unknown[];
  updatedAt: string;
}
const createSegment = (key: string, extra: Record<string, unknown> = {}, env = prod, envKey = "prod") =>
  api.ok<SegmentView>("POST", segments(env), {
    type: "environment-specific",
    name: `Seg ${key}`,
    key,
    scopes: [`organization/acme:project/fid:env/${envKey}`],
    ...extra,
  });

const targetingOf = (f: Flag, changes: Record<string, unknown> = {}) => ({
  revision: f.revision,
  targeting: {
    targetUsers: f.targetUsers,
    rules: f.rules,
    fallthrough: f.fallthrough,
    exptIncludeAllTargets: f.exptIncludeAllTargets,
    ...changes,
  },
});

const x = (n: number) => "x".repeat(n);

describe("column limits (infra/postgresql/docker-entrypoint-initdb.d/v0.0.0.sql, v5.2.1.sql, v5.4.1.sql)", () => {
  it("refuses an off variation id over feature_flags.disabled_variation_id varchar(128), saving nothing", async () => {
    const long = [
      { id: x(129), name: "On", value: "true" },
      { id: "v-off", name: "Off", value: "false" },
    ];
    // Variation ids live in jsonb: a long one is fine until it becomes the off variation.
    const flag = await createFlag("long-variation-id", { variations: long, enabledVariationId: x(129) });
    const res = await api.call("PUT", `${flags()}/long-variation-id/off-variation`, {
      revision: flag.revision,
      offVariationId: x(129),
    });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ success: false, errors: ["InternalServerError"], data: null });
    expect(await getFlag("long-variation-id")).toEqual(flag);

    const created = await api.call(
      "POST",
      flags(),
      flagBody("long-off", { variations: long, enabledVariationId: "v-off", disabledVariationId: x(129) }),
    );
    expect(created.status).toBe(500);
    expect((await api.call("GET", `${flags()}/long-off`)).status).toBe(404);
  });

  it("stores long descriptions, tags and variation values of flags (text, text[] and jsonb columns)", async () => {
    const flag = await createFlag("unbounded", { description: x(5000), tags: [x(1000)] });
    const variations = [
      { id: "v-on", name: x(1000), value: x(10_000) },
      { id: "v-off", name: "Off", value: "false" },
    ];
    await api.ok("PUT", `${flags()}/unbounded/variations`, { revision: flag.revision, variations });
    expect((await getFlag("unbounded")).variations[0].value).toHaveLength(10_000);
  });

  it("refuses over-long project, environment, workspace, policy, group and member values with 500", async () => {
    const cases: [string, string, unknown][] = [
      ["POST", "/projects", { name: x(129), key: "long-name" }],
      ["POST", `/projects/${project.id}/envs`, { name: x(129), key: "long-env" }],
      ["POST", `/projects/${project.id}/envs`, { name: "Env", key: x(129) }],
      ["PUT", `/projects/${project.id}/envs/${dev}`, { name: x(129) }],
      ["PUT", `/projects/${project.id}`, { name: x(129) }],
      ["PUT", "/workspaces", { name: x(129), key: "default-workspace" }],
      ["POST", "/policies", { name: "P", key: "p-long", description: x(513) }],
      ["POST", "/policies", { name: "P", key: x(129) }],
      ["POST", "/groups", { name: x(129) }],
      ["POST", "/members/add", { email: `${x(129)}@example.com` }],
      ["POST", "/members/add", { email: `a@${x(260)}.com` }],
    ];
    for (const [method, path, body] of cases) {
      const res = await api.call(method, path, body);
      expect([method, path, res.status]).toEqual([method, path, 500]);
    }
    const projects = await api.ok<ProjectView[]>("GET", "/projects");
    expect(projects.map((p) => p.key)).toEqual(["fid"]);
    expect(projects[0].environments.map((e) => e.name)).toEqual(["Prod", "Dev"]);
    expect((await api.ok<{ name: string }>("GET", "/workspaces")).name).toBe("Default Workspace");
    // Exactly at the limit is fine.
    await api.ok("POST", "/groups", { name: x(128) });
  });

  it("refuses a segment created with a description over segments.description varchar(512)", async () => {
    const res = await api.call("POST", segments(), {
      type: "environment-specific",
      name: "Long",
      key: "long-description",
      description: x(513),
      scopes: ["organization/acme:project/fid:env/prod"],
    });
    expect(res.status).toBe(500);
    const list = await api.ok<Paged<{ key: string }>>("GET", `${segments()}?pageSize=100`);
    expect(list.items.some((s) => s.key === "long-description")).toBe(false);
  });

  it("counts characters, not UTF-16 units or bytes (varchar(n) is n characters)", async () => {
    await api.ok("POST", "/groups", { name: "😀".repeat(128) });
    expect((await api.call("POST", "/groups", { name: "😀".repeat(129) })).status).toBe(500);
  });

  it("answers a JSON patch that breaks a NOT NULL or varchar column with 500, the flag untouched (PatchFeatureFlag.cs)", async () => {
    const flag = await createFlag("patch-columns");
    for (const ops of [
      [{ op: "replace", path: "/name", value: null }],
      [{ op: "replace", path: "/name", value: x(129) }],
      [{ op: "remove", path: "/variationType" }],
      [{ op: "replace", path: "/key", value: x(129) }],
    ]) {
      const res = await api.call("PATCH", `${flags()}/patch-columns`, ops);
      expect(res.status).toBe(500);
    }
    expect(await getFlag("patch-columns")).toEqual(flag);
  });
});

describe("partial saves: the change lands, the audit entry does not (OnFeatureFlagChanged.cs, OnSegmentChange.cs)", () => {
  it("toggles the flag, then answers 500 for a comment over audit_logs.comment varchar(512)", async () => {
    const flag = await createFlag("long-comment-toggle");
    const res = await api.call("PUT", `${flags()}/long-comment-toggle/toggle/true`, { comment: x(513) });
    expect(res.status).toBe(500);
    const after = await getFlag("long-comment-toggle");
    expect(after.isEnabled).toBe(true);
    expect(after.revision).not.toBe(flag.revision);
    expect((await auditOf(flag.id)).map((a) => a.operation)).toEqual(["Create"]);
  });

  it("writes the targeting, then answers 500 for the comment", async () => {
    const flag = await createFlag("long-comment-targeting");
    const body = targetingOf(flag, { targetUsers: [{ keyIds: ["alice"], variationId: "v-on" }] });
    const res = await api.call("PUT", `${flags()}/long-comment-targeting/targeting`, {
      ...body,
      comment: x(513),
    });
    expect(res.status).toBe(500);
    expect((await getFlag("long-comment-targeting")).targetUsers).toEqual([
      { keyIds: ["alice"], variationId: "v-on" },
    ]);
    // 512 characters fit.
    const again = await getFlag("long-comment-targeting");
    await api.ok("PUT", `${flags()}/long-comment-targeting/targeting`, {
      ...targetingOf(again),
      comment: x(512),
    });
  });

  it("deletes the flag, then answers 500 for the comment (DeleteFeatureFlag.cs, OnFeatureFlagDeleted.cs)", async () => {
    await createFlag("long-comment-delete");
    await api.ok("PUT", `${flags()}/long-comment-delete/archive`);
    const res = await api.call("DELETE", `${flags()}/long-comment-delete`, { comment: x(513) });
    expect(res.status).toBe(500);
    expect((await api.call("GET", `${flags()}/long-comment-delete`)).status).toBe(404);
  });

  it("changes the segment but not its referencing flags when the comment is too long", async () => {
    const s = await createSegment("long-comment-seg");
    await createFlag("uses-long-comment-seg", {});
    const user = await getFlag("uses-long-comment-seg");
    const rule = {
      id: "r-seg",
      name: "in segment",
      dispatchKey: null,
      includedInExpt: false,
      conditions: [{ id: "c1", property: "User is in segment", op: null, value: JSON.stringify([s.id]) }],
      variations: [{ id: "v-on", rollout: [0, 1], exptRollout: 1 }],
    };
    await api.ok("PUT", `${flags()}/uses-long-comment-seg/targeting`, targetingOf(user, { rules: [rule] }));
    const flagBefore = await getFlag("uses-long-comment-seg");
    const res = await api.call("PUT", `${segments()}/${s.id}/targeting`, {
      included: ["bob"],
      excluded: [],
      rules: [],
      comment: x(513),
    });
    expect(res.status).toBe(500);
    expect((await api.ok<SegmentView>("GET", `${segments()}/${s.id}`)).included).toEqual(["bob"]);
    expect((await getFlag("uses-long-comment-seg")).updatedAt).toBe(flagBefore.updatedAt);

    // With a short comment the flag is touched (no new revision) and audited.
    await api.ok("PUT", `${segments()}/${s.id}/targeting`, { included: ["carol"], excluded: [], rules: [] });
    const touched = await getFlag("uses-long-comment-seg");
    expect(touched.updatedAt).not.toBe(flagBefore.updatedAt);
    expect(touched.revision).toBe(flagBefore.revision);
    expect((await auditOf(touched.id))[0].comment).toBe(
      `Referenced segment 'Seg long-comment-seg' has been updated.`,
    );
  });
});

describe("null lists in targeting (UpdateTargeting.cs, FlagComparer.cs, FeatureFlag.Serves)", () => {
  const withRule = async (key: string) => {
    const flag = await createFlag(key);
    const rule = {
      id: "r1",
      name: "rule",
      dispatchKey: null,
      includedInExpt: false,
      conditions: [{ id: "c1", property: "country", op: "Equal", value: "fr" }],
      variations: [{ id: "v-on", rollout: [0, 1], exptRollout: 1 }],
    };
    await api.ok("PUT", `${flags()}/${key}/targeting`, targetingOf(flag, { rules: [rule] }));
    return getFlag(key);
  };

  it.each([
    ["targetUsers: null", { targetUsers: null }],
    ["a null target user", { targetUsers: [null] }],
    ["rules: null", { rules: null }],
    ["fallthrough: null", { fallthrough: null }],
    [
      "fallthrough.variations: null",
      { fallthrough: { dispatchKey: null, includedInExpt: true, variations: null } },
    ],
  ])("answers 500 and stores nothing for %s", async (_, change) => {
    const flag = await createFlag(`null-${Object.keys(change)[0]}-${JSON.stringify(change).length}`);
    const res = await api.call("PUT", `${flags()}/${flag.key}/targeting`, targetingOf(flag, change));
    expect(res.status).toBe(500);
    expect(await getFlag(flag.key)).toEqual(flag);
  });

  it("answers 500 for null conditions or variations of an existing rule, but stores them on a new rule", async () => {
    const flag = await withRule("null-in-rules");
    const [rule] = flag.rules;
    for (const broken of [
      { ...rule, conditions: null },
      { ...rule, variations: null },
    ]) {
      const res = await api.call(
        "PUT",
        `${flags()}/null-in-rules/targeting`,
        targetingOf(flag, { rules: [broken] }),
      );
      expect(res.status).toBe(500);
    }
    expect(await getFlag("null-in-rules")).toEqual(flag);

    // A rule with a new id is only added, not compared: FeatBit stores it as sent.
    const added = { ...rule, id: "r2", conditions: null };
    await api.ok("PUT", `${flags()}/null-in-rules/targeting`, targetingOf(flag, { rules: [rule, added] }));
    expect((await getFlag("null-in-rules")).rules[1].conditions).toBeNull();
    // …after which the segment reference query of this environment fails (jsonb_array_elements on null).
    const s = await createSegment("refs-broken");
    expect((await api.call("GET", `${segments()}/${s.id}/flag-references`)).status).toBe(500);
    // Repair so the rest of the environment works again.
    const stored = await getFlag("null-in-rules");
    await api.ok("PUT", `${flags()}/null-in-rules/targeting`, targetingOf(stored, { rules: [rule] }));
  });

  it("stores a target user with keyIds: null, after which the flag list answers 500", async () => {
    const flag = await createFlag("null-key-ids", {}, dev);
    await api.ok(
      "PUT",
      `${flags(dev)}/null-key-ids/targeting`,
      targetingOf(flag, { targetUsers: [{ keyIds: null, variationId: "v-on" }] }),
    );
    expect((await getFlag("null-key-ids", dev)).targetUsers).toEqual([{ keyIds: null, variationId: "v-on" }]);
    expect((await api.call("GET", flags(dev))).status).toBe(500);
    const stored = await getFlag("null-key-ids", dev);
    await api.ok("PUT", `${flags(dev)}/null-key-ids/targeting`, targetingOf(stored, { targetUsers: [] }));
    expect((await api.call("GET", flags(dev))).status).toBe(200);
  });

  it("answers 500 when an IsOneOf value stops being a JSON string array (FlagComparer.CompareCondition)", async () => {
    const flag = await createFlag("one-of");
    const rule = {
      id: "r1",
      name: "rule",
      dispatchKey: null,
      includedInExpt: false,
      conditions: [{ id: "c1", property: "country", op: "IsOneOf", value: '["fr"]' }],
      variations: [{ id: "v-on", rollout: [0, 1], exptRollout: 1 }],
    };
    await api.ok("PUT", `${flags()}/one-of/targeting`, targetingOf(flag, { rules: [rule] }));
    const stored = await getFlag("one-of");
    const broken = { ...rule, conditions: [{ ...rule.conditions[0], value: "fr,de" }] };
    expect(
      (await api.call("PUT", `${flags()}/one-of/targeting`, targetingOf(stored, { rules: [broken] }))).status,
    ).toBe(500);
  });

  it("defaults an omitted exptIncludeAllTargets to true (FlagTargeting.cs)", async () => {
    const flag = await createFlag("expt-default");
    const body = targetingOf(flag);
    const { exptIncludeAllTargets: _omitted, ...targeting } = body.targeting;
    void _omitted;
    await api.ok("PUT", `${flags()}/expt-default/targeting`, { revision: flag.revision, targeting });
    expect((await getFlag("expt-default")).exptIncludeAllTargets).toBe(true);
  });

  it.each([
    ["rules: null", { rules: null }],
    ["a null rule", { rules: [null] }],
    ["a rule with conditions: null", { rules: [{ id: "r", name: "r", conditions: null }] }],
    ["a null condition", { rules: [{ id: "r", name: "r", conditions: [null] }] }],
  ])("answers 500 for segment targeting with %s (UpdateTargetingValidator)", async (_, change) => {
    const s = await createSegment(`seg-null-${JSON.stringify(change).length}`);
    const res = await api.call("PUT", `${segments()}/${s.id}/targeting`, {
      included: [],
      excluded: [],
      ...change,
    });
    expect(res.status).toBe(500);
    expect((await api.ok<SegmentView>("GET", `${segments()}/${s.id}`)).updatedAt).toBe(s.updatedAt);
  });

  it("treats null included/excluded lists of a segment as empty (Segment.UpdateTargeting)", async () => {
    const s = await createSegment("seg-null-users");
    await api.ok("PUT", `${segments()}/${s.id}/targeting`, { included: null, excluded: null, rules: [] });
    expect((await api.ok<SegmentView>("GET", `${segments()}/${s.id}`)).included).toEqual([]);
  });

  it("answers 500 for a null scope on segment create (CreateSegmentValidator)", async () => {
    const res = await api.call("POST", segments(), {
      type: "environment-specific",
      name: "n",
      key: "null-scope",
      scopes: [null],
    });
    expect(res.status).toBe(500);
  });
});

describe("environment-specific segments under another environment (ResourceService.GetSegmentRnAsync)", () => {
  it("reads under any environment but refuses permission-checked writes outside its own with 403", async () => {
    const s = await createSegment("env-bound");
    expect((await api.call("GET", `${segments(dev)}/${s.id}`)).status).toBe(200);
    const writes: [string, string, unknown][] = [
      ["PUT", `${segments(dev)}/${s.id}/name`, { name: "renamed" }],
      ["PUT", `${segments(dev)}/${s.id}/description`, { description: "d" }],
      ["PUT", `${segments(dev)}/${s.id}/tags`, { tags: ["t"] }],
      ["PUT", `${segments(dev)}/${s.id}/archive`, undefined],
      ["PUT", `${segments(dev)}/${s.id}/restore`, undefined],
      ["DELETE", `${segments(dev)}/${s.id}`, undefined],
    ];
    for (const [method, path, body] of writes) {
      const res = await api.call(method, path, body);
      expect([path, res.status, res.text]).toEqual([
        path,
        403,
        '{"success":false,"errors":["Forbidden"],"data":null}',
      ]);
    }
    expect((await api.ok<SegmentView>("GET", `${segments()}/${s.id}`)).name).toBe("Seg env-bound");
    // Under its own environment the same write works.
    await api.ok("PUT", `${segments()}/${s.id}/name`, { name: "renamed" });
  });

  it("lets targeting through under another environment, checked against the segment's own RN", async () => {
    const s = await createSegment("env-bound-targeting");
    await api.ok("PUT", `${segments(dev)}/${s.id}/targeting`, {
      included: ["dana"],
      excluded: [],
      rules: [],
    });
    const audit = await auditOf(s.id);
    expect(audit[0]).toMatchObject({ operation: "Update" });
  });
});

describe("targeting permissions follow FeatBit's comparer (UpdateTargeting.cs, FlagComparer.cs)", () => {
  let flag: Flag;
  beforeAll(async () => {
    const f = await createFlag("reader-flag");
    const rules = ["r1", "r2"].map((id) => ({
      id,
      name: id,
      dispatchKey: null,
      includedInExpt: false,
      conditions: [{ id: `${id}-c`, property: "country", op: "Equal", value: id }],
      variations: [{ id: "v-on", rollout: [0, 1], exptRollout: 1 }],
    }));
    await api.ok("PUT", `${flags()}/reader-flag/targeting`, targetingOf(f, { rules }));
    flag = await getFlag("reader-flag");
  });
  const asReader = (body: unknown) =>
    api.call("PUT", `${flags()}/reader-flag/targeting`, body, { token: READER });

  it("needs no permission to reorder rules or change experiment shares", async () => {
    const [r1, r2] = flag.rules;
    const changes = {
      rules: [
        r2,
        {
          ...r1,
          includedInExpt: true,
          variations: [{ id: "v-on", rollout: [0, 1.000001], exptRollout: 0.5 }],
        },
      ],
      fallthrough: { ...flag.fallthrough, includedInExpt: false, dispatchKey: null },
      exptIncludeAllTargets: false,
      targetUsers: [{ keyIds: ["nobody"], variationId: "no-such-variation" }],
    };
    const res = await asReader(targetingOf(flag, changes));
    expect(res.status).toBe(200);
    flag = await getFlag("reader-flag");
    expect(flag.rules.map((r) => r.id)).toEqual(["r2", "r1"]);
  });

  it.each([
    ["a rule name", (f: Flag) => ({ rules: f.rules.map((r) => ({ ...r, name: "other" })) })],
    [
      "the default rule's rollout",
      (f: Flag) => ({
        fallthrough: { ...f.fallthrough, variations: [{ id: "v-off", rollout: [0, 1], exptRollout: 1 }] },
      }),
    ],
    [
      "the default rule's dispatch key",
      (f: Flag) => ({ fallthrough: { ...f.fallthrough, dispatchKey: "email" } }),
    ],
    ["target users of a real variation", () => ({ targetUsers: [{ keyIds: ["u"], variationId: "v-on" }] })],
  ])("refuses a change of %s with 403", async (_, change) => {
    const res = await asReader(targetingOf(flag, change(flag)));
    expect(res.status).toBe(403);
  });
});

describe("pending changes (GetPendingChanges.cs, PendingChangesVm.cs)", () => {
  const admin = (method: string, body?: unknown) =>
    fetch(`${emulator.url}/_emulator/pending-changes`, {
      method,
      headers: { Authorization: OWNER, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it("lists every schedule and change request not Applied, declined included, newest first", async () => {
    const flag = await createFlag("pending");
    const seed = async (body: Record<string, unknown>) => {
      const res = await admin("POST", { envId: prod, flagKey: "pending", ...body });
      expect(res.status).toBe(200);
    };
    await seed({
      type: "Schedule",
      title: "Turn on",
      scheduledTime: "2030-01-01T00:00:00Z",
      change: { isEnabled: true },
    });
    await seed({ type: "ChangeRequest", status: "Declined", reason: "why not", change: { name: "Renamed" } });
    await seed({ type: "ChangeRequest", status: "Applied", change: { description: "done" } });
    await seed({
      type: "Schedule",
      title: "Reviewed",
      changeRequest: { reason: "needs review" },
      change: { isEnabled: true },
    });

    const list = await api.ok<Record<string, unknown>[]>("GET", `${flags()}/pending/pending-changes`);
    expect(list.map((p) => [p.type, p.status])).toEqual([
      ["Schedule", "PendingReview"],
      ["ChangeRequest", "Declined"],
      ["Schedule", "PendingExecution"],
    ]);
    const [reviewed, declined, scheduled] = list;
    expect(Object.keys(scheduled)).toEqual([
      "id",
      "flagId",
      "dataChange",
      "creatorId",
      "creatorName",
      "createdAt",
      "instructions",
      "type",
      "status",
      "scheduleTitle",
      "scheduledTime",
      "changeRequestId",
      "changeRequestReason",
      "reviewers",
    ]);
    expect(scheduled).toMatchObject({
      flagId: flag.id,
      creatorName: "tester",
      instructions: [{ kind: "TurnFlagOn", value: "" }],
      scheduleTitle: "Turn on",
      scheduledTime: "2030-01-01T00:00:00.000Z",
      changeRequestId: null,
      changeRequestReason: null,
      reviewers: null,
    });
    expect(declined).toMatchObject({
      instructions: [{ kind: "UpdateName", value: "Renamed" }],
      scheduleTitle: null,
      scheduledTime: "0001-01-01T00:00:00",
      changeRequestId: null,
      changeRequestReason: "why not",
    });
    expect(reviewed).toMatchObject({
      changeRequestReason: "needs review",
      reviewers: [{ action: "", timestamp: null }],
    });
    expect(typeof reviewed.changeRequestId).toBe("string");
    expect(JSON.parse((scheduled.dataChange as { current: string }).current)).toMatchObject({
      isEnabled: true,
    });
  });

  it("refuses seeds the emulator's admin cannot make sense of, and needs the emulator's own token", async () => {
    await createFlag("pending-bad");
    for (const body of [
      { envId: prod, flagKey: "missing", change: {} },
      { envId: prod, flagKey: "pending-bad", change: { key: "other" } },
      { envId: prod, flagKey: "pending-bad", type: "Schedule", title: x(129), change: {} },
      { envId: prod, flagKey: "pending-bad", type: "ChangeRequest", status: "Merged", change: {} },
    ])
      expect((await admin("POST", body)).status).toBe(400);
    const asReader = await fetch(`${emulator.url}/_emulator/pending-changes`, {
      headers: { Authorization: READER },
    });
    expect(asReader.status).toBe(403);
    expect((await api.ok<unknown[]>("GET", `${flags()}/pending-bad/pending-changes`)).length).toBe(0);
  });
});

describe("response shapes", () => {
  it("creates a segment without description as '' (Segment.cs: description ?? string.Empty)", async () => {
    expect((await createSegment("no-description")).description).toBe("");
  });

  it("records audit snapshots as strings, '' for the side that does not exist (DataChange.cs), keyword-searchable by key", async () => {
    const flag = await createFlag("audit-shape");
    await api.ok("PUT", `${flags()}/audit-shape/archive`);
    await api.ok("DELETE", `${flags()}/audit-shape`);
    const entries = await auditOf(flag.id);
    expect(entries.map((e) => e.operation)).toEqual(["Remove", "Archive", "Create"]);
    expect(entries[2].dataChange.previous).toBe("");
    expect(entries[0].dataChange.current).toBe("");
    expect(entries.map((e) => e.comment)).toEqual(["", "", ""]);
    const byKey = await api.ok<Paged<AuditItem>>("GET", `/envs/${prod}/audit-logs?query=audit-shape`);
    expect(byKey.totalCount).toBe(3);
  });

  it("reports the last failing JSON-patch operation, with data false (PatchFeatureFlag.cs, ApiResponse.cs)", async () => {
    await createFlag("patch-last-error");
    const res = await api.call("PATCH", `${flags()}/patch-last-error`, [
      { op: "replace", path: "/nope", value: 1 },
      { op: "replace", path: "/isEnabled", value: true },
      { op: "remove", path: "/variations/9" },
    ]);
    expect(res.status).toBe(200);
    expect(res.body?.success).toBe(false);
    expect(res.body?.data).toBe(false);
    expect(res.body?.errors[0]).toContain("'9'");
    expect((await getFlag("patch-last-error")).isEnabled).toBe(false);
  });
});
