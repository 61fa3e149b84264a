import type { ProjectWithEnvs } from "../../provider/client";
import type { DynamicProvider } from "../../provider/host/dynamicProvider";
import {
  errorOf,
  lifecycle,
  requestLines,
  startProviderHarness,
  type ProviderHarness,
} from "../support/providerHarness";

type Props = Record<string, unknown>;

let h: ProviderHarness;
let project: DynamicProvider;
let counter = 0;
let key: string;

/** A token that may do anything except see projects whose key starts with "locked". */
const RESTRICTED = "api-restricted-0000000000000000000000000000000";

beforeAll(async () => {
  h = await startProviderHarness({
    tokens: [
      "api-owner-00000000000000000000000000000000000",
      {
        token: RESTRICTED,
        permissions: [
          { id: "all", resourceType: "*", effect: "allow", actions: ["*"], resources: ["*"] },
          {
            id: "locked",
            resourceType: "project",
            effect: "deny",
            actions: ["CanAccessProject"],
            resources: ["project/locked*"],
          },
        ],
      },
    ],
  });
  project = h.provider("Project");
});
afterAll(() => h.close());

beforeEach(() => {
  key = `shop-${++counter}`;
  h.emulator.requests.clear();
  h.emulator.faults.clear();
});

const requests = () => requestLines(h);
const { checked, up } = lifecycle(() => project);

const projects = async () => (await h.api<ProjectWithEnvs[]>("GET", "/projects")).body;

describe("check", () => {
  test("applies defaults and makes no request", async () => {
    // adopt is not filled in: state holds it only where the program declares it.
    const inputs = await checked({ key: "web", name: " Web " });
    expect(inputs).toEqual({ key: "web", name: "Web" });
    expect(inputs).not.toHaveProperty("adopt");
    expect(requests()).toEqual([]);
  });

  test("reports every failure with its property and the fix", async () => {
    const res = await project.check({}, { key: "bad key!", name: "", adopt: "yes" });
    expect(res.failures).toEqual([
      { property: "key", reason: expect.stringContaining("may only contain letters, digits") },
      { property: "name", reason: "project name must not be empty" },
      { property: "adopt", reason: "adopt must be true or false" },
    ]);
    const long = await project.check({}, { key: "k".repeat(129), name: "n".repeat(129) });
    expect(long.failures?.map((f) => f.property)).toEqual(["key", "name"]);
    expect(long.failures?.[0].reason).toContain("128-character limit");
  });
});

describe("lifecycle", () => {
  test("create reports the auto-created environments; a diff of the same inputs shows no changes", async () => {
    const { id, outs, inputs } = await up({ key, name: "Shop" });
    expect(outs).toMatchObject({ key, name: "Shop", projectId: id });
    expect((outs.environments as { key: string }[]).map((e) => e.key).sort()).toEqual(["dev", "prod"]);
    h.emulator.requests.clear();
    expect(await project.diff(id, { ...outs, __provider: "P" }, inputs)).toEqual({ changes: false });
    expect(requests()).toEqual([]);
  });

  test("a new name updates in place with one call; a new key replaces, deleting first when only case changes", async () => {
    const { id, outs } = await up({ key, name: "Shop" });
    const renamed = await checked({ key, name: "Shop 2" });
    expect(await project.diff(id, outs, renamed)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    h.emulator.requests.clear();
    const updated = await project.update(id, outs, renamed);
    expect(requests()).toEqual([`PUT /projects/${id}`]);
    expect(updated.outs).toMatchObject({ name: "Shop 2", projectId: id });
    expect((await projects()).find((p) => p.id === id)?.name).toBe("Shop 2");

    expect(await project.diff(id, outs, await checked({ key: `${key}-x`, name: "Shop" }))).toMatchObject({
      replaces: ["key"],
      deleteBeforeReplace: false,
    });
    expect(
      await project.diff(id, outs, await checked({ key: key.toUpperCase(), name: "Shop" })),
    ).toMatchObject({
      replaces: ["key"],
      deleteBeforeReplace: true,
    });
  });

  test("environments lists prod and dev by id and key: renaming them or adding others changes nothing", async () => {
    const { id, outs } = await up({ key, name: "Shop" });
    const listed = outs.environments as { id: string; key: string }[];
    expect(listed.map((e) => e.key).sort()).toEqual(["dev", "prod"]);
    expect(Object.keys(listed[0]).sort()).toEqual(["id", "key"]);
    const prod = listed.find((e) => e.key === "prod")!;
    await h.api("PUT", `/projects/${id}/envs/${prod.id}`, { name: "Production", description: "" });
    await h.api("POST", `/projects/${id}/envs`, { name: "Staging", key: "staging" });
    const read = await project.read(id, { ...outs, __provider: "P" });
    expect(read.props).toEqual(outs);
  });

  test("adopt and importId changes never cause a diff", async () => {
    const { id, outs } = await up({ key, name: "Shop" });
    expect(
      await project.diff(id, outs, await checked({ key, name: "Shop", adopt: true, importId: id })),
    ).toEqual({
      changes: false,
    });
  });

  test("read reports drift and folds it into inputs; get works from the id alone", async () => {
    const { id, outs } = await up({ key, name: "Shop" });
    await h.api("PUT", `/projects/${id}`, { name: "Renamed in the UI" });
    const read = await project.read(id, { ...outs, __provider: "P" });
    expect(read.props).toMatchObject({ name: "Renamed in the UI" });
    expect(read.inputs).toStrictEqual({ key, name: "Renamed in the UI" });
    const got = await project.read(id);
    expect(got).toMatchObject({ id, props: { key, projectId: id } });
  });

  test("a project deleted outside Pulumi reads as gone (FeatBit answers 500 for it)", async () => {
    const { id, outs } = await up({ key, name: "Shop" });
    await h.api("DELETE", `/projects/${id}`);
    expect((await h.api("GET", `/projects/${id}`)).status).toBe(500);
    expect(await project.read(id, outs)).toEqual({});
  });

  test("a project the token lost access to is not read as deleted: FeatBit answers 403, not the 500 of a missing one", async () => {
    const { id, outs } = await up({ key: `locked-${key}`, name: "Locked" });
    h.useToken(RESTRICTED);
    try {
      expect((await h.api("GET", `/projects/${id}`)).status).toBe(200); // the owner still sees it
      const err = await errorOf(h, project.read(id, outs));
      expect(err.message).toContain(`reading project 'locked-${key}' failed`);
      expect(err.message).toContain("lacks permission");
    } finally {
      h.useToken(h.emulator.token);
    }
    expect(await project.read(id, outs)).toMatchObject({ id });
  });

  test("delete removes the project; deleting one already gone succeeds", async () => {
    const { id, outs } = await up({ key, name: "Shop" });
    await project.delete(id, outs);
    expect((await projects()).some((p) => p.id === id)).toBe(false);
    await expect(project.delete(id, outs)).resolves.toBeUndefined();
  });
});

describe("adoption", () => {
  test("an existing key fails clearly unless adopt is set; adopt takes it over and renames it", async () => {
    const existing = (await h.api<ProjectWithEnvs>("POST", "/projects", { key, name: "Made in the UI" }))
      .body;
    const err = await errorOf(h, project.create(await checked({ key, name: "Shop" })));
    expect(err.message).toMatch(
      new RegExp(
        `^creating project '${key}' failed: a project with key '${key}' already exists in FeatBit \\(id ${existing.id}\\), and this stack ` +
          `has no evidence that it created it .*Safe ways out: \\(1\\) .*stack was renamed or moved.*\\(2\\) .*` +
          `featbit-recover.*\\(3\\) .*adopt: true. \\(or importId: '${existing.id}'\\).*released, not deleted`,
      ),
    );
    const { id, outs } = await up({ key: key.toUpperCase(), name: "Shop", adopt: true });
    expect(id).toBe(existing.id);
    expect(outs).toMatchObject({ name: "Shop" });
    expect((await projects()).filter((p) => p.key.toLowerCase() === key)).toHaveLength(1);
  });

  test("adopting a key spelled in another case keeps the declared spelling: no replacement afterwards", async () => {
    const existing = (await h.api<ProjectWithEnvs>("POST", "/projects", { key, name: "UI" })).body;
    const { id, outs, inputs } = await up({ key: key.toUpperCase(), name: "UI", adopt: true });
    expect(id).toBe(existing.id);
    expect(outs.key).toBe(key.toUpperCase());
    expect(await project.diff(id, outs, inputs)).toEqual({ changes: false });
    const read = await project.read(id, { ...outs, __provider: "P" });
    expect(read.props).toMatchObject({ key: key.toUpperCase() });
    expect(await project.diff(id, read.props as Props, inputs)).toEqual({ changes: false });
    const imported = await up({ key: key.toUpperCase(), name: "UI", importId: existing.id });
    expect(imported.outs.key).toBe(key.toUpperCase());
  });

  test("importId adopts by the Terraform import id and must agree with the key", async () => {
    const existing = (await h.api<ProjectWithEnvs>("POST", "/projects", { key, name: "UI" })).body;
    const { id } = await up({ key, name: "UI", importId: existing.id });
    expect(id).toBe(existing.id);
    const mismatch = await errorOf(
      h,
      project.create(await checked({ key: "other", name: "UI", importId: existing.id })),
    );
    expect(mismatch.message).toContain(`is project '${key}', but key is 'other'`);
    const missing = await errorOf(
      h,
      project.create(await checked({ key, name: "UI", importId: "00000000-0000-4000-8000-000000000000" })),
    );
    expect(missing.message).toContain("names no project this access token can see");
  });
});

describe("writes whose outcome is unknown", () => {
  test("a create whose connection drops after FeatBit applied it is read back, not created twice", async () => {
    h.emulator.faults.add({ method: "POST", path: "/projects", reset: "after", times: 1 });
    const { id, outs } = await up({ key, name: "Shop" });
    expect(outs).toMatchObject({ projectId: id, key });
    expect((await projects()).filter((p) => p.key === key)).toHaveLength(1);
  });

  test("a create that never reached FeatBit fails and leaves nothing behind", async () => {
    h.emulator.faults.add({ method: "POST", path: "/projects", reset: "before", times: 1 });
    const err = await errorOf(h, project.create(await checked({ key, name: "Shop" })));
    expect(err.message).toMatch(new RegExp(`^creating project '${key}' failed: `));
    expect((await projects()).some((p) => p.key === key)).toBe(false);
  });
});
