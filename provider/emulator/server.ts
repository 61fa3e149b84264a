// The HTTP pipeline, in ASP.NET's order: routing (404/405) → authentication (401) → permission
// attribute (403 envelope) → [OpenApi] gate (403 empty) → binding (400 problem) → validation (400)
// → handler. Faults wrap the whole pipeline; nothing a client sends can take the process down.
import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate, isAllowed, resolveRN } from "./auth";
import { Query } from "./binding";
import { adminReply, isAdminPath } from "./admin";
import { DEFAULT_HOLD_MS, faultCode } from "./faults";
import {
  ApiError,
  empty,
  envelope,
  FailedAfterSave,
  internal,
  middlewareError,
  ok,
  ProblemError,
  UnsupportedMediaType,
  type Reply,
} from "./http";
import { makeCtxBody, Raw, type Ctx } from "./router";
import { EMPTY_GUID } from "./ids";
import type { IncomingCall, PipelineDeps } from "./pipeline";
import { isSdkPath, sdkReply } from "./sdk";
import type { Store } from "./store";

const MAX_BODY = 16 * 1024 * 1024;
/** Keeps a long-running CLI session from growing without bound; tests clear the log long before. */
const MAX_LOG = 100_000;

/** `application/json`, `text/json` and `application/*+json`, as ASP.NET's JSON input formatter accepts. */
function isJson(contentType: string | undefined): boolean {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  return type === "application/json" || type === "text/json" || /^application\/[\w.+-]*\+json$/.test(type);
}

export function dispatch(deps: PipelineDeps, call: IncomingCall): Reply {
  const reply = answer(deps, call);
  // CORS: any origin is reflected, with credentials (FeatBit's single default policy).
  if (call.origin === undefined) return reply;
  const cors = {
    "Access-Control-Allow-Origin": call.origin,
    "Access-Control-Allow-Credentials": "true",
    Vary: "Origin",
  };
  return { ...reply, headers: { ...reply.headers, ...cors } };
}

function answer(deps: PipelineDeps, call: IncomingCall): Reply {
  const { store, router } = deps;
  const { method, authorization } = call;
  const rawBody = call.body;
  const url = new URL(call.url, "http://emulator");
  if (method === "OPTIONS" && call.origin !== undefined) {
    return empty(204, {
      "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, PATCH",
      "Access-Control-Allow-Headers": "Authorization, Content-Type, Organization, Workspace",
    });
  }
  if (method === "GET" && /^\/health\/(liveness|readiness)\/?$/i.test(url.pathname)) {
    return { status: 200, headers: { "Content-Type": "text/plain" }, body: "Healthy" };
  }

  // The evaluation server's SDK endpoints: authenticated by an environment's secret, not an access token.
  if (isSdkPath(url.pathname)) return sdkReply(store, call, deps.insights);

  const match = router.match(method, url.pathname);
  if (match.kind === "notFound") return empty(404);
  if (match.kind === "methodNotAllowed") return empty(405, { Allow: match.allow.join(", ") });
  const { route, params } = match;

  const caller = authenticate(store, authorization);
  if (!caller && !route.anonymous)
    return middlewareError(401, "Unauthorized", { "WWW-Authenticate": "Bearer" });
  if (
    caller &&
    route.permission &&
    !isAllowed(caller.statements, route.permission.name, resolveRN(store, route.permission, params))
  ) {
    return middlewareError(403, "Forbidden");
  }
  // License attributes are authorization policies too, so their 403 envelope also comes before the
  // [OpenApi] gate's empty 403. No license verifies for the emulated workspace, so the check always fails.
  if (caller && route.license !== undefined) return middlewareError(403, "Forbidden");
  const versioned = { "api-supported-versions": "1.0" };
  // An anonymous endpoint still authenticates a token that is sent, and the [OpenApi] gate then applies.
  if (!route.openApi && caller) return empty(403, versioned);
  const who = caller ?? { id: EMPTY_GUID, statements: [] };

  // Handlers validate before they mutate, but an unexpected exception half-way must not leave a
  // half-applied write behind (e.g. a project without its environments).
  const checkpoint = method === "GET" ? undefined : store.checkpoint();
  try {
    const ctx: Ctx = {
      store,
      params,
      query: new Query(url.searchParams),
      json: (optional = false) => {
        const nothingSent = rawBody === "";
        if (!isJson(call.contentType) && !(optional && nothingSent)) throw new UnsupportedMediaType();
        return rawBody;
      },
      caller: who,
      can: (permission, rn) => isAllowed(who.statements, permission, rn),
      body: makeCtxBody((optional) => ctx.json(optional)),
    };
    const result = route.handle(ctx);
    const reply = result instanceof Raw ? result.reply : ok(result);
    return { ...reply, headers: { ...versioned, ...reply.headers } };
  } catch (e) {
    if (!(e instanceof FailedAfterSave)) checkpoint?.restore();
    const reply =
      e instanceof ApiError
        ? e.toReply()
        : e instanceof ProblemError || e instanceof UnsupportedMediaType
          ? e.toReply(traceId(store))
          : internal().toReply();
    return { ...reply, headers: { ...versioned, ...reply.headers } };
  }
}

function traceId(store: Store): string {
  const hex = (n: number) => store.random.bytes(n).toString("hex");
  return `00-${hex(16)}-${hex(8)}-00`;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on("end", () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function write(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  res.writeHead(reply.status, { ...reply.headers, "Content-Length": Buffer.byteLength(reply.body) });
  res.end(reply.body);
}

export function requestListener(deps: PipelineDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(deps, req, res).catch(() => {
      // Last line of defence: a failure here is an emulator bug, never a reason to exit.
      if (!res.headersSent) write(res, internal().toReply());
      else res.destroy();
    });
  };
}

function incoming(req: IncomingMessage, method: string, body: string): IncomingCall {
  return {
    method,
    url: req.url ?? "/",
    authorization: headerValue(req.headers.authorization),
    contentType: headerValue(req.headers["content-type"]),
    origin: headerValue(req.headers.origin),
    body,
  };
}

async function handle(deps: PipelineDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = (req.method ?? "GET").toUpperCase();
  const path = new URL(req.url ?? "/", "http://emulator").pathname;
  // The emulator's own controls are neither faulted nor logged: a chaos run must be able to steer
  // and observe the server whatever faults are active.
  if (isAdminPath(path)) {
    const body = await readBody(req);
    write(res, body === undefined ? empty(413) : adminReply(deps, incoming(req, method, body)));
    return;
  }
  const logged = (status: number) => {
    deps.log.push({ method, path, status, at: Date.now() });
    if (deps.log.length > MAX_LOG) deps.log.splice(0, deps.log.length - MAX_LOG);
  };

  const fault = deps.faults.pick(method, path);
  if (fault?.reset === "before" || fault?.respond) {
    if (fault.latencyMs && !(await deps.wait(fault.latencyMs))) return;
  }
  if (fault?.reset === "before") {
    logged(0);
    req.socket.destroy();
    return;
  }
  if (fault?.respond) {
    const { status, retryAfter } = fault.respond;
    const headers: Record<string, string> = { "Content-Type": "application/json; charset=utf-8" };
    if (retryAfter !== undefined) headers["Retry-After"] = retryAfter;
    req.resume();
    write(res, { status, headers, body: envelope(false, [faultCode(status)], null) });
    logged(status);
    return;
  }

  const body = await readBody(req);
  // The request has arrived: from here on it is applied even if the client stops waiting, as a slow
  // or stuck server would apply it.
  if (fault?.latencyMs && !(await deps.wait(fault.latencyMs))) return;
  if (fault?.reset === "timeout" && !(await deps.wait(fault.holdMs ?? DEFAULT_HOLD_MS))) return;
  const reply = body === undefined ? empty(413) : dispatch(deps, incoming(req, method, body));
  if (deps.store.dirty) {
    deps.store.dirty = false;
    deps.persist();
    deps.changed();
  }
  if (fault?.reset === "after" || fault?.reset === "timeout") {
    logged(0);
    req.socket.destroy();
    return;
  }
  write(res, reply);
  logged(reply.status);
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
