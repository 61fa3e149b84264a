// featbit:Policy in-process against the emulator: statements validated at preview (with the field and a suggestion),
// unique keys and names, built-in policies left alone, adoption, drift and deletion.
import { sharing } from "../../provider/resources/core/duplicates";
import { OWNER_POLICY_ID } from "../../provider/emulator";
import type { Policy as ApiPolicy } from "../../provider/client";
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
let policy: DynamicProvider;
let counter = 0;
let key: string;
const warnings: string[] = [];

beforeAll(async () => {
  // Every read lists afresh: a listing shared between tests would hide what a test made behind its back.
  sharing.ms = 0;
  h = await startProviderHarness();
  policy = h.provider("Policy");
  jest.spyOn(console, "warn").mockImplementation((message: string) => void warnings.push(message));
});
afterAll(async () => {
  jest.restoreAllMocks();
  await h.close();
});
beforeEach(() => {
  key = `ci-${++counter}`;
  warnings.splice(0);
  h.emulator.requests.clear();
  h.emulator.faults.clear();
});

const { checked, up, failuresOf } = lifecycle(() => policy);
const requests = () => requestLines(h);
const writes = () => requests().filter((r) => !r.startsWith("GET"));

const targeting = {
  effect: "allow",
  resourceType: "flag",
  actions: ["UpdateFlagTargetingRules", "ToggleFlag", "UpdateFlagTargetingRules"],
  resources: ["project/shop:env/dev:flag/*"],
};
const access = [
  { effect: "allow", resourceType: "project", actions: ["CanAccessProject"], resources: ["project/shop"] },
  { effect: "allow", resourceType: "env", actions: ["CanAccessEnv"], resources: ["project/shop:env/*"] },
];
const base = () => ({ key, name: `CI ${key}`, statements: [targeting, ...access] });

async function fetchPolicy(id: string): Promise<ApiPolicy> {
  return (await h.api<ApiPolicy>("GET", `/policies/${id}`)).body;
}

/** A policy made behind Pulumi's back, as FeatBit's UI makes one. */
async function external(body: { name: string; key: string; description?: string }): Promise<ApiPolicy> {
  const made = await h.api<ApiPolicy>("POST", "/policies", body);
  h.emulator.requests.clear();
  return made.body;
}

/** The failures of a statement, as `[path, reason]`. */
async function statementFailures(statement: Props): Promise<[string, string][]> {
  return (await failuresOf({ key: "x", name: "X", statements: [statement] })).map((f) => [
    f.property,
    f.reason,
  ]);
}

describe("check (preview, no API call)", () => {
  test("canonicalizes statements: actions, resources and statements compare as sets", async () => {
    const inputs = await checked({ ...base(), statements: [...access, targeting, access[0]] });
    expect(inputs.statements).toEqual([
      {
        effect: "allow",
        resourceType: "env",
        actions: ["CanAccessEnv"],
        resources: ["project/shop:env/*"],
      },
      {
        effect: "allow",
        resourceType: "flag",
        actions: ["ToggleFlag", "UpdateFlagTargetingRules"],
        resources: ["project/shop:env/dev:flag/*"],
      },
      {
        effect: "allow",
        resourceType: "project",
        actions: ["CanAccessProject"],
        resources: ["project/shop"],
      },
    ]);
    expect(inputs.description).toBe("");
    expect(requests()).toEqual([]);
  });

  test("a misspelt permission is named with the closest one", async () => {
    expect(
      await statementFailures({ ...targeting, actions: ["ToggleFlag", "UpdateFlagTargetingRule"] }),
    ).toEqual([
      [
        "statements[0].actions[1]",
        "'UpdateFlagTargetingRule' is not a FeatBit permission: did you mean 'UpdateFlagTargetingRules'?",
      ],
    ]);
    const [[, reason]] = await statementFailures({ ...targeting, actions: ["toggleflag"] });
    expect(reason).toContain(
      "did you mean 'ToggleFlag'? (FeatBit compares permission names case-sensitively)",
    );
    const [[, unknown]] = await statementFailures({ ...targeting, actions: ["Deploy"] });
    expect(unknown).toContain("flag permissions are 'CreateFlag', 'ArchiveFlag'");
  });

  test("a permission of another resource type says which type takes it", async () => {
    expect(
      await statementFailures({
        effect: "allow",
        resourceType: "env",
        actions: ["ToggleFlag"],
        resources: ["project/shop:env/dev"],
      }),
    ).toEqual([
      [
        "statements[0].actions[0]",
        "'ToggleFlag' is a flag permission, not a env one: put it in a statement with resourceType 'flag' (resources like 'project/web:env/prod:flag/*')",
      ],
    ]);
  });

  test("effect and resourceType are suggested from what was meant", async () => {
    expect(await statementFailures({ ...targeting, effect: "Allow", resourceType: "environment" })).toEqual([
      [
        "statements[0].effect",
        "effect must be 'allow' or 'deny', in lower case (FeatBit treats any other spelling as a deny): did you mean 'allow'?",
      ],
      [
        "statements[0].resourceType",
        expect.stringContaining("resourceType 'environment' is not one of FeatBit's resource types"),
      ],
    ]);
    const [, [, type]] = await statementFailures({
      ...targeting,
      effect: "Allow",
      resourceType: "environment",
    });
    expect(type).toMatch(/did you mean 'env'\?$/);
    const [[, flags]] = await statementFailures({ ...targeting, resourceType: "flags" });
    expect(flags).toMatch(/did you mean 'flag'\?$/);
  });

  test("resource names follow FeatBit's grammar for the statement's type", async () => {
    const rn = async (resourceType: string, resource: string, actions = ["*"]) =>
      (await statementFailures({ effect: "allow", resourceType, actions, resources: [resource] })).map(
        ([path, reason]) => `${path}: ${reason}`,
      );
    expect(await rn("flag", "project/shop:env/dev")).toEqual([
      "statements[0].resources[0]: 'project/shop:env/dev' names an environment, but a 'flag' statement needs project/<key>:env/<key>:flag/<key>: use 'project/shop:env/dev:flag/*' for every flag there",
    ]);
    expect((await rn("env", "organization/playground:project/shop:env/dev"))[0]).toContain(
      "no organization part (segment scopes do, policies do not): use 'project/shop:env/dev'",
    );
    expect((await rn("project", "project/web shop"))[0]).toContain(
      "'web shop' can never match a project key",
    );
    expect((await rn("iam", "iam/policies"))[0]).toContain("against 'iam/*' only: use 'iam/*'");
    expect((await rn("env", "project/shop:env/dev;beta"))[0]).toContain("may carry ';tags'");
    expect((await rn("flag", "project/shop:environment/dev:flag/*"))[0]).toContain(
      "part 2 must be env/<key> (found 'environment/dev')",
    );
    expect((await rn("flag", "project/shop:env/dev:flag/*;")).length).toBe(1);
    expect(await rn("flag", "project/sh*:env/dev:flag/new-*;beta,ops")).toEqual([]);
    expect(await rn("segment", "project/*:env/*:segment/*")).toEqual([]);
  });

  test("a create permission needs a resource FeatBit can match before the object exists", async () => {
    const failures = await statementFailures({
      effect: "allow",
      resourceType: "flag",
      actions: ["CreateFlag", "ToggleFlag"],
      resources: ["project/shop:env/dev:flag/checkout"],
    });
    expect(failures).toEqual([
      [
        "statements[0].actions[0]",
        "'CreateFlag' is checked against 'project/<project>:env/<env>:flag/*' (the object does not exist yet), which none of this statement's resources match: add a resource ending in '/*' without tags, e.g. 'project/web:env/prod:flag/*'",
      ],
    ]);
    expect(
      await statementFailures({
        effect: "allow",
        resourceType: "flag",
        actions: ["CreateFlag"],
        resources: ["project/shop:env/dev:flag/*"],
      }),
    ).toEqual([]);
  });

  test("a '*' statement must not pretend to be narrower than it is", async () => {
    const failures = await statementFailures({
      effect: "allow",
      resourceType: "*",
      actions: ["ToggleFlag"],
      resources: ["project/shop"],
    });
    expect(failures.map(([path]) => path)).toEqual(["statements[0].actions", "statements[0].resources"]);
    expect(failures[0][1]).toContain("covers every permission whatever its actions say");
    expect(
      await statementFailures({ effect: "deny", resourceType: "*", actions: ["*"], resources: ["*"] }),
    ).toEqual([]);
  });

  test("empty lists, unknown fields and FeatBit's column limits are refused", async () => {
    const failures = await failuresOf({
      key: "bad key",
      name: "n".repeat(129),
      description: "d".repeat(513),
      statements: [{ ...targeting, actions: [], resource: ["x"] }],
    });
    const byPath = Object.fromEntries(failures.map((f) => [f.property, f.reason]));
    expect(byPath.key).toContain("may only contain letters, digits");
    expect(byPath.name).toContain("128-character limit");
    expect(byPath.description).toContain("512-character limit (its policies.description column)");
    expect(byPath["statements[0]"]).toContain("unknown field 'resource'");
    expect(byPath["statements[0].actions"]).toContain("must not be empty");
  });

  test("the built-in policies' keys and names are refused", async () => {
    const failures = await failuresOf({ key: "Owner", name: "Developer" });
    expect(failures).toEqual([
      {
        property: "key",
        reason: expect.stringContaining(
          "key 'Owner' is that of FeatBit's built-in Owner policy, which cannot be managed",
        ),
      },
      {
        property: "name",
        reason: expect.stringContaining("getPolicy({ name: 'Developer' })"),
      },
    ]);
  });

  test("values not known yet are checked once known", async () => {
    const res = await policy.check(
      {},
      { ...base(), statements: [{ ...targeting, resources: [UNKNOWN, "project/shop:env/dev:flag/*"] }] },
    );
    expect(res.failures).toBeUndefined();
    const bad = await failuresOf({ ...base(), statements: [{ ...targeting, actions: [UNKNOWN, "Tggle"] }] });
    expect(bad.map((f) => f.property)).toEqual(["statements[0].actions[1]"]);
  });
});

describe("lifecycle", () => {
  test("creates the policy, then its statements, and reads back what it wrote", async () => {
    const { id, outs, inputs } = await up({ ...base(), description: "CI may change targeting in dev" });
    expect(writes()).toEqual(["POST /policies", `PUT /policies/${id}/statements`]);
    expect(outs).toMatchObject({ policyId: id, key, name: `CI ${key}`, statements: inputs.statements });
    const held = await fetchPolicy(id);
    expect(held).toMatchObject({ type: "CustomerManaged", description: "CI may change targeting in dev" });
    expect(held.statements).toHaveLength(3);
    // Statement ids derive from the policy and the statement: a rewrite of the same statements keeps them.
    const ids = held.statements.map((s) => s.id).sort();
    h.emulator.requests.clear();
    const read = await policy.read(id, outs);
    expect(read.props).toEqual(outs);
    expect(writes()).toEqual([]);
    expect((await policy.diff(id, outs, inputs)).changes).toBe(false);
    await policy.update(id, { ...outs, statements: [] }, inputs);
    expect((await fetchPolicy(id)).statements.map((s) => s.id).sort()).toEqual(ids);
  });

  test("updates settings and statements each with their own write", async () => {
    const { id, outs } = await up(base());
    h.emulator.requests.clear();
    const renamed = await checked({ ...base(), name: `Renamed ${key}`, description: "d" });
    expect(await policy.diff(id, outs, renamed)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const afterRename = (await policy.update(id, outs, renamed)).outs as Props;
    expect(writes()).toEqual([`PUT /policies/${id}/settings`]);
    h.emulator.requests.clear();
    const narrowed = await checked({
      ...base(),
      name: `Renamed ${key}`,
      description: "d",
      statements: access,
    });
    await policy.update(id, afterRename, narrowed);
    expect(writes()).toEqual([`PUT /policies/${id}/statements`]);
    expect((await fetchPolicy(id)).statements.map((s) => s.resourceType).sort()).toEqual(["env", "project"]);
  });

  test("a new key replaces the policy, deleting the old one first when only the case differs", async () => {
    const { id, outs } = await up(base());
    const other = await checked({ ...base(), key: `${key}-v2` });
    expect(await policy.diff(id, outs, other)).toMatchObject({
      replaces: ["key"],
      deleteBeforeReplace: false,
    });
    const recased = await checked({ ...base(), key: key.toUpperCase() });
    expect(await policy.diff(id, outs, recased)).toMatchObject({
      replaces: ["key"],
      deleteBeforeReplace: true,
    });
  });

  test("refresh reports drift made in FeatBit, and reports a deleted policy as gone", async () => {
    const { id, outs } = await up(base());
    await h.api("PUT", `/policies/${id}/settings`, { name: "Edited in the UI", description: "" });
    await h.api("PUT", `/policies/${id}/statements`, [
      { id: "s", resourceType: "flag", effect: "deny", actions: ["ToggleFlag"], resources: ["project/*"] },
    ]);
    const read = await policy.read(id, outs);
    expect(read.props).toMatchObject({
      name: "Edited in the UI",
      statements: [
        { effect: "deny", resourceType: "flag", actions: ["ToggleFlag"], resources: ["project/*"] },
      ],
    });
    expect((read.inputs as Props).name).toBe("Edited in the UI");
    await h.api("DELETE", `/policies/${id}`);
    expect(await policy.read(id, outs)).toEqual({});
  });

  test("a second policy with the key (a create that landed after the provider stopped waiting) is named by a read", async () => {
    const { id, outs } = await up(base());
    expect((await policy.read(id, outs)).props).toEqual(outs);
    expect(warnings).toEqual([]);
    const late = await external({ name: `Late ${key}`, key });
    expect((await policy.read(id, outs)).props).toEqual(outs);
    expect(warnings).toEqual([
      expect.stringContaining(`also holds another object with its key (${late.id})`),
    ]);
  });

  test("delete removes the policy, warns about bindings made outside the stack, and is idempotent", async () => {
    const { id, outs } = await up(base());
    const group = await h.api<{ id: string }>("POST", "/groups", { name: `Outside ${key}` });
    await h.api("PUT", `/groups/${group.body.id}/add-policy/${id}`);
    await policy.delete(id, outs);
    expect((await h.api("GET", `/policies/${id}`)).status).toBe(404);
    expect(warnings).toEqual([expect.stringContaining(`was still attached to group 'Outside ${key}'`)]);
    h.emulator.requests.clear();
    await policy.delete(id, outs);
    expect(writes()).toEqual([]);
  });
});

describe("uniqueness and adoption", () => {
  test("a key in use is refused unless adopted, and adopting brings the policy to the declaration", async () => {
    const existing = await external({ name: `Made in UI ${key}`, key, description: "old" });
    const err = await errorOf(h, up(base()));
    expect(err.message).toContain(`a policy with key '${key}' already exists in FeatBit (id ${existing.id}`);
    expect(err.message).toContain("`adopt: true`");
    expect(writes()).toEqual([]);

    const { id, outs } = await up({ ...base(), adopt: true });
    expect(id).toBe(existing.id);
    expect(outs.policyId).toBe(existing.id);
    const held = await fetchPolicy(id);
    expect(held).toMatchObject({ name: `CI ${key}`, description: "" });
    expect(held.statements).toHaveLength(3);
  });

  test("a name in use is refused, built-in names included, on create and on rename", async () => {
    const existing = await external({ name: `Taken ${key}`, key: `${key}-other` });
    const err = await errorOf(h, up({ ...base(), name: `taken ${key}` }));
    expect(err.message).toContain(`a policy named 'Taken ${key}' already exists (key '${key}-other'`);
    expect(err.message).toContain("FeatBit does not enforce unique policy names, pulumi-featbit does");
    expect(err.message).toContain(`declaring key '${key}-other' with adopt: true`);

    const { id, outs } = await up(base());
    const rename = await errorOf(
      h,
      policy.update(id, outs, await checked({ ...base(), name: existing.name })),
    );
    expect(rename.message).toContain(`a policy named '${existing.name}' already exists`);
    expect((await fetchPolicy(id)).name).toBe(`CI ${key}`);
  });

  test("importId adopts by id, and must be a custom policy with the declared key", async () => {
    const existing = await external({ name: `Imported ${key}`, key });
    const { id } = await up({ ...base(), importId: existing.id });
    expect(id).toBe(existing.id);

    const wrongKey = await errorOf(h, up({ ...base(), key: `${key}-x`, importId: existing.id }));
    expect(wrongKey.message).toContain(`is policy '${key}', but key is '${key}-x': make them agree`);
    const builtIn = await errorOf(h, up({ ...base(), key: `${key}-y`, importId: OWNER_POLICY_ID }));
    expect(builtIn.message).toContain("FeatBit's built-in 'Owner' policy (SysManaged)");
    expect((await failuresOf({ ...base(), importId: "owner" }))[0]).toMatchObject({ property: "importId" });
  });

  test("a built-in policy is never read, updated or deleted as a managed one", async () => {
    const outs = { key, name: "x", description: "", statements: [], adopt: false, policyId: OWNER_POLICY_ID };
    await expect(policy.read(OWNER_POLICY_ID, outs)).rejects.toThrow("built-in 'Owner' policy");
    await expect(policy.delete(OWNER_POLICY_ID, outs)).rejects.toThrow("built-in 'Owner' policy");
    expect((await h.api("GET", `/policies/${OWNER_POLICY_ID}`)).status).toBe(200);
  });

  test("a create whose answer was lost is taken over, not repeated", async () => {
    h.emulator.faults.add({ method: "POST", path: "/policies", reset: "after", times: 1 });
    const { id } = await up(base());
    const same = (
      await h.api<{ items: ApiPolicy[] }>("GET", `/policies?name=${encodeURIComponent(`CI ${key}`)}`)
    ).body.items;
    expect(same.map((p) => p.id)).toEqual([id]);
    expect(requests().filter((r) => r.startsWith("POST"))).toHaveLength(1);
    expect((await fetchPolicy(id)).statements).toHaveLength(3);
  });

  test("a policy exactly as this program would make it (another stack's, or a killed run's) is not taken", async () => {
    const left = await external({ name: `CI ${key}`, key, description: "" });
    const err = await errorOf(h, up(base()));
    expect(err.message).toContain(`a policy with key '${key}' already exists in FeatBit (id ${left.id}`);
    expect(err.message).toMatch(/no evidence that it created it.*featbit-recover/);
    expect(writes()).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
