// Deterministic ids for objects FeatBit lets the client name (variations, rules, conditions): the same program
// produces the same ids on every run, so previews are stable and references (off variation, rules) survive.
import { createHash } from "node:crypto";

/** A UUID (version-5 layout) derived from the parts; distinct part lists give distinct ids. */
export function stableId(...parts: readonly string[]): string {
  const hash = createHash("sha1").update(JSON.stringify(parts)).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
