// Conformance: envelope, auth, routing quirks, workspace, projects and environments.
import type { Emulator } from "../../provider/emulator";
import { Api, MISSING, projectWithEnv, start, type EnvView, type ProjectView } from "./support";

let emulator: Emulator;
let api: Api;

beforeAll(async () => {
  ({ emulator, api } = await start({ seed: 42 }));
});
afterAll(() => emulator.close());

describe("envelope and authentication", () => {
  it("wraps success in success/errors/data, in that order, as utf-8 JSON", async () => {
    const res = await api.call("GET", "/workspaces");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(Object.keys(res.body ?? {})).toEqual(["success", "errors", "data"]);
    expect(res.text.startsWith('{"success":true,"errors":[],"data":{')).toBe(true);
  });

  it("marks controller answers with api-supported-versions, but not middleware 401s", async () => {
    expect((await api.call("GET", "/projects")).headers.get("api-supported-versions")).toBe("1.0");
    const denied = await api.call("GET", "/projects", undefined, { token: null });
    expect(denied.headers.get("api-supported-versions")).toBeNull();
  });

  it("generates a 44-character api- token by default", () => {
    expect(emulator.token).toMatch(/^api-[A-Za-z0-9_-]{40}$/);
  });

  it.each([
    ["no header", null],
    ["unknown token", "api-not-a-real-token"],
    ["Bearer scheme", "Bearer TOKEN"],
  ])("answers 401 Unauthorized with WWW-Authenticate for %s", async (_, token) => {
    const value = token === "Bearer TOKEN" ? `Bearer ${emulator.token}` : token;
    const res = await api.call("GET", "/projects", undefined, { token: value });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
    expect(res.text).toBe('{"success":false,"errors":["Unauthorized"],"data":null}');
  });
});

describe("routing", () => {
  it("answers 404 with an empty body for unknown paths, even without a token", async () => {
    const res = await api.call("GET", "/nothing-here", undefined, { token: null });
    expect(res.status).toBe(404);
    expect(res.text).toBe("");
  });

  it("answers 404 empty for a non-GUID where the route wants a GUID", async () => {
    const res = await api.call("GET", "/projects/not-a-guid");
    expect(res.status).toBe(404);
    expect(res.text).toBe("");
  });

  it("answers 405 empty with Allow for a wrong verb on a known path", async () => {
    const res = await api.call("PATCH", "/projects");
    expect(res.status).toBe(405);
    expect(res.text).toBe("");
    expect(res.headers.get("allow")).toBe("GET, POST");
  });

  it("reflects the Origin for CORS, with credentials, and answers preflights", async () => {
    const res = await fetch(`${emulator.url}/api/v1/projects`, {
      headers: { Authorization: emulator.token, Origin: "https://ui.example" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBe("https://ui.example");
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    const plain = await api.call("GET", "/projects");
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(`${emulator.url}/api/v1/projects`, {
      method: "OPTIONS",
      headers: { Origin: "https://ui.example", "Access-Control-Request-Method": "POST" },
    });
    expect(preflight.status).toBe(204);
  });

  it("matches literal segments case-insensitively and tolerates a trailing slash", async () => {
    expect((await api.call("GET", "/api/V1/Projects/")).status).toBe(200);
  });

  it.each([
    ["GET", "/access-tokens"],
    ["POST", "/access-tokens"],
    ["GET", "/webhooks"],
    ["GET", "/relay-proxies"],
    ["GET", "/organizations"],
    ["GET", "/projects/is-key-used?key=x"],
    ["GET", `/triggers?targetId=${MISSING}`],
    ["GET", "/user/profile"],
  ])("answers 403 with an empty body on JWT-only %s %s", async (method, path) => {
    const res = await api.call(method, path, method === "POST" ? {} : undefined);
    expect(res.status).toBe(403);
    expect(res.text).toBe("");
  });

  it.each([
    ["POST", "/organizations"],
    ["POST", `/envs/${MISSING}/feature-flags/compare-overview`],
    ["POST", `/envs/${MISSING}/feature-flags/f/schedules`],
    ["DELETE", `/envs/${MISSING}/feature-flags/change-requests/${MISSING}`],
  ])("answers the license check's 403 envelope before the JWT-only gate on %s %s", async (method, path) => {
    const res = await api.call(method, path, method === "POST" ? {} : undefined);
    expect(res.status).toBe(403);
    expect(res.text).toBe('{"success":false,"errors":["Forbidden"],"data":null}');
  });

  it("still answers 401 before the JWT-only 403", async () => {
    expect((await api.call("GET", "/webhooks", undefined, { token: null })).status).toBe(401);
  });

  it("runs triggers anonymously, but a sent access token hits the [OpenApi] gate", async () => {
    const short = await api.call("POST", "/triggers/run/abc", undefined, { token: null });
    expect(short.status).toBe(422);
    expect(short.body?.errors).toEqual(["InvalidTriggerToken"]);
    const unknown = await api.call("POST", `/triggers/run/${"t".repeat(40)}`, undefined, { token: null });
    expect(unknown.body?.errors).toEqual(["TriggerTokenNotMatchOrHasExpired"]);
    const withToken = await api.call("POST", "/triggers/run/abc");
    expect(withToken.status).toBe(403);
    expect(withToken.text).toBe("");
  });

  it("serves health endpoints anonymously", async () => {
    const res = await api.call("GET", "/health/liveness", undefined, { token: null });
    expect(res.status).toBe(200);
  });
});

describe("body binding", () => {
  it("answers malformed JSON with a 400 ValidationProblemDetails", async () => {
    const res = await api.call("POST", "/projects", undefined, { raw: "{not json" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const problem = JSON.parse(res.text) as {
      status: number;
      title: string;
      errors: Record<string, string[]>;
      traceId: string;
    };
    expect(problem.status).toBe(400);
    expect(problem.title).toBe("One or more validation errors occurred.");
    expect(Object.keys(problem.errors)).toEqual(["$"]);
    expect(problem.traceId).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  });

  it("keys a wrong JSON type by its path", async () => {
    const res = await api.call("POST", "/projects", { name: 42, key: "x" });
    expect(res.status).toBe(400);
    const problem = JSON.parse(res.text) as { errors: Record<string, string[]> };
    expect(Object.keys(problem.errors)).toEqual(["$.name"]);
    expect(problem.errors["$.name"][0]).toContain("System.String");
  });

  it("requires a body where the action's parameter is not optional", async () => {
    // Without any Content-Type no input formatter applies: 415, as ASP.NET answers.
    expect((await api.call("POST", "/projects")).status).toBe(415);
    const res = await api.call("POST", "/projects", undefined, { raw: "" });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ errors: { "": ["A non-empty request body is required."] } });
  });

  it("refuses a body that is not sent as JSON with 415", async () => {
    const res = await fetch(`${emulator.url}/api/v1/projects`, {
      method: "POST",
      headers: { Authorization: emulator.token, "Content-Type": "text/plain" },
      body: JSON.stringify({ name: "Text", key: "text" }),
    });
    expect(res.status).toBe(415);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect((await api.ok<ProjectView[]>("GET", "/projects")).some((p) => p.key === "text")).toBe(false);
  });

  it("matches property names case-insensitively", async () => {
    const project = await api.ok<ProjectView>("POST", "/projects", { NAME: "Cased", Key: "cased" });
    expect(project.name).toBe("Cased");
  });
});

describe("workspace", () => {
  it("reads and updates the workspace", async () => {
    const ws = await api.ok<{ key: string; license: null; sso: null }>("GET", "/workspaces");
    expect(ws).toMatchObject({ key: "default-workspace", license: null, sso: null });
    const updated = await api.ok<{ name: string; key: string }>("PUT", "/workspaces", {
      name: "Acme",
      key: "acme",
    });
    expect(updated).toMatchObject({ name: "Acme", key: "acme" });
  });

  it("validates name and key in rule order", async () => {
    const res = await api.call("PUT", "/workspaces", { name: "", key: " " });
    expect(res.status).toBe(400);
    expect(res.body?.errors).toEqual(["name_is_required", "key_is_required"]);
    expect(res.headers.get("cache-control")).toBe("no-store, no-cache");
    expect(res.headers.get("pragma")).toBe("no-cache");
    expect(res.headers.get("expires")).toBe("-1");
  });
});

describe("workspace license and SSO", () => {
  it("rejects every license (none verifies for the emulated workspace)", async () => {
    const res = await api.call("PUT", "/workspaces/license", { license: "anything" });
    expect(res.status).toBe(400);
    expect(res.body?.errors).toEqual(["license_is_invalid"]);
  });

  it("requires every OIDC field and then shows the settings to an owner", async () => {
    const res = await api.call("PUT", "/workspaces/sso-oidc", { clientId: "c", scope: "openid" });
    expect(res.body?.errors).toEqual([
      "clientSecret_is_required",
      "tokenEndpoint_is_required",
      "clientAuthenticationMethod_is_required",
      "authorizationEndpoint_is_required",
      "userEmailClaim_is_required",
    ]);
    const oidc = {
      clientId: "c",
      clientSecret: "s",
      tokenEndpoint: "https://idp/token",
      clientAuthenticationMethod: "client_secret_post",
      authorizationEndpoint: "https://idp/auth",
      scope: "openid email",
      userEmailClaim: "email",
    };
    const ws = await api.ok<{ sso: unknown }>("PUT", "/workspaces/sso-oidc", oidc);
    expect(ws.sso).toEqual({ oidc });
  });
});

describe("projects", () => {
  it("auto-creates Prod then Dev with server and client secrets", async () => {
    const project = await api.ok<ProjectView>("POST", "/projects", { name: "Web", key: "web" });
    expect(project.environments.map((e) => [e.name, e.key])).toEqual([
      ["Prod", "prod"],
      ["Dev", "dev"],
    ]);
    for (const env of project.environments) {
      expect(env.projectId).toBe(project.id);
      expect(env.settings).toEqual({ requireChangeComment: false });
      expect(env.secrets.map((s) => [s.name, s.type])).toEqual([
        ["Server Key", "server"],
        ["Client Key", "client"],
      ]);
      for (const s of env.secrets) expect(s.value).toHaveLength(44);
    }
  });

  it("rejects duplicate keys case-insensitively with 422 KeyHasBeenUsed", async () => {
    await api.ok("POST", "/projects", { name: "Dup", key: "dup" });
    const res = await api.call("POST", "/projects", { name: "Dup 2", key: "DUP" });
    expect(res.status).toBe(422);
    expect(res.text).toBe('{"success":false,"errors":["KeyHasBeenUsed"],"data":null}');
  });

  it("validates name and key", async () => {
    const res = await api.call("POST", "/projects", {});
    expect(res.status).toBe(400);
    expect(res.body?.errors).toEqual(["name_is_required", "key_is_required"]);
  });

  it("answers 500 for a key longer than the database column (no validation rule exists)", async () => {
    const res = await api.call("POST", "/projects", { name: "Long", key: "k".repeat(129) });
    expect(res.status).toBe(500);
    expect(res.body?.errors).toEqual(["InternalServerError"]);
  });

  it("lists newest first", async () => {
    await api.ok("POST", "/projects", { name: "Older", key: "older" });
    await api.ok("POST", "/projects", { name: "Newer", key: "newer" });
    const list = await api.ok<ProjectView[]>("GET", "/projects");
    const keys = list.map((p) => p.key);
    expect(keys.indexOf("newer")).toBeLessThan(keys.indexOf("older"));
  });

  it("updates only the name and returns {id, name}", async () => {
    const p = await api.ok<ProjectView>("POST", "/projects", { name: "Old", key: "renamed" });
    const updated = await api.ok("PUT", `/projects/${p.id}`, { name: "New", key: "ignored" });
    expect(updated).toEqual({ id: p.id, name: "New" });
    const read = await api.ok<ProjectView>("GET", `/projects/${p.id}`);
    expect(read).toMatchObject({ name: "New", key: "renamed" });
  });

  it("answers GET of a missing project with 500 (quirk) and PUT/DELETE with 403", async () => {
    const get = await api.call("GET", `/projects/${MISSING}`);
    expect(get.status).toBe(500);
    expect(get.body?.errors).toEqual(["InternalServerError"]);
    expect(get.headers.get("cache-control")).toBe("no-store, no-cache");
    for (const [method, body] of [
      ["PUT", { name: "x" }],
      ["DELETE", undefined],
    ] as const) {
      const res = await api.call(method, `/projects/${MISSING}`, body);
      expect(res.status).toBe(403);
      expect(res.text).toBe('{"success":false,"errors":["Forbidden"],"data":null}');
    }
  });

  it("deletes a project with its environments", async () => {
    const { project, env } = await projectWithEnv(api, "gone");
    expect(await api.ok("DELETE", `/projects/${project.id}`)).toBe(true);
    expect((await api.call("GET", `/projects/${project.id}`)).status).toBe(500);
    expect((await api.call("GET", `/projects/${project.id}/envs/${env.id}`)).status).toBe(403);
  });
});

describe("environments", () => {
  let project: ProjectView;
  beforeAll(async () => {
    project = await api.ok<ProjectView>("POST", "/projects", { name: "Envs", key: "envs" });
  });

  it("creates an environment and returns the view without key or projectId", async () => {
    const env = await api.ok<Record<string, unknown>>("POST", `/projects/${project.id}/envs`, {
      name: "Staging",
      key: "staging",
      description: "pre-prod",
    });
    expect(Object.keys(env).sort()).toEqual(["description", "id", "name", "secrets", "settings"]);
    const read = await api.ok<Record<string, unknown>>(
      "GET",
      `/projects/${project.id}/envs/${String(env.id)}`,
    );
    expect(read).toEqual(env);
    const withKey = (await api.ok<ProjectView>("GET", `/projects/${project.id}`)).environments.find(
      (e) => e.id === env.id,
    );
    expect(withKey?.key).toBe("staging");
  });

  it("rejects a duplicate key within the project (case-insensitive) but allows it elsewhere", async () => {
    const res = await api.call("POST", `/projects/${project.id}/envs`, { name: "P", key: "PROD" });
    expect(res.status).toBe(422);
    expect(res.body?.errors).toEqual(["KeyHasBeenUsed"]);
    const other = await api.ok<ProjectView>("POST", "/projects", { name: "Other", key: "other-envs" });
    await api.ok("POST", `/projects/${other.id}/envs`, { name: "Staging", key: "staging" });
  });

  it("validates name and key", async () => {
    const res = await api.call("POST", `/projects/${project.id}/envs`, { name: "" });
    expect(res.body?.errors).toEqual(["name_is_required", "key_is_required"]);
  });

  it("replaces name and description on update (omitted description → null), keeps settings when null", async () => {
    const env = await api.ok<EnvView>("POST", `/projects/${project.id}/envs`, {
      name: "Qa",
      key: "qa",
      description: "d",
      settings: { requireChangeComment: true },
    });
    const updated = await api.ok<EnvView>("PUT", `/projects/${project.id}/envs/${env.id}`, { name: "QA" });
    expect(updated).toMatchObject({
      name: "QA",
      description: null,
      settings: { requireChangeComment: true },
    });
  });

  it("answers 403 for GET/PUT/DELETE of a missing env and for create under a missing project", async () => {
    const base = `/projects/${project.id}/envs/${MISSING}`;
    expect((await api.call("GET", base)).status).toBe(403);
    expect((await api.call("PUT", base, { name: "x" })).status).toBe(403);
    expect((await api.call("DELETE", base)).status).toBe(403);
    expect((await api.call("POST", `/projects/${MISSING}/envs`, { name: "x", key: "x" })).status).toBe(403);
  });

  it("deletes an environment; it is then Forbidden", async () => {
    const env = await api.ok<EnvView>("POST", `/projects/${project.id}/envs`, { name: "Tmp", key: "tmp" });
    expect(await api.ok("DELETE", `/projects/${project.id}/envs/${env.id}`)).toBe(true);
    const res = await api.call("GET", `/projects/${project.id}/envs/${env.id}`);
    expect(res.status).toBe(403);
    expect(res.body?.errors).toEqual(["Forbidden"]);
  });
});

describe("seed", () => {
  it("makes generated ids and secrets reproducible", async () => {
    const ids: string[][] = [];
    for (let i = 0; i < 2; i++) {
      const { emulator: e, api: a } = await start({ seed: 99, tokens: ["api-seeded"] });
      const p = await a.ok<ProjectView>("POST", "/projects", { name: "S", key: "s" });
      ids.push([p.id, p.environments[0].id, p.environments[0].secrets[0].value]);
      await e.close();
    }
    expect(ids[0]).toEqual(ids[1]);
  });
});

describe("request log", () => {
  it("records method, path and status", async () => {
    emulator.requests.clear();
    await api.call("GET", "/projects");
    await api.call("GET", "/nope");
    expect(emulator.requests.all().map(({ method, path, status }) => ({ method, path, status }))).toEqual([
      { method: "GET", path: "/api/v1/projects", status: 200 },
      { method: "GET", path: "/api/v1/nope", status: 404 },
    ]);
  });
});
