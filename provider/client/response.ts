// Turns one HTTP response into either the envelope's `data` or a described failure. This is where
// FeatBit's status codes and error codes become advice a person can act on; the transport decides
// what to retry and builds the thrown error.
import { z } from "zod";
import { describeIssues } from "./common";
import type { ErrorKind } from "./errors";
import { excerpt } from "./redact";
import type { ApiRequest, HttpMethod } from "./transport";

/** What went wrong with one attempt, before retry policy and redaction are applied. */
export interface Failure {
  kind: ErrorKind;
  status?: number;
  codes: string[];
  /** Advice for a person, without the "<action> failed:" lead-in or the trailer. */
  advice: string;
  /** A write that failed this way may nevertheless have been applied. */
  mayHaveApplied: boolean;
  /** Worth retrying a GET (or, for 429, any request). */
  transient: boolean;
  /** Server-requested wait from Retry-After, if any. */
  retryAfterMs?: number;
}

export type Outcome<T> = { ok: true; data: T } | { ok: false; failure: Failure };

export interface RawResponse {
  status: number;
  headers: Readonly<Record<string, string | undefined>>;
  body: string;
}

export interface MessageContext {
  apiUrl: string;
  secrets: readonly string[];
  now: () => number;
}

const Envelope = z.object({
  success: z.boolean(),
  errors: z.array(z.string()).nullish(),
  data: z.unknown(),
});

/** ASP.NET Core's ValidationProblemDetails, sent for bodies that cannot be bound (wrong JSON types). */
const ProblemDetails = z.object({
  title: z.string().optional(),
  errors: z.record(z.string(), z.array(z.string())),
});

const NOT_JSON = Symbol("not-json");

export function interpretResponse<T>(req: ApiRequest<T>, res: RawResponse, ctx: MessageContext): Outcome<T> {
  const { status, body } = res;
  const json = parseJson(body);
  const envelope = json === NOT_JSON ? undefined : Envelope.safeParse(json).data;
  const codes = envelope?.errors ?? [];
  const fail = (
    f: Omit<Failure, "codes" | "transient" | "mayHaveApplied"> & Partial<Failure>,
  ): Outcome<T> => ({
    ok: false,
    failure: { codes, transient: false, mayHaveApplied: false, ...f },
  });

  if (status >= 200 && status < 300) {
    if (envelope === undefined) {
      // The server answered, so a write may well have been applied behind the unreadable body.
      return fail({
        kind: "protocol",
        status,
        advice: unexpectedBody(body, json, ctx),
        mayHaveApplied: true,
      });
    }
    if (!envelope.success) {
      // 200 + success:false: a JSON-patch that could not be applied, or a wrong password.
      return fail({ kind: "business", status, advice: "FeatBit refused the request" });
    }
    const parsed = req.schema.safeParse(envelope.data);
    if (parsed.success) return { ok: true, data: parsed.data };
    return fail({
      kind: "protocol",
      status,
      advice: `FeatBit's response does not have the expected shape: ${describeIssues(parsed.error.issues, "data")}`,
      mayHaveApplied: true,
    });
  }

  if (status >= 300 && status < 400) {
    // Redirects are not followed: a cross-host redirect would carry the token to another server.
    const location = res.headers["location"];
    return fail({
      kind: "protocol",
      status,
      advice:
        `the server redirected${location ? ` to ${excerpt(location, ctx.secrets)}` : ""} instead of answering; ` +
        `set featbit:apiUrl to the address it redirects to`,
    });
  }

  const retryAfterMs = parseRetryAfter(res.headers["retry-after"], ctx.now);
  const tail =
    body.trim() === "" || envelope !== undefined ? "" : `; the response was: "${excerpt(body, ctx.secrets)}"`;
  const write = req.method !== "GET";
  switch (status) {
    case 400: {
      const problem = json === NOT_JSON ? undefined : ProblemDetails.safeParse(json).data;
      if (problem !== undefined) {
        return fail({
          kind: "validation",
          status,
          advice: `FeatBit could not read the request body: ${describeProblem(problem.errors)}`,
        });
      }
      if (envelope === undefined) {
        return fail({ kind: "protocol", status, advice: `bad request${tail}` });
      }
      return fail({
        kind: "validation",
        status,
        advice: codes.map(explainValidationCode).join("; ") || "FeatBit rejected the request as invalid",
      });
    }
    case 401:
      return fail({
        kind: "unauthorized",
        status,
        advice:
          `FeatBit rejected the access token: check that featbit:accessToken (or FEATBIT_ACCESS_TOKEN) is an active ` +
          `access token of the FeatBit instance at featbit:apiUrl (${ctx.apiUrl}); it is sent as-is, without ` +
          `'Bearer'. After rotating a token kept in stack config: plain \`pulumi refresh\` and \`pulumi destroy\` ` +
          `use the copy Pulumi stored at the last \`pulumi up\`, so run them once with --run-program (or run ` +
          `\`pulumi up\`); a token given as FEATBIT_ACCESS_TOKEN is never stored${tail}`,
      });
    case 403:
      if (body.trim() === "") {
        return fail({
          kind: "forbidden",
          status,
          advice: "this endpoint is not open to access tokens (FeatBit allows it only for signed-in users)",
        });
      }
      if (codes.includes("Forbidden")) {
        return fail({
          kind: "forbidden",
          status,
          advice:
            "the access token lacks permission, or the target does not exist (FeatBit answers 403 rather than " +
            "404 for a missing project, environment, flag or segment on many endpoints)",
        });
      }
      return fail({
        kind: "forbidden",
        status,
        advice: `refused by FeatBit or a proxy in front of it${tail}`,
      });
    case 404:
      if (codes.includes("ResourceNotFound")) {
        return fail({ kind: "not-found", status, advice: `${req.subject ?? "the resource"} was not found` });
      }
      return fail({
        kind: "not-found",
        status,
        advice:
          `no such route: check featbit:apiUrl (${ctx.apiUrl}) points at the FeatBit API rather than the UI, ` +
          `and that ids in the path are GUIDs${tail}`,
      });
    case 405:
      return fail({
        kind: "protocol",
        status,
        advice: `the server does not accept ${req.method} here: check featbit:apiUrl (${ctx.apiUrl}) points at the FeatBit API${tail}`,
      });
    case 409:
      return fail({
        kind: "conflict",
        status,
        advice: `${req.subject ?? "the resource"} changed since it was read (stale revision): refresh and apply again`,
      });
    case 422:
      return fail({
        kind: "business",
        status,
        advice:
          codes.map((c) => explainBusinessCode(c, req)).join("; ") || `FeatBit refused the request${tail}`,
      });
    case 429:
      // FeatBit has no rate limiter, so this comes from a gateway in front of it that did not forward the request.
      return fail({
        kind: "rate-limited",
        status,
        advice: "rate limited by a proxy or gateway in front of FeatBit",
        transient: true,
        retryAfterMs,
      });
  }

  if (status >= 500) {
    const gateway = status === 502 || status === 503 || status === 504;
    const advice = codes.includes("InternalServerError")
      ? "FeatBit hit an internal error; on some endpoints this is how it reports a target that does not exist (e.g. a deleted project)"
      : gateway
        ? `FeatBit is unavailable (HTTP ${status} from FeatBit or a proxy in front of it)${tail}`
        : `server error${tail}`;
    // Every 5xx is worth another read: a gateway's pass, and FeatBit's own 500s are not all deterministic either
    // (a database hiccup). A GET that always answers 500 (a deleted project) costs only the bounded retries.
    return fail({ kind: "server", status, advice, transient: true, retryAfterMs, mayHaveApplied: write });
  }
  return fail({ kind: "protocol", status, advice: `unexpected HTTP status ${status}${tail}` });
}

/** The "<action> failed" lead-in: what the caller was trying to do, in words. */
export function describeAction(method: HttpMethod, subject: string | undefined): string {
  const verb = { GET: "Reading", POST: "Creating", PUT: "Updating", PATCH: "Patching", DELETE: "Deleting" }[
    method
  ];
  return `${verb} ${subject ?? "a FeatBit resource"}`;
}

function parseJson(body: string): unknown {
  if (body.trim() === "") return NOT_JSON;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function unexpectedBody(body: string, json: unknown, ctx: MessageContext): string {
  if (body.trim() === "") return "the response body is empty, expected FeatBit's JSON envelope";
  if (/^\s*</.test(body)) {
    return (
      `expected FeatBit's JSON but got an HTML page ("${excerpt(body, ctx.secrets)}"): featbit:apiUrl ` +
      `(${ctx.apiUrl}) may point at the FeatBit UI or a proxy's login page instead of the API`
    );
  }
  if (json === NOT_JSON) {
    return `the response is not valid JSON (truncated by a proxy?): "${excerpt(body, ctx.secrets)}"`;
  }
  return "the response is JSON but not FeatBit's {success, errors, data} envelope";
}

function describeProblem(errors: Record<string, string[]>): string {
  const text = Object.entries(errors)
    .map(([field, messages]) => `${field}: ${messages.join(" ")}`)
    .join("; ");
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

const FIELD_HINTS: Readonly<Record<string, string>> = {
  key: "keys are 1-128 characters of letters, digits, '.', '_' and '-'",
  name: "names are 1-128 characters",
  scopes: "scopes must be a non-empty list without '*'",
  variations: "every variation needs a non-blank id and name",
  enabledVariationId: "it must be the id of one of the variations",
  disabledVariationId: "it must be the id of one of the variations",
  offVariationId: "it must be the id of one of the variations",
  variationType: "it must be boolean, string, number or json",
  type: "segment types are environment-specific or shared",
};

function explainValidationCode(code: string): string {
  const m = /^(.+)_is_(required|invalid)$/.exec(code);
  if (m) {
    const [, field, problem] = m;
    const hint = FIELD_HINTS[field];
    return `${field} is ${problem}${hint ? `: ${hint}` : ""}`;
  }
  if (code === "NotEmptyValidator") return "a list that must not be empty is empty (for a flag: variations)";
  return code;
}

function explainBusinessCode(code: string, req: ApiRequest<unknown>): string {
  const subject = req.subject ?? "the resource";
  const parts = /^([a-z][a-z -]*?) '([^']*)'(?: in (.+))?$/i.exec(subject);
  const where = parts?.[3] ? ` in ${parts[3]}` : "";
  switch (code) {
    case "KeyHasBeenUsed":
      if (parts) {
        const [, noun, key] = parts;
        const article = /^[aeiou]/i.test(noun) ? "an" : "a";
        return `${article} ${noun} with key '${key}' already exists${where}: import it, or choose another key`;
      }
      return `the key of ${subject} is already used`;
    case "NameHasBeenUsed":
      return parts
        ? `another ${parts[1]}${where} already has this name`
        : `the name of ${subject} is already used`;
    case "CannotDeleteUnarchivedFeatureFlag":
    case "CannotDeleteUnArchivedSegment":
      return `${subject} must be archived before it can be deleted`;
    case "SegmentIsBeingUsed":
      return `${subject} is still used by feature flag targeting; remove those references first`;
    case "CannotModifySysManagedPolicy":
      return "built-in (system-managed) policies cannot be changed";
    case "Unauthorized":
      return "the workspace license does not include this feature (a shared segment needs 'shareable-segment')";
    case "MetricIsBeingUsedByExperiment":
      return "the metric is used by an experiment";
    default:
      return `FeatBit refused the request`;
  }
}

/** Retry-After is either delta-seconds or an HTTP-date. */
export function parseRetryAfter(value: string | undefined, now: () => number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now());
}
