// Request-body binding with System.Text.Json's rules (web defaults): property names match
// case-insensitively, unknown properties are ignored, numbers may come as strings, and a value of the
// wrong JSON type fails the whole body with a ValidationProblemDetails keyed by its JSON path.
import { parseGuid, EMPTY_GUID } from "./ids";
import { ProblemError } from "./http";

export class BindFailure extends Error {
  constructor(
    readonly path: string,
    readonly dotnetType: string,
  ) {
    super(
      `The JSON value could not be converted to ${dotnetType}. Path: ${path} | LineNumber: 0 | BytePositionInLine: 0.`,
    );
  }
}

/** A description of one C# property type: how to read it and what it is when absent. */
export interface Desc<T> {
  read(value: unknown, path: string): T;
  absent(): T;
}

export type Infer<D> = D extends Desc<infer T> ? T : never;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** C# `string` (reference type: null allowed, numbers and booleans are not). */
export const str = (): Desc<string | null> => ({
  read(v, path) {
    if (v === null || typeof v === "string") return v;
    throw new BindFailure(path, "System.String");
  },
  absent: () => null,
});

/** C# `bool`: null is a conversion error, absence means false. */
export const bool = (): Desc<boolean> => ({
  read(v, path) {
    if (typeof v === "boolean") return v;
    throw new BindFailure(path, "System.Boolean");
  },
  absent: () => false,
});

/** C# `bool?`. */
export const optBool = (): Desc<boolean | null> => ({
  read(v, path) {
    if (v === null || typeof v === "boolean") return v;
    throw new BindFailure(path, "System.Nullable`1[System.Boolean]");
  },
  absent: () => null,
});

/** C# `double`, with JsonNumberHandling.AllowReadingFromString. */
export const num = (): Desc<number> => ({
  read(v, path) {
    if (typeof v === "number") return v;
    if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
    throw new BindFailure(path, "System.Double");
  },
  absent: () => 0,
});

/** C# `Guid`: an omitted value binds as the all-zero GUID (this is why a missing revision → 409). */
export const guid = (): Desc<string> => ({
  read(v, path) {
    const g = typeof v === "string" ? parseGuid(v) : undefined;
    if (g === undefined) throw new BindFailure(path, "System.Guid");
    return g;
  },
  absent: () => EMPTY_GUID,
});

/** Any JSON (JsonElement / object). */
export const raw = (): Desc<unknown> => ({ read: (v) => v, absent: () => null });

export function arr<T>(item: Desc<T>, dotnet = "System.Collections.Generic.ICollection"): Desc<T[] | null> {
  return {
    read(v, path) {
      if (v === null) return null;
      if (!Array.isArray(v)) throw new BindFailure(path, dotnet);
      return v.map((x, i) => item.read(x, `${path}[${i}]`));
    },
    absent: () => null,
  };
}

/** A field whose C# initializer gives it a default when absent (e.g. `= Array.Empty<string>()`). */
export function withDefault<T>(d: Desc<T>, fallback: () => T): Desc<T> {
  return { read: (v, p) => d.read(v, p), absent: fallback };
}

export type Shape = Record<string, Desc<unknown>>;
export type ObjOf<S extends Shape> = { [K in keyof S]: Infer<S[K]> };

export function obj<S extends Shape>(shape: S, dotnet = "System.Object"): Desc<ObjOf<S> | null> {
  return {
    read(v, path) {
      if (v === null) return null;
      if (!isRecord(v)) throw new BindFailure(path, dotnet);
      return readShape(shape, v, path);
    },
    absent: () => null,
  };
}

/** Like obj() but never null: for C# classes always constructed by the caller. */
function readShape<S extends Shape>(shape: S, v: Record<string, unknown>, path: string): ObjOf<S> {
  const byLower = new Map<string, string>();
  for (const k of Object.keys(v)) if (!byLower.has(k.toLowerCase())) byLower.set(k.toLowerCase(), k);
  const out: Record<string, unknown> = {};
  for (const [name, desc] of Object.entries(shape)) {
    const src = byLower.get(name.toLowerCase());
    out[name] = src === undefined ? desc.absent() : desc.read(v[src], `${path}.${src}`);
  }
  return out as ObjOf<S>;
}

/**
 * Binds a request body (already JSON-parsed text) to a shape. An absent or `null` body is
 * ASP.NET's "A non-empty request body is required." unless the body is optional.
 */
export function bindBody<S extends Shape>(shape: S, text: string, optional: boolean): ObjOf<S> {
  const parsed = parseJson(text, optional);
  if (parsed === undefined) return readShape(shape, {}, "$");
  if (!isRecord(parsed)) {
    if (parsed === null && optional) return readShape(shape, {}, "$");
    throw problem(
      "$",
      `The JSON value could not be converted to the request type. Path: $ | LineNumber: 0 | BytePositionInLine: 1.`,
    );
  }
  try {
    return readShape(shape, parsed, "$");
  } catch (e) {
    if (e instanceof BindFailure) throw problem(e.path, e.message);
    throw e;
  }
}

/** Binds a body whose C# type is a bare collection or other non-object (e.g. policy statements). */
export function bindValue<T>(desc: Desc<T>, text: string): T {
  const parsed = parseJson(text, false);
  try {
    return desc.read(parsed, "$");
  } catch (e) {
    if (e instanceof BindFailure) throw problem(e.path, e.message);
    throw e;
  }
}

/** undefined = no body at all (allowed only when optional). */
export function parseJson(text: string, optional: boolean): unknown {
  if (text.trim() === "") {
    if (optional) return undefined;
    throw problem("", "A non-empty request body is required.");
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw problem("$", `${reason} Path: $ | LineNumber: 0 | BytePositionInLine: 0.`);
  }
}

export function problem(key: string, message: string): ProblemError {
  return new ProblemError({ [key]: [message] });
}

/** Query-string binding: keys are case-insensitive; repeated keys form arrays. */
export class Query {
  private readonly values = new Map<string, string[]>();

  constructor(search: URLSearchParams) {
    for (const [k, v] of search) {
      const key = k.toLowerCase();
      const list = this.values.get(key) ?? [];
      list.push(v);
      this.values.set(key, list);
    }
  }

  string(name: string): string | undefined {
    return this.values.get(name.toLowerCase())?.[0];
  }

  /** A list's text filter: FeatBit skips a blank one (string.IsNullOrWhiteSpace) rather than matching spaces. */
  text(name: string): string | undefined {
    const v = this.string(name);
    return v === undefined || v.trim() === "" ? undefined : v;
  }

  strings(name: string): string[] {
    return this.values.get(name.toLowerCase()) ?? [];
  }

  bool(name: string): boolean | undefined {
    const v = this.string(name);
    if (v === undefined || v === "") return undefined;
    const b = parseBool(v);
    if (b === undefined) throw problem(name, `The value '${v}' is not valid for ${pascal(name)}.`);
    return b;
  }

  int(name: string, fallback: number): number {
    const v = this.string(name);
    if (v === undefined || v === "") return fallback;
    if (!/^\s*[-+]?\d+\s*$/.test(v) || !Number.isSafeInteger(Number(v))) {
      throw problem(name, `The value '${v}' is not valid for ${pascal(name)}.`);
    }
    return Number(v);
  }

  /** Unix-ms `long` filters (audit logs). */
  long(name: string): number | undefined {
    const v = this.string(name);
    if (v === undefined || v === "") return undefined;
    return this.int(name, 0);
  }

  guids(name: string): string[] {
    return this.strings(name).map((v, i) => {
      const g = parseGuid(v);
      if (g === undefined) throw problem(`${name}[${i}]`, `The value '${v}' is not valid.`);
      return g;
    });
  }
}

/** bool.TryParse: "true"/"false" in any case, surrounding whitespace allowed. */
export function parseBool(v: string): boolean | undefined {
  const t = v.trim().toLowerCase();
  return t === "true" ? true : t === "false" ? false : undefined;
}

const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
