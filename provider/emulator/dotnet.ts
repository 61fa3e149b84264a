// The few C#/LINQ semantics FeatBit's domain code leans on, so that the emulator fails exactly where
// FeatBit throws (NullReferenceException, ArgumentNullException, IndexOutOfRangeException, JsonException).
// Each such exception reaches ASP.NET's exception middleware as an HTTP 500 `InternalServerError`.
// LINQ is lazy: an element is only touched when enumeration reaches it, and these helpers keep that.

export class DotnetException extends Error {
  constructor(readonly type: string) {
    super(type);
  }
}

export const nullRef = (): DotnetException => new DotnetException("NullReferenceException");
export const argNull = (): DotnetException => new DotnetException("ArgumentNullException");

/** Dereferences a value the C# code dereferences. */
export function deref<T>(v: T | null | undefined): T {
  if (v === null || v === undefined) throw nullRef();
  return v;
}

/** A LINQ operator's `source` argument: null throws at once (ArgumentNullException). */
export function source<T>(v: readonly T[] | null | undefined): readonly T[] {
  if (v === null || v === undefined) throw argNull();
  return v;
}

export function any<T>(list: readonly T[] | null | undefined): boolean {
  return source(list).length > 0;
}

/** `first.ExceptBy(second, key)`: the key set is built from all of `second` before `first` is read. */
export function* exceptBy<T, K>(
  first: readonly T[] | null,
  second: Iterable<K>,
  key: (t: T) => K,
): Generator<T> {
  const firstList = source(first);
  const seen = new Set<K>(second);
  for (const element of firstList) {
    const k = key(element);
    if (!seen.has(k)) {
      seen.add(k);
      yield element;
    }
  }
}

/** `first.IntersectBy(second, key)`: elements of `first` whose key is in `second`, each key once. */
export function* intersectBy<T, K>(
  first: readonly T[] | null,
  second: Iterable<K>,
  key: (t: T) => K,
): Generator<T> {
  const firstList = source(first);
  const keys = new Set<K>(second);
  for (const element of firstList) {
    const k = key(element);
    if (keys.delete(k)) yield element;
  }
}

/** `first.Except(second)` on values (strings): a distinct set difference, nulls allowed as values. */
export function except<T>(first: readonly T[] | null, second: readonly T[] | null): T[] {
  const firstList = source(first);
  const seen = new Set<T>(source(second));
  const out: T[] = [];
  for (const e of firstList) {
    if (!seen.has(e)) {
      seen.add(e);
      out.push(e);
    }
  }
  return out;
}

/** `list.Select(x => x.Prop)` where `x` may be null: throws when enumeration reaches a null element. */
export function* select<T, R>(list: readonly (T | null)[] | null, f: (t: T) => R): Generator<R> {
  for (const e of source(list)) yield f(deref(e));
}

export function firstOrDefault<T>(list: readonly T[] | null, predicate: (t: T) => boolean): T | undefined {
  for (const e of source(list)) if (predicate(e)) return e;
  return undefined;
}

/** Accesses `array[i]` of a C# array: out of range throws IndexOutOfRangeException. */
export function at(array: readonly number[] | null, i: number): number {
  const a = deref(array);
  if (i >= a.length) throw new DotnetException("IndexOutOfRangeException");
  return a[i];
}

/** `JsonSerializer.Deserialize<List<string>>(text)`: throws for null input or anything but string arrays. */
export function deserializeStringList(text: string | null): (string | null)[] | null {
  if (text === null) throw argNull();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DotnetException("JsonException");
  }
  if (parsed === null) return null;
  if (!Array.isArray(parsed) || parsed.some((x) => x !== null && typeof x !== "string"))
    throw new DotnetException("JsonException");
  return parsed as (string | null)[];
}
