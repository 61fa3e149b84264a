// What handlers produce and how errors map to FeatBit's responses (§3 of the API reference).

export interface Reply {
  status: number;
  headers: Record<string, string>;
  /** Already serialized; empty string for the body-less 403/404/405 answers. */
  body: string;
}

const JSON_TYPE = "application/json; charset=utf-8";

/** Headers ASP.NET's exception handler adds; clients should see them on every mapped exception. */
const NO_CACHE = { "Cache-Control": "no-store, no-cache", Pragma: "no-cache", Expires: "-1" };

/** Wire order matters to byte-comparing clients: success, errors, data. */
export function envelope(success: boolean, errors: string[], data: unknown): string {
  return JSON.stringify({ success, errors, data: data === undefined ? null : data });
}

export function ok(data: unknown): Reply {
  return { status: 200, headers: { "Content-Type": JSON_TYPE }, body: envelope(true, [], data) };
}

/**
 * The JSON-patch endpoints' failure: HTTP 200 with `Error<bool>(message)` (Api/Controllers/
 * ApiControllerBase.cs, ApiResponse.cs), whose `data` is `default(bool)`, i.e. false, not null.
 */
export function patchFailure(message: string): Reply {
  return { status: 200, headers: { "Content-Type": JSON_TYPE }, body: envelope(false, [message], false) };
}

export function empty(status: number, headers: Record<string, string> = {}): Reply {
  return { status, headers, body: "" };
}

/** Envelope error produced outside the exception handler (authentication/authorization middleware). */
export function middlewareError(status: number, code: string, headers: Record<string, string> = {}): Reply {
  return { status, headers: { "Content-Type": JSON_TYPE, ...headers }, body: envelope(false, [code], null) };
}

/** Errors a handler throws; mirrors FeatBit's exception → status mapping. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly codes: string[],
  ) {
    super(codes.join(", "));
  }

  toReply(): Reply {
    return {
      status: this.status,
      headers: { "Content-Type": JSON_TYPE, ...NO_CACHE },
      body: envelope(false, this.codes, null),
    };
  }
}

/**
 * A 500 raised by a save that came after other saves of the same request had committed (FeatBit
 * calls SaveChanges once per repository call): the pipeline must keep what already landed.
 */
export class FailedAfterSave extends ApiError {
  constructor() {
    super(500, ["InternalServerError"]);
  }
}

export const notFound = (): ApiError => new ApiError(404, ["ResourceNotFound"]);
export const forbidden = (): ApiError => new ApiError(403, ["Forbidden"]);
export const conflict = (): ApiError => new ApiError(409, ["Conflict"]);
export const business = (code: string): ApiError => new ApiError(422, [code]);
export const internal = (): ApiError => new ApiError(500, ["InternalServerError"]);

/** A body sent as something other than JSON: the input formatter refuses it before binding. */
export class UnsupportedMediaType extends Error {
  toReply(traceId: string): Reply {
    return {
      status: 415,
      headers: { "Content-Type": "application/problem+json; charset=utf-8" },
      body: JSON.stringify({
        type: "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        title: "Unsupported Media Type",
        status: 415,
        traceId,
      }),
    };
  }
}

/** ASP.NET model-binding failure: 400 ValidationProblemDetails, not the envelope. */
export class ProblemError extends Error {
  constructor(readonly errors: Record<string, string[]>) {
    super("One or more validation errors occurred.");
  }

  toReply(traceId: string): Reply {
    return {
      status: 400,
      headers: { "Content-Type": "application/problem+json; charset=utf-8" },
      body: JSON.stringify({
        type: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        title: "One or more validation errors occurred.",
        status: 400,
        errors: this.errors,
        traceId,
      }),
    };
  }
}
