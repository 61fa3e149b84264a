// Contract between the API-area modules and the shared transport.
// The transport (retries, concurrency, envelope, redaction, errors) implements `HttpTransport`;
// area modules only describe requests and the zod schema of the `data` they expect.
import type { z } from "zod";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE" | "PATCH";

export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface ApiRequest<T> {
  method: HttpMethod;
  /** Path below `/api/v1`, starting with "/", with path segments already URL-encoded. */
  path: string;
  query?: Readonly<Record<string, QueryValue>>;
  body?: unknown;
  /** Schema of the envelope's `data` on success. */
  schema: z.ZodType<T>;
  /**
   * What the call acts on, in words, used to build messages a person can act on,
   * e.g. "feature flag 'checkout' in environment 0f2c…".
   */
  subject?: string;
}

export interface HttpTransport {
  request<T>(req: ApiRequest<T>): Promise<T>;
}

/** Encodes one path segment (flag keys may contain '.', which is safe, but never '/'). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
