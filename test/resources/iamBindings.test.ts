// GroupPolicy, GroupMember and MemberPolicy in-process against the emulator: FeatBit's add/remove calls acknowledge
// anything, so presence is decided by its listings; ids are the Terraform provider's `<a_uuid>/<b_uuid>`.
import { DEVELOPER_POLICY_ID, OWNER_POLICY_ID } from "../../provider/emulator";
import type { ResourceKind } from "../../provider/host/shim";
import {
  errorOf,
  lifecycle,
  requestLines,
  startProviderHarness,
  type ProviderHarness,
} from "../support/providerHarness";

type Props = Record<string, unknown>;

let h: ProviderHarness;
let counter = 0;
let groupId: string;
let policyId: string;
let memberId: string;
const warnings: string[] = [];
const MISSING = "11111111-2222-4333-8444-555555555555";

beforeAll(async () => {
  h = await startProviderHarness();
  jest.spyOn(console, "warn").mockImplementation((message: string) => void warnings.push(message));
});
afterAll(async () => {
  jest.restoreAllMocks();
  await h.close();
});
beforeEach(async () => {
  const n = ++counter;
  groupId = (await h.api<{ id: string }>("POST", "/groups", { name: `Group ${n}` })).body.id;
  policyId = (await h.api<{ id: string }>("POST", "/policies", { name: `Policy ${n}`, key: `policy-${n}` }))
    .body.id;
  // A member added with a policy gets only that one (without, FeatBit applies the org's default: Developer).
  await h.api("POST", "/members/add", { email: `dev${n}@example.com`, policyIds: [OWNER_POLICY_ID] });
  const members = await h.api<{ items: { id: string; email: string }[] }>(
    "GET",
    `/members?searchText=dev${n}@`,
  );
  memberId = members.body.items[0].id;
  warnings.splice(0);
  h.emulator.requests.clear();
});

const writes = () => requestLines(h).filter((r) => !r.startsWith("GET"));
const provider = (kind: ResourceKind) => () => h.provider(kind);
const ids = async (path: string) =>
  (await h.api<{ items: { id: string }[] }>("GET", path)).body.items.map((i) => i.id);

const cases: {
  kind: ResourceKind;
  inputs: () => Props;
  id: () => string;
  listing: () => string;
  bound: () => string;
  add: () => string;
  remove: () => string;
}[] = [
  {
    kind: "GroupPolicy",
    inputs: () => ({ groupId, policyId }),
    id: () => `${groupId}/${policyId}`,
    listing: () => `/groups/${groupId}/policies`,
    bound: () => policyId,
    add: () => `PUT /groups/${groupId}/add-policy/${policyId}`,
    remove: () => `PUT /groups/${groupId}/remove-policy/${policyId}`,
  },
  {
    kind: "GroupMember",
    inputs: () => ({ groupId, memberId }),
    id: () => `${groupId}/${memberId}`,
    listing: () => `/groups/${groupId}/members`,
    bound: () => memberId,
    add: () => `PUT /groups/${groupId}/add-member/${memberId}`,
    remove: () => `PUT /groups/${groupId}/remove-member/${memberId}`,
  },
  {
    kind: "MemberPolicy",
    inputs: () => ({ memberId, policyId }),
    id: () => `${memberId}/${policyId}`,
    listing: () => `/members/${memberId}/direct-policies`,
    bound: () => policyId,
    add: () => `PUT /members/${memberId}/add-policy/${policyId}`,
    remove: () => `PUT /members/${memberId}/remove-policy/${policyId}`,
  },
];

describe.each(cases)("$kind", (c) => {
  const { up, checked, failuresOf } = lifecycle(provider(c.kind));
  const p = () => h.provider(c.kind);

  test("binds, reads back through the listing, and unbinds", async () => {
    const { id, outs, inputs } = await up(c.inputs());
    expect(id).toBe(c.id());
    expect(writes()).toEqual([c.add()]);
    expect(await ids(c.listing())).toContain(c.bound());
    expect(warnings).toEqual([]);

    expect((await p().read(id, outs)).props).toEqual(outs);
    expect((await p().diff(id, outs, inputs)).changes).toBe(false);

    h.emulator.requests.clear();
    await p().delete(id, outs);
    expect(writes()).toEqual([c.remove()]);
    expect(await ids(c.listing())).not.toContain(c.bound());
    // Gone already: nothing to remove.
    h.emulator.requests.clear();
    await p().delete(id, outs);
    expect(writes()).toEqual([]);
  });

  test("a binding removed outside Pulumi reads as gone", async () => {
    const { id, outs } = await up(c.inputs());
    await h.api("PUT", c.remove().slice("PUT ".length));
    expect(await p().read(id, outs)).toEqual({});
  });

  test("an existing binding is refused unless adopted, and an adopted one is released on destroy", async () => {
    await h.api("PUT", c.add().slice("PUT ".length));
    h.emulator.requests.clear();
    const err = await errorOf(h, up(c.inputs()));
    expect(err.message).toMatch(
      /the binding of .* already exists in FeatBit.*, and this stack has no evidence/,
    );
    expect(err.message).toContain("leave it out of this program, or manage it knowingly with `adopt: true`");
    expect(writes()).toEqual([]);
    const { id, outs } = await up({ ...c.inputs(), adopt: true });
    expect([id, outs.origin]).toEqual([c.id(), "adopted"]);
    expect(writes()).toEqual([]);
    await p().delete(id, outs);
    // Released: the binding made outside the stack stays.
    expect(writes()).toEqual([]);
    expect((await p().read(id, outs)).id).toBe(id);
  });

  test("a missing end is named before anything is written", async () => {
    const [first] = Object.keys(c.inputs());
    const err = await errorOf(h, up({ ...c.inputs(), [first]: MISSING }));
    expect(err.message).toContain(`${first} ${MISSING} names no`);
    expect(writes()).toEqual([]);
  });

  test("either id changes the binding by replacement; importId must name the same pair", async () => {
    const { id, outs } = await up(c.inputs());
    const [first, second] = Object.keys(c.inputs());
    const moved = await checked({ ...c.inputs(), [second]: MISSING });
    expect(await p().diff(id, outs, moved)).toEqual({
      changes: true,
      replaces: [second],
      deleteBeforeReplace: false,
    });
    expect(await checked({ ...c.inputs(), importId: c.id().toUpperCase() })).toMatchObject(c.inputs());
    const wrong = await failuresOf({ ...c.inputs(), importId: `${MISSING}/${MISSING}` });
    expect(wrong).toEqual([{ property: "importId", reason: expect.stringContaining(`importId names`) }]);
    expect(wrong[0].reason).toContain(`but ${first} and ${second} name`);
    expect((await failuresOf({ ...c.inputs(), importId: "x" }))[0].reason).toContain("_uuid>/<");
  });
});

test("two resources of one program cannot manage the same binding", async () => {
  const { up } = lifecycle(provider("GroupPolicy"));
  await up({ groupId, policyId });
  const err = await errorOf(h, up({ groupId, policyId, adopt: true }));
  expect(err.message).toContain("another resource of this program already manages");
});

test("the organization's default policy, attached by FeatBit to a new member, is adopted without a warning", async () => {
  await h.api("POST", "/members/add", { email: `fresh${counter}@example.com` });
  const fresh = (await h.api<{ items: { id: string }[] }>("GET", `/members?searchText=fresh${counter}@`)).body
    .items[0].id;
  h.emulator.requests.clear();
  const { up } = lifecycle(provider("MemberPolicy"));
  const { id } = await up({ memberId: fresh, policyId: DEVELOPER_POLICY_ID, adopt: true });
  expect(id).toBe(`${fresh}/${DEVELOPER_POLICY_ID}`);
  expect(writes()).toEqual([]);
  expect(warnings).toEqual([]);
});
