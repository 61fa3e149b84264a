// How the resources write to FeatBit when an answer may be lost. FeatBit's answer to a write does not always settle
// what happened: a timeout, a reset or a 5xx after the request was sent leaves it open whether the change landed
// (`ambiguous`), and on most write routes FeatBit answers 403 or 404 for an object that no longer exists. Each
// mechanic here settles that once, by reading the object back; a resource says only what to write and how to
// recognise that it landed. The transport never repeats a write that may have reached FeatBit (see client/http.ts);
// a write whose read-back proves it did not land is safe to send again, and is, within the policy's bounds.
import { type FeatBitApiError, hasCode, isFeatBitApiError } from "../../client";
import { missingPermission, type Refusal } from "./permissions";

/** How hard one write is tried (from the settings: see host/host.ts). */
export interface WritePolicy {
  /** Sends of one write in all, the first included, while read-backs prove the earlier ones did not land. */
  sends: number;
  /**
   * How long a write whose answer timed out may still land (FeatBit goes on handling a request its client gave up
   * on): read-backs keep looking this long before calling it lost, so it is never sent twice.
   */
  lateLandingMs: number;
  /** Pause between those read-backs. */
  pollMs: number;
  sleep(ms: number): Promise<void>;
}

/** Looks again (read-backs `pollMs` apart) until `found` holds or the late-landing window has passed. */
async function lookAgain<T>(
  policy: WritePolicy,
  look: () => Promise<T>,
  found: (seen: T) => boolean,
  first: T,
): Promise<T> {
  let seen = first;
  for (let waited = 0; !found(seen) && waited < policy.lateLandingMs; waited += policy.pollMs) {
    await policy.sleep(policy.pollMs);
    seen = await look();
  }
  return seen;
}

/** The advice for a write to an object FeatBit no longer has. */
export function goneError(cause?: unknown): Error {
  return new Error(
    "it no longer exists in FeatBit: run `pulumi refresh` to drop it from the stack, then `pulumi up` to create it " +
      "again (it was deleted outside Pulumi)",
    { cause },
  );
}

/**
 * The error of a write that reading back proved was not applied (so running it again is safe). The transport's
 * advice to read back before retrying is done already, so it is replaced by what the read showed.
 */
export function notApplied(err: FeatBitApiError): FeatBitApiError {
  return err.withDetail(`${err.detail}; reading it back showed the change was not applied`);
}

export interface VerifiedWrite<R, T> {
  send(): Promise<R>;
  /** The object as FeatBit holds it now, or undefined when it is gone. */
  read(): Promise<T | undefined>;
  /** Whether the object read back shows the write. */
  landed(current: T): boolean;
  /** What the write answers, rebuilt from the object read back when the answer was lost. */
  result(current: T): R;
  /** When FeatBit refused the write to the object read back: its resource name and the permissions it needed. */
  refusal?(current: T): Promise<Refusal | undefined>;
}

/**
 * One write to an existing object. Answered: its result. Ambiguous (the request may have been applied): the object is
 * read back, for as long as a timed-out write may still land; the write counts as done when it shows the change,
 * and is sent again when it proves the change did not land. Refused with 403/404: the object is read to tell "it is
 * gone" (advice to refresh) from a real refusal.
 */
export async function verifiedWrite<R, T>(policy: WritePolicy, w: VerifiedWrite<R, T>): Promise<R> {
  for (let send = 1; ; send++) {
    try {
      return await w.send();
    } catch (err) {
      if (!isFeatBitApiError(err)) throw err;
      const mayBeGone = err.kind === "forbidden" || err.kind === "not-found";
      if (!err.ambiguous && !mayBeGone) throw err;
      let current = await w.read();
      if (current === undefined) throw goneError(err);
      // The object exists, so a refusal is about the token's permissions: say which one.
      if (!err.ambiguous) throw missingPermission(err, await w.refusal?.(current)) ?? err;
      if (err.kind === "timeout") {
        current = await lookAgain(
          policy,
          () => w.read(),
          (c) => c === undefined || w.landed(c),
          current,
        );
        if (current === undefined) throw goneError(err);
      }
      if (w.landed(current)) return w.result(current);
      if (send >= policy.sends) throw notApplied(err);
    }
  }
}

/** What a lost create left behind, as far as reading back can tell. */
export type Landed<T> =
  /** The object this create made. */
  | { state: "landed"; object: T }
  /** An object holding the key that this create did not make (it existed before, or differs from what was sent). */
  | { state: "taken" }
  | { state: "absent" };

export interface CreateOnce<T> {
  /** The key the object holds, e.g. "flag:<env>/<key>" (see claims). */
  claim: string;
  send(): Promise<T>;
  /** After an ambiguous failure: what holds the key now. */
  lookup(): Promise<Landed<T>>;
  /** The refusal when the key is taken (FeatBit's 422 KeyHasBeenUsed, or found taken after a lost answer). */
  taken(cause: FeatBitApiError): Error;
  /** Told when the key was taken by an object this resource takes as its own (to warn the user). */
  adopted(object: T): void;
  /**
   * When FeatBit refused the create (403): the resource name and permission it checked, provided what the object is
   * created in exists (read again here); undefined when it does not, and the original error stands.
   */
  refusal?(): Promise<Refusal | undefined>;
}

/**
 * A create that never makes two objects. When its answer is lost, what holds the key decides: the object this create
 * made is taken as created (looking, for a timed-out create, as long as it may still land), anything else is
 * reported, and nothing at all proves the create did not land, so it is sent again. When FeatBit says the key is
 * taken, the object holding it is this resource's if it is exactly what this resource creates (a create whose answer
 * was lost in an earlier run, or a run that crashed): see each resource's `lookup`.
 */
export async function createOnce<T>(policy: WritePolicy, c: CreateOnce<T>): Promise<T> {
  const object = await sendCreate(policy, c);
  claims.add(c.claim);
  return object;
}

async function sendCreate<T>(policy: WritePolicy, c: CreateOnce<T>): Promise<T> {
  for (let send = 1; ; send++) {
    try {
      return await c.send();
    } catch (err) {
      if (!isFeatBitApiError(err)) throw err;
      if (err.ambiguous) {
        let found = await c.lookup();
        if (err.kind === "timeout")
          found = await lookAgain(
            policy,
            () => c.lookup(),
            (f) => f.state !== "absent",
            found,
          );
        if (found.state === "landed") return found.object;
        if (found.state === "taken") throw c.taken(err);
        if (send >= policy.sends) throw notApplied(err);
        continue;
      }
      if (err.kind === "forbidden" && c.refusal) {
        const refusal = await c.refusal();
        throw (refusal && missingPermission(err, refusal)) ?? err;
      }
      if (hasCode(err, "KeyHasBeenUsed")) {
        const found = await c.lookup();
        // Another resource of this program made it in this run: two resources must never share one object.
        if (found.state !== "landed" || claims.has(c.claim)) throw c.taken(err);
        c.adopted(found.object);
        return found.object;
      }
      throw err;
    }
  }
}

const claimed = new Set<string>();

/**
 * The keys this provider process created or took over (Pulumi runs one per deployment). An object found holding a key
 * is only ever taken as a resource's own when no other resource of this run claimed that key.
 */
export const claims = {
  add: (claim: string): void => void claimed.add(claim.toLowerCase()),
  has: (claim: string): boolean => claimed.has(claim.toLowerCase()),
};

/**
 * Runs `attempt` (which reads the object's revision, then writes under it) once more when FeatBit refuses the write
 * because the object changed in between (409, a stale revision). A second conflict goes to `exhausted`.
 */
export async function retryOnConflict<T>(
  attempt: (n: number) => Promise<T>,
  exhausted: (err: FeatBitApiError) => Error = (err) => err,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!isFeatBitApiError(err) || err.kind !== "conflict") throw err;
      if (n >= 2) throw exhausted(err);
    }
  }
}

export interface SettledDelete {
  send(): Promise<unknown>;
  /** Whether FeatBit still has the object (or binding). */
  exists(): Promise<boolean>;
  /**
   * Failures that may hide a delete that happened, decided by reading: by default the ambiguous ones. Routes that
   * answer 403 for an object already gone add `forbidden`.
   */
  doubtful?(err: FeatBitApiError): boolean;
  /** Read once more after FeatBit acknowledged the delete: for routes that acknowledge any id. */
  confirm?: boolean;
  /** When FeatBit refused the delete of an object that still exists: its resource name (see VerifiedWrite). */
  refusal?(): Promise<Refusal | undefined>;
}

/**
 * One delete whose outcome reading settles where FeatBit's answer leaves doubt: a doubtful failure counts as done
 * when the object is gone, and an acknowledged delete (with `confirm`) is done only when it is.
 */
export async function settledDelete(d: SettledDelete): Promise<void> {
  try {
    await d.send();
  } catch (err) {
    const doubtful = d.doubtful ?? ((e: FeatBitApiError) => e.ambiguous);
    if (!isFeatBitApiError(err)) throw err;
    const refused = err.kind === "forbidden" && d.refusal !== undefined;
    if (!doubtful(err) && !refused) throw err;
    if (!(await d.exists())) {
      if (doubtful(err)) return;
      throw err;
    }
    throw (refused && missingPermission(err, await d.refusal?.())) || err;
  }
  if (d.confirm && (await d.exists())) {
    throw new Error(
      `it is still in FeatBit after FeatBit acknowledged deleting it: run 'pulumi destroy' again`,
    );
  }
}

const locks = new Map<string, Promise<unknown>>();

/**
 * Serialises work on one FeatBit object within this provider process: a flag's definition and its targeting are
 * separate resources that both write revision-guarded endpoints of the same flag, and FeatBit would accept two
 * segments with one key created at once.
 */
export async function withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = locks.get(key) ?? Promise.resolve();
  const run = previous.then(work, work);
  const tail = run.catch(() => undefined);
  locks.set(key, tail);
  try {
    return await run;
  } finally {
    if (locks.get(key) === tail) locks.delete(key);
  }
}

/** The lock of one flag (keys are unique ignoring case in FeatBit). */
export const flagLock = (envId: string, flagKey: string): string =>
  `featbit:flag:${envId.toLowerCase()}/${flagKey.toLowerCase()}`;

/** The lock of one segment key in one environment. */
export const segmentKeyLock = (envId: string, segmentKey: string): string =>
  `featbit:segment:${envId.toLowerCase()}/${segmentKey.toLowerCase()}`;
