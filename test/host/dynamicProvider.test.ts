// The mechanics every resource shares (provider/host/dynamicProvider.ts), on a made-up resource.
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { z } from "zod";
import { FeatBitApiError } from "../../provider/client/errors";
import { describeFailure, toProvider } from "../../provider/host/dynamicProvider";
import type { ResourceKind } from "../../provider/host/shim";
import { canonicalJson } from "../../provider/resources/core/canonical";
import {
  PartialWriteError,
  splitId,
  type Context,
  type ResourceDefinition,
} from "../../provider/resources/core/definition";
import { crossField, tags, UNKNOWN } from "../../provider/resources/core/schema";

const Inputs = z
  .object({
    key: z.string().min(1, "key must not be empty"),
    size: z.number().default(1),
    tags,
    adopt: z.boolean().default(false),
  })
  .superRefine(
    ...crossField<{ size: number }>(["size"], (i, c) => {
      if (i.size > 10) c.addIssue({ code: "custom", path: ["size"], message: "size must be at most 10" });
    }),
  )
  .superRefine(
    ...crossField<{ key: string; size: number }>(["key", "size"], (i, c) => {
      if (i.key.startsWith("x") && i.size > 1)
        c.addIssue({ code: "custom", path: ["key"], message: "x keys have size 1" });
    }),
  );
type Inputs = z.infer<typeof Inputs>;
type Outputs = Inputs & { thingId: string };

const calls: string[] = [];
const def: ResourceDefinition<Inputs, Outputs> = {
  kind: "Thing" as ResourceKind,
  schema: Inputs,
  createOnly: ["adopt"],
  replaceOn: ["key"],
  deleteBeforeReplace: (olds, news) => olds.key === news.key,
  outputs: ["thingId"],
  describe: (p) => `thing '${p.key ?? "?"}'`,
  async create(_ctx, inputs) {
    calls.push("create");
    if (inputs.key === "half") throw new PartialWriteError("tags failed", "id-half", { key: "half" });
    if (inputs.key === "boom") throw new Error("FeatBit said no");
    if (inputs.key === "dup") {
      throw new FeatBitApiError({
        message:
          "Creating thing 'dup' failed: it exists (FeatBit: KeyHasBeenUsed) [HTTP 422, POST /api/v1/things]",
        detail: "it exists (FeatBit: KeyHasBeenUsed) [HTTP 422, POST /api/v1/things]",
        kind: "business",
        status: 422,
        codes: ["KeyHasBeenUsed"],
        method: "POST",
        path: "/things",
      });
    }
    return { id: `id-${inputs.key}`, outs: { ...inputs, thingId: `id-${inputs.key}` } };
  },
  async read(_ctx, id, olds) {
    calls.push("read");
    return id === "id-gone"
      ? undefined
      : { ...(olds ?? { key: "k", size: 1, tags: [], adopt: false }), size: 5, thingId: id };
  },
  async update(_ctx, _id, olds, news, changed) {
    calls.push(`update:${[...changed].join(",")}`);
    return { ...olds, ...news };
  },
  async delete() {
    calls.push("delete");
  },
  inputsOf: (outs, previous) => ({
    key: outs.key,
    size: outs.size,
    tags: outs.tags,
    adopt: previous?.adopt ?? false,
  }),
};

const ctx = (): Context => {
  throw new Error("pure methods must not need a context");
};
const provider = toProvider(def, ctx);
const liveProvider = toProvider(def, () => ({}) as Context);

describe("check", () => {
  test("applies defaults and normalises, keeping __provider", async () => {
    const res = await provider.check({}, { key: "a", tags: ["b", "a", "b"], __provider: "P" });
    expect(res.failures).toBeUndefined();
    expect(res.inputs).toEqual({ key: "a", size: 1, tags: ["a", "b"], adopt: false, __provider: "P" });
  });

  test("reports every failure with its property path, worded so the engine prints it with the value", async () => {
    // The engine prints "property <p> value <inputs[p]> has a problem: <reason>" and finds only top-level inputs:
    // top-level scalars keep their property, nested paths (and lists) name it in the reason.
    const res = await provider.check({}, { key: "", size: "x", tags: ["ok", ""] });
    expect(res.failures).toEqual([
      { property: "key", reason: "key must not be empty" },
      { property: "size", reason: expect.stringContaining("expected number") },
      { property: "", reason: "tags[1]: a tag must not be empty" },
    ]);
    const scalar = await provider.check({}, { key: "a", tags: "x" });
    expect(scalar.failures).toEqual([{ property: "tags", reason: "tags must be a list of strings" }]);
    const object = await provider.check({}, { key: "a", tags: { x: 1 } });
    expect(object.failures).toEqual([{ property: "", reason: "tags: tags must be a list of strings" }]);
  });

  test("runs cross-field rules", async () => {
    const res = await provider.check({}, { key: "a", size: 11 });
    expect(res.failures).toEqual([{ property: "size", reason: "size must be at most 10" }]);
  });

  test("reports schema failures and rule failures in one pass", async () => {
    const res = await provider.check({}, { key: "", size: 11 });
    expect(res.failures).toEqual([
      { property: "key", reason: "key must not be empty" },
      { property: "size", reason: "size must be at most 10" },
    ]);
  });

  test("a rule that reads a field which failed its schema is skipped; rules over valid fields still run", async () => {
    const res = await provider.check({}, { key: 42, size: 11 });
    expect(res.failures).toEqual([
      expect.objectContaining({ property: "key" }),
      { property: "size", reason: "size must be at most 10" },
    ]);
  });

  test("rules over known fields run while other fields are unknown (a first preview)", async () => {
    const res = await provider.check({}, { key: "xa", size: 11, tags: [UNKNOWN] });
    expect(res.failures).toEqual([
      { property: "size", reason: "size must be at most 10" },
      { property: "key", reason: "x keys have size 1" },
    ]);
    expect((await provider.check({}, { key: UNKNOWN, size: 11 })).failures).toEqual([
      { property: "size", reason: "size must be at most 10" },
    ]);
  });

  test("a rule is not run while a field it reads is unknown, even when it would report on a known field", () => {
    // Reads `key`, reports on `size`: the host's filter of failures on unknown values cannot hide a failure here.
    const schema = z.object({ key: z.string(), size: z.number() }).superRefine(
      ...crossField<{ key: string; size: number }>(["key"], (i, c) => {
        if (!/^[a-z]+$/.test(i.key))
          c.addIssue({ code: "custom", path: ["size"], message: "size needs a plain key" });
      }),
    );
    expect(schema.safeParse({ key: UNKNOWN, size: 3 }).success).toBe(true);
    expect(
      schema.safeParse({ key: [UNKNOWN] as unknown as string, size: 3 }).error?.issues,
    ).not.toContainEqual(expect.objectContaining({ message: "size needs a plain key" }));
    expect(schema.safeParse({ key: "Not-plain", size: 3 }).error?.issues).toEqual([
      expect.objectContaining({ path: ["size"], message: "size needs a plain key" }),
    ]);
  });

  test("does not fail on values unknown during preview", async () => {
    const res = await provider.check({}, { key: UNKNOWN, size: UNKNOWN });
    expect(res.failures).toBeUndefined();
  });

  test("known inputs come back as `up` will check them while others are unknown; unknown ones stay unknown", async () => {
    // Parses as a whole (an unknown passes as a string): defaults and normalization apply to the known fields.
    expect(
      (await provider.check({}, { key: UNKNOWN, tags: ["b", "a", "b"], __provider: "P" })).inputs,
    ).toEqual({
      key: UNKNOWN,
      size: 1,
      tags: ["a", "b"],
      adopt: false,
      __provider: "P",
    });
    // Does not parse as a whole (an unknown number): field by field.
    expect((await provider.check({}, { key: "a", size: UNKNOWN, tags: ["b", "a"] })).inputs).toEqual({
      key: "a",
      size: UNKNOWN,
      tags: ["a", "b"],
      adopt: false,
    });
    // An unknown inside a list: that field stays as declared, the others are canonical.
    expect((await provider.check({}, { key: "a", tags: ["b", UNKNOWN] })).inputs).toEqual({
      key: "a",
      size: 1,
      tags: ["b", UNKNOWN],
      adopt: false,
    });
  });

  test("the host's own inputs stay unknown when unknown", async () => {
    const res = await provider.check({}, { key: "a", installation: UNKNOWN, onDestroy: UNKNOWN });
    expect(res.inputs).toEqual({
      key: "a",
      size: 1,
      tags: [],
      adopt: false,
      installation: UNKNOWN,
      onDestroy: UNKNOWN,
    });
  });
});

describe("diff", () => {
  test("no changes after normalisation (tag order, defaults)", async () => {
    const olds = { key: "a", size: 1, tags: ["a", "b"], adopt: false, thingId: "id-a", __provider: "P" };
    expect(await provider.diff("id-a", olds, { key: "a", size: 1, tags: ["b", "a"], adopt: false })).toEqual({
      changes: false,
    });
  });

  test("lists exactly the changed properties, ignoring create-only ones", async () => {
    const olds = { key: "a", size: 1, tags: [], adopt: false, thingId: "id-a" };
    const res = await provider.diff("id-a", olds, { key: "a", size: 2, tags: [], adopt: true });
    expect(res).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  test("marks replacements and deletes first when the key stays", async () => {
    const olds = { key: "a", size: 1, tags: [], adopt: false, thingId: "id-a" };
    expect(await provider.diff("id-a", olds, { key: "b", size: 1, tags: [], adopt: false })).toEqual({
      changes: true,
      replaces: ["key"],
      deleteBeforeReplace: false,
    });
  });

  test("an unknown replace-trigger is a replacement", async () => {
    const olds = { key: "a", size: 1, tags: [], adopt: false, thingId: "id-a" };
    const res = await provider.diff("id-a", olds, { key: UNKNOWN, size: 1, tags: [], adopt: false });
    expect(res.replaces).toEqual(["key"]);
  });

  test("delete-before-replace is decided by known values: an unknown one is a value no object holds yet", async () => {
    // As `up` decides it once the value is known: the id of an object this update creates or replaces is new.
    const olds = { key: "a", size: 1, tags: [], adopt: false, thingId: "id-a" };
    const unknownKey = await provider.diff("id-a", olds, { key: UNKNOWN, size: 1, tags: [], adopt: false });
    expect(unknownKey).toEqual({ changes: true, replaces: ["key"], deleteBeforeReplace: false });
    // Another input unknown does not make a replacement delete first.
    const unknownTag = await provider.diff("id-a", olds, {
      key: "b",
      size: 1,
      tags: [UNKNOWN],
      adopt: false,
    });
    expect(unknownTag).toEqual({ changes: true, replaces: ["key"], deleteBeforeReplace: false });
  });

  test("a known input that did not change is no change while another is unknown", async () => {
    const olds = { key: "a", size: 1, tags: ["x", "y"], adopt: false, thingId: "id-a" };
    const checked = await provider.check({}, { key: "a", size: UNKNOWN, tags: ["y", "x", "y"] });
    const res = await provider.diff("id-a", olds, checked.inputs as Record<string, unknown>);
    expect(res).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    // What the engine shows as changed comes from the checked inputs: the tags are as they were.
    expect((checked.inputs as Record<string, unknown>).tags).toEqual(["x", "y"]);
  });
});

describe("create/read/update/delete wrapping", () => {
  beforeEach(() => calls.splice(0));

  test("update passes only the changed properties", async () => {
    const olds = { key: "a", size: 1, tags: ["x"], adopt: false, thingId: "id-a" };
    await liveProvider.update("id-a", olds, { key: "a", size: 3, tags: ["x"], adopt: true });
    expect(calls).toEqual(["update:size"]);
  });

  test("errors name the operation and the object", async () => {
    await expect(liveProvider.create({ key: "boom" })).rejects.toThrow(
      "creating thing 'boom' failed: FeatBit said no",
    );
  });

  test("FeatBit errors get one lead-in: the resource operation, then FeatBit's answer", async () => {
    await expect(liveProvider.create({ key: "dup" })).rejects.toThrow(
      /^creating thing 'dup' failed: it exists \(FeatBit: KeyHasBeenUsed\) \[HTTP 422, POST \/api\/v1\/things\]$/,
    );
  });

  test("a partial create keeps its id and the provider for the engine", async () => {
    const err = await liveProvider.create({ key: "half", __provider: "P" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartialWriteError);
    expect(err).toMatchObject({ id: "id-half", properties: { key: "half", __provider: "P" } });
  });

  test("what the engine gets holds no undefined at any depth (protobuf's Struct refuses the whole step on one)", async () => {
    const sparse = toProvider(
      {
        ...def,
        async create(_ctx: Context, inputs: Inputs) {
          return {
            id: "id-sparse",
            outs: {
              ...inputs,
              thingId: "id-sparse",
              note: undefined,
              nested: { a: undefined, list: [undefined, 1] },
            },
          };
        },
      } as unknown as typeof def,
      () => ({}) as Context,
    );
    const { outs } = await sparse.create({ key: "sparse", size: 1, tags: [] });
    expect(outs).toStrictEqual({
      key: "sparse",
      size: 1,
      tags: [],
      adopt: false,
      thingId: "id-sparse",
      nested: { list: [null, 1] },
      origin: "created",
    });
    // What Pulumi's dynamic-provider host does with the result.
    expect(() => Struct.fromJavaScript(outs as Record<string, never>)).not.toThrow();
  });

  test("read folds the object back into inputs, and reports gone objects with an empty result", async () => {
    const olds = { key: "a", size: 1, tags: [], adopt: true, thingId: "id-a", __provider: "P" };
    const res = await liveProvider.read("id-a", olds);
    expect(res.inputs).toEqual({ key: "a", size: 5, tags: [], adopt: true });
    expect(await liveProvider.read("id-gone", olds)).toEqual({});
  });
});

test("canonicalJson ignores key order and undefined", () => {
  expect(canonicalJson({ b: 1, a: { d: undefined, c: [2, 1] } })).toBe(
    canonicalJson({ a: { c: [2, 1] }, b: 1 }),
  );
  expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
});

test("splitId names the expected format", () => {
  expect(splitId("env/key", 2, "<environment_uuid>/<flag_key>")).toEqual(["env", "key"]);
  expect(() => splitId("env/key/x", 2, "<environment_uuid>/<flag_key>")).toThrow(
    "'env/key/x' is not a valid id: expected <environment_uuid>/<flag_key>",
  );
  expect(() => splitId(" env/key", 2, "<a>/<b>")).toThrow("not a valid id");
});

describe("failure reports", () => {
  test("anticipated failures carry no stack trace (Pulumi prints it next to the message); bugs keep theirs", () => {
    const refusal = describeFailure("deleting", "segment 'beta'", new Error("it is still used"));
    expect(refusal.message).toBe("deleting segment 'beta' failed: it is still used");
    expect(refusal.stack).toBe("");
    const bug = new TypeError("cannot read properties of undefined");
    const reported = describeFailure("updating", "feature flag 'x'", bug);
    expect(reported.message).toBe("updating feature flag 'x' failed: cannot read properties of undefined");
    expect(reported.stack).toBe(bug.stack);
  });
});
