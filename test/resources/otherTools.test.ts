// Objects made by FeatBit's Terraform provider, FeatBit's UI and a script (test/support/otherTools.ts, the request
// bodies copied from their sources) are adopted by importId and by adopt, found by lookups, refreshed without drift,
// and never break creates or lookups of other objects: a policy whose statements have null ids or an effect spelt
// 'Allow', two members whose emails differ only in case.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { startEmulator } from "../../provider/emulator";
import {
  getEnvironment,
  getFeatureFlag,
  getGroup,
  getMember,
  getPolicy,
  getProject,
  getSegment,
  LookupError,
} from "../../provider/lookups";
import type { ResourceKind } from "../../provider/host/shim";
import {
  replay,
  SCRIPT,
  SCRIPT_STATEMENTS,
  TERRAFORM,
  TERRAFORM_STATEMENTS,
  UI,
  UI_STATEMENTS,
} from "../support/otherTools";
import { requestLines, startProviderHarness, type ProviderHarness } from "../support/providerHarness";

type Props = Record<string, unknown>;

let h: ProviderHarness;
let ids: Record<string, string>;
const warnings: string[] = [];

beforeAll(async () => {
  h = await startProviderHarness();
  ids = await replay(h.emulator, TERRAFORM, UI, SCRIPT);
  jest.spyOn(console, "warn").mockImplementation((message: string) => void warnings.push(message));
  process.env.FEATBIT_API_URL = h.emulator.url;
  process.env.FEATBIT_ACCESS_TOKEN = h.emulator.token;
  pulumi.runtime.setAllConfig({});
});
afterAll(async () => {
  jest.restoreAllMocks();
  delete process.env.FEATBIT_API_URL;
  delete process.env.FEATBIT_ACCESS_TOKEN;
  await h.close();
});
beforeEach(() => {
  warnings.splice(0);
  h.emulator.requests.clear();
});

const writes = () => requestLines(h).filter((r) => !r.startsWith("GET"));
const withoutIds = <S extends { id: string }>(statements: readonly S[]) =>
  statements.map(({ id: _id, ...rest }) => rest);

/** Adopts what a tool made: preview-time check, create, then a preview (diff) and a refresh (read) with no change. */
async function adopt(kind: ResourceKind, declared: Props): Promise<{ id: string; outs: Props }> {
  const provider = h.provider(kind);
  const checked = await provider.check({}, declared);
  expect(checked.failures).toBeUndefined();
  const inputs = checked.inputs as Props;
  const { id, outs } = await provider.create(inputs);
  expect({ kind, writes: writes() }).toEqual({ kind, writes: [] });
  expect(await provider.diff(id, outs as Props, inputs)).toEqual({ changes: false });
  const refreshed = await provider.read(id, outs as Props);
  expect(refreshed.props).toEqual(outs);
  expect(await provider.diff(id, refreshed.props as Props, inputs)).toEqual({ changes: false });
  expect({ kind, writes: writes() }).toEqual({ kind, writes: [] });
  return { id, outs: outs as Props };
}

describe("what FeatBit's Terraform provider made, adopted by its import ids: no write, no drift", () => {
  test("project, environment, flag and segment", async () => {
    await adopt("Project", { key: "tf-ledger", name: "TF ledger", importId: ids.tfProject });
    await adopt("Environment", {
      projectId: ids.tfProject,
      key: "staging",
      name: "Staging",
      importId: `${ids.tfProject}/${ids.tfStaging}`,
    });
    await adopt("FeatureFlag", {
      environmentId: ids.tfStaging,
      key: "tf-checkout",
      name: "TF checkout",
      variations: [
        { name: "On", value: true, id: "0d3f1a52-6c1e-4c1a-9a57-1f2a3b4c5d01" },
        { name: "Off", value: false, id: "0d3f1a52-6c1e-4c1a-9a57-1f2a3b4c5d02" },
      ],
      importId: `${ids.tfStaging}/tf-checkout`,
    });
    await adopt("Segment", {
      environmentId: ids.tfStaging,
      key: "tf-beta",
      name: "TF beta",
      included: ["alice"],
      rules: [{ name: "Staff", conditions: [{ property: "email", op: "EndsWith", value: "@example.com" }] }],
      tags: ["beta"],
      importId: `${ids.tfStaging}/${ids.tfSegment}`,
    });
  });

  test("a policy whose statements have no ids (FeatBit holds them as null), a group and the three bindings", async () => {
    const policy = await adopt("Policy", {
      key: "tf-ci",
      name: "TF CI",
      statements: TERRAFORM_STATEMENTS,
      importId: ids.tfPolicy,
    });
    expect(policy.id).toBe(ids.tfPolicy);
    await adopt("Group", { name: "TF deployers", importId: ids.tfGroup });
    await adopt("GroupPolicy", {
      groupId: ids.tfGroup,
      policyId: ids.tfPolicy,
      importId: `${ids.tfGroup}/${ids.tfPolicy}`,
    });
    await adopt("GroupMember", {
      groupId: ids.tfGroup,
      memberId: ids.tfBot,
      importId: `${ids.tfGroup}/${ids.tfBot}`,
    });
    await adopt("MemberPolicy", {
      memberId: ids.tfBot,
      policyId: ids.tfPolicy,
      importId: `${ids.tfBot}/${ids.tfPolicy}`,
    });
    expect(warnings).toEqual([]);
  });
});

describe("what FeatBit's UI made, adopted by adopt: true or its ids: no write, no drift", () => {
  test("project by key, environment, flag and segment", async () => {
    await adopt("Project", { key: "ui-shop", name: "UI shop", adopt: true });
    await adopt("Environment", { projectId: ids.uiProject, key: "qa", name: "QA", adopt: true });
    await adopt("FeatureFlag", {
      environmentId: ids.uiQa,
      key: "ui-banner",
      name: "UI banner",
      variationType: "string",
      variations: [
        { name: "Light", value: "light", id: "3f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e01" },
        { name: "Dark", value: "dark", id: "3f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e02" },
      ],
      adopt: true,
    });
    await adopt("Segment", { environmentId: ids.uiQa, key: "ui-staff", name: "UI staff", adopt: true });
  });

  test("a policy with uuid statement ids, a group with a null description, bindings of two members", async () => {
    await adopt("Policy", {
      key: "ui-readers",
      name: "UI readers",
      statements: withoutIds(UI_STATEMENTS),
      adopt: true,
    });
    await adopt("Group", { name: "UI reviewers", adopt: true });
    const auditors = await adopt("Group", { name: "UI auditors", adopt: true });
    expect(auditors.outs.description).toBe("");
    await adopt("GroupMember", { groupId: ids.uiGroup, memberId: ids.uiAnnUpper, adopt: true });
    await adopt("GroupPolicy", { groupId: ids.uiGroup, policyId: ids.uiPolicy, adopt: true });
    await adopt("MemberPolicy", { memberId: ids.uiAnnLower, policyId: ids.uiPolicy, adopt: true });
  });
});

describe("a policy a script made with an effect spelt 'Allow'", () => {
  test("adopting it writes the declared statements once, says why, and refreshes without drift", async () => {
    const provider = h.provider("Policy");
    const declared = {
      key: "script-togglers",
      name: "Script togglers",
      statements: [{ ...SCRIPT_STATEMENTS[0], effect: "allow" }],
    };
    const inputs = (await provider.check({}, declared)).inputs as Props;
    const { id, outs } = await provider.create({ ...inputs, adopt: true });
    expect(writes()).toEqual([`PUT /policies/${ids.scriptPolicy}/statements`]);
    expect(warnings.join("\n")).toContain("'Allow'");
    const refreshed = await provider.read(id, outs as Props);
    expect(await provider.diff(id, refreshed.props as Props, { ...inputs, adopt: true })).toEqual({
      changes: false,
    });
  });
});

describe("creates of other objects never trip over them", () => {
  test("a Policy create lists every policy (null statement ids, 'Allow', uuid ids) and creates", async () => {
    // The script's policy is adopted above; another script policy keeps an 'Allow' statement for this test.
    const other = await h.api<{ id: string }>("POST", "/policies", { name: "Odd", key: "odd" });
    await h.api("PUT", `/policies/${other.body.id}/statements`, SCRIPT_STATEMENTS);
    h.emulator.requests.clear();
    const provider = h.provider("Policy");
    const inputs = (
      await provider.check({}, { key: "fresh", name: "Fresh", statements: withoutIds(UI_STATEMENTS) })
    ).inputs as Props;
    const { id } = await provider.create(inputs);
    expect(writes()).toEqual(["POST /policies", `PUT /policies/${id}/statements`]);
  });

  test("a Group create next to a group with a null description", async () => {
    const provider = h.provider("Group");
    const inputs = (await provider.check({}, { name: "Fresh group" })).inputs as Props;
    await provider.create(inputs);
    expect(writes()).toEqual(["POST /groups"]);
  });
});

describe("lookups find them", () => {
  test("by key, name and email, with statements as FeatBit holds them", async () => {
    expect((await getProject({ key: "tf-ledger" })).projectId).toBe(ids.tfProject);
    expect((await getEnvironment({ projectKey: "ui-shop", key: "qa" })).environmentId).toBe(ids.uiQa);
    expect((await getFeatureFlag({ environmentId: ids.tfStaging, key: "tf-checkout" })).enabled).toBe(false);
    expect((await getSegment({ environmentId: ids.tfStaging, key: "tf-beta" })).tags).toEqual(["beta"]);
    const tf = await getPolicy({ key: "tf-ci" });
    expect(tf.policyId).toBe(ids.tfPolicy);
    expect(tf.statements).toEqual(TERRAFORM_STATEMENTS);
    expect((await getPolicy({ name: "Odd" })).statements).toEqual(SCRIPT_STATEMENTS);
    expect((await getGroup({ name: "UI auditors" })).description).toBe("");
  });

  test("two members whose emails differ only in case: each by its own spelling, a third spelling refused", async () => {
    expect((await getMember({ email: "Ann@example.com" })).memberId).toBe(ids.uiAnnUpper);
    expect((await getMember({ email: "ann@example.com" })).memberId).toBe(ids.uiAnnLower);
    const err = await getMember({ email: "ANN@example.com" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LookupError);
    expect((err as Error).message).toBe(
      `getMember(email 'ANN@example.com'): 2 members have this email address in different case ('ann@example.com', id ${ids.uiAnnLower}; 'Ann@example.com', id ${ids.uiAnnUpper}; FeatBit compares emails as written): give the email exactly as one of them is written`,
    );
    // One member, any case: found.
    expect((await getMember({ email: "TF-BOT@example.com" })).memberId).toBe(ids.tfBot);
  });
});

describe("an object FeatBit holds in a shape no FeatBit version gives it (edited in its database)", () => {
  let odd: ProviderHarness;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "featbit-odd-"));
  const dataFile = path.join(dir, "state.json");

  beforeAll(async () => {
    const first = await startEmulator({ dataFile });
    await replay(first, SCRIPT);
    await first.close();
    const state = JSON.parse(fs.readFileSync(dataFile, "utf8")) as {
      policies: { key: string; statements: unknown }[];
    };
    state.policies.find((p) => p.key === "script-togglers")!.statements = [{ actions: 7 }];
    fs.writeFileSync(dataFile, JSON.stringify(state));
    odd = await startProviderHarness({ dataFile });
    process.env.FEATBIT_API_URL = odd.emulator.url;
    process.env.FEATBIT_ACCESS_TOKEN = odd.emulator.token;
  });
  afterAll(async () => {
    await odd.close();
    fs.rmSync(dir, { recursive: true, force: true });
    process.env.FEATBIT_API_URL = h.emulator.url;
    process.env.FEATBIT_ACCESS_TOKEN = h.emulator.token;
  });

  test("does not break other creates and lookups", async () => {
    const provider = odd.provider("Policy");
    const inputs = (await provider.check({}, { key: "fine", name: "Fine" })).inputs as Props;
    await provider.create(inputs);
    expect((await getPolicy({ key: "fine" })).name).toBe("Fine");
    expect((await getPolicy({ name: "Developer" })).builtIn).toBe(true);
  });

  test("is named, with what is odd, by what asks for it", async () => {
    const err = await getPolicy({ key: "script-togglers" }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /^getPolicy\(key 'script-togglers'\) failed: the lookup needs an object FeatBit holds in a shape no FeatBit version gives it, so pulumi-featbit cannot read it: policy 'script-togglers' \(id [0-9a-f-]{36}\): statements\[0\]\.actions: expected array, received number\./,
    );
    const provider = odd.provider("Policy");
    const inputs = (await provider.check({}, { key: "script-togglers", name: "Again", adopt: true }))
      .inputs as Props;
    await expect(provider.create(inputs)).rejects.toThrow(
      /policy 'script-togglers' needs an object FeatBit holds in a shape no FeatBit version gives it.*statements\[0\]\.actions: expected array, received number/,
    );
  });
});
