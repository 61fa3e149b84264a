import type { ProjectWithEnvs } from "../../provider/client";
import type { DynamicProvider } from "../../provider/host/dynamicProvider";
import { UNKNOWN } from "../../provider/resources/core/schema";
import {
  errorOf,
  lifecycle,
  requestLines,
  startProviderHarness,
  type ProviderHarness,
} from "../support/providerHarness";

type Props = Record<string, unknown>;

let h: ProviderHarness;
let env: DynamicProvider;
let projectId: string;
let projectKey: string;
let counter = 0;

beforeAll(async () => {
  h = await startProviderHarness();
  env = h.provider("Environment");
});
afterAll(() => h.close());

/** A fresh project per test keeps tests independent (FeatBit adds prod and dev to each). */
beforeEach(async () => {
  projectKey = `proj-${++counter}`;
  const res = await h.api<ProjectWithEnvs>("POST", "/projects", {
    name: `Project ${counter}`,
    key: projectKey,
  });
  projectId = res.body.id;
  h.emulator.requests.clear();
  h.emulator.faults.clear();
});

const requests = () => requestLines(h);
const { checked, up, failuresOf } = lifecycle(() => env);

async function project(): Promise<ProjectWithEnvs> {
  return (await h.api<ProjectWithEnvs>("GET", `/projects/${projectId}`)).body;
}

const base = () => ({ projectId, key: "staging", name: "Staging" });

describe("check (no API calls)", () => {
  test("applies defaults", async () => {
    const inputs = await checked({ ...base(), projectId: projectId.toUpperCase() });
    expect(inputs).toMatchObject({
      projectId,
      key: "staging",
      name: "Staging",
      description: "",
      requireChangeComment: false,
    });
    expect(requests()).toEqual([]);
  });

  test.each([
    [{ projectId: "web" }, "projectId", "must be a FeatBit id"],
    [{ key: "" }, "key", "must not be empty"],
    [{ key: "has space" }, "key", "may only contain letters, digits"],
    [{ key: "k".repeat(129) }, "key", "128-character limit"],
    [{ name: "  " }, "name", "must not be empty"],
    [{ name: "n".repeat(129) }, "name", "128-character limit"],
    [{ requireChangeComment: "yes" }, "requireChangeComment", "true or false"],
    [{ adopt: "yes" }, "adopt", "true or false"],
    [{ importId: "not-an-id" }, "importId", "<project_uuid>/<environment_uuid>"],
  ])("rejects %j at %s", async (override, property, reason) => {
    const failures = await failuresOf({ ...base(), ...override });
    expect(failures).toContainEqual({ property, reason: expect.stringContaining(reason) });
    expect(failures.every((f) => f.property === property)).toBe(true);
    expect(requests()).toEqual([]);
  });

  test("a long description is FeatBit's to keep: environments.description is text, without a limit (v0.0.0.sql)", async () => {
    expect(await failuresOf({ ...base(), description: "d".repeat(5000) })).toEqual([]);
  });

  test("an unknown field is named, with the fields an Environment has", async () => {
    expect(await failuresOf({ ...base(), descripton: "typo" })).toEqual([
      {
        property: "",
        reason:
          "unknown field 'descripton': an Environment has projectId, key, name, description, requireChangeComment, adopt, importId",
      },
    ]);
  });

  test("a missing key and name are both reported", async () => {
    const failures = await failuresOf({ projectId });
    expect(failures.map((f) => f.property).sort()).toEqual(["key", "name"]);
  });

  test("importId must name the declared project", async () => {
    const other = "11111111-2222-4333-8444-555555555555";
    const failures = await failuresOf({ ...base(), importId: `${other}/${other}` });
    expect(failures).toEqual([{ property: "importId", reason: expect.stringContaining("make them agree") }]);
  });

  test("unknown values during preview are accepted as they are", async () => {
    const res = await env.check({}, { ...base(), projectId: UNKNOWN });
    expect(res.failures).toBeUndefined();
    expect(res.inputs).toMatchObject({ projectId: UNKNOWN });
  });
});

describe("lifecycle", () => {
  test("create, no-op diff, refresh, update, delete", async () => {
    const { id, outs, inputs } = await up({
      ...base(),
      description: "pre-production",
      requireChangeComment: true,
    });
    const created = (await project()).environments.find((e) => e.key === "staging");
    expect(created).toBeDefined();
    expect(id).toBe(`${projectId}/${created?.id}`);
    expect(outs).toMatchObject({
      projectId,
      key: "staging",
      name: "Staging",
      description: "pre-production",
      requireChangeComment: true,
      environmentId: created?.id,
      serverKey: created?.secrets.find((s) => s.type === "server")?.value,
      clientKey: created?.secrets.find((s) => s.type === "client")?.value,
    });
    expect(created?.settings?.requireChangeComment).toBe(true);

    h.emulator.requests.clear();
    expect(await env.diff(id, outs, inputs)).toEqual({ changes: false });
    const read = await env.read(id, outs);
    expect(read.props).toEqual(outs);
    expect(await env.diff(id, read.props as Props, await checked(read.inputs as Props))).toEqual({
      changes: false,
    });
    expect(requests()).toEqual([`GET /projects/${projectId}`]);

    h.emulator.requests.clear();
    const news = await checked({
      ...base(),
      name: "Staging 2",
      description: "pre-production",
      requireChangeComment: true,
    });
    expect(await env.diff(id, outs, news)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const updated = (await env.update(id, outs, news)).outs as Props;
    expect(updated).toMatchObject({
      name: "Staging 2",
      description: "pre-production",
      requireChangeComment: true,
    });
    expect(requests()).toEqual([`PUT /projects/${projectId}/envs/${created?.id}`]);
    expect((await project()).environments.find((e) => e.key === "staging")).toMatchObject({
      name: "Staging 2",
      description: "pre-production",
      settings: { requireChangeComment: true },
    });

    await env.delete(id, updated);
    expect((await project()).environments.map((e) => e.key)).not.toContain("staging");
    // A second delete finds it gone (FeatBit answers 403) and succeeds.
    await env.delete(id, updated);
    expect(await env.read(id, updated)).toEqual({});
  });

  test("an update that changes nothing FeatBit holds makes no request", async () => {
    const { id, outs } = await up(base());
    h.emulator.requests.clear();
    const res = await env.update(id, outs, await checked({ ...base(), adopt: true }));
    expect(res.outs).toMatchObject({ name: "Staging" });
    expect(requests()).toEqual([]);
  });

  test("description and requireChangeComment each show as a change", async () => {
    const { id, outs } = await up(base());
    for (const change of [{ description: "x" }, { requireChangeComment: true }]) {
      expect(await env.diff(id, outs, await checked({ ...base(), ...change }))).toMatchObject({
        changes: true,
        replaces: [],
      });
    }
    expect(await env.diff(id, outs, await checked({ ...base(), adopt: true }))).toEqual({ changes: false });
  });

  test("key and project changes replace; a same-key replacement deletes first", async () => {
    const { id, outs } = await up(base());
    h.emulator.requests.clear();
    expect(await env.diff(id, outs, await checked({ ...base(), key: "qa" }))).toEqual({
      changes: true,
      replaces: ["key"],
      deleteBeforeReplace: false,
    });
    expect(await env.diff(id, outs, await checked({ ...base(), key: "STAGING" }))).toEqual({
      changes: true,
      replaces: ["key"],
      deleteBeforeReplace: true,
    });
    const other = "11111111-2222-4333-8444-555555555555";
    expect(await env.diff(id, outs, await checked({ ...base(), projectId: other }))).toEqual({
      changes: true,
      replaces: ["projectId"],
      deleteBeforeReplace: false,
    });
    expect(await env.diff(id, outs, { ...base(), projectId: UNKNOWN })).toMatchObject({
      changes: true,
      replaces: ["projectId"],
    });
    expect(requests()).toEqual([]);
  });
});

describe("refresh", () => {
  test("drift made in FeatBit is folded back into inputs", async () => {
    const { id, outs } = await up(base());
    const envId = String(outs.environmentId);
    await h.api("PUT", `/projects/${projectId}/envs/${envId}`, {
      name: "Renamed",
      description: "by hand",
      settings: { requireChangeComment: true },
    });
    const read = await env.read(id, outs);
    expect(read.inputs).toEqual({
      projectId,
      key: "staging",
      name: "Renamed",
      description: "by hand",
      requireChangeComment: true,
    });
    expect(await env.diff(id, read.props as Props, await checked(base()))).toMatchObject({
      changes: true,
      replaces: [],
    });
  });

  test("read works from the id alone (get)", async () => {
    const { id, outs } = await up({ ...base(), description: "d" });
    const read = await env.read(id);
    expect(read.id).toBe(id);
    // A read without state adopts nothing, so it records no origin.
    const { origin: _origin, ...found } = outs;
    expect(read.props).toEqual(found);
    expect(read.inputs).toMatchObject({
      projectId,
      key: "staging",
      name: "Staging",
      description: "d",
    });
  });

  test("an environment deleted outside Pulumi reads as gone", async () => {
    const { id, outs } = await up(base());
    await h.api("DELETE", `/projects/${projectId}/envs/${String(outs.environmentId)}`);
    expect(await env.read(id, outs)).toEqual({});
  });

  test("an environment whose project was deleted reads as gone", async () => {
    const { id, outs } = await up(base());
    await h.api("DELETE", `/projects/${projectId}`);
    expect(await env.read(id, outs)).toEqual({});
    // Destroy of an environment whose project is gone succeeds too.
    await env.delete(id, outs);
  });

  test("a malformed id is refused with the expected format", async () => {
    const err = await errorOf(h, env.read("not-an-id"));
    expect(err.message).toContain("<project_uuid>/<environment_uuid>");
  });

  test("a FeatBit failure while reading is reported, not mistaken for absence", async () => {
    const { id, outs } = await up(base());
    h.emulator.faults.add({ method: "GET", path: `/projects/${projectId}`, respond: { status: 503 } });
    const err = await errorOf(h, env.read(id, outs));
    expect(err.message).toContain("reading environment 'staging'");
    expect(err.message).toContain("503");
  });
});

describe("auto-created prod and dev", () => {
  test("declaring prod adopts FeatBit's own and brings it to the declaration", async () => {
    const prod = (await project()).environments.find((e) => e.key === "prod");
    const { id, outs, inputs } = await up({
      projectId,
      key: "prod",
      name: "Production",
      description: "live",
    });
    expect(id).toBe(`${projectId}/${prod?.id}`);
    expect(outs).toMatchObject({
      environmentId: prod?.id,
      name: "Production",
      description: "live",
    });
    expect(requests().filter((r) => r.startsWith("POST"))).toEqual([]);
    expect((await project()).environments.find((e) => e.key === "prod")).toMatchObject({
      name: "Production",
      description: "live",
    });
    expect(await env.diff(id, outs, inputs)).toEqual({ changes: false });
  });

  test("dev in another spelling is adopted and keeps the declared spelling", async () => {
    const dev = (await project()).environments.find((e) => e.key === "dev");
    h.emulator.requests.clear();
    const { id, outs, inputs } = await up({ projectId, key: "DEV", name: "Dev" });
    expect(id).toBe(`${projectId}/${dev?.id}`);
    expect(outs.key).toBe("DEV");
    // Nothing to change: adoption makes no write.
    expect(requests()).toEqual([`GET /projects/${projectId}`]);
    const read = await env.read(id, outs);
    expect(read.props).toEqual(outs);
    expect(await env.diff(id, read.props as Props, inputs)).toEqual({ changes: false });
  });

  test("prod in a project that no longer has one is created", async () => {
    const prod = (await project()).environments.find((e) => e.key === "prod");
    await h.api("DELETE", `/projects/${projectId}/envs/${prod?.id}`);
    const { outs } = await up({ projectId, key: "prod", name: "Prod" });
    expect(outs.environmentId).not.toBe(prod?.id);
    expect((await project()).environments.filter((e) => e.key === "prod")).toHaveLength(1);
  });
});

describe("adoption", () => {
  async function existing(): Promise<string> {
    const res = await h.api<{ id: string }>("POST", `/projects/${projectId}/envs`, {
      name: "Old",
      key: "staging",
      description: "",
    });
    h.emulator.requests.clear();
    return res.body.id;
  }

  test("an existing key without adopt is refused with advice", async () => {
    await existing();
    const err = await errorOf(h, up(base()));
    expect(err.message).toMatch(
      /already exists in FeatBit.*, and this stack has no evidence that it created it/,
    );
    expect(err.message).toContain("adopt: true");
  });

  test("adopt: true takes over the environment with the key", async () => {
    const envId = await existing();
    const { id, outs, inputs } = await up({ ...base(), adopt: true });
    expect(id).toBe(`${projectId}/${envId}`);
    expect(outs).toMatchObject({ name: "Staging", adopt: true });
    expect(requests()).toEqual([`GET /projects/${projectId}`, `PUT /projects/${projectId}/envs/${envId}`]);
    expect(await env.diff(id, outs, inputs)).toEqual({ changes: false });
  });

  test("adopt: true without an existing environment creates one", async () => {
    const { outs } = await up({ ...base(), adopt: true });
    expect((await project()).environments.find((e) => e.key === "staging")?.id).toBe(outs.environmentId);
  });

  test("importId (the Terraform import id) adopts that environment", async () => {
    const envId = await existing();
    const { id, outs } = await up({ ...base(), importId: `${projectId}/${envId}` });
    expect(id).toBe(`${projectId}/${envId}`);
    expect(outs).toMatchObject({ name: "Staging", importId: `${projectId}/${envId}` });
    const read = await env.read(id, outs);
    expect(read.inputs).toMatchObject({ importId: `${projectId}/${envId}` });
  });

  test("importId naming another key is refused", async () => {
    const envId = await existing();
    const err = await errorOf(h, up({ ...base(), key: "qa", importId: `${projectId}/${envId}` }));
    expect(err.message).toContain("is environment 'staging', but key is 'qa'");
  });

  test("importId naming no environment is refused", async () => {
    const missing = "11111111-2222-4333-8444-555555555555";
    const err = await errorOf(h, up({ ...base(), importId: `${projectId}/${missing}` }));
    expect(err.message).toContain("names no environment");
  });
});

describe("FeatBit errors", () => {
  test("a missing project is named as such (FeatBit answers 403)", async () => {
    const missing = "11111111-2222-4333-8444-555555555555";
    const err = await errorOf(h, up({ ...base(), projectId: missing }));
    expect(err.message).toContain(`project ${missing} does not exist`);
  });

  test("a POST whose connection dropped after it was applied is reconciled, not repeated", async () => {
    h.emulator.faults.add({ method: "POST", path: "/envs", reset: "after", times: 1 });
    const { id, outs } = await up(base());
    const staging = (await project()).environments.filter((e) => e.key === "staging");
    expect(staging).toHaveLength(1);
    expect(id).toBe(`${projectId}/${staging[0].id}`);
    expect(outs.serverKey).toBe(staging[0].secrets.find((s) => s.type === "server")?.value);
    expect(requests().filter((r) => r.startsWith("POST"))).toHaveLength(1);
  });

  test("a POST that failed before reaching FeatBit is reported", async () => {
    h.emulator.faults.add({ method: "POST", path: "/envs", reset: "before", times: 1 });
    const err = await errorOf(h, up(base()));
    expect(err.message).toContain("creating environment 'staging'");
    expect((await project()).environments.map((e) => e.key)).not.toContain("staging");
  });

  test("an ambiguous PUT that was applied is accepted after reading back", async () => {
    const { id, outs } = await up(base());
    h.emulator.faults.add({ method: "PUT", path: "/envs/", reset: "after", times: 1 });
    const res = await env.update(id, outs, await checked({ ...base(), name: "After reset" }));
    expect(res.outs).toMatchObject({ name: "After reset" });
  });

  test("updating an environment deleted outside Pulumi advises a refresh", async () => {
    const { id, outs } = await up(base());
    await h.api("DELETE", `/projects/${projectId}/envs/${String(outs.environmentId)}`);
    const err = await errorOf(h, env.update(id, outs, await checked({ ...base(), name: "x" })));
    expect(err.message).toContain("no longer exists");
    expect(err.message).toContain("pulumi refresh");
  });

  test("a server error on delete is reported", async () => {
    const { id, outs } = await up(base());
    h.emulator.faults.add({ method: "DELETE", path: "/envs/", respond: { status: 500 }, times: 1 });
    const err = await errorOf(h, env.delete(id, outs));
    expect(err.message).toContain("deleting environment 'staging'");
    expect((await project()).environments.map((e) => e.key)).toContain("staging");
  });
});
