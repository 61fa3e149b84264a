// How the resources write to FeatBit when an answer may be lost. FeatBit's answer to a write does not always settle
// what happened: a timeout, a reset or a 5xx after the request was sent leaves it open whether the change landed
// (`ambiguous`), and on most write routes FeatBit answers 403 or 404 for an object that no longer exists. Each
// mechanic here settles that once, by reading the object back; a resource says only what to write and how to
// recognise that it landed. The transport never repeats a write (see client/http.ts).
import { FeatBitApiError, hasCode, isFeatBitApiError } from "../../client";

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
  const detail = `${err.detail}; reading it back showed the change was not applied`;
  return new FeatBitApiError({
    message: detail,
    detail,
    kind: err.kind,
    status: err.status,
    codes: err.codes,
    method: err.method,
    path: err.path,
    attempts: err.attempts,
  });
}

export interface VerifiedWrite<R, T> {
  send(): Promise<R>;
  /** The object as FeatBit holds it now, or undefined when it is gone. */
  read(): Promise<T | undefined>;
  /** Whether the object read back shows the write. */
  landed(current: T): boolean;
  /** What the write answers, rebuilt from the object read back when the answer was lost. */
  result(current: T): R;
}

/**
 * One write to an existing object. Answered: its result. Ambiguous: the object is read back and the write counts as
 * done when it shows the change, otherwise the error says it was not applied. Refused with 403/404: the object is read
 * to tell "it is gone" (advice to refresh) from a real refusal.
 */
export async function verifiedWrite<R, T>(w: VerifiedWrite<R, T>): Promise<R> {
  try {
    return await w.send();
  } catch (err) {
    if (!isFeatBitApiError(err)) throw err;
    const mayBeGone = err.kind === "forbidden" || err.kind === "not-found";
    if (!err.ambiguous && !mayBeGone) throw err;
    const current = await w.read();
    if (current === undefined) throw goneError(err);
    if (!err.ambiguous) throw err;
    if (!w.landed(current)) throw notApplied(err);
    return w.result(current);
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
  send(): Promise<T>;
  /** After an ambiguous failure: what holds the key now. */
  lookup(): Promise<Landed<T>>;
  /** The refusal when the key is taken (FeatBit's 422 KeyHasBeenUsed, or found taken after a lost answer). */
  taken(cause: FeatBitApiError): Error;
}

/**
 * A create sent once. When its answer is lost, what holds the key decides: the object it made is taken as created,
 * anything else is reported, so a create never runs twice and never passes off another object as its own.
 */
export async function createOnce<T>(c: CreateOnce<T>): Promise<T> {
  try {
    return await c.send();
  } catch (err) {
    if (!isFeatBitApiError(err)) throw err;
    if (err.ambiguous) {
      const found = await c.lookup();
      if (found.state === "landed") return found.object;
      if (found.state === "taken") throw c.taken(err);
      throw notApplied(err);
    }
    if (hasCode(err, "KeyHasBeenUsed")) throw c.taken(err);
    throw err;
  }
}

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
