// What a stack operation is asked to do and what it reports: shared by the runner (engine.ts, stack-cli.ts) and the
// driver that spawns it (driver.ts), which must not load the runner itself.

export const OPERATIONS = ["preview", "up", "refresh", "destroy", "outputs", "cancel", "recover"] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface ConfigEntry {
  value: string;
  secret?: boolean;
}

/**
 * A resource's state before or after a step, in the shape `pulumi preview --json` gives (`steps[].oldState`,
 * `steps[].newState`), so tools reading one read the other (featbit-diff). Secrets are "[secret]", values not known
 * during a preview are Pulumi's unknown marker, and the serialized provider (`__provider`) is left out.
 */
export interface StepState {
  type: string;
  urn: string;
  /** Blank before the resource exists. */
  id: string;
  parent?: string;
  /** False for component resources (FlagSet, ProjectBootstrap), which have no state of their own. */
  custom?: boolean;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
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
  /** The state before the step (absent for a create). */
  oldState?: StepState;
  /** The planned (preview) or resulting state (absent for a delete). */
  newState?: StepState;
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
  /** Steps other than "same" (all of them with `showSames`), in event order. */
  steps: StepInfo[];
  diagnostics: Diagnostic[];
  outputs: Record<string, OutputValue>;
  /** Path of the file backend's checkpoint for this stack (it may not exist before the first `up`). */
  stateFile: string;
  /** Everything the CLI printed (stdout and stderr), colour off. */
  log: string;
  error?: string;
  /** recover: what it did with each pending operation a killed run left (see provider/tools/recover.ts). */
  recovery?: {
    recorded: { urn: string; id: string }[];
    dropped: { urn: string; why: string }[];
    kept: { urn: string; why: string }[];
  };
}

/** Which options each operation accepts: the CLI and the demo refuse the others instead of ignoring them. */
export const OPTIONS_BY_OPERATION: Record<Operation, readonly RunFlagName[]> = {
  preview: ["config", "refresh", "expectNoChanges", "parallel"],
  up: ["config", "refresh", "expectNoChanges", "parallel", "showSecrets"],
  refresh: ["config", "expectNoChanges", "parallel", "clearPendingCreates", "showSecrets", "runProgram"],
  destroy: ["config", "refresh", "parallel", "runProgram"],
  outputs: ["showSecrets"],
  cancel: [],
  recover: ["config"],
};

export type RunFlagName =
  | "config"
  | "refresh"
  | "expectNoChanges"
  | "parallel"
  | "showSecrets"
  | "clearPendingCreates"
  | "runProgram";
