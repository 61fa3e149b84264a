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

type Settled<R, T> = { answered: R } | { landed: T } | { gone: FeatBitApiError };

/**
 * Sends a write to an existing object until it is settled: answered; or, when an answer leaves doubt, read back and
 * found to show the write, or found gone (403 and 404 are FeatBit's answers for a missing object on most routes).
 * A write proven not to have landed is sent again, `policy.sends` times in all. One whose answer timed out may still
 * land: unless sending it twice is harmless (`idempotent`), the read-backs keep looking for the late-landing window
 * first. An object that exists after a 403 means the token lacks a permission: that refusal is thrown, named.
 */
async function settle<R, T>(
  policy: WritePolicy,
  w: Omit<VerifiedWrite<R, T>, "result"> & { idempotent?: boolean },
): Promise<Settled<R, T>> {
  for (let send = 1; ; send++) {
    try {
      return { answered: await w.send() };
    } catch (err) {
      if (!isFeatBitApiError(err)) throw err;
      const mayBeGone = err.kind === "forbidden" || err.kind === "not-found";
      if (!err.ambiguous && !mayBeGone) throw err;
      let current = await w.read();
      if (current === undefined) return { gone: err };
      // The object exists, so a refusal is about the token's permissions: say which one.
      if (!err.ambiguous) throw missingPermission(err, await w.refusal?.(current)) ?? err;
      if (err.kind === "timeout" && !w.idempotent) {
        current = await lookAgain(
          policy,
          () => w.read(),
          (c) => c === undefined || w.landed(c),
          current,
        );
        if (current === undefined) return { gone: err };
      }
      if (w.landed(current)) return { landed: current };
      if (send >= policy.sends) throw notApplied(err);
    }
  }
}

/**
 * One write to an existing object. Answered: its result. Ambiguous (the request may have been applied): settled by
 * reading back (see settle), and sent again while reading proves it did not land. An object that turns out gone is
 * an error with advice to refresh.
 */
export async function verifiedWrite<R, T>(policy: WritePolicy, w: VerifiedWrite<R, T>): Promise<R> {
  const settled = await settle(policy, w);
  if ("gone" in settled) throw goneError(settled.gone);
  return "answered" in settled ? settled.answered : w.result(settled.landed);
}

export interface Removal<T> {
  send(): Promise<unknown>;
  /** The object as FeatBit holds it now, or undefined when it is gone. */
  read(): Promise<T | undefined>;
  /** Whether the object read back shows the write (an archive: archived). A delete lands only as absence. */
  landed?(current: T): boolean;
  /** When FeatBit refused it for an object that still exists: its resource name (see VerifiedWrite). */
  refusal?(current: T): Promise<Refusal | undefined>;
}

/**
 * A write on the way out (archive, delete, unbind): settled like verifiedWrite, and sent again while reading proves
 * it did not land, but an object already gone counts as done ("gone"). Sending one twice is harmless (the second finds
 * it done or gone), so a timed-out one is sent again at once instead of waiting for it to land late.
 */
export async function settledRemoval<T>(policy: WritePolicy, w: Removal<T>): Promise<"done" | "gone"> {
  const settled = await settle(policy, {
    send: w.send,
    read: w.read,
    landed: w.landed ?? (() => false),
    refusal: w.refusal,
    idempotent: true,
  });
  return "gone" in settled ? "gone" : "done";
}

/**
 * A delete FeatBit answers with a boolean (flags, segments): settled like any removal, and an answer of `false` for an
 * object that is still there is a failure (FeatBit's `true` needs no read).
 */
export async function settledBooleanDelete<T>(
  policy: WritePolicy,
  w: Omit<Removal<T>, "send" | "landed"> & { send(): Promise<boolean> },
): Promise<void> {
  let deleted = true;
  await settledRemoval(policy, { ...w, send: async () => (deleted = await w.send()) });
  if (!deleted && (await w.read()) !== undefined)
    throw new Error(`FeatBit answered that it did not delete it`);
}

export interface CreateOnce<T> {
  /** The key the object holds, e.g. "flag:<env>/<key>" (see claims). */
  claim: string;
  /** The object holding the key now, or undefined when the key is free. */
  find(): Promise<T | undefined>;
  /**
   * The caller read FeatBit and found the key free just before calling (its own listing, e.g. for a uniqueness check
   * FeatBit does not make): no second read is needed before the first send.
   */
  knownFree?: boolean;
  send(): Promise<T>;
  /**
   * The refusal when the key is held by an object this stack cannot prove it made (see notOurs): FeatBit's 422
   * KeyHasBeenUsed (`cause`), or the key found taken before anything was sent.
   */
  taken(cause?: FeatBitApiError, holder?: T): Error;
  /**
   * When FeatBit refused the create (403): the resource name and permission it checked, provided what the object is
   * created in exists (read again here); undefined when it does not, and the original error stands.
   */
  refusal?(): Promise<Refusal | undefined>;
}

/**
 * A create that never makes two objects and never takes someone else's. Ownership is decided by evidence, never by
 * what an object looks like: two stacks (or a stack and a person in the UI) may declare exactly the same project,
 * and an object that merely looks like what this resource would create may be theirs. The evidence is this
 * process's own: the key was free when it looked, just before it sent the create; so whatever holds the key after a
 * create whose answer was lost (a timeout, a reset, a 5xx) was made by that create, and is taken as created. A key
 * held before anything was sent is refused with `taken`, whoever holds it (another stack, the UI, or a run of this
 * stack that was killed before recording its create: the refusal lists the safe ways out, see notOurs).
 */
export async function createOnce<T>(policy: WritePolicy, c: CreateOnce<T>): Promise<T> {
  if (!c.knownFree) {
    const holder = await c.find();
    if (holder !== undefined) throw c.taken(undefined, holder);
  }
  const object = await sendCreate(policy, c);
  claims.add(c.claim);
  return object;
}

async function sendCreate<T>(policy: WritePolicy, c: CreateOnce<T>): Promise<T> {
  // Another resource of this run may create the same key meanwhile (two declarations of one key): its object is not
  // this create's, even though this create's answer was lost.
  const madeBefore = claims.count(c.claim);
  for (let send = 1; ; send++) {
    try {
      return await c.send();
    } catch (err) {
      if (!isFeatBitApiError(err)) throw err;
      // Once this process has sent the create, the key was free before it: what holds it now is its object.
      const mine = async (): Promise<T | undefined> =>
        claims.count(c.claim) === madeBefore ? c.find() : undefined;
      if (err.ambiguous) {
        let found = await mine();
        if (err.kind === "timeout") found = await lookAgain(policy, mine, (f) => f !== undefined, found);
        if (found !== undefined) return found;
        if (send >= policy.sends) throw notApplied(err);
        continue;
      }
      if (err.kind === "forbidden" && c.refusal) {
        const refusal = await c.refusal();
        throw (refusal && missingPermission(err, refusal)) ?? err;
      }
      if (hasCode(err, "KeyHasBeenUsed")) {
        // An earlier send of this loop was read back as not landed, then landed after all (later than the window).
        const found = send > 1 ? await mine() : undefined;
        if (found !== undefined) return found;
        throw c.taken(err);
      }
      throw err;
    }
  }
}

/** Marks the refusals notOurs words, so the host can tell them apart (see CLAIM_UNRECORDED). */
export const NOT_OURS = "this stack has no evidence that it created it";

/**
 * The environment variable with which a user vouches, for one run, that whatever holds a key this program creates
 * was created by this stack: after a run with PULUMI_SKIP_CHECKPOINTS was killed, nothing in the state records what
 * it made (see docs/engine.md). A variable, not a setting: stack config would keep it on for every later run.
 */
export const CLAIM_UNRECORDED = "FEATBIT_CLAIM_UNRECORDED";

/**
 * Why an object this stack did not make is refused, and the safe ways out, for `taken` refusals. Adopting is the
 * last of them on purpose: it makes this stack manage something another stack or a person may still manage.
 */
export function notOurs(o: {
  /** "a project with key 'shop'" */
  what: string;
  /** What else is known of it: its id, FeatBit's code. */
  detail?: string;
  /** How to adopt it: "`adopt: true` (or importId: '…')". */
  adopt: string;
  /** The other way out when it belongs to someone else; default "choose another key". */
  instead?: string;
}): string {
  return (
    `${o.what} already exists in FeatBit${o.detail ? ` (${o.detail})` : ""}, and ${NOT_OURS} ` +
    `(a stack manages only what it created or what its program adopts). Safe ways out: ` +
    `(1) if this program's stack was renamed or moved (a new folder or project name, a Pulumi.yaml added later, ` +
    `another backend), run it as the stack that created the object instead (\`pulumi stack ls\`, ` +
    `\`pulumi stack select\`, or move that stack's state with \`pulumi stack export\`/\`pulumi stack import\`); ` +
    `(2) if a run of this stack was killed while creating it, run \`npx featbit-recover\` in the program's folder ` +
    `to record it from that run's pending create (a run with PULUMI_SKIP_CHECKPOINTS records none: if nobody else ` +
    `writes this program's keys in this FeatBit, run \`pulumi up\` once with ${CLAIM_UNRECORDED}=true instead); ` +
    `(3) if it belongs to someone else (another stack, FeatBit's UI, another tool), ${o.instead ?? "choose another key"}, ` +
    `or manage it knowingly with ${o.adopt}: an adopted object is released, not deleted, when this stack is destroyed`
  );
}

const claimed = new Map<string, number>();

/**
 * The keys this provider process created or took over (Pulumi runs one per deployment), and how often: an object
 * found holding a key after a lost answer is a create's own only when no other create of this run made that key in
 * the meantime; adoptions use it to refuse a second resource adopting what another already manages.
 */
export const claims = {
  add: (claim: string): void => void claimed.set(claim.toLowerCase(), claims.count(claim) + 1),
  has: (claim: string): boolean => claims.count(claim) > 0,
  count: (claim: string): number => claimed.get(claim.toLowerCase()) ?? 0,
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
 * when the object is gone, and is sent again (within the policy) when it is still there after an ambiguous answer;
 * an acknowledged delete (with `confirm`) is done only when the object is gone.
 */
export async function settledDelete(policy: WritePolicy, d: SettledDelete): Promise<void> {
  const doubtful = d.doubtful ?? ((e: FeatBitApiError) => e.ambiguous);
  for (let send = 1; ; send++) {
    try {
      await d.send();
      break;
    } catch (err) {
      if (!isFeatBitApiError(err)) throw err;
      const refused = err.kind === "forbidden" && d.refusal !== undefined;
      if (!doubtful(err) && !refused) throw err;
      if (!(await d.exists())) {
        if (doubtful(err)) return;
        throw err;
      }
      // Still there: a refusal is about the token's permissions (named when the route says which); an ambiguous
      // answer proven not to have landed is sent again within the policy.
      if (!err.ambiguous) throw (refused && missingPermission(err, await d.refusal?.())) || err;
      if (send >= policy.sends) throw notApplied(err);
    }
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
