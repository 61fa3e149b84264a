// The shared HTTP transport behind every API-area module: authentication, keep-alive connections,
// a process-wide concurrency limit, per-attempt timeouts, retries that know which requests are
// safe to repeat, and errors that never carry the access token.
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import axios, { type AxiosInstance } from "axios";
import { FeatBitApiError } from "./errors";
import { describeAction, interpretResponse, type Failure, type Outcome } from "./response";
import { redact } from "./redact";
import { API_PREFIX, validateSettings, type ClientSettings } from "./settings";
import type { ApiRequest, HttpTransport, QueryValue } from "./transport";

export interface TransportOptions {
  /** Backoff ceiling before the first retry; it doubles per retry (full jitter). Default 200. */
  baseDelayMs?: number;
  /** Largest backoff ceiling. Default 5000. */
  maxDelayMs?: number;
  /** No retry starts once this long has passed since the first attempt (Retry-After included). Default 60000. */
  maxRetryTimeMs?: number;
  /** Per-attempt timeout in milliseconds, overriding settings.httpTimeoutSeconds (tests use tiny values). */
  requestTimeoutMs?: number;
  /** Receives one redacted line per attempt and per retry decision, e.g. for pulumi.log.debug. */
  logger?: (line: string) => void;
  /** Injection points (a fake clock) so tests can observe delays and jitter without waiting. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

export const USER_AGENT = `pulumi-featbit/${packageVersion()} (node ${process.version})`;

/** Creates a transport; settings are validated again so hand-built settings get the same checks. */
export function createTransport(settings: ClientSettings, options: TransportOptions = {}): HttpTransport {
  return new FeatBitHttpTransport(validateSettings(settings), options);
}

class FeatBitHttpTransport implements HttpTransport {
  private readonly http: AxiosInstance;
  private readonly limiter: Limiter;
  private readonly secrets: readonly string[];
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(
    private readonly settings: ClientSettings,
    private readonly options: TransportOptions,
  ) {
    this.secrets = [settings.accessToken];
    this.timeoutMs = options.requestTimeoutMs ?? settings.httpTimeoutSeconds * 1000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.limiter = limiterFor(settings.apiUrl, settings.maxConcurrency);
    this.http = axios.create({
      httpAgent: agents.http,
      httpsAgent: agents.https,
      // Redirects are reported, not followed: following one could hand the token to another host.
      maxRedirects: 0,
      validateStatus: () => true,
      // Bodies stay text so that an HTML page or truncated JSON can be reported as such.
      responseType: "text",
      transformResponse: [(data: unknown) => data],
      transformRequest: [(data: unknown) => data],
      maxContentLength: 64 * 1024 * 1024,
      maxBodyLength: 64 * 1024 * 1024,
    });
  }

  async request<T>(req: ApiRequest<T>): Promise<T> {
    // Serialise before the first attempt so a body that cannot be sent fails as a programming error.
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const started = this.now();
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.limiter.run(() => this.attempt(req, body, attempt));
      if (outcome.ok) return outcome.data;
      const failure = outcome.failure;
      const decision = this.retryDelay(req, failure, attempt, this.now() - started);
      if (decision.delayMs === undefined) throw this.toError(req, failure, attempt, decision.why);
      this.log(`${req.method} ${API_PREFIX}${req.path}: retrying in ${Math.round(decision.delayMs)} ms`);
      await this.sleep(decision.delayMs);
    }
  }

  /**
   * GETs are retried on timeouts, network errors and 5xx. Writes are never repeated after they may have
   * reached FeatBit: the caller reconciles by reading back (resources/core/writes.ts). A write that
   * certainly did not reach it (the connection was refused) is repeated, and so is any request refused
   * with 429: FeatBit has no rate limiter, so a 429 comes from a gateway that did not forward it.
   */
  private retryDelay(
    req: ApiRequest<unknown>,
    f: Failure,
    attempt: number,
    elapsedMs: number,
  ): { delayMs?: number; why?: string } {
    const retryable = f.transient && (req.method === "GET" || f.kind === "rate-limited" || !f.mayHaveApplied);
    if (!retryable || attempt > this.settings.maxRetries) return {};
    const base = this.options.baseDelayMs ?? 200;
    const max = this.options.maxDelayMs ?? 5000;
    const delayMs = f.retryAfterMs ?? this.random() * Math.min(max, base * 2 ** (attempt - 1));
    if (elapsedMs + delayMs > (this.options.maxRetryTimeMs ?? 60_000)) {
      return {
        why:
          f.retryAfterMs !== undefined
            ? `the server asked to wait ${Math.ceil(delayMs / 1000)} s, beyond the retry time budget`
            : "retry time budget exhausted",
      };
    }
    return { delayMs };
  }

  private async attempt<T>(
    req: ApiRequest<T>,
    body: string | undefined,
    attempt: number,
  ): Promise<Outcome<T>> {
    // Access tokens go raw in Authorization ("Bearer …" selects FeatBit's JWT scheme and fails).
    // Organization/Workspace headers are never sent: FeatBit derives them from the token, and a
    // client-supplied value would override the token's own organization.
    const headers: Record<string, string> = {
      Authorization: this.settings.accessToken,
      Accept: "application/json",
      "User-Agent": USER_AGENT,
    };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const url = this.url(req.path, req.query);

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const label = `${req.method} ${API_PREFIX}${req.path} (attempt ${attempt})`;
    try {
      const res = await this.http.request<unknown>({
        method: req.method,
        url,
        headers,
        data: body,
        signal: controller.signal,
      });
      this.log(`${label}: HTTP ${res.status}`);
      const responseHeaders: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(res.headers as Record<string, unknown>)) {
        if (value !== undefined && value !== null) responseHeaders[name.toLowerCase()] = String(value);
      }
      return interpretResponse(
        req,
        { status: res.status, headers: responseHeaders, body: typeof res.data === "string" ? res.data : "" },
        { apiUrl: this.settings.apiUrl, secrets: this.secrets, now: this.now },
      );
    } catch (e) {
      // The axios error holds the request config (with the token): only its code is read here.
      const failure = controller.signal.aborted
        ? this.timeoutFailure()
        : networkFailure(e, this.settings.apiUrl);
      this.log(`${label}: ${failure.advice}`);
      return { ok: false, failure };
    } finally {
      clearTimeout(timer);
    }
  }

  private timeoutFailure(): Failure {
    const seconds = this.timeoutMs / 1000;
    return {
      kind: "timeout",
      codes: [],
      advice: `no complete response within ${seconds} s (featbit:httpTimeoutSeconds)`,
      transient: true,
      mayHaveApplied: true,
    };
  }

  private url(pathBelowApi: string, query: Readonly<Record<string, QueryValue>> | undefined): string {
    if (!pathBelowApi.startsWith("/"))
      throw new TypeError(`request path must start with "/": ${pathBelowApi}`);
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      // ASP.NET binds arrays from repeated keys: tags=a&tags=b.
      if (typeof value === "object") for (const item of value) params.append(name, item);
      else params.append(name, String(value));
    }
    const qs = params.toString();
    return `${this.settings.apiUrl}${pathBelowApi}${qs ? `?${qs}` : ""}`;
  }

  private toError(req: ApiRequest<unknown>, f: Failure, attempts: number, why?: string): FeatBitApiError {
    const ambiguous = req.method !== "GET" && f.mayHaveApplied;
    const codes = f.codes.length > 0 ? ` (FeatBit: ${f.codes.join(", ")})` : "";
    const trailer = [
      ...(f.status !== undefined ? [`HTTP ${f.status}`] : []),
      `${req.method} ${API_PREFIX}${req.path}`,
      ...(attempts > 1 ? [`${attempts} attempts`] : []),
      ...(why ? [why] : []),
    ].join(", ");
    const detail = `${f.advice}${codes} [${trailer}]`;
    const message =
      `${describeAction(req.method, req.subject)} failed: ${detail}` +
      (ambiguous
        ? ". The request may have reached FeatBit, so the change may have been applied: read it back before retrying"
        : "");
    return new FeatBitApiError(
      {
        message,
        detail,
        kind: f.kind,
        status: f.status,
        codes: f.codes,
        method: req.method,
        path: req.path,
        ambiguous,
        attempts,
      },
      this.secrets,
    );
  }

  private log(line: string): void {
    this.options.logger?.(redact(`featbit: ${line}`, this.secrets));
  }
}

// Connection errors where the request certainly never left this machine.
const NOT_SENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
]);

const NETWORK_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused (is FeatBit running and is the port right?)",
  ECONNRESET: "the connection was reset",
  ENOTFOUND: "host name not found (check featbit:apiUrl)",
  EAI_AGAIN: "DNS lookup failed temporarily",
  ETIMEDOUT: "the connection timed out",
  EPIPE: "the connection was closed while sending",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EPROTO: "TLS handshake failed (is the port serving http rather than https?)",
};

function networkFailure(e: unknown, apiUrl: string): Failure {
  const code = errorCode(e);
  const tls = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/.test(code ?? "");
  const words = tls
    ? `TLS certificate problem (${code}); for a private CA set NODE_EXTRA_CA_CERTS to its PEM file`
    : code && NETWORK_WORDS[code]
      ? `${NETWORK_WORDS[code]} (${code})`
      : `${e instanceof Error ? e.message : "unknown error"}${code ? ` (${code})` : ""}`;
  const notSent = tls || (code !== undefined && NOT_SENT.has(code));
  return {
    kind: "network",
    codes: [],
    advice: `could not talk to FeatBit at ${new URL(apiUrl).origin}: ${words}`,
    // Certificate problems and oversized bodies will not fix themselves.
    transient: !tls && !(code ?? "").startsWith("ERR_BAD"),
    mayHaveApplied: !notSent,
  };
}

/** The system error code, looking through axios's wrapper without keeping a reference to it. */
function errorCode(e: unknown): string | undefined {
  const read = (x: unknown): string | undefined =>
    typeof x === "object" && x !== null && "code" in x && typeof x.code === "string" ? x.code : undefined;
  const cause = typeof e === "object" && e !== null && "cause" in e ? e.cause : undefined;
  return read(cause) ?? read(e);
}

/**
 * One limiter per apiUrl for the whole process, so every resource's transport shares the budget
 * aimed at one server while separate FeatBit instances do not slow each other down. When transports
 * for the same apiUrl are created with different maxConcurrency, the latest one wins.
 */
class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private capacity: number) {}

  resize(capacity: number): void {
    this.capacity = capacity;
    this.drain();
  }

  async run<R>(task: () => Promise<R>): Promise<R> {
    if (this.active < this.capacity) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // drain() counted us in
    try {
      return await task();
    } finally {
      this.active--;
      this.drain();
    }
  }

  private drain(): void {
    while (this.active < this.capacity && this.waiting.length > 0) {
      this.active++;
      this.waiting.shift()?.();
    }
  }
}

const limiters = new Map<string, Limiter>();

function limiterFor(apiUrl: string, capacity: number): Limiter {
  const existing = limiters.get(apiUrl);
  if (existing) {
    existing.resize(capacity);
    return existing;
  }
  const created = new Limiter(capacity);
  limiters.set(apiUrl, created);
  return created;
}

// Shared keep-alive agents. Idle sockets are closed after 15 s, below common proxy idle timeouts
// (60 s on AWS ALB, 75 s on nginx), so a write rarely lands on a socket the server already closed
// (which would surface as an ambiguous ECONNRESET).
const agentOptions = { keepAlive: true, timeout: 15_000 };
const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };

function packageVersion(): string {
  // Read at load time from this package's own package.json (same relative place in source and dist).
  try {
    const file = path.join(__dirname, "..", "..", "package.json");
    const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: unknown; version?: unknown };
    return pkg.name === "pulumi-featbit" && typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}
