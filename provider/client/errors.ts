// Errors thrown by the client. They are plain data plus a message: nothing in them refers to the
// HTTP library's request, config or headers, so serialising or inspecting an error cannot leak the
// access token.
import { redact } from "./redact";

export type ErrorKind =
  | "validation"
  | "unauthorized"
  | "forbidden"
  | "not-found"
  | "conflict"
  | "business"
  | "server"
  | "rate-limited"
  | "network"
  | "timeout"
  | "protocol";

export interface FeatBitApiErrorInit {
  message: string;
  /** The message without its "<action> failed:" lead-in and read-back advice (for callers that say those). */
  detail?: string;
  kind: ErrorKind;
  status?: number;
  codes?: readonly string[];
  method: string;
  path: string;
  ambiguous?: boolean;
  attempts?: number;
}

export class FeatBitApiError extends Error {
  override readonly name = "FeatBitApiError";
  /** HTTP status, or undefined when no response arrived (network error, timeout). */
  readonly status: number | undefined;
  /** FeatBit's error codes from the response envelope, e.g. ["KeyHasBeenUsed"]. */
  readonly codes: string[];
  readonly method: string;
  /** Request path below /api/v1, without the query string. */
  readonly path: string;
  readonly kind: ErrorKind;
  /** true when a write may have been applied (timeout/reset after sending, 5xx on a write): caller must read back. */
  readonly ambiguous: boolean;
  /** How many HTTP attempts were made before giving up. */
  readonly attempts: number;
  /** What FeatBit answered and what to do, without the lead-in: resources put their own operation in front. */
  readonly detail: string;

  /** `secrets` are scrubbed from the message and codes, on top of anything shaped like a token. */
  constructor(init: FeatBitApiErrorInit, secrets: readonly string[] = []) {
    super(redact(init.message, secrets));
    this.status = init.status;
    this.codes = (init.codes ?? []).map((c) => redact(c, secrets));
    this.method = init.method;
    this.path = redact(init.path, secrets);
    this.kind = init.kind;
    this.ambiguous = init.ambiguous ?? false;
    this.attempts = init.attempts ?? 1;
    this.detail = redact(init.detail ?? init.message, secrets);
  }

  /**
   * The same failure told differently (not ambiguous any more: whoever rewords it has settled the doubt by reading).
   */
  withDetail(detail: string): FeatBitApiError {
    const { kind, status, codes, method, path, attempts } = this;
    return new FeatBitApiError({ message: detail, detail, kind, status, codes, method, path, attempts });
  }
}

/** A setting (stack config key or environment variable) is missing or invalid. */
export class FeatBitConfigError extends Error {
  override readonly name = "FeatBitConfigError";

  /** The stack config key the problem is about, e.g. "featbit:accessToken", even when the value came from an env var. */
  constructor(
    readonly setting: string,
    message: string,
    secrets: readonly string[] = [],
  ) {
    super(redact(message, secrets));
  }
}

// Duck-typed as well as instanceof: Pulumi's closure serialisation can load this module twice, and an
// error from one copy must still be recognised by the other.
export function isFeatBitApiError(e: unknown): e is FeatBitApiError {
  return (
    e instanceof FeatBitApiError ||
    (e instanceof Error && e.name === "FeatBitApiError" && typeof (e as { kind?: unknown }).kind === "string")
  );
}

export function isFeatBitConfigError(e: unknown): e is FeatBitConfigError {
  return (
    e instanceof FeatBitConfigError ||
    (e instanceof Error &&
      e.name === "FeatBitConfigError" &&
      typeof (e as { setting?: unknown }).setting === "string")
  );
}

/**
 * Whether FeatBit answered with this error code. Codes compare ignoring case: FeatBit's source spells some codes one
 * way (`CannotDeleteUnArchivedFeatureFlag` in ErrorCodes.cs) and FeatBit Cloud has been recorded answering another.
 */
export function hasCode(err: unknown, code: string): boolean {
  if (!isFeatBitApiError(err)) return false;
  const wanted = code.toLowerCase();
  return err.codes.some((c) => c.toLowerCase() === wanted);
}
