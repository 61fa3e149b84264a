// featbit-recover: after a run was killed while creating, record what it created. Pulumi writes a pending "creating"
// operation into the stack's checkpoint before it asks the provider to create a resource, and drops it only once the
// create is recorded; a run killed in between leaves the operation, and possibly the object, behind. That operation
// is the evidence ownership needs (see resources/core/writes.ts, createOnce): this stack was creating exactly this
// resource, with these inputs, when it died. So the object that now holds the declared key is recorded as the stack's
// own (origin "created"); where none does, the create never reached FeatBit and the operation is dropped, for the next
// `up` to create it. (Pulumi's own `refresh --import-pending-creates` does not record dynamic resources: measured
// with v3.274.1, it drops the operation and records nothing.)
import type { ConfigSource } from "../client/settings";
import { createClient } from "../client";
import { resolveInstallationSettings } from "../client/settings";
import { contextFor } from "../host/host";
import { RESOURCE_KINDS, typeToken, type ResourceKind } from "../host/shim";
import type { AnyDefinition, Props } from "../resources/core/definition";
import { definitions } from "../resources/definitions";

/** A resource as a deployment (`pulumi stack export`) records it; only what recovery reads is typed. */
export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  custom?: boolean;
  inputs?: Props;
  outputs?: Props;
  [field: string]: unknown;
}

export interface PendingOperation {
  type: string;
  resource: StateResource;
}

export interface Deployment {
  resources?: StateResource[];
  pending_operations?: PendingOperation[];
  [field: string]: unknown;
}

export interface Recovery {
  deployment: Deployment;
  /** Pending creates whose object exists: now resources of the stack. */
  recorded: { urn: string; id: string }[];
  /** Pending creates that never reached FeatBit: dropped, for the next `up` to create. */
  dropped: { urn: string; why: string }[];
  /** Pending operations left as they were, and why. */
  kept: { urn: string; why: string }[];
}

/** Finds the Pulumi id of the object a pending create's inputs declare, or says why there is none to record. */
export type Locate = (kind: ResourceKind, inputs: Props) => Promise<{ id: string } | { none: string }>;

const KIND_OF = new Map<string, ResourceKind>(RESOURCE_KINDS.map((k) => [typeToken(k), k]));

export async function recoverPendingCreates(deployment: Deployment, locate: Locate): Promise<Recovery> {
  const resources = [...(deployment.resources ?? [])];
  const pending: PendingOperation[] = [];
  const result: Omit<Recovery, "deployment"> = { recorded: [], dropped: [], kept: [] };
  for (const op of deployment.pending_operations ?? []) {
    const { urn, type } = op.resource;
    const kind = KIND_OF.get(type);
    if (op.type !== "creating" || kind === undefined) {
      result.kept.push({
        urn,
        why:
          kind === undefined
            ? "not a pulumi-featbit resource: resolve it as its own provider documents"
            : `interrupted while ${op.type}: \`pulumi refresh\` clears it`,
      });
      pending.push(op);
      continue;
    }
    const found = await locate(kind, op.resource.inputs ?? {});
    if ("none" in found) {
      result.dropped.push({ urn, why: found.none });
      continue;
    }
    // A later `up` made it after all (the killed run's create had not landed): the operation is stale.
    if (resources.some((r) => r.urn === urn || (r.type === type && r.id === found.id))) {
      result.dropped.push({ urn, why: `the stack already records it (${found.id})` });
      continue;
    }
    // Recorded as Pulumi would have recorded the create: the outputs are completed by the refresh that follows.
    const inputs = op.resource.inputs ?? {};
    resources.push({ ...op.resource, id: found.id, custom: true, outputs: { ...inputs, origin: "created" } });
    result.recorded.push({ urn, id: found.id });
  }
  return { deployment: { ...deployment, resources, pending_operations: pending }, ...result };
}

/** A Locate that reads FeatBit with the stack's settings (its config, then the environment, as the provider does). */
export function featbitLocator(config: ConfigSource | undefined, env: NodeJS.ProcessEnv): Locate {
  const byKind = new Map<string, AnyDefinition>(definitions.map((d) => [d.kind, d]));
  return async (kind, raw) => {
    const def = byKind.get(kind);
    if (!def?.locate) return { none: `a ${kind} cannot be located` };
    const { __provider: _p, installation, onDestroy: _o, origin: _g, ...declared } = raw;
    const parsed = def.schema.safeParse(declared);
    if (!parsed.success)
      return { none: `its recorded inputs do not parse: ${parsed.error.issues[0]?.message}` };
    const inputs = def.normalize ? def.normalize(parsed.data) : parsed.data;
    const { settings, organizationKey } = resolveInstallationSettings(
      config,
      env,
      typeof installation === "string" ? installation : undefined,
    );
    const id = await def.locate(contextFor(createClient(settings), settings, organizationKey), inputs);
    return id === undefined
      ? { none: `nothing holds its key in FeatBit, so the create never landed: \`pulumi up\` creates it` }
      : { id };
  };
}

/** What recovery did, a line each, for people. */
export function describeRecovery(r: Omit<Recovery, "deployment">): string[] {
  if (r.recorded.length + r.dropped.length + r.kept.length === 0)
    return [
      "no pending creates: nothing to recover (a run killed with PULUMI_SKIP_CHECKPOINTS records none: if nobody " +
        "else writes this program's keys in this FeatBit, run `up` once with FEATBIT_CLAIM_UNRECORDED=true instead)",
    ];
  return [
    ...r.recorded.map((x) => `recorded ${x.urn} as ${x.id}: the killed run created it`),
    ...r.dropped.map((x) => `dropped the pending create of ${x.urn}: ${x.why}`),
    ...r.kept.map((x) => `left ${x.urn}: ${x.why}`),
  ];
}
