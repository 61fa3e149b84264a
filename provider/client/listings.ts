// Reads of many objects of one environment at once, as `pulumi refresh` makes them (one read per resource, the
// engine's `--parallel` of them in flight), served by one listing of the environment instead of one request each.
// Only for objects whose list items carry everything the read needs (FeatBit's flag list does for a flag's
// definition, see featureFlags.ts); a key the listing lacks (archived, deleted, new, or beyond the pages listed) is
// read alone, so absence is never concluded from a listing.
//
// A listing is a snapshot: it answers for the time it was taken. It serves reads for one refresh's span (maxAgeMs),
// and never a key this client wrote since the listing began (`touched`), so a read never misses our own write. A
// single read, or reads one after another, never lists: a listing pays only when many reads are in flight together.

export interface ListingPolicy {
  /** Reads of one environment in flight together from which a listing pays (the engine's parallel refresh). */
  concurrentReads: number;
  /** How long a listing serves reads: the span of one refresh. */
  maxAgeMs: number;
  /** Items per page. */
  pageSize: number;
  /** Pages at most: beyond them, reads go one by one (an environment far larger than what a stack manages). */
  maxPages: number;
  now(): number;
}

export const DEFAULT_LISTING_POLICY: ListingPolicy = {
  concurrentReads: 4,
  maxAgeMs: 30_000,
  pageSize: 100,
  maxPages: 20,
  now: () => Date.now(),
};

interface Listing<T> {
  startedAt: number;
  /** Undefined when listing failed: reads then go one by one. */
  items: Promise<Map<string, T> | undefined>;
  /** Keys written through this client since the listing began. */
  touched: Set<string>;
}

interface EnvironmentReads<T> {
  inFlight: number;
  listing?: Listing<T>;
}

/** One page of a listing sorted by key: its items and the total the server counts. */
export type ListPage<T> = (
  envId: string,
  pageIndex: number,
  pageSize: number,
) => Promise<{ totalCount: number; items: T[] }>;

export class EnvironmentListings<T extends { key: string }> {
  private readonly envs = new Map<string, EnvironmentReads<T>>();

  constructor(
    private readonly listPage: ListPage<T>,
    private readonly policy: ListingPolicy = DEFAULT_LISTING_POLICY,
  ) {}

  /**
   * `single()` answers alone; `fromListing` turns a listed item into the same answer. Which one answers is decided by
   * how many reads of the environment are in flight (see the file comment).
   */
  async read<R>(
    envId: string,
    key: string,
    single: () => Promise<R>,
    fromListing: (item: T) => R,
  ): Promise<R> {
    const env = this.envOf(envId);
    env.inFlight++;
    try {
      const listing = this.listingFor(envId, env);
      if (listing && !listing.touched.has(key)) {
        const items = await listing.items;
        const item = items?.get(key);
        // Checked again: a write may have finished while the listing was read.
        if (item && !listing.touched.has(key)) return fromListing(item);
      }
      return await single();
    } finally {
      env.inFlight--;
    }
  }

  /** A write to `key` finished (or failed, maybe landed): listings taken before must not answer for it. */
  touched(envId: string, key: string): void {
    this.envs.get(envId.toLowerCase())?.listing?.touched.add(key);
  }

  private envOf(envId: string): EnvironmentReads<T> {
    const id = envId.toLowerCase();
    let env = this.envs.get(id);
    if (!env) {
      env = { inFlight: 0 };
      this.envs.set(id, env);
    }
    return env;
  }

  private listingFor(envId: string, env: EnvironmentReads<T>): Listing<T> | undefined {
    const now = this.policy.now();
    if (env.listing && now - env.listing.startedAt > this.policy.maxAgeMs) env.listing = undefined;
    if (!env.listing && env.inFlight >= this.policy.concurrentReads) {
      env.listing = { startedAt: now, items: this.list(envId), touched: new Set() };
    }
    return env.listing;
  }

  /**
   * Every page up to maxPages. Pages may shift while they are read (a flag created or deleted meanwhile): an item
   * then shows twice (harmless) or not at all (read alone), so unlike `collectPages` a shift is no error here.
   */
  private async list(envId: string): Promise<Map<string, T> | undefined> {
    try {
      const { pageSize, maxPages } = this.policy;
      const first = await this.listPage(envId, 0, pageSize);
      const pages = Math.min(maxPages, Math.ceil(first.totalCount / pageSize));
      const rest = await Promise.all(
        Array.from({ length: Math.max(0, pages - 1) }, (_, i) => this.listPage(envId, i + 1, pageSize)),
      );
      const items = new Map<string, T>();
      for (const page of [first, ...rest]) for (const item of page.items) items.set(item.key, item);
      return items;
    } catch {
      // Listing is only a shortcut: a failure (FeatBit's list answers 500 when any flag on a page is inconsistent)
      // sends the reads one by one, which report their own errors.
      return undefined;
    }
  }
}
