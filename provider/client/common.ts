import { z } from "zod";

/** FeatBit answers `true` for most mutations. */
export const Ack = z.boolean();

/** Mutations that rotate a flag's revision return the new revision as a GUID string. */
export const Revision = z.string().min(1);

// ---------------------------------------------------------------------------------------------------------------
// Reading what FeatBit can hold. Its entities are C# classes whose strings and collections are all nullable, stored
// in nullable jsonb / text[] columns (infra/postgresql/docker-entrypoint-initdb.d/v0.0.0.sql) or in MongoDB, and
// most write endpoints store what they are sent. The schemas below accept every value FeatBit can hold, not only
// those this provider writes, and turn the harmless variants into one form.

/**
 * A list FeatBit may hold as JSON null (a nullable column, a null sent to an endpoint that stores what it gets) or
 * with null elements: read as the list of its elements, nulls left out. FeatBit itself reads a null list as empty
 * where it reads one at all (Policy.UpdateStatements, Segment's constructor), and a null element never matches.
 */
export const list = <T extends z.ZodTypeAny>(item: T) =>
  z
    .array(item.nullable())
    .nullish()
    .transform((items): z.output<T>[] => (items ?? []).filter((x): x is z.output<T> => x !== null));

/** A nullable text FeatBit may also omit (older versions, an optional view field): null when absent. */
export const text = () =>
  z
    .string()
    .nullish()
    .transform((v) => v ?? null);

// ---------------------------------------------------------------------------------------------------------------
// Listings

/**
 * An item of a listing that does not have the shape FeatBit's own model gives it (data edited in the database, a
 * proxy's rewrite, a future FeatBit): set aside so that it never breaks the listing of the others, and described, so
 * that an operation that is about it can name it and say what is odd.
 */
export interface UnreadableItem {
  /** Whichever of these the item holds as text, to recognise it by. */
  id?: string;
  key?: string;
  name?: string;
  email?: string;
  /** What is odd, e.g. "statements[0].actions: expected array, received number" (values are never shown). */
  problem: string;
}

/** Zod issues as "<root>.environments[0].key: expected string, received number"; values are never shown. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], root: string): string {
  const shown = issues.slice(0, 3).map((issue) => {
    const path = issue.path.reduce<string>(
      (acc, part) => (typeof part === "number" ? `${acc}[${part}]` : `${acc}.${String(part)}`),
      root,
    );
    return `${path.replace(/^\./, "") || "the item"}: ${issue.message.replace(/^Invalid input: /, "")}`;
  });
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : "";
  return shown.join("; ") + more;
}

function unreadable(raw: unknown, issues: readonly z.core.$ZodIssue[]): UnreadableItem {
  const fields = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  const found: Omit<UnreadableItem, "problem"> = {};
  for (const name of ["id", "key", "name", "email"] as const) {
    const value = fields[name];
    if (typeof value === "string") found[name] = value;
  }
  return { ...found, problem: describeIssues(issues, "") };
}

/** Items of a listing, each read on its own: the readable ones, and the others set aside (see UnreadableItem). */
function itemsOf<T extends z.ZodTypeAny>(item: T) {
  return z.array(z.unknown()).transform((raw) => {
    const items: z.output<T>[] = [];
    const odd: UnreadableItem[] = [];
    for (const one of raw) {
      const parsed = item.safeParse(one);
      if (parsed.success) items.push(parsed.data as z.output<T>);
      else odd.push(unreadable(one, parsed.error.issues));
    }
    return { items, unreadable: odd };
  });
}

/** A whole (unpaged) listing whose items are read one by one: see `Listed`. */
export const listOf = <T extends z.ZodTypeAny>(item: T) =>
  itemsOf(item).transform(({ items, unreadable: odd }) => listed(items, odd));

export const paged = <T extends z.ZodTypeAny>(item: T) =>
  z
    .object({ totalCount: z.number(), items: itemsOf(item) })
    .transform(({ totalCount, items }): Paged<z.output<T>> => ({ totalCount, ...items }));

export interface Paged<T> {
  totalCount: number;
  items: T[];
  /** Items of the page that could not be read (see UnreadableItem); they count towards totalCount. */
  unreadable?: UnreadableItem[];
}

/**
 * The readable items of a listing, with the unreadable ones alongside (not enumerable, so the list compares and
 * serialises as the plain list of its items).
 */
export type Listed<T> = T[] & { readonly unreadable: readonly UnreadableItem[] };

export function listed<T>(items: T[], odd: readonly UnreadableItem[] = []): Listed<T> {
  return Object.defineProperty(items, "unreadable", { value: odd, enumerable: false }) as Listed<T>;
}

/** The unreadable items of a listing (none for a plain array). */
export function unreadableOf(list: readonly unknown[]): readonly UnreadableItem[] {
  return (list as Partial<Listed<unknown>>).unreadable ?? [];
}

/** The unreadable items of a listing whose `field` (as far as it could be read) satisfies `matches`. */
export function unreadableWhere(
  list: readonly unknown[],
  field: "id" | "key" | "name" | "email",
  matches: (value: string) => boolean,
): UnreadableItem[] {
  return unreadableOf(list).filter((item) => item[field] !== undefined && matches(item[field]));
}

/**
 * An error about unreadable items an operation is about ("policy 'ci' (id …)"): what FeatBit holds that is odd, and
 * what to do. `what` names the kind of object.
 */
export function unreadableError(what: string, items: readonly UnreadableItem[], doing: string): Error {
  const named = items.map((item) => {
    const label = item.key ?? item.name ?? item.email;
    return `${what}${label === undefined ? "" : ` '${label}'`} (id ${item.id ?? "unknown"}): ${item.problem}`;
  });
  return new Error(
    `${doing} needs ${items.length === 1 ? "an object" : "objects"} FeatBit holds in a shape no FeatBit version ` +
      `gives it, so pulumi-featbit cannot read ${items.length === 1 ? "it" : "them"}: ${named.join("; ")}. Correct ` +
      `${items.length === 1 ? "it" : "them"} in FeatBit (or with its API), then run the operation again`,
  );
}

/** The ids a listing holds, its unreadable items' included: what a "which ones are bound?" answer rests on. */
export function idsOf(list: readonly { id: string }[]): string[] {
  return [
    ...list.map((item) => item.id),
    ...unreadableOf(list).flatMap((item) => (item.id === undefined ? [] : [item.id])),
  ];
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
): Promise<Listed<T>> {
  const items: T[] = [];
  const odd: UnreadableItem[] = [];
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
    const ids = [...page.items.map((item) => item.id), ...idsOf(listed([], page.unreadable ?? []))];
    for (const id of ids) {
      if (seen.has(id)) throw inconsistent(`item ${id} appeared twice`);
      seen.add(id);
    }
    items.push(...page.items);
    odd.push(...(page.unreadable ?? []));
    const count = items.length + odd.length;
    const onPage = page.items.length + (page.unreadable?.length ?? 0);
    if (count >= total || onPage === 0) {
      if (count !== total) throw inconsistent(`${total} items announced, ${count} listed`);
      return listed(items, odd);
    }
    if (onPage < pageSize) throw inconsistent(`page ${pageIndex} ended early`);
  }
}
