// Test-side access to the FeatBit emulator: start it, call its REST API like a person editing in the UI would,
// and read its persisted state.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** startEmulator's default organization key. */
export const EMULATOR_ORG_KEY = "playground";

export interface EmulatorRequest {
  method: string;
  path: string;
  status: number;
  at: string | number;
}

/** The part of the emulator's fault rules the e2e suite uses (see docs/emulator.md). */
export interface FaultRule {
  method?: string;
  path?: RegExp | string;
  times?: number;
  latencyMs?: number;
  reset?: "before" | "after" | "timeout";
  holdMs?: number;
  respond?: { status: 429 | 500 | 502 | 503 | 504 };
}

/** The part of provider/emulator's handle the e2e suite relies on. */
export interface Emulator {
  url: string;
  token: string;
  requests: { all(): EmulatorRequest[]; clear(): void };
  faults: { add(rule: FaultRule): void; clear(): void };
  tokens: { add(): string; setStatus(token: string, status: "Active" | "Inactive"): void };
  close(): Promise<void>;
}

export interface StartedEmulator {
  emulator: Emulator;
  dataFile: string;
  tmpDir: string;
}

interface EmulatorModule {
  startEmulator(opts: { port?: number; tokens?: string[]; dataFile?: string }): Promise<Emulator>;
}

/** Loaded at run time so this suite still type-checks while the emulator module is being written. */
export async function startFreshEmulator(): Promise<StartedEmulator> {
  const mod = (await import(
    path.join(__dirname, "..", "..", "..", "provider", "emulator")
  )) as EmulatorModule;
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "featbit-e2e-"));
  const dataFile = path.join(tmpDir, "data.json");
  const emulator = await mod.startEmulator({ port: 0, dataFile });
  return { emulator, dataFile, tmpDir };
}

export interface Envelope<T> {
  success: boolean;
  errors: string[];
  data: T;
}

/** One REST call with the emulator's token; `apiPath` is below /api/v1. */
export async function api<T>(
  emu: Emulator,
  method: string,
  apiPath: string,
  body?: unknown,
): Promise<Envelope<T>> {
  const origin = emu.url.replace(/\/api\/v1\/?$/, "").replace(/\/$/, "");
  const res = await fetch(`${origin}/api/v1${apiPath}`, {
    method,
    headers: { Authorization: emu.token, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!text) return { success: res.ok, errors: [`HTTP ${res.status}`], data: undefined as T };
  return JSON.parse(text) as Envelope<T>;
}

export interface PersistedState {
  projects: { id: string; key: string }[];
  environments: { id: string; key: string }[];
  flags: { id: string; key: string; envId: string }[];
  segments: { id: string; key: string; envId: string }[];
}

/** The emulator writes its whole state to the data file after every mutating request. */
export function readPersisted(dataFile: string): PersistedState {
  return JSON.parse(fs.readFileSync(dataFile, "utf8")) as PersistedState;
}

/** Mutating requests only (GETs are reads), as "METHOD /path" without the query string. */
export function writes(requests: EmulatorRequest[]): string[] {
  return requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path.split("?")[0]}`);
}
