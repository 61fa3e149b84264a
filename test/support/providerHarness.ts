// Runs resource implementations in-process against a fresh emulator, the way Pulumi's provider host calls them:
// configure() with stack config, then check/diff/create/read/update/delete with plain JSON props.
import { startEmulator, type Emulator, type EmulatorOptions } from "../../provider/emulator";
import type { FeatBitClient } from "../../provider/client";
import type { DynamicProvider } from "../../provider/host/dynamicProvider";
import type { Context } from "../../provider/resources/core/definition";
import type { ResourceKind } from "../../provider/host/shim";
import * as impl from "../../provider/implementation";

export interface ProviderHarness {
  emulator: Emulator;
  provider(kind: ResourceKind): DynamicProvider;
  /** Configures the provider with another access token (of this emulator); `useToken(emulator.token)` restores. */
  useToken(token: string): void;
  /** Raw API call with the emulator's token, for arranging state "behind Pulumi's back". */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startProviderHarness(
  options: EmulatorOptions & {
    /** featbit:maxRetries: 0 by default (each write sent once); writes are sent this many times more at most. */
    maxRetries?: number;
  } = {},
): Promise<ProviderHarness> {
  const emulator = await startEmulator(options);
  const useToken = (token: string) => {
    const config: Record<string, string> = {
      "featbit:apiUrl": emulator.url,
      "featbit:accessToken": token,
      "featbit:maxRetries": String(options.maxRetries ?? 0),
    };
    impl.configure({
      config: {
        get: (k: string) => config[k],
        require: (k: string) => {
          const v = config[k];
          if (v === undefined) throw new Error(`missing ${k}`);
          return v;
        },
      },
    });
  };
  useToken(emulator.token);
  return {
    emulator,
    provider: (kind) => impl.provider(kind),
    useToken,
    async api<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(`${emulator.url}/api/v1${path}`, {
        method,
        headers: { Authorization: emulator.token, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const parsed = text ? (JSON.parse(text) as { data: T }) : undefined;
      return { status: res.status, body: parsed?.data as T };
    },
    close: () => emulator.close(),
  };
}

type Props = Record<string, unknown>;

/** A context of one's own for a client a test built: each write sent once, warnings collected. */
export function contextFor(client: FeatBitClient, warnings: string[] = []): Context {
  return {
    client,
    organizationKey: undefined,
    writes: { sends: 1, lateLandingMs: 0, pollMs: 1, sleep: async () => undefined },
    warn: (message) => void warnings.push(message),
  };
}

export interface CheckFailure {
  property: string;
  reason: string;
}

/**
 * Check failures with every property path in `property`: the provider words nested paths into the reason for the
 * engine ("variations[1].value: …", see host/dynamicProvider.ts); tests assert on the path itself.
 */
export function withPaths(failures: readonly CheckFailure[] | undefined): CheckFailure[] {
  return (failures ?? []).map((f) => {
    if (f.property !== "") return f;
    const m = /^([A-Za-z_$][\w$]*(?:\[\d+\]|\.[A-Za-z_$][\w$]*)*): ([\s\S]*)$/.exec(f.reason);
    return m ? { property: m[1], reason: m[2] } : f;
  });
}

/**
 * The steps Pulumi takes for a new resource, as the tests need them: check (expecting no failures) and create.
 * `provider` is read lazily so suites can build these before the harness has started.
 */
export function lifecycle(provider: () => DynamicProvider) {
  async function checked(news: Props): Promise<Props> {
    const res = await provider().check({}, news);
    expect(res.failures).toBeUndefined();
    return res.inputs as Props;
  }
  return {
    checked,
    async up(news: Props): Promise<{ id: string; outs: Props; inputs: Props }> {
      const inputs = await checked(news);
      const res = await provider().create(inputs);
      return { id: res.id, outs: res.outs as Props, inputs };
    },
    async failuresOf(news: Props): Promise<CheckFailure[]> {
      return withPaths((await provider().check({}, news)).failures);
    },
  };
}

/** "METHOD /path" (below /api/v1) of every request the emulator answered since the log was last cleared. */
export function requestLines(h: ProviderHarness): string[] {
  return h.emulator.requests.all().map((r) => `${r.method} ${r.path.replace(/^\/api\/v1/, "")}`);
}

/**
 * Waits until `condition` holds, polling every few milliseconds; fails after `timeoutMs` instead of spinning forever
 * when the behaviour under test changed.
 */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The error a call fails with; its message must not carry the access token. */
export async function errorOf(h: ProviderHarness, work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).not.toContain(h.emulator.token);
    return err as Error;
  }
  throw new Error("expected the call to fail");
}
