// A FeatBit-compatible in-memory server for tests and local development (issue #3).
import { tokenController, type TokenController } from "./tokens";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { auditLogRoutes } from "./api/auditLogs";
import { environmentRoutes } from "./api/environments";
import { flagRoutes } from "./api/flags";
import { iamRoutes } from "./api/iam";
import { jwtOnlyRoutes } from "./api/jwtOnly";
import { projectRoutes } from "./api/projects";
import { segmentRoutes } from "./api/segments";
import { workspaceRoutes } from "./api/workspace";
import { Faults, parseFaultSpec, type FaultController, type FaultRule } from "./faults";
import { accessTokenValue, Clock, Random } from "./ids";
import { loadState, saveState } from "./persistence";
import { Router } from "./router";
import type { Insight, RequestLogEntry } from "./pipeline";
import { StreamingHub, STREAMING_PATH } from "./sdk";
import { requestListener } from "./server";
import type { AccessToken, PolicyStatement, State } from "./state";
import { initialState, OWNER_STATEMENTS, Store } from "./store";

export type { FaultController, FaultRule, FaultStatus } from "./faults";
export { parseFaultSpec } from "./faults";
export type { RequestLogEntry } from "./pipeline";
export type { PolicyStatement } from "./state";
export type { Insight } from "./pipeline";
export { OWNER_POLICY_ID, ADMINISTRATOR_POLICY_ID, DEVELOPER_POLICY_ID } from "./store";

export interface EmulatorOptions {
  /** Default 0 (random); the CLI defaults to 5000. */
  port?: number;
  /** Default "127.0.0.1". */
  host?: string;
  /** Default: one generated owner-like token "api-" + 40 chars (reused from `dataFile` if present). */
  tokens?: (string | { token: string; type?: "Personal" | "Service"; permissions?: PolicyStatement[] })[];
  /** Persist state as JSON; loaded at start if it exists; written atomically after each change. */
  dataFile?: string;
  /**
   * Seeds ids and secrets (ignored when state is loaded from `dataFile`, where replaying it would
   * repeat ids) and, always, the fault probability draws.
   */
  seed?: number;
  /** Fault rules active from the start: rules, or a spec string (see parseFaultSpec / docs). */
  faults?: FaultRule[] | string;
  /** Organization key used in segment scopes; default "playground". */
  orgKey?: string;
}

export interface Emulator {
  /** Origin, e.g. "http://127.0.0.1:41234"; clients append /api/v1. */
  url: string;
  /** The first token: the emulator's own, the only one /_emulator accepts. */
  token: string;
  /** The organization key used in segment scopes. */
  orgKey: string;
  requests: { all(): RequestLogEntry[]; clear(): void };
  /** Insight events SDKs sent to /api/public/insight/track (evaluations and custom metrics), oldest first. */
  insights: { all(): Insight[]; clear(): void };
  /** How many server-side SDKs are connected to /streaming now. */
  sdkConnections(): number;
  faults: FaultController;
  /** Access tokens: add one, revoke one (see tokens.ts). */
  tokens: TokenController;
  close(): Promise<void>;
}

function buildRouter(): Router {
  const router = new Router();
  router.addAll([
    ...workspaceRoutes,
    ...projectRoutes,
    ...environmentRoutes,
    ...flagRoutes,
    ...segmentRoutes,
    ...iamRoutes,
    ...auditLogRoutes,
    ...jwtOnlyRoutes,
  ]);
  return router;
}

/** A new active access token of the organization's owner. */
function newToken(
  store: Store,
  token: string,
  type: AccessToken["type"] = "Service",
  permissions: PolicyStatement[] = OWNER_STATEMENTS,
): AccessToken {
  return {
    id: store.guid(),
    name: `token-${store.state.tokens.length + 1}`,
    token,
    type,
    permissions,
    creatorId: store.state.members[0]?.userId ?? store.guid(),
  };
}

function configureTokens(store: Store, options: EmulatorOptions): void {
  const { state } = store;
  const make = (token: string, type: AccessToken["type"], permissions: PolicyStatement[]) =>
    newToken(store, token, type, permissions);
  if (options.tokens && options.tokens.length > 0) {
    state.tokens = options.tokens.map((t) =>
      typeof t === "string"
        ? make(t, "Service", OWNER_STATEMENTS)
        : make(t.token, t.type ?? "Service", t.permissions ?? OWNER_STATEMENTS),
    );
  } else if (state.tokens.length === 0) {
    state.tokens = [make(accessTokenValue(store.random, Date.now()), "Service", OWNER_STATEMENTS)];
  }
}

/** Persisted timestamps must stay ordered before anything created after a restart. */
function observeTimes(clock: Clock, state: State): void {
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if ((k === "createdAt" || k === "updatedAt") && typeof x === "string") clock.observe(x);
        else if (typeof x === "object") walk(x);
      }
    }
  };
  walk(state);
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const clock = new Clock();
  const warn = (m: string) => process.stderr.write(m + "\n");
  const loaded = options.dataFile ? loadState(options.dataFile, warn) : undefined;
  // A seed replayed over loaded state would hand out the ids it already handed out last time.
  const random = new Random(loaded ? undefined : options.seed);
  if (loaded) observeTimes(clock, loaded);
  const store = new Store(
    loaded ?? initialState(random, clock, options.orgKey ?? "playground"),
    random,
    clock,
  );
  if (loaded && options.orgKey) store.state.organization.key = options.orgKey;
  configureTokens(store, options);

  const dataFile = options.dataFile;
  const persist = () => {
    if (!dataFile) return;
    try {
      saveState(dataFile, store.state);
    } catch (e) {
      warn(`featbit-emulator: could not write ${dataFile}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  persist();
  const tokens = tokenController(
    store,
    (token, permissions) => newToken(store, token, "Service", permissions),
    persist,
  );

  const log: RequestLogEntry[] = [];
  const faults = new Faults(options.seed);
  const initialFaults =
    typeof options.faults === "string" ? parseFaultSpec(options.faults) : (options.faults ?? []);
  initialFaults.forEach((rule) => faults.add(rule));
  // Requests held by latency or timeout faults; closing drops them, as a crash would.
  const held = new Set<{ timer: NodeJS.Timeout; resolve: (done: boolean) => void }>();
  const wait = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          held.delete(entry);
          resolve(true);
        }, ms),
        resolve,
      };
      held.add(entry);
    });
  const insights: Insight[] = [];
  const streaming = new StreamingHub(() => store);
  const server: Server = createServer(
    requestListener({
      store,
      router: buildRouter(),
      faults,
      log,
      persist,
      wait,
      tokens,
      insights,
      changed: () => streaming.changed(),
    }),
  );
  server.on("upgrade", (req, socket, head) => {
    if (new URL(req.url ?? "/", "http://emulator").pathname === STREAMING_PATH)
      streaming.upgrade(req, socket, head);
    else socket.destroy();
  });
  // Kestrel's defaults (FeatBit sets no limits of its own: nothing under modules/back-end configures
  // Kestrel): idle keep-alive connections live 130 s (KestrelServerLimits.KeepAliveTimeout), request
  // headers must arrive within 30 s (RequestHeadersTimeout), and a request as a whole has no deadline.
  // Node's own defaults (5 s keep-alive) reset sockets that clients reasonably reuse under load.
  server.keepAliveTimeout = 130_000;
  server.headersTimeout = 30_000;
  server.requestTimeout = 0;
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${urlHost}:${port}`,
    token: store.state.tokens[0].token,
    orgKey: store.state.organization.key,
    requests: { all: () => [...log], clear: () => void log.splice(0) },
    insights: { all: () => [...insights], clear: () => void insights.splice(0) },
    sdkConnections: () => streaming.size,
    faults,
    tokens,
    // Idempotent: harnesses often close in both a `finally` and an `afterAll`.
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        for (const h of held) {
          clearTimeout(h.timer);
          h.resolve(false);
        }
        held.clear();
        streaming.close();
        persist();
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      })),
  };
}
