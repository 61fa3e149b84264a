// What FeatBit's evaluation server offers server-side SDKs, so an application's tests can run FeatBit's real SDKs
// against the emulator: the data sync over a WebSocket (`/streaming`, pushed on every change made through the REST
// API), the same data from the polling endpoint, and the insight (evaluation and metric) events the SDKs send.
//
// From featbit/featbit modules/evaluation-server/src (HEAD 366b4a1):
//   Streaming/StreamingMiddleware.cs, StreamingHelper.cs  the `/streaming` WebSocket; a refused connection is accepted,
//                                                         then closed with 4003 (SDKs stop reconnecting)
//   Streaming/Connections/RequestValidator.cs             type, version, token, 30 s token expiry, secret of that type
//   Domain/Shared/Token.cs, TokenNumber.cs                the connection token: the secret with a timestamp inside
//   Streaming/Messages/*.cs                               data-sync, ping (→ pong), echo
//   Streaming/Services/DataSyncService.cs                 full (timestamp 0) or patch (items updated after it)
//   Streaming/Consumers/*ChangeMessageConsumer.cs         a changed flag or segment is pushed as a patch
//   Api/Public/SdkController.cs                           GET /api/public/sdk/server/latest-all?timestamp=
//   Api/Public/InsightController.cs, Domain/Insights/*    POST /api/public/insight/track
//   Api/Authentication/FeatBitAuthHandler.cs              `Authorization: <secret>`, checked for shape only (v1)
// and the SDK's side in featbit/featbit-node-server-sdk src/platform/node/NodeWebSocket.ts, src/data-sync/*.ts,
// src/events/*.ts.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { DataSyncFlag, DataSyncPayload, DataSyncSegment } from "../evaluation/dataSync";
import { empty, type Reply } from "./http";
import type { IncomingCall, Insight } from "./pipeline";
import type { FeatureFlag, Segment } from "./state";
import type { Store } from "./store";

export const STREAMING_PATH = "/streaming";
const SDK_PREFIX = "/api/public/";
const POLLING_PATH = "/api/public/sdk/server/latest-all";
const INSIGHT_PATH = "/api/public/insight/track";

/** StreamingOptions: TokenExpirySeconds. */
const TOKEN_EXPIRY_MS = 30_000;
/** ConnectionType.All, ConnectionVersion.All. */
const CONNECTION_TYPES = ["server", "client", "relay-proxy"];
const CONNECTION_VERSIONS = ["", "1", "2"];
/** The close code FeatBit's SDKs take as "do not reconnect". */
const INVALID_REQUEST = 4003;

// ---------------------------------------------------------------------------------------------------------------
// The data
// ---------------------------------------------------------------------------------------------------------------

const ms = (iso: string) => new Date(iso).getTime();

/** RowSerializer.SerializeFlag: the stored flag less revision, creator and createdAt. */
function syncedFlag(f: FeatureFlag): DataSyncFlag {
  return {
    id: f.id,
    envId: f.envId,
    name: f.name,
    description: f.description,
    key: f.key,
    variationType: f.variationType,
    variations: f.variations as DataSyncFlag["variations"],
    targetUsers: f.targetUsers as DataSyncFlag["targetUsers"],
    rules: f.rules as DataSyncFlag["rules"],
    isEnabled: f.isEnabled,
    disabledVariationId: f.disabledVariationId,
    fallthrough: f.fallthrough as DataSyncFlag["fallthrough"],
    exptIncludeAllTargets: f.exptIncludeAllTargets,
    tags: f.tags as string[],
    updatedAt: f.updatedAt,
    isArchived: f.isArchived,
  };
}

/** RowSerializer.SerializeSegment, with the requesting environment's id (shared segments cover several). */
function syncedSegment(s: Segment, envId: string): DataSyncSegment {
  return {
    id: s.id,
    envId,
    name: s.name,
    description: s.description,
    included: s.included as string[],
    excluded: s.excluded as string[],
    rules: s.rules as DataSyncSegment["rules"],
    updatedAt: s.updatedAt,
    isArchived: s.isArchived,
  };
}

/**
 * DataSyncService.GetServerSdkPayloadAsync: the environment's flags, and the segments whose scopes cover it, updated
 * after `timestamp` (ms; 0 = everything, as a full sync). Archived flags and segments are included, as FeatBit's
 * store queries do not filter them.
 */
export function serverPayload(store: Store, envId: string, timestamp: number): DataSyncPayload {
  const after = (iso: string) => ms(iso) > timestamp;
  return {
    eventType: timestamp === 0 ? "full" : "patch",
    featureFlags: store.state.flags.filter((f) => f.envId === envId && after(f.updatedAt)).map(syncedFlag),
    segments: store.state.segments
      .filter((s) => after(s.updatedAt) && store.coversEnv(s, envId))
      .map((s) => syncedSegment(s, envId)),
  };
}

/** The newest item a payload carries: what the SDK's store version becomes. */
function newest(payload: DataSyncPayload, since: number): number {
  return [...payload.featureFlags, ...payload.segments].reduce(
    (t, item) => Math.max(t, ms(item.updatedAt)),
    since,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Secrets and tokens
// ---------------------------------------------------------------------------------------------------------------

/** GuidHelper.Decode of the secret's second half (Secret.TryParse): the environment id, or undefined. */
export function envIdOfSecret(secret: string): string | undefined {
  if (secret.length !== 44) return undefined;
  const b64 = secret.slice(22).replace(/_/g, "/").replace(/-/g, "+") + "==";
  if (!/^[A-Za-z0-9+/]{22}==$/.test(b64)) return undefined;
  const bytes = Buffer.from(b64, "base64");
  if (bytes.length !== 16) return undefined;
  const hex = Buffer.concat([
    Buffer.from(bytes.subarray(0, 4)).reverse(),
    Buffer.from(bytes.subarray(4, 6)).reverse(),
    Buffer.from(bytes.subarray(6, 8)).reverse(),
    bytes.subarray(8),
  ]).toString("hex");
  if (/^0+$/.test(hex)) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const DIGITS: Record<string, string> = {
  Q: "0",
  B: "1",
  W: "2",
  S: "3",
  P: "4",
  H: "5",
  D: "6",
  X: "7",
  Z: "8",
  U: "9",
};
/** TokenNumber.TryDecode*: an empty run decodes as 0. */
function decodeNumber(text: string): number | undefined {
  if (text.trim() === "") return 0;
  let out = "";
  for (const c of text) {
    if (DIGITS[c] === undefined) return undefined;
    out += DIGITS[c];
  }
  return Number(out);
}

/** Token.cs: `<position:3><length:2><secret[..position]><timestamp><secret[position..]>`, digits spelt in letters. */
export function parseConnectionToken(token: string): { secret: string; timestamp: number } | undefined {
  if (token.length < 5) return undefined;
  const position = decodeNumber(token.slice(0, 3));
  const length = decodeNumber(token.slice(3, 5));
  if (position === undefined || length === undefined || position > 255 || length > 255) return undefined;
  const payload = token.slice(5);
  if (payload.length < position + length) return undefined;
  const timestamp = decodeNumber(payload.slice(position, position + length));
  if (timestamp === undefined) return undefined;
  let secret = payload.slice(0, position) + payload.slice(position + length);
  if (secret.length % 4 !== 0) secret += "=".repeat(4 - (secret.length % 4));
  return secret.length === 44 ? { secret, timestamp } : undefined;
}

/** RequestValidator.ValidateSecretTokenAsync: the environment a valid server connection belongs to. */
function validateConnection(store: Store, url: URL, now: number): { envId: string } | { refused: string } {
  const type = url.searchParams.get("type") ?? "";
  const version = url.searchParams.get("version") ?? "";
  const token = url.searchParams.get("token") ?? "";
  if (!CONNECTION_TYPES.includes(type)) return { refused: `Invalid type: ${type}` };
  if (!CONNECTION_VERSIONS.includes(version)) return { refused: `Invalid version: ${version}` };
  if (token.trim() === "") return { refused: "Missing token" };
  if (type !== "server")
    return { refused: `the emulator serves server-side SDKs only, not '${type}' connections` };
  const parsed = parseConnectionToken(token);
  if (!parsed || envIdOfSecret(parsed.secret) === undefined) return { refused: "Invalid token" };
  if (Math.abs(now - parsed.timestamp) > TOKEN_EXPIRY_MS) return { refused: "Token is expired" };
  const env = store.state.environments.find((e) => e.secrets.some((s) => s.value === parsed.secret));
  const secret = env?.secrets.find((s) => s.value === parsed.secret);
  if (!env || !secret) return { refused: "Secret is not found" };
  if (secret.type !== type)
    return { refused: `Inconsistent secret used: ${secret.type}. Request type: ${type}` };
  return { envId: env.id };
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP: polling and insights
// ---------------------------------------------------------------------------------------------------------------

export const isSdkPath = (path: string): boolean => path.startsWith(SDK_PREFIX);

const JSON_TYPE = "application/json; charset=utf-8";

/**
 * The SDK endpoints, after FeatBit's fallback authorization: a request without a well-formed secret in
 * `Authorization` is 401. `insights` collects accepted events (kept in memory, never persisted).
 */
export function sdkReply(store: Store, call: IncomingCall, insights: Insight[]): Reply {
  const url = new URL(call.url, "http://emulator");
  const envId = envIdOfSecret(call.authorization ?? "");
  if (envId === undefined) return empty(401);
  if (url.pathname === POLLING_PATH && call.method === "GET") {
    const timestamp = Number(url.searchParams.get("timestamp") ?? "0");
    const payload = serverPayload(store, envId, Number.isFinite(timestamp) ? timestamp : 0);
    // An empty patch is `Ok()`: 200 without a body.
    if (payload.eventType === "patch" && payload.featureFlags.length === 0 && payload.segments.length === 0)
      return empty(200);
    return {
      status: 200,
      headers: { "Content-Type": JSON_TYPE },
      body: JSON.stringify({ messageType: "data-sync", data: payload }),
    };
  }
  if (url.pathname === INSIGHT_PATH && call.method === "POST") {
    let batch: unknown;
    try {
      batch = JSON.parse(call.body);
    } catch {
      return empty(400);
    }
    if (!Array.isArray(batch)) return empty(400);
    for (const item of batch as Record<string, unknown>[]) {
      const user = item?.user as Insight["user"] | undefined;
      // Insight.IsValid: a user with a key; the others are dropped silently.
      if (!user || typeof user.keyId !== "string" || user.keyId.trim() === "") continue;
      insights.push({
        envId,
        user,
        variations: Array.isArray(item.variations) ? (item.variations as Insight["variations"]) : [],
        metrics: Array.isArray(item.metrics) ? (item.metrics as Insight["metrics"]) : [],
      });
    }
    return empty(200);
  }
  return empty(404);
}

// ---------------------------------------------------------------------------------------------------------------
// The WebSocket
// ---------------------------------------------------------------------------------------------------------------

interface Connection {
  socket: WebSocket;
  envId: string;
  /** The newest item this SDK has been sent (its store version), once it asked for data. */
  synced: number | undefined;
}

export class StreamingHub {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly connections = new Set<Connection>();

  constructor(
    private readonly store: () => Store,
    private readonly now: () => number = Date.now,
  ) {}

  /** Server-SDK connections open now. */
  get size(): number {
    return this.connections.size;
  }

  /** An HTTP upgrade on `/streaming`: accepted always, then refused with 4003 or served. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://emulator");
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const verdict = validateConnection(this.store(), url, this.now());
      if ("refused" in verdict) {
        ws.close(INVALID_REQUEST, "invalid request, close by server");
        return;
      }
      const connection: Connection = { socket: ws, envId: verdict.envId, synced: undefined };
      this.connections.add(connection);
      ws.on("message", (data) => this.receive(connection, String(data)));
      ws.on("close", () => this.connections.delete(connection));
      ws.on("error", () => this.connections.delete(connection));
    });
  }

  /** MessageDispatcher: `{messageType, data}`; unknown types and invalid JSON are ignored. */
  private receive(connection: Connection, text: string): void {
    let message: { messageType?: unknown; data?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (message === null || typeof message !== "object" || !("data" in message)) return;
    const type = typeof message.messageType === "string" ? message.messageType.toLowerCase() : "";
    if (type === "ping") connection.socket.send('{"messageType":"pong","data":{}}');
    else if (type === "echo")
      connection.socket.send(JSON.stringify({ messageType: "echo", data: message.data }));
    else if (type === "data-sync") {
      const data = message.data as { timestamp?: unknown } | null;
      const timestamp =
        typeof data?.timestamp === "number" && Number.isInteger(data.timestamp) ? data.timestamp : 0;
      this.send(connection, serverPayload(this.store(), connection.envId, timestamp), timestamp);
    }
  }

  private send(connection: Connection, payload: DataSyncPayload, since: number): void {
    connection.synced = newest(payload, since);
    connection.socket.send(JSON.stringify({ messageType: "data-sync", data: payload }));
  }

  /** After a change through the REST API: each synced SDK gets what changed since what it has, as a patch. */
  changed(): void {
    for (const connection of this.connections) {
      if (connection.synced === undefined) continue;
      const payload = serverPayload(this.store(), connection.envId, Math.max(connection.synced, 1));
      if (payload.featureFlags.length > 0 || payload.segments.length > 0)
        this.send(connection, { ...payload, eventType: "patch" }, connection.synced);
    }
  }

  close(): void {
    for (const connection of this.connections) connection.socket.terminate();
    this.connections.clear();
    this.wss.close();
  }
}
