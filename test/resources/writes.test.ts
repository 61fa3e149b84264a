// The write mechanics every resource uses (provider/resources/core/writes.ts), with scripted FeatBit answers.
import { FeatBitApiError, type ErrorKind } from "../../provider/client/errors";
import { canonicalJson } from "../../provider/resources/core/canonical";
import {
  createOnce,
  retryOnConflict,
  verifiedWrite,
  withLock,
  type WritePolicy,
} from "../../provider/resources/core/writes";

let claimCounter = 0;

/** One send, no waiting: the behaviour of a single attempt. */
const ONCE: WritePolicy = { sends: 1, lateLandingMs: 0, pollMs: 1, sleep: async () => undefined };

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
    const run = verifiedWrite(ONCE, {
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
    return createOnce<string>(ONCE, {
      claim: `test:${++claimCounter}`,
      send,
      lookup: async () => (found === "landed" ? { state: "landed", object: "found" } : { state: found }),
      taken: () => taken,
      adopted: () => undefined,
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

describe("sending again what proved not to land", () => {
  /** A scripted FeatBit: each send takes the next answer; what has landed is what reads see. */
  function script(answers: ("ok" | "lost" | "late" | "refused")[]) {
    const state = { landed: false, sends: 0, reads: 0, slept: 0 };
    const policy: WritePolicy = {
      sends: 4,
      lateLandingMs: 3000,
      pollMs: 1000,
      sleep: async (ms) => {
        state.slept += ms;
        // A held write lands while the provider waits for it.
        if (pending) state.landed = true;
      },
    };
    let pending = false;
    const send = async (): Promise<string> => {
      const answer = answers[state.sends++] ?? "ok";
      if (answer === "ok") {
        state.landed = true;
        return "answered";
      }
      if (answer === "late") {
        pending = true;
        throw failure("timeout", undefined, true);
      }
      if (answer === "refused") throw failure("server", 503, true);
      throw failure("network", undefined, true); // lost before landing
    };
    const read = async () => {
      state.reads++;
      return { landed: state.landed };
    };
    return { state, policy, send, read };
  }

  test("a write whose read-back proves it did not land is sent again, within the policy's count", async () => {
    const f = script(["lost", "refused", "ok"]);
    const result = await verifiedWrite(f.policy, {
      send: f.send,
      read: f.read,
      landed: (c) => c.landed,
      result: () => "read",
    });
    expect(result).toBe("answered");
    expect(f.state.sends).toBe(3);
    const g = script(["lost", "lost", "lost", "lost", "ok"]);
    await expect(
      verifiedWrite(g.policy, { send: g.send, read: g.read, landed: (c) => c.landed, result: () => "read" }),
    ).rejects.toThrow(/showed the change was not applied/);
    expect(g.state.sends).toBe(4);
  });

  test("a timed-out write is given time to land instead of being sent twice", async () => {
    const f = script(["late"]);
    const result = await verifiedWrite(f.policy, {
      send: f.send,
      read: f.read,
      landed: (c) => c.landed,
      result: () => "landed late",
    });
    expect(result).toBe("landed late");
    expect(f.state.sends).toBe(1);
    expect(f.state.slept).toBeGreaterThan(0);
  });

  test("a create is sent again only once nothing holds its key, and waits for a timed-out one", async () => {
    const f = script(["lost", "late"]);
    const created = await createOnce(f.policy, {
      claim: `test:${++claimCounter}`,
      send: f.send,
      lookup: async () =>
        (await f.read()).landed ? { state: "landed", object: "found" } : { state: "absent" },
      taken: () => new Error("taken"),
      adopted: () => undefined,
    });
    expect(created).toBe("found");
    expect(f.state.sends).toBe(2);
  });

  test("KeyHasBeenUsed for an object exactly as this resource creates it: adopted, and the user is told", async () => {
    const adopted: string[] = [];
    const object = await createOnce(ONCE, {
      claim: `test:${++claimCounter}`,
      send: () => Promise.reject(failure("business", 422, false, ["KeyHasBeenUsed"])),
      lookup: async () => ({ state: "landed", object: "earlier run's" }),
      taken: () => new Error("taken"),
      adopted: (o) => adopted.push(o),
    });
    expect([object, adopted]).toEqual(["earlier run's", ["earlier run's"]]);
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
