// The types shared by the HTTP pipeline (server.ts) and the admin endpoint (admin.ts).
import type { TokenController } from "./tokens";
import type { Faults } from "./faults";
import type { Router } from "./router";
import type { Store } from "./store";

export interface RequestLogEntry {
  method: string;
  path: string;
  /** 0 when the connection was reset by a fault. */
  status: number;
  at: number;
}

export interface PipelineDeps {
  store: Store;
  router: Router;
  faults: Faults;
  log: RequestLogEntry[];
  persist(): void;
  tokens: TokenController;
  /** SDK insight events accepted (kept in memory). */
  insights: Insight[];
  /** After a request that changed the state: pushes what changed to connected SDKs. */
  changed(): void;
  /** Resolves true after `ms`, or false as soon as the emulator closes (a held write is then dropped). */
  wait(ms: number): Promise<boolean>;
}

export interface IncomingCall {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  origin: string | undefined;
  body: string;
}

/** An insight batch as the SDKs send it (Domain/Insights/Insight.cs). */
export interface Insight {
  envId: string;
  user: { keyId: string; name?: string; customizedProperties?: { name: string; value: string }[] };
  variations: {
    featureFlagKey: string;
    sendToExperiment: boolean;
    timestamp: number;
    variation: { id: string; value: string };
  }[];
  metrics: {
    eventName: string;
    numericValue: number;
    timestamp: number;
    type: string;
    route: string;
    appType: string;
  }[];
}
