// featbit:Group in-process against the emulator: unique names (FeatBit's own check ignores case), renames in place,
// adoption, drift and deletion.
import type { Group as ApiGroup } from "../../provider/client";
import type { DynamicProvider } from "../../provider/host/dynamicProvider";
import { sharing } from "../../provider/resources/core/duplicates";
import {
  errorOf,
  lifecycle,
  requestLines,
  startProviderHarness,
  type ProviderHarness,
} from "../support/providerHarness";

let h: ProviderHarness;
let group: DynamicProvider;
let counter = 0;
let name: string;
const warnings: string[] = [];

beforeAll(async () => {
  // Every read lists afresh: a listing shared between tests would hide what a test made behind its back.
  sharing.ms = 0;
  h = await startProviderHarness();
  group = h.provider("Group");
  jest.spyOn(console, "warn").mockImplementation((message: string) => void warnings.push(message));
});
afterAll(async () => {
  jest.restoreAllMocks();
  await h.close();
});
beforeEach(() => {
  name = `Team ${++counter}`;
  warnings.splice(0);
  h.emulator.requests.clear();
});

const { checked, up, failuresOf } = lifecycle(() => group);
const writes = () => requestLines(h).filter((r) => !r.startsWith("GET"));

async function external(groupName: string, description = ""): Promise<ApiGroup> {
  const made = await h.api<ApiGroup>("POST", "/groups", { name: groupName, description });
  h.emulator.requests.clear();
  return made.body;
}

test("check refuses what FeatBit's columns cannot hold, without an API call", async () => {
  expect(await failuresOf({ name: "g".repeat(129) })).toEqual([
    { property: "name", reason: "group name is longer than FeatBit's 128-character limit: shorten it" },
  ]);
  expect((await failuresOf({ name: " " }))[0].property).toBe("name");
  expect((await failuresOf({ name: "x", importId: "nope" }))[0].reason).toContain("the group's id (a UUID");
  expect(requestLines(h)).toEqual([]);
});

test("creates, reads back, renames in place and deletes", async () => {
  const { id, outs, inputs } = await up({ name, description: "Release engineers" });
  expect(writes()).toEqual(["POST /groups"]);
  expect(outs).toEqual({ name, description: "Release engineers", groupId: id, origin: "created" });
  expect(outs).not.toHaveProperty("adopt");
  expect((await group.read(id, outs)).props).toEqual(outs);
  expect((await group.diff(id, outs, inputs)).changes).toBe(false);

  const renamed = await checked({ name: `${name} renamed`, description: "Release engineers" });
  expect(await group.diff(id, outs, renamed)).toEqual({
    changes: true,
    replaces: [],
    deleteBeforeReplace: false,
  });
  h.emulator.requests.clear();
  const after = (await group.update(id, outs, renamed)).outs as Record<string, unknown>;
  expect(writes()).toEqual([`PUT /groups/${id}`]);
  expect((await h.api<ApiGroup>("GET", `/groups/${id}`)).body.name).toBe(`${name} renamed`);

  await group.delete(id, after);
  expect((await h.api("GET", `/groups/${id}`)).status).toBe(404);
  expect(warnings).toEqual([]);
  await group.delete(id, after);
});

test("a name in use (ignoring case) is refused unless adopted; adopting takes the declared spelling", async () => {
  const existing = await external(name.toLowerCase(), "made in the UI");
  const err = await errorOf(h, up({ name }));
  expect(err.message).toContain(
    `a group named '${name.toLowerCase()}' already exists in FeatBit (id ${existing.id}`,
  );
  expect(err.message).toContain("`adopt: true`");
  expect(writes()).toEqual([]);

  const { id } = await up({ name, adopt: true });
  expect(id).toBe(existing.id);
  expect((await h.api<ApiGroup>("GET", `/groups/${id}`)).body).toMatchObject({ name, description: "" });
});

test("of two groups with one name, neither is adopted: the duplicate must go first", async () => {
  const first = await external(name);
  const second = await external(name);
  const err = await errorOf(h, up({ name, adopt: true }));
  expect(err.message).toContain(`2 groups are named '${name}' (${second.id}, ${first.id})`);
  const byId = await errorOf(h, up({ name, importId: first.id }));
  expect(byId.message).toContain(`a group named '${name}' already exists in FeatBit (id ${second.id}`);
  expect(writes()).toEqual([]);
});

test("renaming into another group's name is refused", async () => {
  const other = await external(`${name} other`);
  const { id, outs } = await up({ name });
  const err = await errorOf(h, group.update(id, outs, await checked({ name: other.name })));
  expect(err.message).toContain(`a group named '${other.name}' already exists`);
});

test("refresh reports drift and a deleted group; delete warns about bindings made outside the stack", async () => {
  const { id, outs } = await up({ name });
  await h.api("PUT", `/groups/${id}`, { name: `${name} (UI)`, description: "edited" });
  expect((await group.read(id, outs)).props).toMatchObject({ name: `${name} (UI)`, description: "edited" });

  const members = await h.api<{ items: { id: string }[] }>("GET", "/members");
  await h.api("PUT", `/groups/${id}/add-member/${members.body.items[0].id}`);
  await group.delete(id, outs);
  expect(warnings).toEqual([expect.stringContaining("still held member test@featbit.com")]);
  expect(await group.read(id, outs)).toEqual({});
});

test("a group exactly as this program would make it (another stack's, or a killed run's) is not taken", async () => {
  const left = await external(name, "exact");
  const err = await errorOf(h, up({ name, description: "exact" }));
  expect(err.message).toContain(`a group named '${name}' already exists in FeatBit (id ${left.id}`);
  expect(err.message).toMatch(/no evidence that it created it.*featbit-recover/);
  expect(writes()).toEqual([]);
  expect(warnings).toEqual([]);
});

test("a second group with the name (a create that landed after the provider stopped waiting) is named by a read", async () => {
  const { id, outs } = await up({ name, description: "" });
  const late = await external(name.toUpperCase());
  expect((await group.read(id, outs)).props).toEqual(outs);
  expect(warnings).toEqual([expect.stringContaining(`also holds another object with its key (${late.id})`)]);
});
