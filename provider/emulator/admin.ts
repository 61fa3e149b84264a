// The emulator's own controls, outside FeatBit's API (never under /api/): fault injection, the
// request log and seeding of what an access token cannot create (pending schedules and change
// requests). Only the emulator's own token — the first one, printed at start — may use them.
import { parseFaultSpec, ruleToJson, type FaultRule } from "./faults";
import type { Reply } from "./http";
import { seedPendingChange, PendingSeedError } from "./pending";
import type { IncomingCall, PipelineDeps } from "./pipeline";

export const ADMIN_PREFIX = "/_emulator";

export function isAdminPath(path: string): boolean {
  return path === ADMIN_PREFIX || path.startsWith(ADMIN_PREFIX + "/");
}

const json = (status: number, body: unknown): Reply => ({
  status,
  headers: { "Content-Type": "application/json; charset=utf-8" },
  body: JSON.stringify(body),
});

const failure = (status: number, error: string): Reply => json(status, { error });

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function parseBody(call: IncomingCall): unknown {
  if (call.body.trim() === "") return {};
  try {
    return JSON.parse(call.body) as unknown;
  } catch {
    // A plain-text body is a compact fault spec (curl --data '503=0.2').
    return { spec: call.body };
  }
}

/** `{spec?, rules?, seed?}`, a bare rule or a bare array of rules. */
function faultsFrom(body: unknown): { rules: FaultRule[]; seed?: number } {
  if (Array.isArray(body)) return { rules: parseFaultSpec(JSON.stringify(body)) };
  if (!isRecord(body))
    throw new Error("expected a JSON object { spec?, rules?, seed? } or an array of rules");
  if (body.spec === undefined && body.rules === undefined && body.seed === undefined)
    return { rules: parseFaultSpec(JSON.stringify(body)) };
  const rules: FaultRule[] = [];
  if (body.spec !== undefined) {
    if (typeof body.spec !== "string") throw new Error("spec: a string");
    rules.push(...parseFaultSpec(body.spec));
  }
  if (body.rules !== undefined) rules.push(...parseFaultSpec(JSON.stringify(body.rules)));
  if (body.seed !== undefined && (typeof body.seed !== "number" || !Number.isSafeInteger(body.seed)))
    throw new Error("seed: an integer");
  return { rules, seed: body.seed as number | undefined };
}

export function adminReply(deps: PipelineDeps, call: IncomingCall): Reply {
  const own = deps.store.state.tokens[0]?.token;
  if (!call.authorization) return failure(401, "send the emulator's token in Authorization");
  if (own === undefined || call.authorization !== own)
    return failure(403, "only the emulator's own token (the first one, printed at start) may use /_emulator");

  const path = new URL(call.url, "http://emulator").pathname.replace(/\/$/, "");
  const { faults, log } = deps;
  const faultList = () =>
    json(200, { rules: faults.list().map((f) => ({ ...ruleToJson(f.rule), remaining: f.remaining })) });
  try {
    switch (`${call.method} ${path.slice(ADMIN_PREFIX.length)}`) {
      case "GET /faults":
        return faultList();
      case "POST /faults":
      case "PUT /faults": {
        const { rules, seed } = faultsFrom(parseBody(call));
        if (call.method === "PUT") faults.clear();
        if (seed !== undefined) faults.seed(seed);
        rules.forEach((r) => faults.add(r));
        return faultList();
      }
      case "DELETE /faults":
        faults.clear();
        return faultList();
      case "GET /requests":
        return json(200, { requests: log });
      case "DELETE /requests":
        log.splice(0);
        return json(200, { requests: [] });
      case "POST /tokens": {
        const body = parseBody(call);
        const token = isRecord(body) && typeof body.token === "string" ? body.token : undefined;
        return json(200, { token: deps.tokens.add({ token }) });
      }
      case "PUT /tokens/status": {
        const body = parseBody(call);
        if (
          !isRecord(body) ||
          typeof body.token !== "string" ||
          (body.status !== "Active" && body.status !== "Inactive")
        )
          throw new Error('expected {"token": "<token>", "status": "Active" | "Inactive"}');
        deps.tokens.setStatus(body.token, body.status);
        return json(200, { token: body.token, status: body.status });
      }
      case "GET /insights":
        return json(200, { insights: deps.insights });
      case "DELETE /insights":
        deps.insights.splice(0);
        return json(200, { insights: [] });
      case "GET /pending-changes":
        return json(200, {
          schedules: deps.store.state.flagSchedules,
          changeRequests: deps.store.state.flagChangeRequests,
          drafts: deps.store.state.flagDrafts,
        });
      case "POST /pending-changes": {
        const created = seedPendingChange(deps.store, parseBody(call));
        deps.persist();
        return json(200, created);
      }
      case "DELETE /pending-changes": {
        const { state } = deps.store;
        state.flagSchedules = [];
        state.flagChangeRequests = [];
        state.flagDrafts = [];
        deps.persist();
        return json(200, { schedules: [], changeRequests: [], drafts: [] });
      }
      default:
        return failure(404, `no such emulator control: ${call.method} ${path}`);
    }
  } catch (e) {
    if (e instanceof PendingSeedError || e instanceof Error) return failure(400, e.message);
    throw e;
  }
}
