// Test aids: fault injection and state safety under bad requests.
import { Agent, request } from "node:http";
import { parseFaultSpec, type Emulator } from "../../provider/emulator";
import { Api, start, type ProjectView } from "./support";

let emulator: Emulator;
let api: Api;

beforeAll(async () => {
  ({ emulator, api } = await start({ seed: 5 }));
});
afterEach(() => emulator.faults.clear());
afterAll(() => emulator.close());

describe("faults", () => {
  it("answers 429 with Retry-After for the configured number of times, then expires", async () => {
    emulator.faults.add({
      method: "GET",
      path: "/projects",
      times: 2,
      respond: { status: 429, retryAfter: "1" },
    });
    for (let i = 0; i < 2; i++) {
      const res = await api.call("GET", "/projects");
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("1");
      expect(res.body).toEqual({ success: false, errors: ["TooManyRequests"], data: null });
    }
    expect((await api.call("GET", "/projects")).status).toBe(200);
  });

  it("matches method and path (substring or RegExp) before firing", async () => {
    emulator.faults.add({ method: "POST", path: /\/projects$/, respond: { status: 503 } });
    expect((await api.call("GET", "/projects")).status).toBe(200);
    const res = await api.call("POST", "/projects", { name: "X", key: "x" });
    expect(res.status).toBe(503);
    expect((await api.ok<ProjectView[]>("GET", "/projects")).some((p) => p.key === "x")).toBe(false);
  });

  it("honours probability with the seeded generator", async () => {
    emulator.faults.add({ path: "/workspaces", probability: 0, respond: { status: 500 } });
    for (let i = 0; i < 5; i++) expect((await api.call("GET", "/workspaces")).status).toBe(200);
    emulator.faults.clear();
    emulator.faults.add({ path: "/workspaces", probability: 1, respond: { status: 502 } });
    expect((await api.call("GET", "/workspaces")).status).toBe(502);
  });

  it("resets the connection before handling: the write is not applied", async () => {
    emulator.faults.add({ method: "POST", path: "/projects", times: 1, reset: "before" });
    await expect(api.call("POST", "/projects", { name: "Before", key: "before" })).rejects.toThrow();
    const list = await api.ok<ProjectView[]>("GET", "/projects");
    expect(list.some((p) => p.key === "before")).toBe(false);
    expect(emulator.requests.all().some((r) => r.method === "POST" && r.status === 0)).toBe(true);
  });

  it("resets the connection after applying: the write is visible on a later GET", async () => {
    emulator.faults.add({ method: "POST", path: "/projects", times: 1, reset: "after" });
    await expect(api.call("POST", "/projects", { name: "After", key: "after" })).rejects.toThrow();
    const list = await api.ok<ProjectView[]>("GET", "/projects");
    expect(list.some((p) => p.key === "after")).toBe(true);
  });

  it("adds latency and still answers normally", async () => {
    emulator.faults.add({ path: "/workspaces", times: 1, latencyMs: 20 });
    expect((await api.call("GET", "/workspaces")).status).toBe(200);
  });
});

describe("more fault kinds", () => {
  it("answers 504 GatewayTimeout", async () => {
    emulator.faults.add({ path: "/workspaces", times: 1, respond: { status: 504 } });
    const res = await api.call("GET", "/workspaces");
    expect(res.status).toBe(504);
    expect(res.body).toEqual({ success: false, errors: ["GatewayTimeout"], data: null });
  });

  it("holds a write past the client's patience, then applies it without answering (timeout)", async () => {
    emulator.faults.add({ method: "POST", path: "/projects", times: 1, reset: "timeout", holdMs: 3000 });
    const gaveUp = new AbortController();
    const sent = api.call("POST", "/projects", { name: "Late", key: "late" }, { signal: gaveUp.signal });
    setTimeout(() => gaveUp.abort(), 20);
    await expect(sent).rejects.toThrow();
    // The client has given up; the write is still held…
    expect((await api.ok<ProjectView[]>("GET", "/projects")).some((p) => p.key === "late")).toBe(false);
    // …and lands later.
    for (let i = 0; i < 100; i++) {
      if ((await api.ok<ProjectView[]>("GET", "/projects")).some((p) => p.key === "late")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await api.ok<ProjectView[]>("GET", "/projects")).some((p) => p.key === "late")).toBe(true);
    expect(
      emulator.requests
        .all()
        .filter((r) => r.method === "POST")
        .pop()?.status,
    ).toBe(0);
  });

  it("drops held writes when the emulator closes", async () => {
    const { emulator: e, api: a } = await start({ faults: "timeout;method=POST;ms=60000" });
    const sent = a.call("POST", "/projects", { name: "Never", key: "never" });
    await new Promise((r) => setTimeout(r, 50));
    await e.close();
    await expect(sent).rejects.toThrow();
  });

  it("repeats the same fault decisions for the same seed", async () => {
    const run = async () => {
      const { emulator: e, api: a } = await start({ seed: 42, faults: "503=0.5;path=/workspaces" });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await a.call("GET", "/workspaces")).status);
      await e.close();
      return statuses;
    };
    const first = await run();
    expect(new Set(first)).toEqual(new Set([200, 503]));
    expect(await run()).toEqual(first);
  });

  it("keeps idle connections for Kestrel's 130 s, not Node's 5 s", async () => {
    const agent = new Agent({ keepAlive: true });
    const header = await new Promise<string | undefined>((resolve, reject) => {
      const req = request(`${emulator.url}/health/liveness`, { agent }, (res) => {
        res.resume();
        res.on("end", () => {
          const h = res.headers["keep-alive"];
          resolve(Array.isArray(h) ? h[0] : h);
        });
      });
      req.on("error", reject);
      req.end();
    });
    agent.destroy();
    expect(header).toBe("timeout=130");
  });
});

describe("fault specs (CLI --faults, /_emulator/faults)", () => {
  it("parses the compact form", () => {
    expect(
      parseFaultSpec(
        "429=0.05;retryAfter=2;method=post,503,reset-after=0.1;path=/toggle/;times=3,timeout;ms=5000,latency;ms=200;regex=^/api/v1/envs",
      ),
    ).toEqual([
      { respond: { status: 429, retryAfter: "2" }, probability: 0.05, method: "POST" },
      { respond: { status: 503 } },
      { reset: "after", probability: 0.1, path: "/toggle/", times: 3 },
      { reset: "timeout", holdMs: 5000 },
      { latencyMs: 200, path: /^\/api\/v1\/envs/ },
    ]);
  });

  it("parses JSON rules, with pathRegex for regular expressions", () => {
    expect(
      parseFaultSpec('[{"pathRegex":"/projects$","respond":{"status":502}},{"reset":"before"}]'),
    ).toEqual([{ path: /\/projects$/, respond: { status: 502 } }, { reset: "before" }]);
  });

  it.each([
    ["408", /unknown fault kind '408'/],
    ["503=2", /between 0 and 1/],
    ["503;colour=red", /unknown option 'colour'/],
    ["reset-before;retryAfter=1", /retryAfter only goes with a status fault/],
    ['{"respond":{"status":418}}', /one of 429, 500, 502, 503, 504/],
    ['{"percent":1}', /unknown field 'percent'/],
    ["[1", /not valid JSON/],
  ])("rejects %s with a message", (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(message);
  });
});

describe("/_emulator admin endpoint", () => {
  const admin = (method: string, path: string, body?: string, token: string | null = emulator.token) =>
    fetch(`${emulator.url}/_emulator${path}`, {
      method,
      headers: token === null ? {} : { Authorization: token },
      body,
    });

  it("accepts only the emulator's own token", async () => {
    expect((await admin("GET", "/faults", undefined, null)).status).toBe(401);
    expect((await admin("GET", "/faults", undefined, "api-someone-else")).status).toBe(403);
    expect((await admin("GET", "/faults")).status).toBe(200);
    expect((await admin("GET", "/nothing-here")).status).toBe(404);
  });

  it("replaces, lists and clears fault rules; neither faulted nor logged itself", async () => {
    emulator.requests.clear();
    const put = await admin("PUT", "/faults", "504;path=/workspaces;times=1,500=1;path=/_emulator");
    expect(put.status).toBe(200);
    const listed = (await (await admin("GET", "/faults")).json()) as { rules: unknown[] };
    expect(listed.rules).toEqual([
      { respond: { status: 504 }, path: "/workspaces", times: 1, remaining: 1 },
      { respond: { status: 500 }, probability: 1, path: "/_emulator", remaining: null },
    ]);
    expect((await api.call("GET", "/workspaces")).status).toBe(504);
    expect((await api.call("GET", "/workspaces")).status).toBe(200);
    const log = (await (await admin("GET", "/requests")).json()) as {
      requests: { path: string; status: number }[];
    };
    expect(log.requests.map((r) => [r.path, r.status])).toEqual([
      ["/api/v1/workspaces", 504],
      ["/api/v1/workspaces", 200],
    ]);
    expect((await (await admin("DELETE", "/faults")).json()) as unknown).toEqual({ rules: [] });
  });

  it("adds JSON rules with a seed, and reports a bad spec as 400", async () => {
    const res = await admin(
      "POST",
      "/faults",
      JSON.stringify({ seed: 1, rules: [{ path: "/segments", latencyMs: 1 }] }),
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { rules: unknown[] }).rules).toHaveLength(1);
    const bad = await admin("POST", "/faults", JSON.stringify({ spec: "418" }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/unknown fault kind/);
    await admin("DELETE", "/faults");
  });

  it("is never part of FeatBit's API: /api/v1/_emulator is an unknown path", async () => {
    expect((await api.call("GET", "/api/v1/_emulator/faults")).status).toBe(404);
  });
});

describe("robustness", () => {
  it("survives garbage and keeps state consistent", async () => {
    const before = await api.ok<ProjectView[]>("GET", "/projects");
    const bad: [string, string, string][] = [
      ["POST", "/api/v1/projects", "\u0000\u0001"],
      ["POST", "/api/v1/projects", "[1,2,3]"],
      ["POST", "/api/v1/projects", "null"],
      ["PUT", "/api/v1/workspaces", '{"name":{"nested":true}}'],
      ["GET", "/api/v1/%E0%A4%A", ""],
    ];
    for (const [method, path, raw] of bad) {
      const status = await rawRequest(emulator.url, method, path, raw);
      expect([400, 404]).toContain(status);
    }
    expect(await api.ok<ProjectView[]>("GET", "/projects")).toEqual(before);
  });

  it("resolves JSON-patch paths to the document's own properties, never to Object.prototype", async () => {
    const { environments } = await api.ok<ProjectView>("POST", "/projects", { name: "Proto", key: "proto" });
    const base = `/envs/${environments[0].id}/segments`;
    const segment = await api.ok<{ id: string }>("POST", base, {
      type: "environment-specific",
      name: "S",
      key: "s",
      scopes: ["organization/playground:project/proto:env/prod"],
    });
    // Without the fix the first path replaces Object.prototype.hasOwnProperty of the whole process.
    for (const path of ["/__proto__/hasOwnProperty", "/constructor"]) {
      const res = await api.call("PATCH", `${base}/${segment.id}`, [{ op: "replace", path, value: 1 }]);
      expect(res.status).toBe(200);
      expect(res.body?.success).toBe(false);
      expect(res.body?.errors[0]).toMatch(
        /^The target location specified by path segment '.*' was not found\.$/,
      );
    }
    expect(await api.ok("GET", `${base}/${segment.id}`)).toMatchObject({ id: segment.id, name: "S" });
  });

  it("rolls back a write that fails half-way", async () => {
    const { environments } = await api.ok<ProjectView>("POST", "/projects", { name: "Rb", key: "rb" });
    const env = environments[0].id;
    const res = await api.call("POST", `/envs/${env}/feature-flags`, {
      name: "n",
      key: "k",
      variationType: "boolean",
      variations: [null],
      enabledVariationId: "a",
      disabledVariationId: "a",
    });
    expect(res.status).toBe(500);
    expect((await api.ok<{ totalCount: number }>("GET", `/envs/${env}/feature-flags`)).totalCount).toBe(0);
  });
});

function rawRequest(origin: string, method: string, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${origin}${path}`,
      { method, headers: { Authorization: emulator.token, "Content-Type": "application/json" } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
