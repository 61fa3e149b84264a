// The write mechanics every resource uses (provider/resources/core/writes.ts), with scripted FeatBit answers.
import { FeatBitApiError, type ErrorKind } from "../../provider/client/errors";
import { canonicalJson } from "../../provider/resources/core/canonical";
import { createOnce, retryOnConflict, verifiedWrite, withLock } from "../../provider/resources/core/writes";

const failure = (kind: ErrorKind, status: number | undefined, ambiguous: boolean, codes: string[] = []) =>
  new FeatBitApiError({
    message: `m ${kind}`,
    detail: `d ${kind}`,
    kind,
    status,
    codes,
    method: "PUT",
    path: "/x",
    ambiguous,
  });

describe("verifiedWrite", () => {
  const object = { name: "new" };
  const write = (send: () => Promise<string>, current: { name: string } | undefined) => {
    const reads: string[] = [];
    const run = verifiedWrite({
      send,
      read: async () => {
        reads.push("read");
        return current;
      },
      landed: (c) => c.name === "new",
      result: () => "from the read",
    });
    return { run, reads };
  };

  test("an answered write needs no read", async () => {
    const { run, reads } = write(async () => "answered", object);
    await expect(run).resolves.toBe("answered");
    expect(reads).toEqual([]);
  });

  test("a lost answer whose change landed counts as done", async () => {
    const { run } = write(() => Promise.reject(failure("network", undefined, true)), object);
    await expect(run).resolves.toBe("from the read");
  });

  test("a lost answer whose change did not land says so (safe to run again)", async () => {
    const { run } = write(() => Promise.reject(failure("timeout", undefined, true)), { name: "old" });
    await expect(run).rejects.toThrow(/d timeout; reading it back showed the change was not applied$/);
  });

  test.each([
    ["forbidden", 403],
    ["not-found", 404],
  ] as const)("a %s refusal for an object that is gone advises a refresh", async (kind, status) => {
    const { run } = write(() => Promise.reject(failure(kind, status, false)), undefined);
    await expect(run).rejects.toThrow(/no longer exists in FeatBit: run `pulumi refresh`/);
  });

  test("a refusal for an object that still exists is FeatBit's refusal", async () => {
    const { run } = write(() => Promise.reject(failure("forbidden", 403, false)), object);
    await expect(run).rejects.toThrow("m forbidden");
  });

  test("other refusals are not read back", async () => {
    const { run, reads } = write(() => Promise.reject(failure("validation", 400, false)), object);
    await expect(run).rejects.toThrow("m validation");
    expect(reads).toEqual([]);
  });
});

describe("createOnce", () => {
  const create = (send: () => Promise<string>, found: "landed" | "taken" | "absent") => {
    const taken = new Error("taken: set adopt");
    return createOnce<string>({
      send,
      lookup: async () => (found === "landed" ? { state: "landed", object: "found" } : { state: found }),
      taken: () => taken,
    });
  };

  test("a lost answer: what holds the key decides", async () => {
    const lost = () => Promise.reject(failure("server", 502, true));
    await expect(create(lost, "landed")).resolves.toBe("found");
    await expect(create(lost, "taken")).rejects.toThrow("taken: set adopt");
    await expect(create(lost, "absent")).rejects.toThrow(/showed the change was not applied$/);
  });

  test("KeyHasBeenUsed is the key taken, whatever its letter case", async () => {
    const refused = () => Promise.reject(failure("business", 422, false, ["keyHasBeenUsed"]));
    await expect(create(refused, "absent")).rejects.toThrow("taken: set adopt");
  });
});

describe("retryOnConflict", () => {
  test("runs again once after a stale revision, then gives up with the exhausted error", async () => {
    const attempts: number[] = [];
    const result = await retryOnConflict(async (n) => {
      attempts.push(n);
      if (n === 1) throw failure("conflict", 409, false);
      return "second";
    });
    expect([result, attempts]).toEqual(["second", [1, 2]]);
    await expect(
      retryOnConflict(
        () => Promise.reject(failure("conflict", 409, false)),
        () => new Error("kept changing"),
      ),
    ).rejects.toThrow("kept changing");
  });

  test("other failures are not retried", async () => {
    let attempts = 0;
    await expect(
      retryOnConflict(() => {
        attempts++;
        return Promise.reject(failure("server", 500, true));
      }),
    ).rejects.toThrow("m server");
    expect(attempts).toBe(1);
  });
});

test("withLock runs work on one key in order, and other keys freely", async () => {
  const order: string[] = [];
  const slow = (label: string, ms: number) => () =>
    new Promise<void>((resolve) =>
      setTimeout(() => {
        order.push(label);
        resolve();
      }, ms),
    );
  await Promise.all([
    withLock("k", slow("first", 30)),
    withLock("k", slow("second", 1)),
    withLock("other", slow("other", 5)),
  ]);
  expect(order.indexOf("first")).toBeLessThan(order.indexOf("second"));
  expect(order[0]).toBe("other");
});

test("withLock keeps going after a failure", async () => {
  await expect(withLock("f", async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
  await expect(withLock("f", async () => 42)).resolves.toBe(42);
});

test("canonicalJson ignores key order and undefined", () => {
  expect(canonicalJson({ b: 1, a: { d: undefined, c: [2, 1] } })).toBe(
    canonicalJson({ a: { c: [2, 1] }, b: 1 }),
  );
  expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
});
