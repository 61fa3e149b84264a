// Duplicates found after the fact. FeatBit keeps segment keys, policy keys and group names unique nowhere; this
// provider refuses a create whose key is taken and never sends a create twice while the first may still land (see
// writes.ts, createOnce). But "may still land" has a bound (the late-landing window): a create held longer than that
// by a slow FeatBit or proxy, and sent again, lands twice. Nothing the creating run can do sees the first one land, so
// every read (`pulumi refresh`, `up --refresh`) looks for other objects holding the resource's key, and names them.
import type { FeatBitClient } from "../../client";
import type { Context } from "./definition";

/**
 * How long one listing answers the reads of one refresh (they come `--parallel` at a time). Exported so tests can
 * make every read list afresh.
 */
export const sharing = { ms: 5_000 };

const listings = new WeakMap<FeatBitClient, Map<string, { at: number; items: Promise<unknown> }>>();

/** One listing shared by the reads in flight together (a refresh), so N reads do not make N listings. */
export function sharedListing<T>(ctx: Context, key: string, list: () => Promise<T>): Promise<T> {
  let byKey = listings.get(ctx.client);
  if (!byKey) listings.set(ctx.client, (byKey = new Map()));
  const now = Date.now();
  const cached = byKey.get(key);
  if (cached && now - cached.at < sharing.ms) return cached.items as Promise<T>;
  const items = list();
  byKey.set(key, { at: now, items });
  // A failed listing is not kept: the next read lists again.
  items.catch(() => byKey.delete(key));
  return items;
}

/** Warns about objects other than the resource's own that hold its key. Never fails the read for it. */
export async function warnDuplicates(
  ctx: Context,
  subject: string,
  others: () => Promise<readonly { id: string; archived?: boolean }[]>,
): Promise<void> {
  let found: readonly { id: string; archived?: boolean }[];
  try {
    found = await others();
  } catch {
    return; // Only a check: the read itself has what it needs.
  }
  if (found.length === 0) return;
  const list = found.map((o) => `${o.id}${o.archived ? " (archived)" : ""}`).join(", ");
  ctx.warn(
    `${subject}: FeatBit also holds ${found.length === 1 ? "another object" : `${found.length} other objects`} ` +
      `with its key (${list}), which this stack does not record. Most likely a create of this stack whose answer ` +
      `was lost landed after the provider stopped waiting for it (twice featbit:httpTimeoutSeconds, at least 10 s) ` +
      `and was sent again; or someone made it in FeatBit. Delete the duplicate in FeatBit, keeping the one this ` +
      `stack records`,
  );
}
