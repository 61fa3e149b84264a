// What destroy does to an object (provider/host/dynamicProvider.ts): a stack deletes what it created and releases
// what it adopted, unless the program says otherwise with `onDestroy`; the choice is made from state alone, and a
// replacement that could only work by deleting an object the stack would keep is refused at preview.
import { z } from "zod";
import { toProvider } from "../../provider/host/dynamicProvider";
import type { Severity } from "../../provider/host/engineLog";
import type { ResourceKind } from "../../provider/host/shim";
import type { Context, ResourceDefinition } from "../../provider/resources/core/definition";
import { adoption, UNKNOWN } from "../../provider/resources/core/schema";

const Inputs = z.strictObject({ key: z.string(), name: z.string().default(""), ...adoption });
type Inputs = z.infer<typeof Inputs>;
type Outputs = Inputs & { thingId: string };

const calls: string[] = [];
const logged: [Severity, string][] = [];

function definition(kind: string, withArchive: boolean): ResourceDefinition<Inputs, Outputs> {
  return {
    kind: kind as ResourceKind,
    schema: Inputs,
    createOnly: ["adopt", "importId"],
    replaceOn: ["key"],
    deleteBeforeReplace: (olds, news) => olds.key === news.key,
    outputs: ["thingId"],
    describe: (p) => `thing '${p.key ?? "?"}'`,
    async create(_ctx, inputs) {
      calls.push("create");
      const adopted = inputs.adopt === true || inputs.importId !== undefined;
      return { id: `id-${inputs.key}`, outs: { ...inputs, thingId: "t" }, adopted };
    },
    async read(_ctx, id, olds) {
      calls.push("read");
      return { ...(olds ?? { key: "k", name: "" }), thingId: id };
    },
    async update(_ctx, _id, olds, news) {
      calls.push("update");
      return { ...olds, ...news };
    },
    async delete() {
      calls.push("delete");
    },
    ...(withArchive
      ? {
          async archive() {
            calls.push("archive");
          },
        }
      : {}),
    adoptedBefore: (olds) => olds.key === "prod",
  } as ResourceDefinition<Inputs, Outputs>;
}

const provider = (withArchive = false) =>
  toProvider(
    definition(withArchive ? "Flaggish" : "Projectish", withArchive) as unknown as ResourceDefinition<
      Record<string, unknown>,
      Record<string, unknown>
    >,
    () => ({}) as Context,
    () => undefined,
    (severity, message) => void logged.push([severity, message]),
  );

beforeEach(() => {
  calls.splice(0);
  logged.splice(0);
});

async function created(news: Record<string, unknown>, withArchive = false) {
  const p = provider(withArchive);
  const checked = await p.check({}, news);
  expect(checked.failures ?? []).toEqual([]);
  const { id, outs } = await p.create(checked.inputs!);
  return { p, id, outs: outs as Record<string, unknown> };
}

describe("origin: recorded at create, kept by every later step", () => {
  test("an object the stack made is 'created', one it took over is 'adopted'", async () => {
    expect((await created({ key: "a" })).outs).toMatchObject({ origin: "created" });
    expect((await created({ key: "b", adopt: true })).outs).toMatchObject({ origin: "adopted" });
  });

  test("refresh and update keep it; the program cannot change it", async () => {
    const { p, id, outs } = await created({ key: "c", adopt: true });
    const read = await p.read(id, outs);
    expect(read.props).toMatchObject({ origin: "adopted" });
    expect(read.inputs).not.toHaveProperty("origin");
    const news = (await p.check(outs, { key: "c", name: "renamed" })).inputs!;
    expect((await p.update(id, outs, news)).outs).toMatchObject({ origin: "adopted", name: "renamed" });
    expect((await p.check(outs, { key: "c", origin: "created" })).inputs).not.toHaveProperty("origin");
  });
});

describe("destroy", () => {
  test("deletes what the stack created, releases what it adopted and says so", async () => {
    const made = await created({ key: "d" });
    await made.p.delete(made.id, made.outs);
    expect(calls).toEqual(["create", "delete"]);
    calls.splice(0);
    const taken = await created({ key: "e", importId: "x" });
    await taken.p.delete(taken.id, taken.outs);
    expect(calls).toEqual(["create"]);
    expect(logged).toEqual([
      ["info", expect.stringMatching(/^released thing 'e': it stays in FeatBit as it is.*adopted it/)],
    ]);
  });

  test("onDestroy overrides the default either way; archive only where the kind archives", async () => {
    const kept = await created({ key: "f", onDestroy: "release" });
    await kept.p.delete(kept.id, kept.outs);
    const deleted = await created({ key: "g", adopt: true, onDestroy: "delete" });
    await deleted.p.delete(deleted.id, deleted.outs);
    const archived = await created({ key: "h", onDestroy: "archive" }, true);
    await archived.p.delete(archived.id, archived.outs);
    expect(calls).toEqual(["create", "create", "delete", "create", "archive"]);
    const refused = await provider().check({}, { key: "i", onDestroy: "archive" });
    expect(refused.failures).toEqual([
      {
        property: "onDestroy",
        reason: expect.stringMatching(
          /^onDestroy must be 'release' or 'delete'.*archives only feature flags/,
        ),
      },
    ]);
    expect((await provider(true).check({}, { key: "i", onDestroy: "shred" })).failures).toEqual([
      { property: "onDestroy", reason: expect.stringContaining("'release', 'archive' or 'delete'") },
    ]);
  });

  test("changing onDestroy is an update of the state alone: no call to FeatBit", async () => {
    const { p, id, outs } = await created({ key: "j", adopt: true });
    const news = (await p.check(outs, { key: "j", adopt: true, onDestroy: "delete" })).inputs!;
    expect(await p.diff(id, outs, news)).toMatchObject({ changes: true, replaces: [] });
    calls.splice(0);
    const after = await p.update(id, outs, news);
    expect(calls).toEqual([]);
    expect(after.outs).toMatchObject({ onDestroy: "delete", origin: "adopted" });
    await p.delete(id, after.outs!);
    expect(calls).toEqual(["delete"]);
  });

  test("state written before origin was recorded: adopt, importId and the kind's own rule say adopted", async () => {
    const p = provider();
    const legacy = (props: Record<string, unknown>) => ({
      ...props,
      name: "",
      thingId: "t",
      __provider: "P",
    });
    await p.delete("id-1", legacy({ key: "k1" }));
    await p.delete("id-2", legacy({ key: "k2", adopt: true }));
    await p.delete("id-3", legacy({ key: "k3", importId: "x" }));
    await p.delete("id-4", legacy({ key: "prod" }));
    expect(calls).toEqual(["delete"]);
    expect(logged.map(([, m]) => m.slice(0, 23))).toEqual([
      "released thing 'k2': it",
      "released thing 'k3': it",
      "released thing 'prod': ",
    ]);
  });
});

describe("a replacement that only a delete could make room for", () => {
  test("is refused at preview when the stack would keep the old object (adopted, or archived)", async () => {
    const adopted = await created({ key: "k", adopt: true });
    // Same key, so the replacement must delete first (deleteBeforeReplace); `name` stands in for a replace-on field.
    const def = { ...definition("Projectish", false), replaceOn: ["key", "name"] as const };
    const p = toProvider(
      def as unknown as ResourceDefinition<Record<string, unknown>, Record<string, unknown>>,
      () => ({}) as Context,
    );
    const news = (await p.check(adopted.outs, { key: "k", name: "new", adopt: true })).inputs!;
    await expect(p.diff(adopted.id, adopted.outs, news)).rejects.toThrow(
      /^thing 'k' would be replaced \(name changed\).*adopted it, so it releases it.*Set onDestroy: 'delete' on it/,
    );
    // Told to delete it, the same change is an ordinary replacement.
    const deletable = { ...adopted.outs, onDestroy: "delete" };
    expect(await p.diff(adopted.id, deletable, { ...news, onDestroy: "delete" })).toMatchObject({
      changes: true,
      replaces: ["name"],
      deleteBeforeReplace: true,
    });
    // A new key needs no delete first, so nothing stands in its way.
    const moved = (await p.check(adopted.outs, { key: "k2", adopt: true })).inputs!;
    expect(await p.diff(adopted.id, adopted.outs, moved)).toMatchObject({ deleteBeforeReplace: false });
    // Not known yet: decided at `up`, not refused now.
    expect(await p.diff(adopted.id, adopted.outs, { ...news, key: UNKNOWN })).toMatchObject({
      changes: true,
    });
  });
});
