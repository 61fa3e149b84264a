// Test aids: fault injection and state safety under bad requests.
import { request } from "node:http";
import type { Emulator } from "../../provider/emulator";
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
