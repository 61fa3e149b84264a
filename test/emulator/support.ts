// Drives the emulator over plain HTTP (Node's fetch), the way any FeatBit client would.
import { startEmulator, type Emulator, type EmulatorOptions } from "../../provider/emulator";

export interface Envelope<T> {
  success: boolean;
  errors: string[];
  data: T;
}

export interface Res<T> {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body when it is JSON, else undefined. */
  body: Envelope<T> | undefined;
  data: T;
}

export interface CallOptions {
  /** null sends no Authorization header at all. */
  token?: string | null;
  /** Sent verbatim instead of JSON-encoding `body`. */
  raw?: string;
  /** Lets a test give up on a request, as a client with a timeout does. */
  signal?: AbortSignal;
}

/** Where to send requests: an emulator, or anything else that speaks FeatBit's API. */
export interface Target {
  url: string;
  token: string;
}

export class Api {
  constructor(readonly emulator: Target) {}

  async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<Res<T>> {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? this.emulator.token : options.token;
    if (token !== null) headers.Authorization = token;
    const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    if (payload !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(
      `${this.emulator.url}${path.startsWith("/api") || path.startsWith("/health") ? "" : "/api/v1"}${path}`,
      {
        method,
        headers,
        body: payload,
        signal: options.signal,
      },
    );
    const text = await res.text();
    let parsed: Envelope<T> | undefined;
    try {
      parsed = text ? (JSON.parse(text) as Envelope<T>) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: parsed, data: parsed?.data as T };
  }

  /** Asserts a 200 success envelope and returns its data. */
  async ok<T = unknown>(method: string, path: string, body?: unknown, options?: CallOptions): Promise<T> {
    const res = await this.call<T>(method, path, body, options);
    if (res.status !== 200 || !res.body?.success) {
      throw new Error(`${method} ${path} → ${res.status} ${res.text}`);
    }
    return res.data;
  }
}

export async function start(options: EmulatorOptions = {}): Promise<{ emulator: Emulator; api: Api }> {
  const emulator = await startEmulator(options);
  return { emulator, api: new Api(emulator) };
}

export interface EnvView {
  id: string;
  projectId: string;
  name: string;
  key: string;
  description: string | null;
  secrets: { id: string; name: string; type: string; value: string }[];
  settings: { requireChangeComment: boolean };
}

export interface ProjectView {
  id: string;
  name: string;
  key: string;
  environments: EnvView[];
}

export interface Variation {
  id: string;
  name: string;
  value: string;
}

export interface Flag {
  id: string;
  envId: string;
  revision: string;
  name: string;
  description: string | null;
  key: string;
  variationType: string;
  variations: Variation[];
  targetUsers: { keyIds: string[]; variationId: string }[];
  rules: {
    id: string;
    name: string;
    conditions: { property: string; op: string | null; value: string }[];
    variations: unknown[];
  }[];
  isEnabled: boolean;
  disabledVariationId: string;
  fallthrough: {
    dispatchKey: string | null;
    includedInExpt: boolean;
    variations: { id: string; rollout: number[]; exptRollout: number }[];
  };
  exptIncludeAllTargets: boolean;
  tags: string[];
  isArchived: boolean;
  creatorId: string;
  updatorId: string;
  createdAt: string;
  updatedAt: string;
}

export interface Paged<T> {
  totalCount: number;
  items: T[];
}

export const BOOL_VARIATIONS: Variation[] = [
  { id: "v-on", name: "On", value: "true" },
  { id: "v-off", name: "Off", value: "false" },
];

export function flagBody(key: string, extra: Record<string, unknown> = {}) {
  return {
    name: `Flag ${key}`,
    key,
    variationType: "boolean",
    variations: BOOL_VARIATIONS,
    enabledVariationId: "v-on",
    disabledVariationId: "v-off",
    ...extra,
  };
}

/** A project and its auto-created prod env. */
export async function projectWithEnv(api: Api, key: string): Promise<{ project: ProjectView; env: EnvView }> {
  const project = await api.ok<ProjectView>("POST", "/projects", { name: key.toUpperCase(), key });
  return { project, env: project.environments[0] };
}

export const MISSING = "6b3f7d3e-1111-4a4a-9b9b-000000000001";
