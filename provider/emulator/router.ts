// Route table and matching with ASP.NET Core's rules: case-insensitive literals, `:guid` constraints,
// literal segments beating parameters, and 404 vs 405 depending on whether any verb matches the path.
import type { Caller, Permission } from "./auth";
import { bindBody, type ObjOf, type Query, type Shape } from "./binding";
import type { Reply } from "./http";
import { parseGuid } from "./ids";
import type { Store } from "./store";

export type Method = "GET" | "POST" | "PUT" | "DELETE" | "PATCH";

export interface Ctx {
  store: Store;
  params: Record<string, string>;
  query: Query;
  /**
   * The raw JSON body. Throws 415 when the Content-Type is not JSON, unless the body parameter is
   * optional and nothing was sent (ASP.NET only skips the input formatter in that case).
   */
  json(optional?: boolean): string;
  caller: Caller;
  /** Handler-level permission checks (list filtering, targeting diffs). */
  can(permission: string, rn: string | undefined): boolean;
  /** Binds the JSON body; `optional` for actions whose body parameter may be absent. */
  body<S extends Shape>(shape: S, optional?: boolean): ObjOf<S>;
}

/** Returned by a handler that must answer with something other than a 200 envelope of its data. */
export class Raw {
  constructor(readonly reply: Reply) {}
}

export type Handler = (ctx: Ctx) => unknown;

export interface Route {
  method: Method;
  pattern: string;
  /** `[OpenApi]`: callable with an access token. */
  openApi: boolean;
  anonymous: boolean;
  permission?: Permission;
  /** `[Authorize(LicenseFeatures.X)]`: the license feature the workspace must hold. */
  license?: string;
  handle: Handler;
}

interface Compiled extends Route {
  parts: { literal?: string; param?: string; guid?: boolean }[];
}

export type Match =
  | { kind: "route"; route: Route; params: Record<string, string> }
  | { kind: "notFound" }
  | { kind: "methodNotAllowed"; allow: Method[] };

export function makeCtxBody(json: (optional: boolean) => string) {
  return <S extends Shape>(shape: S, optional = false): ObjOf<S> => bindBody(shape, json(optional), optional);
}

export class Router {
  private readonly routes: Compiled[] = [];

  add(route: Route): void {
    const parts = route.pattern
      .split("/")
      .filter((p) => p !== "")
      .map((p) => {
        const m = /^\{(\w+)(:guid)?\}$/.exec(p);
        return m ? { param: m[1], guid: m[2] !== undefined } : { literal: p.toLowerCase() };
      });
    this.routes.push({ ...route, parts });
  }

  addAll(routes: Route[]): void {
    routes.forEach((r) => this.add(r));
  }

  match(method: string, pathname: string): Match {
    let segments: string[];
    try {
      segments = pathname.replace(/\/$/, "").split("/").slice(1).map(decodeURIComponent);
    } catch {
      return { kind: "notFound" };
    }
    if (segments.some((s) => s === "")) return { kind: "notFound" };

    let best: { route: Compiled; params: Record<string, string>; score: number[] } | undefined;
    const allow = new Set<Method>();
    for (const route of this.routes) {
      const params = matchParts(route.parts, segments);
      if (!params) continue;
      allow.add(route.method);
      if (route.method !== method.toUpperCase()) continue;
      const score = route.parts.map((p) => (p.literal !== undefined ? 2 : p.guid ? 1 : 0));
      if (!best || compare(score, best.score) > 0) best = { route, params, score };
    }
    if (best) return { kind: "route", route: best.route, params: best.params };
    return allow.size > 0 ? { kind: "methodNotAllowed", allow: [...allow] } : { kind: "notFound" };
  }
}

function matchParts(parts: Compiled["parts"], segments: string[]): Record<string, string> | undefined {
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const seg = segments[i];
    if (part.literal !== undefined) {
      if (part.literal !== seg.toLowerCase()) return undefined;
    } else if (part.param !== undefined) {
      if (part.guid) {
        const g = parseGuid(seg);
        if (g === undefined) return undefined;
        params[part.param] = g;
      } else {
        params[part.param] = seg;
      }
    }
  }
  return params;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Shorthand for the `[OpenApi]` actions the API-area modules declare. */
export function openApi(
  method: Method,
  pattern: string,
  permission: Permission | undefined,
  handle: Handler,
): Route {
  return { method, pattern, openApi: true, anonymous: false, permission, handle };
}
