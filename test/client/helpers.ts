// Local HTTP servers and assertions shared by the client tests.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { isFeatBitApiError, type FeatBitApiError } from "../../provider/client/errors";
import type { ClientSettings } from "../../provider/client/settings";
import type { TransportOptions } from "../../provider/client/http";

/** A well-formed but fake access token: "api-" + 40 characters, like FeatBit's. */
export const TOKEN = "api-A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0";

export interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The client's port: equal ports mean one reused connection. */
  remotePort: number | undefined;
}

export type Handler = (req: Recorded, res: http.ServerResponse, raw: http.IncomingMessage) => void;

export interface TestServer {
  origin: string;
  requests: Recorded[];
  /** Replace per test; receives the parsed request. */
  handle: Handler;
  reset(handler: Handler): void;
  close(): Promise<void>;
}

export async function startServer(handler: Handler = (_q, res) => res.end()): Promise<TestServer> {
  const state: TestServer = {
    origin: "",
    requests: [],
    handle: handler,
    reset(next) {
      state.handle = next;
      state.requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on("data", (c: Buffer) => chunks.push(c));
    raw.on("end", () => {
      const rec: Recorded = {
        method: raw.method ?? "",
        url: raw.url ?? "",
        headers: raw.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        remotePort: raw.socket.remotePort,
      };
      state.requests.push(rec);
      state.handle(rec, res, raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** Writes a response with exactly these headers and body bytes. */
export function reply(
  res: http.ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = { "Content-Type": "application/json; charset=utf-8" },
): void {
  res.writeHead(status, { ...headers, "Content-Length": String(Buffer.byteLength(body)) });
  res.end(body);
}

export function ok(res: http.ServerResponse, data: unknown): void {
  reply(res, 200, JSON.stringify({ success: true, errors: [], data }));
}

export function envelopeError(res: http.ServerResponse, status: number, ...codes: string[]): void {
  reply(res, status, JSON.stringify({ success: false, errors: codes, data: null }));
}

export function settingsFor(origin: string, over: Partial<ClientSettings> = {}): ClientSettings {
  return {
    apiUrl: origin,
    accessToken: TOKEN,
    maxRetries: 3,
    httpTimeoutSeconds: 5,
    maxConcurrency: 4,
    allowInsecureHttp: false,
    ...over,
  };
}

/**
 * Tiny retry delays so retry tests run in milliseconds. The per-attempt timeout stays generous: on a loaded machine a
 * loopback answer can take longer than a few hundred milliseconds, and a test about a 503 must not see a timeout
 * (tests about timeouts set their own).
 */
export const FAST: TransportOptions = { baseDelayMs: 1, maxDelayMs: 2, requestTimeoutMs: 10_000 };

/** Asserts the secret appears nowhere a person or a log could see it. */
export function expectNoSecret(err: unknown, secret: string = TOKEN): void {
  expect(err).toBeInstanceOf(Error);
  const e = err as Error;
  const views = [
    e.message,
    e.stack ?? "",
    String(e),
    JSON.stringify(e),
    inspect(e, { depth: 10, showHidden: true }),
    JSON.stringify(
      Object.getOwnPropertyNames(e).map((k) =>
        inspect((e as unknown as Record<string, unknown>)[k], { depth: 10 }),
      ),
    ),
  ];
  for (const view of views) {
    expect(view).not.toContain(secret);
    // A distinctive middle slice catches truncated or re-encoded leaks too.
    expect(view).not.toContain(secret.slice(8, 28));
  }
}

/** Awaits a rejection that must be a FeatBitApiError free of the token. */
export async function apiFailure(promise: Promise<unknown>): Promise<FeatBitApiError> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeDefined();
  expect(isFeatBitApiError(caught)).toBe(true);
  expectNoSecret(caught);
  return caught as FeatBitApiError;
}

/** A port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
