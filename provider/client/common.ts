import { z } from "zod";

/** FeatBit answers `true` for most mutations. */
export const Ack = z.boolean();

/** Mutations that rotate a flag's revision return the new revision as a GUID string. */
export const Revision = z.string().min(1);

export const paged = <T extends z.ZodTypeAny>(item: T) =>
  z.object({
    totalCount: z.number(),
    items: z.array(item),
  });

export interface Paged<T> {
  totalCount: number;
  items: T[];
}

/** An optional change comment, stored in FeatBit's audit log. */
export interface WithComment {
  comment?: string;
}

/**
 * Every item of an offset-paged listing. A listing that shifts while it is read (its total moves, an item shows up
 * twice, a page ends early) is refused rather than returned incomplete: callers decide "does this key exist?" from
 * it, and a missed item means a duplicate created or an object adopted by mistake.
 */
export async function collectPages<T extends { id: string }>(
  what: string,
  fetchPage: (pageIndex: number, pageSize: number) => Promise<Paged<T>>,
  pageSize = 100,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let total: number | undefined;
  for (let pageIndex = 0; ; pageIndex++) {
    const page = await fetchPage(pageIndex, pageSize);
    const inconsistent = (why: string) =>
      new Error(`the list of ${what} changed while it was read (${why}): run the operation again`);
    if (total !== undefined && page.totalCount !== total) {
      throw inconsistent(`${total} items, then ${page.totalCount}`);
    }
    total = page.totalCount;
    for (const item of page.items) {
      if (seen.has(item.id)) throw inconsistent(`item ${item.id} appeared twice`);
      seen.add(item.id);
      items.push(item);
    }
    if (items.length >= total || page.items.length === 0) {
      if (items.length !== total) throw inconsistent(`${total} items announced, ${items.length} listed`);
      return items;
    }
    if (page.items.length < pageSize) throw inconsistent(`page ${pageIndex} ended early`);
  }
}
