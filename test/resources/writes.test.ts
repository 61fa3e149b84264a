// The write mechanics every resource uses (provider/resources/core/writes.ts), with scripted FeatBit answers.
import { FeatBitApiError, type ErrorKind } from "../../provider/client/errors";
import { canonicalJson } from "../../provider/resources/core/canonical";
import {
  claims,
  createOnce,
  retryOnConflict,
  settledBooleanDelete,
  settledDelete,
  settledRemoval,
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

describe("createOnce: ownership by evidence", () => {
  /** A FeatBit holding `before` under the key when the create starts; each send takes the next answer. */
  function world(before: string | undefined, answers: ("ok" | "lost" | "taken")[]) {
    const state = { holder: before, sends: 0, finds: 0 };
    const run = (extra: { knownFree?: boolean; claim?: string } = {}) =>
      createOnce<string>(ONCE_PLUS, {
        claim: extra.claim ?? `test:${++claimCounter}`,
        knownFree: extra.knownFree,
        find: async () => {
          state.finds++;
          return state.holder;
        },
        send: async () => {
          const answer = answers[state.sends++] ?? "ok";
          if (state.holder !== undefined) throw failure("business", 422, false, ["KeyHasBeenUsed"]);
          state.holder = "mine";
          if (answer === "lost") throw failure("server", 502, true);
          return "answered";
        },
        taken: (cause) => new Error(`taken${cause ? " (422)" : ""}`),
      });
    return { state, run };
  }
  /** Two sends at most. */
  const ONCE_PLUS: WritePolicy = { ...ONCE, sends: 2 };

  test("an object holding the key before anything is sent is never taken, whatever it looks like", async () => {
    const w = world("someone else's, identical to what this resource creates", []);
    await expect(w.run()).rejects.toThrow(/^taken$/);
    expect(w.state.sends).toBe(0);
  });

  test("a lost answer: the key was free just before the send, so what holds it now is this create's", async () => {
    const w = world(undefined, ["lost"]);
    await expect(w.run()).resolves.toBe("mine");
    expect(w.state.sends).toBe(1);
  });

  test("KeyHasBeenUsed on the first send (someone took the key after the read) is refused", async () => {
    const w = world(undefined, []);
    // The key is taken between the pre-read and the send.
    const run = createOnce<string>(ONCE, {
      claim: `test:${++claimCounter}`,
      find: async () => (w.state.finds++ === 0 ? undefined : "someone else's"),
      send: () => Promise.reject(failure("business", 422, false, ["keyHasBeenUsed"])),
      taken: (cause) => new Error(`taken${cause ? " (422)" : ""}`),
    });
    await expect(run).rejects.toThrow("taken (422)");
  });

  test("a caller's own listing stands in for the pre-read (knownFree)", async () => {
    const w = world(undefined, []);
    await expect(w.run({ knownFree: true })).resolves.toBe("answered");
    expect(w.state.finds).toBe(0);
  });

  test("a key another resource of this run created meanwhile is refused, even after a lost answer", async () => {
    const claim = `test:${++claimCounter}`;
    let holder: string | undefined;
    const policy: WritePolicy = { ...ONCE, sends: 2 };
    const run = createOnce<string>(policy, {
      claim,
      find: async () => holder,
      send: async () => {
        if (holder !== undefined) throw failure("business", 422, false, ["KeyHasBeenUsed"]);
        // Another resource's create of the same key lands while this one's answer is lost.
        holder = "theirs";
        claims.add(claim);
        throw failure("network", undefined, true);
      },
      taken: (cause) => new Error(`taken${cause ? " (422)" : ""}`),
    });
    await expect(run).rejects.toThrow("taken (422)");
  });

  test("a same-key replacement in one run (create, delete, create) still recognises its own lost create", async () => {
    const claim = `test:${++claimCounter}`;
    await expect(world(undefined, []).run({ claim })).resolves.toBe("answered");
    // The first object was deleted; the replacement's answer is lost.
    await expect(world(undefined, ["lost"]).run({ claim })).resolves.toBe("mine");
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
    let first = true;
    const created = await createOnce(f.policy, {
      claim: `test:${++claimCounter}`,
      // Free before the first send; afterwards, whatever the scripted FeatBit holds.
      find: async () => {
        if (first) return ((first = false), undefined);
        return (await f.read()).landed ? "found" : undefined;
      },
      send: f.send,
      taken: () => new Error("taken"),
    });
    expect(created).toBe("found");
    expect(f.state.sends).toBe(2);
  });

  test("KeyHasBeenUsed after a resend: an earlier send of this create landed late, so it is this create's", async () => {
    let holder: string | undefined;
    let sends = 0;
    const policy: WritePolicy = { sends: 3, lateLandingMs: 0, pollMs: 1, sleep: async () => undefined };
    const created = await createOnce(policy, {
      claim: `test:${++claimCounter}`,
      find: async () => holder,
      send: async () => {
        sends++;
        if (sends === 1) {
          // Lost, and lands only after the read-back found nothing.
          setImmediate(() => (holder = "landed late"));
          throw failure("network", undefined, true);
        }
        await new Promise((resolve) => setImmediate(resolve));
        throw failure("business", 422, false, ["KeyHasBeenUsed"]);
      },
      taken: () => new Error("taken"),
    });
    expect([created, sends]).toEqual(["landed late", 2]);
  });
});

describe("writes on the way out: settledRemoval and settledDelete", () => {
  /** A scripted object: each send takes the next answer; `state` is what reads see. */
  function object(answers: ("ok" | "lost" | "late" | "applied-lost" | "forbidden")[], sends = 3) {
    const state = { sends: 0, reads: 0, slept: 0, archived: false, exists: true };
    const policy: WritePolicy = {
      sends,
      lateLandingMs: 10_000,
      pollMs: 1000,
      sleep: async (ms) => void (state.slept += ms),
    };
    const send = async () => {
      const answer = answers[state.sends++] ?? "ok";
      if (answer === "ok") return void (state.archived = true);
      if (answer === "applied-lost") {
        state.archived = true;
        throw failure("network", undefined, true);
      }
      if (answer === "forbidden") throw failure("forbidden", 403, false);
      throw failure(answer === "late" ? "timeout" : "server", answer === "late" ? undefined : 502, true);
    };
    const read = async () => {
      state.reads++;
      return state.exists ? { archived: state.archived } : undefined;
    };
    return { state, policy, send, read, landed: (o: { archived: boolean }) => o.archived };
  }

  test("a delete FeatBit answers false: a failure while the object is there, done once it is gone", async () => {
    let exists = true;
    let reads = 0;
    const w = {
      send: async () => false,
      read: async () => (reads++, exists ? { id: "x" } : undefined),
    };
    await expect(settledBooleanDelete(ONCE, w)).rejects.toThrow("FeatBit answered that it did not delete it");
    exists = false;
    await expect(settledBooleanDelete(ONCE, w)).resolves.toBeUndefined();
    // FeatBit's true is taken at its word: no read.
    reads = 0;
    await settledBooleanDelete(ONCE, { ...w, send: async () => true });
    expect(reads).toBe(0);
  });

  test("an archive lost and proven not applied is sent again, within the policy's count", async () => {
    const o = object(["lost", "lost", "ok"]);
    await expect(settledRemoval(o.policy, o)).resolves.toBe("done");
    expect(o.state.sends).toBe(3);
    const p = object(["lost", "lost", "lost", "ok"]);
    await expect(settledRemoval(p.policy, p)).rejects.toThrow(/showed the change was not applied/);
    expect(p.state.sends).toBe(3);
  });

  test("an archive whose answer was lost after it landed is done, sent once", async () => {
    const o = object(["applied-lost"]);
    await expect(settledRemoval(o.policy, o)).resolves.toBe("done");
    expect(o.state.sends).toBe(1);
  });

  test("a timed-out removal is sent again at once: a second archive or delete is harmless", async () => {
    const o = object(["late", "ok"]);
    await expect(settledRemoval(o.policy, o)).resolves.toBe("done");
    expect([o.state.sends, o.state.slept]).toEqual([2, 0]);
  });

  test("an object already gone counts as removed; one that exists after a 403 is a refusal", async () => {
    const gone = object(["forbidden"]);
    gone.state.exists = false;
    await expect(settledRemoval(gone.policy, gone)).resolves.toBe("gone");
    const refused = object(["forbidden"]);
    await expect(settledRemoval(refused.policy, refused)).rejects.toThrow("m forbidden");
    expect(refused.state.sends).toBe(1);
  });

  test("settledDelete sends a delete again while it is proven not applied, and confirms acknowledged ones", async () => {
    let sends = 0;
    let exists = true;
    const policy: WritePolicy = { ...ONCE, sends: 3 };
    await settledDelete(policy, {
      send: async () => {
        if (++sends < 3) throw failure("server", 500, true);
        exists = false;
      },
      exists: async () => exists,
      confirm: true,
    });
    expect([sends, exists]).toEqual([3, false]);
    await expect(
      settledDelete(policy, { send: async () => true, exists: async () => true, confirm: true }),
    ).rejects.toThrow(/still in FeatBit after FeatBit acknowledged deleting it/);
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
