// Retry policy, timeouts, network failures, connection reuse and the process-wide concurrency limit.
import http from "node:http";
import { z } from "zod";
import { createTransport, type TransportOptions } from "../../provider/client/http";
import type { HttpMethod } from "../../provider/client/transport";
import {
  apiFailure,
  closedPort,
  envelopeError,
  FAST,
  ok,
  reply,
  settingsFor,
  startServer,
  type TestServer,
} from "./helpers";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

/** A fake clock: sleeping records the delay and moves time on, so tests assert the policy, not timing. */
function recordingSleep(): { delays: number[]; options: TransportOptions } {
  const delays: number[] = [];
  let clock = Date.now();
  return {
    delays,
    options: {
      ...FAST,
      now: () => clock,
      sleep: (ms) => {
        delays.push(ms);
        clock += ms;
        return Promise.resolve();
      },
    },
  };
}

/** Answers the first `failures` requests with `fail`, then succeeds. */
function flaky(failures: number, fail: (res: http.ServerResponse, raw: http.IncomingMessage) => void): void {
  let seen = 0;
  server.reset((_q, res, raw) => (seen++ < failures ? fail(res, raw) : ok(res, "fine")));
}

function send(method: HttpMethod, options: TransportOptions = FAST, maxRetries = 3) {
  const t = createTransport(settingsFor(server.origin, { maxRetries }), options);
  return t.request({
    method,
    path: "/envs/e1/feature-flags/f1",
    schema: z.string(),
    subject: "feature flag 'f1' in environment e1",
    body: method === "GET" ? undefined : { name: "n" },
  });
}

describe("GET retries", () => {
  test.each([502, 503, 504])("retries %i and succeeds", async (status) => {
    flaky(2, (res) =>
      reply(res, status, "<html><title>gateway</title></html>", { "Content-Type": "text/html" }),
    );
    await expect(send("GET")).resolves.toBe("fine");
    expect(server.requests).toHaveLength(3);
  });

  test("gives up after maxRetries, reporting the attempts", async () => {
    flaky(100, (res) => reply(res, 503, ""));
    const e = await apiFailure(send("GET", FAST, 2));
    expect(server.requests).toHaveLength(3);
    expect(e.attempts).toBe(3);
    expect(e.kind).toBe("server");
    expect(e.message).toContain("3 attempts");
    expect(e.ambiguous).toBe(false);
  });

  test("maxRetries 0 means a single attempt", async () => {
    flaky(100, (res) => reply(res, 503, ""));
    await apiFailure(send("GET", FAST, 0));
    expect(server.requests).toHaveLength(1);
  });

  test("retries FeatBit's own 500 on a read too, within the same budget", async () => {
    flaky(1, (res) => envelopeError(res, 500, "InternalServerError"));
    await expect(send("GET")).resolves.toBe("fine");
    expect(server.requests).toHaveLength(2);
    flaky(100, (res) => envelopeError(res, 500, "InternalServerError"));
    const e = await apiFailure(send("GET", FAST, 2));
    expect(e.attempts).toBe(3);
    expect(e.kind).toBe("server");
  });

  test.each([
    [400, "key_is_invalid"],
    [401, "Unauthorized"],
    [403, "Forbidden"],
    [404, "ResourceNotFound"],
    [409, "Conflict"],
    [422, "KeyHasBeenUsed"],
  ])("does not retry %i", async (status, code) => {
    flaky(100, (res) => envelopeError(res, status, code));
    await apiFailure(send("GET"));
    expect(server.requests).toHaveLength(1);
  });

  test("backs off exponentially with full jitter, capped at maxDelayMs", async () => {
    flaky(3, (res) => reply(res, 503, ""));
    const { delays, options } = recordingSleep();
    await send("GET", { ...options, baseDelayMs: 100, maxDelayMs: 300, random: () => 0.5 });
    expect(delays).toEqual([50, 100, 150]);
  });

  test("retries connection resets", async () => {
    flaky(1, (_res, raw) => raw.socket.destroy());
    await expect(send("GET")).resolves.toBe("fine");
    expect(server.requests).toHaveLength(2);
  });

  test("retries timeouts, then reports kind timeout", async () => {
    flaky(100, () => undefined); // never answers
    const e = await apiFailure(send("GET", { ...FAST, requestTimeoutMs: 50 }, 1));
    expect(server.requests).toHaveLength(2);
    expect(e.kind).toBe("timeout");
    expect(e.status).toBeUndefined();
    expect(e.message).toContain("featbit:httpTimeoutSeconds");
    expect(e.ambiguous).toBe(false);
  });

  test("stops once the total retry time budget would be exceeded", async () => {
    flaky(100, (res) => reply(res, 503, ""));
    const { delays, options } = recordingSleep();
    const e = await apiFailure(
      send(
        "GET",
        { ...options, baseDelayMs: 1000, maxDelayMs: 1000, random: () => 1, maxRetryTimeMs: 2500 },
        10,
      ),
    );
    expect(delays).toEqual([1000, 1000]);
    expect(server.requests).toHaveLength(3);
    expect(e.message).toContain("retry time budget exhausted");
  });
});

describe("429 and Retry-After", () => {
  test("honours Retry-After in seconds", async () => {
    flaky(1, (res) => reply(res, 429, "", { "Retry-After": "2" }));
    const { delays, options } = recordingSleep();
    await expect(send("GET", options)).resolves.toBe("fine");
    expect(delays).toEqual([2000]);
  });

  test("honours Retry-After as an HTTP-date", async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    flaky(1, (res) => reply(res, 429, "", { "Retry-After": at }));
    const { delays, options } = recordingSleep();
    await send("GET", options);
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(25_000);
    expect(delays[0]).toBeLessThanOrEqual(30_000);
  });

  test("honours Retry-After on 503 too", async () => {
    flaky(1, (res) => reply(res, 503, "", { "Retry-After": "1" }));
    const { delays, options } = recordingSleep();
    await send("GET", options);
    expect(delays).toEqual([1000]);
  });

  test("retries writes on 429: the gateway did not forward them", async () => {
    flaky(2, (res) => reply(res, 429, ""));
    await expect(send("POST")).resolves.toBe("fine");
    expect(server.requests).toHaveLength(3);
    expect(server.requests.every((r) => r.method === "POST")).toBe(true);
  });

  test("gives up at once when Retry-After exceeds the budget, saying so", async () => {
    flaky(100, (res) => reply(res, 429, "", { "Retry-After": "120" }));
    const { delays, options } = recordingSleep();
    const e = await apiFailure(send("PUT", { ...options, maxRetryTimeMs: 60_000 }));
    expect(delays).toEqual([]);
    expect(server.requests).toHaveLength(1);
    expect(e.kind).toBe("rate-limited");
    expect(e.message).toContain("asked to wait 120 s");
    expect(e.ambiguous).toBe(false);
  });
});

describe("writes are never repeated once they may have reached FeatBit", () => {
  const writesOnServerErrors = (["POST", "PUT", "DELETE", "PATCH"] as const).flatMap((m) =>
    [500, 502, 503, 504].map((status) => [m, status] as const),
  );
  test.each(writesOnServerErrors)("%s on %i fails after one attempt, ambiguous", async (m, status) => {
    flaky(100, (res) =>
      status === 500 ? envelopeError(res, 500, "InternalServerError") : reply(res, status, ""),
    );
    const e = await apiFailure(send(m));
    expect(server.requests).toHaveLength(1);
    expect(e.ambiguous).toBe(true);
    expect(e.kind).toBe("server");
    expect(e.status).toBe(status);
  });

  test("a reset after sending is an ambiguous network error", async () => {
    flaky(100, (_res, raw) => raw.socket.destroy());
    const e = await apiFailure(send("POST"));
    expect(server.requests).toHaveLength(1);
    expect(e.kind).toBe("network");
    expect(e.ambiguous).toBe(true);
    expect(e.message).toContain("read it back");
  });

  test("a timeout is an ambiguous timeout", async () => {
    flaky(100, () => undefined);
    const e = await apiFailure(send("PUT", { ...FAST, requestTimeoutMs: 50 }));
    expect(server.requests).toHaveLength(1);
    expect(e.kind).toBe("timeout");
    expect(e.ambiguous).toBe(true);
  });

  test("a refused connection is not ambiguous: nothing was sent, so even a write is tried again", async () => {
    const port = await closedPort();
    const t = createTransport(settingsFor(`http://127.0.0.1:${port}`, { maxRetries: 2 }), FAST);
    const e = await apiFailure(
      t.request({ method: "POST", path: "/projects", schema: z.unknown(), body: {} }),
    );
    expect(e.kind).toBe("network");
    expect(e.ambiguous).toBe(false);
    expect(e.attempts).toBe(3);
    expect(e.message).toContain("ECONNREFUSED");
    expect(e.message).toContain(`http://127.0.0.1:${port}`);
  });

  test("a refused connection on GET is retried, then reported", async () => {
    const port = await closedPort();
    const t = createTransport(settingsFor(`http://127.0.0.1:${port}`, { maxRetries: 2 }), FAST);
    const e = await apiFailure(t.request({ method: "GET", path: "/projects", schema: z.unknown() }));
    expect(e.kind).toBe("network");
    expect(e.attempts).toBe(3);
  });
});

describe("connections", () => {
  test("are kept alive and reused between requests", async () => {
    server.reset((_q, res) => ok(res, "fine"));
    for (let i = 0; i < 3; i++) await send("GET");
    expect(server.requests).toHaveLength(3);
    expect(new Set(server.requests.map((r) => r.remotePort)).size).toBe(1);
  });

  test("the concurrency limit is shared by every transport for the same apiUrl", async () => {
    // Requests are held until two are in flight, so reaching the limit is certain; a third arriving
    // while two are held would mean the limit leaked.
    let held: http.ServerResponse[] = [];
    let inFlight = 0;
    let peak = 0;
    server.reset((_q, res) => {
      held.push(res);
      peak = Math.max(peak, ++inFlight);
      if (held.length === 2) {
        const batch = held;
        held = [];
        setTimeout(() => {
          inFlight -= batch.length;
          batch.forEach((r) => ok(r, "fine"));
        }, 10);
      }
    });
    const a = createTransport(settingsFor(server.origin, { maxConcurrency: 5 }), FAST);
    // Created later with a smaller limit: the latest setting wins for this apiUrl.
    const b = createTransport(settingsFor(server.origin, { maxConcurrency: 2 }), FAST);
    const req = { method: "GET", path: "/x", schema: z.string() } as const;
    await Promise.all([...Array(6)].flatMap(() => [a.request(req), b.request(req)]));
    expect(server.requests).toHaveLength(12);
    expect(peak).toBe(2);
  });

  test("requests queued behind the limit all complete", async () => {
    server.reset((_q, res) => setTimeout(() => ok(res, "fine"), 5));
    const t = createTransport(settingsFor(server.origin, { maxConcurrency: 1 }), FAST);
    const results = await Promise.all(
      [...Array(5)].map(() => t.request({ method: "GET", path: "/y", schema: z.string() })),
    );
    expect(results).toEqual(Array(5).fill("fine"));
  });
});

describe("logging", () => {
  test("the logger hook sees attempts and retries, never the token", async () => {
    flaky(1, (res) => reply(res, 503, ""));
    const lines: string[] = [];
    await send("GET", { ...FAST, logger: (l) => lines.push(l) });
    expect(lines.some((l) => l.includes("HTTP 503"))).toBe(true);
    expect(lines.some((l) => l.includes("retrying in"))).toBe(true);
    expect(lines.join("\n")).not.toContain("api-A1b2");
  });
});
