// Fault injection for resilience tests: delay, fail or cut the connection of matching requests.
// Rules come from code (startEmulator().faults), from the command line (--faults) or from the admin
// endpoint (/_emulator/faults); all three share one spec format, parsed here.
import { Random } from "./ids";

export type FaultStatus = 429 | 500 | 502 | 503 | 504;

export interface FaultRule {
  method?: string;
  /** A RegExp, or a substring of the path (query string excluded). */
  path?: RegExp | string;
  /** 0..1, drawn per matching request from the faults' own seeded generator; default 1. */
  probability?: number;
  /** Apply N times then expire; default: forever. */
  times?: number;
  /** Wait this long (after the body arrived), then handle and answer normally. */
  latencyMs?: number;
  respond?: { status: FaultStatus; retryAfter?: string };
  /**
   * Cut the connection: `before` handling (nothing is applied), `after` applying the request (the
   * write lands, the answer is lost), or `timeout`: hold the request for `holdMs` (default 30 s,
   * longer than any sensible client timeout), then apply it and close without answering, so the
   * write lands after the client gave up.
   */
  reset?: "before" | "after" | "timeout";
  holdMs?: number;
}

export interface FaultController {
  add(rule: FaultRule): void;
  clear(): void;
  /** The active rules, with how many hits each has left. */
  list(): { rule: FaultRule; remaining: number | null }[];
  /** Reseeds the probability draws, so a run can be repeated. */
  seed(seed: number): void;
}

interface Active {
  rule: FaultRule;
  remaining: number;
}

export const DEFAULT_HOLD_MS = 30_000;

export class Faults implements FaultController {
  private rules: Active[] = [];
  private random: Random;

  constructor(seed?: number) {
    this.random = new Random(seed);
  }

  add(rule: FaultRule): void {
    this.rules.push({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.rules = [];
  }

  list(): { rule: FaultRule; remaining: number | null }[] {
    return this.rules.map((a) => ({
      rule: a.rule,
      remaining: Number.isFinite(a.remaining) ? a.remaining : null,
    }));
  }

  seed(seed: number): void {
    this.random = new Random(seed);
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

const REASONS: Record<FaultStatus, string> = {
  429: "TooManyRequests",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

export function faultCode(status: number): string {
  return REASONS[status as FaultStatus] ?? "InternalServerError";
}

/**
 * Fault specs, for the CLI and the admin endpoint. Either JSON (a rule object or an array of them,
 * `path` a substring, `pathRegex` a regular expression) or the compact form:
 *
 *   KIND[=PROBABILITY][;option=value]...  entries separated by ","
 *
 * KIND: 429 500 502 503 504 latency reset-before reset-after timeout
 * options: method, path, regex, times, ms (latency / hold time), retryAfter
 *
 *   429=0.05;retryAfter=1,503=0.05,reset-after=0.02;method=PUT,timeout=0.02;ms=5000
 */
export function parseFaultSpec(spec: string): FaultRule[] {
  const text = spec.trim();
  if (text === "") return [];
  if (text.startsWith("[") || text.startsWith("{")) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`fault spec is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
    return (Array.isArray(json) ? json : [json]).map((r, i) => ruleFromJson(r, `rule ${i + 1}`));
  }
  return text
    .split(",")
    .map((entry, i) => ruleFromCompact(entry.trim(), `entry ${i + 1} ('${entry.trim()}')`));
}

const STATUSES: readonly number[] = [429, 500, 502, 503, 504];
const KINDS = ["latency", "reset-before", "reset-after", "timeout", ...STATUSES.map(String)];

function ruleFromCompact(entry: string, where: string): FaultRule {
  const [head, ...options] = entry.split(";");
  const [kind, prob] = head.split("=");
  const rule = kindRule(kind.trim(), where);
  if (prob !== undefined) rule.probability = probability(prob, where);
  for (const option of options) {
    const eq = option.indexOf("=");
    if (eq < 0) throw new Error(`${where}: option '${option}' needs a value (name=value)`);
    const name = option.slice(0, eq).trim();
    const value = option.slice(eq + 1).trim();
    switch (name) {
      case "method":
        rule.method = value.toUpperCase();
        break;
      case "path":
        rule.path = value;
        break;
      case "regex":
        rule.path = regex(value, where);
        break;
      case "times":
        rule.times = count(value, where);
        break;
      case "ms":
        if (rule.reset === "timeout") rule.holdMs = count(value, where);
        else rule.latencyMs = count(value, where);
        break;
      case "retryAfter":
        if (!rule.respond) throw new Error(`${where}: retryAfter only goes with a status fault`);
        rule.respond.retryAfter = value;
        break;
      default:
        throw new Error(`${where}: unknown option '${name}' (method, path, regex, times, ms, retryAfter)`);
    }
  }
  if (rule.latencyMs === undefined && kind.trim() === "latency") rule.latencyMs = 1000;
  return rule;
}

function kindRule(kind: string, where: string): FaultRule {
  if (STATUSES.includes(Number(kind))) return { respond: { status: Number(kind) as FaultStatus } };
  switch (kind) {
    case "latency":
      return {};
    case "reset-before":
      return { reset: "before" };
    case "reset-after":
      return { reset: "after" };
    case "timeout":
      return { reset: "timeout" };
    default:
      throw new Error(`${where}: unknown fault kind '${kind}' (${KINDS.join(", ")})`);
  }
}

function probability(v: string, where: string): number {
  const p = Number(v);
  if (v.trim() === "" || !Number.isFinite(p) || p < 0 || p > 1)
    throw new Error(`${where}: probability '${v}' is not a number between 0 and 1`);
  return p;
}

function count(v: string, where: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n))
    throw new Error(`${where}: '${v}' is not a whole number`);
  return n;
}

function regex(v: string, where: string): RegExp {
  try {
    return new RegExp(v);
  } catch (e) {
    throw new Error(`${where}: invalid regex '${v}': ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const JSON_FIELDS = [
  "method",
  "path",
  "pathRegex",
  "probability",
  "times",
  "latencyMs",
  "respond",
  "reset",
  "holdMs",
];

function ruleFromJson(v: unknown, where: string): FaultRule {
  if (!isRecord(v)) throw new Error(`${where}: a fault rule is a JSON object`);
  for (const k of Object.keys(v))
    if (!JSON_FIELDS.includes(k))
      throw new Error(`${where}: unknown field '${k}' (${JSON_FIELDS.join(", ")})`);
  const rule: FaultRule = {};
  if (v.method !== undefined) rule.method = str(v.method, `${where}.method`).toUpperCase();
  if (v.path !== undefined && v.pathRegex !== undefined)
    throw new Error(`${where}: give either path or pathRegex, not both`);
  if (v.path !== undefined) rule.path = str(v.path, `${where}.path`);
  if (v.pathRegex !== undefined) rule.path = regex(str(v.pathRegex, `${where}.pathRegex`), where);
  if (v.probability !== undefined) rule.probability = probability(String(num(v.probability, where)), where);
  if (v.times !== undefined) rule.times = count(String(num(v.times, `${where}.times`)), where);
  if (v.latencyMs !== undefined)
    rule.latencyMs = count(String(num(v.latencyMs, `${where}.latencyMs`)), where);
  if (v.holdMs !== undefined) rule.holdMs = count(String(num(v.holdMs, `${where}.holdMs`)), where);
  if (v.reset !== undefined) {
    if (v.reset !== "before" && v.reset !== "after" && v.reset !== "timeout")
      throw new Error(`${where}.reset: one of before, after, timeout`);
    rule.reset = v.reset;
  }
  if (v.respond !== undefined) {
    if (!isRecord(v.respond)) throw new Error(`${where}.respond: an object { status, retryAfter? }`);
    const status = num(v.respond.status, `${where}.respond.status`);
    if (!STATUSES.includes(status)) throw new Error(`${where}.respond.status: one of ${STATUSES.join(", ")}`);
    rule.respond = { status: status as FaultStatus };
    if (v.respond.retryAfter !== undefined)
      rule.respond.retryAfter = String(v.respond.retryAfter as string | number);
  }
  if (rule.respond && rule.reset) throw new Error(`${where}: respond and reset exclude each other`);
  return rule;
}

function str(v: unknown, where: string): string {
  if (typeof v !== "string") throw new Error(`${where}: a string`);
  return v;
}

function num(v: unknown, where: string): number {
  if (typeof v !== "number") throw new Error(`${where}: a number`);
  return v;
}

/** A rule as JSON (RegExp paths become `pathRegex`), for the admin endpoint's listing. */
export function ruleToJson(rule: FaultRule): Record<string, unknown> {
  const { path, ...rest } = rule;
  if (path === undefined) return { ...rest };
  return typeof path === "string" ? { ...rest, path } : { ...rest, pathRegex: path.source };
}
