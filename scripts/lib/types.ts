// What a stack operation is asked to do and what it reports: shared by the runner (engine.ts, stack-cli.ts) and the
// driver that spawns it (driver.ts), which must not load the runner itself.

export const OPERATIONS = ["preview", "up", "refresh", "destroy", "outputs", "cancel"] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface ConfigEntry {
  value: string;
  secret?: boolean;
}

export interface StepInfo {
  op: string;
  urn: string;
  type: string;
  name: string;
  /** Top-level properties that differ (from the engine's diff), when the engine reports them. */
  diffs: string[];
  /** Properties that force a replacement, when any. */
  replaceKeys: string[];
}

export interface Diagnostic {
  severity: string;
  message: string;
  urn?: string;
}

export interface OutputValue {
  value: unknown;
  secret: boolean;
}

export interface RunResult {
  ok: boolean;
  operation: Operation;
  project: string;
  stack: string;
  durationMs: number;
  /**
   * The operation itself: the CLI's preview/up/refresh/destroy command, without the runner's start-up, the stack
   * selection and config calls before it and the output calls after it (what the bench times).
   */
  operationMs?: number;
  /** Counts by operation kind ("create", "update", "same", "delete", ...). */
  changes: Record<string, number>;
  /** Steps other than "same", in event order. */
  steps: StepInfo[];
  diagnostics: Diagnostic[];
  outputs: Record<string, OutputValue>;
  /** Path of the file backend's checkpoint for this stack (it may not exist before the first `up`). */
  stateFile: string;
  /** Everything the CLI printed (stdout and stderr), colour off. */
  log: string;
  error?: string;
}

/** Which options each operation accepts: the CLI and the demo refuse the others instead of ignoring them. */
export const OPTIONS_BY_OPERATION: Record<Operation, readonly RunFlagName[]> = {
  preview: ["config", "refresh", "expectNoChanges", "parallel"],
  up: ["config", "refresh", "expectNoChanges", "parallel", "showSecrets"],
  refresh: ["config", "expectNoChanges", "parallel", "clearPendingCreates", "showSecrets"],
  destroy: ["config", "refresh", "parallel"],
  outputs: ["showSecrets"],
  cancel: [],
};

export type RunFlagName =
  "config" | "refresh" | "expectNoChanges" | "parallel" | "showSecrets" | "clearPendingCreates";
