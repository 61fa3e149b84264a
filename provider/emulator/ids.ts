// Identifiers, secrets and timestamps. Everything random comes from one seedable generator so that
// tests can pin ids (and fault probabilities) with `seed`.
import { randomBytes } from "node:crypto";

export const EMPTY_GUID = "00000000-0000-0000-0000-000000000000";

/** Small, fast, seedable PRNG (mulberry32); cryptographic quality is not needed for a test server. */
export class Random {
  private s: number;

  constructor(seed?: number) {
    this.s = (seed ?? randomBytes(4).readUInt32LE(0)) >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }

  guid(): string {
    const b = this.bytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = b.toString("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}

const GUID_D = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GUID_N = /^[0-9a-f]{32}$/i;
const GUID_BP = /^[{(][0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}[})]$/i;

/** Parses the GUID spellings .NET's `Guid.TryParse` accepts (D, N, B, P) into lowercase D form. */
export function parseGuid(value: string): string | undefined {
  const v = value.trim();
  if (GUID_D.test(v)) return v.toLowerCase();
  if (GUID_BP.test(v)) return v.slice(1, -1).toLowerCase();
  if (GUID_N.test(v)) {
    const h = v.toLowerCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  return undefined;
}

/** .NET's Guid.ToByteArray layout (first three groups little-endian), which FeatBit's secrets encode. */
function guidBytes(guid: string): Buffer {
  const h = Buffer.from(guid.replace(/-/g, ""), "hex");
  return Buffer.concat([
    Buffer.from(h.subarray(0, 4)).reverse(),
    Buffer.from(h.subarray(4, 6)).reverse(),
    Buffer.from(h.subarray(6, 8)).reverse(),
    h.subarray(8),
  ]);
}

function urlSafeBase64(b: Buffer): string {
  return b.toString("base64").replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

/** Secret value: 22 chars from a random GUID + 22 chars from the env id (Domain/Environments/Secret.cs). */
export function secretValue(random: Random, envId: string): string {
  return urlSafeBase64(guidBytes(random.guid())) + urlSafeBase64(guidBytes(envId));
}

/** Access token: "api-" + 18 chars of the reversed ms timestamp + 22 chars of a random GUID (44 total). */
export function accessTokenValue(random: Random, now: number): string {
  const stamp = Buffer.from(String(now).split("").reverse().join("")).toString("base64").replace(/=+$/, "");
  return "api-" + stamp.slice(0, 18).padEnd(18, "A") + urlSafeBase64(guidBytes(random.guid()));
}

/**
 * Strictly increasing timestamps: FeatBit sorts lists by creation/update time, and two objects created
 * in the same millisecond would otherwise make "newest first" orders flaky.
 */
export class Clock {
  private last = 0;

  now(): number {
    this.last = Math.max(Date.now(), this.last + 1);
    return this.last;
  }

  iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Persisted timestamps must not be overtaken after a restart. */
  observe(iso: string): void {
    const t = Date.parse(iso);
    if (Number.isFinite(t)) this.last = Math.max(this.last, t);
  }
}
