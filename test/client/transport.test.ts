// The transport against a local server: request shape, envelope handling, and how every kind of
// FeatBit (or proxy) failure becomes an actionable, token-free error.
import { z } from "zod";
import pkg from "../../package.json";
import recordings from "./fixtures/featbit-recorded-responses.json";
import { createTransport, USER_AGENT } from "../../provider/client/http";
import type { ApiRequest, HttpMethod, HttpTransport } from "../../provider/client/transport";
import {
  apiFailure,
  expectNoSecret,
  FAST,
  ok,
  reply,
  settingsFor,
  startServer,
  TOKEN,
  type TestServer,
} from "./helpers";

let server: TestServer;
let transport: HttpTransport;

beforeAll(async () => {
  server = await startServer();
  transport = createTransport(settingsFor(server.origin, { maxRetries: 0 }), FAST);
});
afterAll(() => server.close());

const Anything = z.unknown();

function call<T>(req: Partial<ApiRequest<T>> & { method?: HttpMethod }): Promise<T> {
  return transport.request({ method: "GET", path: "/projects", schema: Anything as z.ZodType<T>, ...req });
}

describe("requests", () => {
  test("send the raw token, JSON, a User-Agent, and never Organization/Workspace headers", async () => {
    server.reset((_q, res) => ok(res, true));
    await call({ method: "POST", path: "/envs/e1/feature-flags", body: { key: "a", n: 1 } });
    await call({ method: "GET", path: "/projects" });
    const [post, get] = server.requests;
    expect(post.method).toBe("POST");
    expect(post.url).toBe("/api/v1/envs/e1/feature-flags");
    expect(post.headers.authorization).toBe(TOKEN);
    expect(post.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(post.body)).toEqual({ key: "a", n: 1 });
    expect(post.headers["user-agent"]).toBe(USER_AGENT);
    expect(USER_AGENT.startsWith(`pulumi-featbit/${pkg.version} (node `)).toBe(true);
    for (const r of [post, get]) {
      expect(r.headers.organization).toBeUndefined();
      expect(r.headers.workspace).toBeUndefined();
    }
    expect(get.headers["content-type"]).toBeUndefined();
    expect(get.body).toBe("");
  });

  test("serialise query values, repeating array keys and skipping undefined", async () => {
    server.reset((_q, res) => ok(res, { totalCount: 0, items: [] }));
    await call({
      path: "/envs/e1/feature-flags",
      query: { name: "a b&c", tags: ["x", "y"], isArchived: false, pageSize: 50, sortBy: undefined },
    });
    expect(server.requests[0].url).toBe(
      "/api/v1/envs/e1/feature-flags?name=a+b%26c&tags=x&tags=y&isArchived=false&pageSize=50",
    );
  });

  test("send a JSON body on DELETE when given (flag delete carries a comment)", async () => {
    server.reset((_q, res) => ok(res, true));
    await call({ method: "DELETE", path: "/envs/e1/feature-flags/a", body: { comment: "bye" } });
    expect(server.requests[0].headers["content-type"]).toBe("application/json");
    expect(JSON.parse(server.requests[0].body)).toEqual({ comment: "bye" });
  });
});

describe("successful envelopes", () => {
  const Project = z.object({ id: z.string(), environments: z.array(z.object({ key: z.string() })) });

  test("return `data` parsed with the request's schema", async () => {
    server.reset((_q, res) => ok(res, { id: "p1", environments: [{ key: "dev", extra: 1 }] }));
    await expect(
      transport.request({ method: "GET", path: "/projects/p1", schema: Project }),
    ).resolves.toEqual({
      id: "p1",
      environments: [{ key: "dev" }],
    });
  });

  test("the recorded 200 `data: true` envelope parses as a boolean", async () => {
    server.reset((_q, res) =>
      reply(res, 200, '{"success":true,"errors":[],"data":true}', {
        "api-supported-versions": "1.0, 2.0",
        "Content-Type": "application/json; charset=utf-8",
      }),
    );
    await expect(transport.request({ method: "PUT", path: "/x", schema: z.boolean() })).resolves.toBe(true);
  });

  test("a `data` that fails its schema is a protocol error naming the field path", async () => {
    server.reset((_q, res) => ok(res, { id: "p1", environments: [{ key: 42 }] }));
    const e = await apiFailure(
      transport.request({ method: "GET", path: "/projects/p1", schema: Project, subject: "project p1" }),
    );
    expect(e.kind).toBe("protocol");
    expect(e.status).toBe(200);
    expect(e.message).toContain("data.environments[0].key: expected string");
    expect(e.message).not.toContain("42");
    expect(e.ambiguous).toBe(false);
  });

  test("a schema mismatch after a write is ambiguous: the write was applied", async () => {
    server.reset((_q, res) => ok(res, { id: 7 }));
    const e = await apiFailure(
      transport.request({ method: "POST", path: "/projects", schema: Project, body: {} }),
    );
    expect(e.kind).toBe("protocol");
    expect(e.ambiguous).toBe(true);
    expect(e.message).toContain("read it back");
  });
});

interface Case {
  name: string;
  method?: HttpMethod;
  subject?: string;
  status: number;
  body: string;
  headers?: Record<string, string>;
  kind: string;
  codes?: string[];
  says: string[];
  ambiguous?: boolean;
}

const JSON_CT = { "Content-Type": "application/json; charset=utf-8" };
const env = (...codes: string[]) => JSON.stringify({ success: false, errors: codes, data: null });

/** FeatBit's own recorded responses (see the fixture's provenance), served with their recorded headers. */
interface Recording {
  file: string;
  status: number;
  headers: Record<string, string>;
  contentLength: number;
  value: { success: boolean; errors: string[]; data: unknown };
}
const recorded = (recordings as unknown as { recordings: Recording[] }).recordings;
/** The wire body in FeatBit's declaration order (Verify's snapshots sort properties alphabetically). */
const wireBody = (r: Recording) =>
  JSON.stringify({ success: r.value.success, errors: r.value.errors, data: r.value.data });
const fromRecording = (file: string, c: Omit<Case, "status" | "body" | "headers">): Case => {
  const r = recorded.find((x) => x.file.endsWith(file));
  if (!r) throw new Error(`no recording ${file}`);
  return { ...c, status: r.status, body: wireBody(r), headers: r.headers };
};

const cases: Case[] = [
  fromRecording("BasicControllerTests.NeedAuthentication.verified.txt", {
    name: "recorded 401 Unauthorized (WWW-Authenticate: Bearer)",
    kind: "unauthorized",
    codes: ["Unauthorized"],
    says: ["featbit:accessToken", "FEATBIT_ACCESS_TOKEN", "featbit:apiUrl", "without 'Bearer'"],
  }),
  fromRecording("BasicControllerTests.NeedLicense.verified.txt", {
    name: "recorded 403 license envelope",
    kind: "forbidden",
    codes: ["Forbidden"],
    says: ["the access token lacks permission, or the target does not exist"],
  }),
  fromRecording("BasicControllerTests.HandleException.verified.txt", {
    name: "recorded 500 with no-cache headers",
    kind: "server",
    codes: ["InternalServerError"],
    says: ["internal error", "(FeatBit: InternalServerError)", "HTTP 500"],
  }),
  fromRecording("IdentityControllerTests.LoginByEmail_RequestValidation.verified.txt", {
    name: "recorded 400 with two validation codes",
    method: "POST",
    kind: "validation",
    codes: ["email_is_required", "password_is_required"],
    says: ["email is required; password is required"],
  }),
  fromRecording("UserControllerTests.GetUserProfile_NotExist.verified.txt", {
    name: "recorded 404 ResourceNotFound",
    subject: "feature flag 'checkout' in environment e1",
    kind: "not-found",
    codes: ["ResourceNotFound"],
    says: [
      "Reading feature flag 'checkout' in environment e1 failed: feature flag 'checkout' in environment e1 was not found",
    ],
  }),
  {
    name: "403 with an empty body (endpoint not open to access tokens)",
    status: 403,
    body: "",
    kind: "forbidden",
    says: ["this endpoint is not open to access tokens"],
  },
  {
    name: "404 with an empty body (no such route)",
    status: 404,
    body: "",
    kind: "not-found",
    says: ["no such route: check featbit:apiUrl"],
  },
  {
    name: "405 with an empty body",
    method: "PATCH",
    status: 405,
    body: "",
    kind: "protocol",
    says: ["does not accept PATCH"],
  },
  {
    name: "409 Conflict (stale revision)",
    method: "PUT",
    subject: "feature flag 'checkout' in environment e1",
    status: 409,
    body: env("Conflict"),
    kind: "conflict",
    codes: ["Conflict"],
    says: ["feature flag 'checkout' in environment e1 changed since it was read (stale revision)"],
    ambiguous: false,
  },
  {
    name: "422 KeyHasBeenUsed on a flag create",
    method: "POST",
    subject: "feature flag 'checkout' in environment 0f2c",
    status: 422,
    body: env("KeyHasBeenUsed"),
    kind: "business",
    codes: ["KeyHasBeenUsed"],
    says: [
      "a feature flag with key 'checkout' already exists in environment 0f2c",
      "(FeatBit: KeyHasBeenUsed)",
    ],
    ambiguous: false,
  },
  {
    name: "422 KeyHasBeenUsed on an environment create",
    method: "POST",
    subject: "environment 'prod' in project p1",
    status: 422,
    body: env("KeyHasBeenUsed"),
    kind: "business",
    says: ["an environment with key 'prod' already exists in project p1"],
  },
  {
    name: "422 NameHasBeenUsed",
    method: "POST",
    subject: "project 'web'",
    status: 422,
    body: env("NameHasBeenUsed"),
    kind: "business",
    says: ["another project already has this name"],
  },
  {
    name: "422 CannotDeleteUnarchivedFeatureFlag",
    method: "DELETE",
    subject: "feature flag 'checkout' in environment e1",
    status: 422,
    body: env("CannotDeleteUnarchivedFeatureFlag"),
    kind: "business",
    says: ["feature flag 'checkout' in environment e1 must be archived before it can be deleted"],
  },
  {
    name: "422 CannotDeleteUnArchivedSegment",
    method: "DELETE",
    subject: "segment s1 in environment e1",
    status: 422,
    body: env("CannotDeleteUnArchivedSegment"),
    kind: "business",
    says: ["segment s1 in environment e1 must be archived before it can be deleted"],
  },
  {
    name: "422 SegmentIsBeingUsed",
    method: "PUT",
    subject: "segment s1 in environment e1",
    status: 422,
    body: env("SegmentIsBeingUsed"),
    kind: "business",
    says: ["still used by feature flag targeting"],
  },
  {
    name: "422 CannotModifySysManagedPolicy",
    method: "PUT",
    status: 422,
    body: env("CannotModifySysManagedPolicy"),
    kind: "business",
    says: ["built-in (system-managed) policies cannot be changed"],
  },
  {
    name: "422 Unauthorized (license)",
    method: "POST",
    status: 422,
    body: env("Unauthorized"),
    kind: "business",
    says: ["license does not include this feature", "shareable-segment"],
  },
  {
    name: "400 key_is_invalid",
    method: "POST",
    status: 400,
    body: env("key_is_invalid", "NotEmptyValidator"),
    kind: "validation",
    says: ["key is invalid: keys are 1-128 characters", "variations"],
  },
  {
    name: "400 application/problem+json",
    method: "POST",
    status: 400,
    body: JSON.stringify({
      type: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
      title: "One or more validation errors occurred.",
      status: 400,
      errors: {
        "$.isEnabled": ["The JSON value could not be converted to System.Boolean. Path: $.isEnabled"],
      },
      traceId: "00-abc-def-00",
    }),
    headers: { "Content-Type": "application/problem+json; charset=utf-8" },
    kind: "validation",
    says: ["$.isEnabled: The JSON value could not be converted"],
  },
  {
    name: "200 success:false from a JSON patch",
    method: "PATCH",
    status: 200,
    body: env("The target location specified by path segment 'nope' was not found."),
    kind: "business",
    codes: ["The target location specified by path segment 'nope' was not found."],
    says: ["FeatBit refused the request", "path segment 'nope'"],
    ambiguous: false,
  },
  {
    name: "200 success:false EmailPasswordMismatch",
    method: "POST",
    status: 200,
    body: env("EmailPasswordMismatch"),
    kind: "business",
    codes: ["EmailPasswordMismatch"],
    says: ["(FeatBit: EmailPasswordMismatch)"],
  },
  {
    name: "200 with an HTML page (UI URL configured)",
    status: 200,
    body: "<!doctype html><html><head><title>FeatBit</title></head><body><app-root></app-root></body></html>",
    headers: { "Content-Type": "text/html" },
    kind: "protocol",
    says: ['got an HTML page ("FeatBit")', "FeatBit UI"],
  },
  {
    name: "200 with truncated JSON",
    method: "PUT",
    status: 200,
    body: '{"success":true,"errors":[],"da',
    kind: "protocol",
    says: ["not valid JSON", '{"success":true,"errors":[],"da'],
    ambiguous: true,
  },
  {
    name: "200 with JSON that is not the envelope",
    status: 200,
    body: '{"id":"p1"}',
    kind: "protocol",
    says: ["not FeatBit's {success, errors, data} envelope"],
  },
  {
    name: "502 HTML page from nginx",
    status: 502,
    body: "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>",
    headers: { "Content-Type": "text/html" },
    kind: "server",
    says: ["FeatBit is unavailable (HTTP 502", '"502 Bad Gateway"'],
  },
  {
    name: "504 on a write is ambiguous",
    method: "PUT",
    status: 504,
    body: "",
    kind: "server",
    says: ["HTTP 504", "may have been applied"],
    ambiguous: true,
  },
  {
    name: "500 on a write is ambiguous",
    method: "POST",
    status: 500,
    body: env("InternalServerError"),
    kind: "server",
    ambiguous: true,
    says: ["read it back"],
  },
  {
    name: "422 on a write is not ambiguous",
    method: "POST",
    status: 422,
    body: env("MetricIsBeingUsedByExperiment"),
    kind: "business",
    says: ["used by an experiment"],
    ambiguous: false,
  },
  {
    name: "302 redirect is reported, not followed",
    status: 302,
    body: "",
    headers: { Location: "https://elsewhere.example.com/api/v1/projects" },
    kind: "protocol",
    says: ["redirected to https://elsewhere.example.com", "featbit:apiUrl"],
  },
  {
    name: "a proxy page that echoes the request headers",
    status: 403,
    body: `<html><body>Request headers: Authorization: ${TOKEN} X: ${TOKEN}</body></html>`,
    headers: { "Content-Type": "text/html" },
    kind: "forbidden",
    says: ["[REDACTED]", "refused by FeatBit or a proxy"],
  },
];

describe("failures", () => {
  test.each(cases)("$name", async (c) => {
    server.reset((_q, res) => reply(res, c.status, c.body, c.headers ?? JSON_CT));
    const method = c.method ?? "GET";
    const e = await apiFailure(
      call({ method, path: "/some/path", subject: c.subject, body: method === "GET" ? undefined : {} }),
    );
    expect(server.requests).toHaveLength(1);
    expect(e.kind).toBe(c.kind);
    expect(e.status).toBe(c.status);
    expect(e.method).toBe(method);
    expect(e.path).toBe("/some/path");
    if (c.codes) expect(e.codes).toEqual(c.codes);
    for (const s of c.says) expect(e.message).toContain(s);
    expect(e.message).toContain(`${method} /api/v1/some/path`);
    expect(e.ambiguous).toBe(c.ambiguous ?? false);
  });

  test("bodies rebuilt from FeatBit's recordings match the recorded Content-Length byte for byte", () => {
    expect(recorded).toHaveLength(5);
    for (const r of recorded) expect(Buffer.byteLength(wireBody(r))).toBe(r.contentLength);
  });

  test("a server-echoed token in FeatBit's own error codes is redacted too", async () => {
    server.reset((_q, res) => reply(res, 200, env(`bad token ${TOKEN}`)));
    const e = await apiFailure(call({ method: "PATCH", body: [] }));
    expect(e.codes[0]).toBe("bad token [REDACTED]");
  });
});

describe("a configured token that does not look like one", () => {
  // Accepted by the settings (it starts with "api-"), but too short and too odd for the credential patterns of
  // redact.ts: only the literal value, which the transport was given, can hide it.
  const PLAIN = "api-Sh0rt!~tok#9";

  test.each([
    ["a proxy page echoing it", 502, `<html><title>Bad gateway for ${PLAIN}</title></html>`, "text/html"],
    [
      "FeatBit's error codes echoing it",
      200,
      JSON.stringify({ success: false, errors: [`bad ${PLAIN}`] }),
      "application/json",
    ],
    ["an error body echoing it", 500, `upstream rejected key=${PLAIN}`, "text/plain"],
  ])("is scrubbed from the error when %s", async (_what, status, body, contentType) => {
    const plain = createTransport(settingsFor(server.origin, { maxRetries: 0, accessToken: PLAIN }), FAST);
    server.reset((_q, res) => reply(res, status, body, { "Content-Type": contentType }));
    let caught: unknown;
    try {
      await plain.request({ method: "PATCH", path: "/x", body: [], schema: z.unknown() });
    } catch (e) {
      caught = e;
    }
    expect(server.requests[0]?.headers.authorization).toBe(PLAIN);
    expectNoSecret(caught, PLAIN);
  });
});
