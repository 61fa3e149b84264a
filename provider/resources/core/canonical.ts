// Canonical forms: what "the same value" means when the provider compares what a program declares, what it wrote
// and what FeatBit holds, so formatting, order and letter case never show up as changes.

/** JSON text with object keys sorted and undefined dropped: the equality used by diff. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
      return sorted;
    }
    return v;
  });
}

export const sameJson = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

/** FeatBit compares project, environment, flag and segment keys ignoring case. */
export const sameKey = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** A list compared as a set: order and duplicates never matter. */
export const asSet = (list: readonly string[]): string[] => [...new Set(list)].sort();

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A JSON list of strings as FeatBit stores condition values ('["a","b"]'), or undefined for anything else. */
export function parseJsonList(value: string | null): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(value ?? "");
    return Array.isArray(parsed) && parsed.every((v) => typeof v === "string") ? parsed : undefined;
  } catch {
    return undefined;
  }
}
