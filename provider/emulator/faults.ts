// Fault injection for resilience tests: delay, fail or cut the connection of matching requests.
import type { Random } from "./ids";

export interface FaultRule {
  method?: string;
  /** A RegExp, or a substring of the path (query string excluded). */
  path?: RegExp | string;
  /** 0..1, drawn from the emulator's seeded generator; default 1. */
  probability?: number;
  /** Apply N times then expire; default: forever. */
  times?: number;
  latencyMs?: number;
  respond?: { status: 429 | 500 | 502 | 503; retryAfter?: string };
  /** Destroy the socket before handling, or after the request was applied (the write is kept). */
  reset?: "before" | "after";
}

export interface FaultController {
  add(rule: FaultRule): void;
  clear(): void;
}

interface Active {
  rule: FaultRule;
  remaining: number;
}

export class Faults implements FaultController {
  private rules: Active[] = [];

  constructor(private readonly random: Random) {}

  add(rule: FaultRule): void {
    this.rules.push({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.rules = [];
  }

  /** The first matching rule that fires for this request; consumes one of its `times`. */
  pick(method: string, path: string): FaultRule | undefined {
    for (const active of this.rules) {
      const { rule } = active;
      if (active.remaining <= 0) continue;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.path !== undefined) {
        const hit = typeof rule.path === "string" ? path.includes(rule.path) : rule.path.test(path);
        if (!hit) continue;
      }
      if (rule.probability !== undefined && this.random.next() >= rule.probability) continue;
      active.remaining -= 1;
      this.rules = this.rules.filter((r) => r.remaining > 0);
      return rule;
    }
    return undefined;
  }
}

const REASONS: Record<number, string> = {
  429: "TooManyRequests",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
};

export function faultCode(status: number): string {
  return REASONS[status] ?? "InternalServerError";
}
