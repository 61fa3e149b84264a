// FluentValidation semantics: every property is validated, each reports only its first failing rule
// (cascade Stop), and codes come out in rule order as one 400 envelope.
import { ApiError } from "./http";

/** FluentValidation's NotEmpty: null, blank strings and empty collections are empty. */
export function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === "string") return v.trim() === "";
  if (Array.isArray(v)) return v.length === 0;
  return false;
}

/** One property's rule chain: the first `[failed, code]` pair that failed, if any. */
export function first(...rules: [boolean | (() => boolean), string][]): string | undefined {
  for (const [failed, code] of rules) {
    if (typeof failed === "function" ? failed() : failed) return code;
  }
  return undefined;
}

export function validate(...properties: (string | undefined)[]): void {
  const codes = properties.filter((c): c is string => c !== undefined);
  if (codes.length > 0) throw new ApiError(400, codes);
}

export const KEY_PATTERN = /^[a-zA-Z0-9._-]+$/;

export const required = (field: string): string => `${field}_is_required`;
export const invalid = (field: string): string => `${field}_is_invalid`;

/** Name ≤128 / key ≤128 + pattern: the flag and segment key rules. */
export function nameRules(name: string | null): string | undefined {
  return first([isEmpty(name), required("name")], [(name ?? "").length > 128, invalid("name")]);
}

export function keyRules(key: string | null): string | undefined {
  return first(
    [isEmpty(key), required("key")],
    [() => (key ?? "").length > 128 || !KEY_PATTERN.test(key ?? ""), invalid("key")],
  );
}

export const sameKey = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Offset paging (PagedRequest): skip = pageIndex * pageSize, no maximum. */
export function page<T>(items: T[], pageIndex: number, pageSize: number): { totalCount: number; items: T[] } {
  const skip = Math.max(0, pageIndex) * Math.max(0, pageSize);
  return { totalCount: items.length, items: items.slice(skip, skip + Math.max(0, pageSize)) };
}

export const newestFirst = <T extends { createdAt: string }>(a: T, b: T): number =>
  b.createdAt.localeCompare(a.createdAt);

export const includesCI = (haystack: string | null | undefined, needle: string): boolean =>
  (haystack ?? "").toLowerCase().includes(needle.toLowerCase());
