// What each resource outputs beyond its inputs, as zod schemas: the definitions name their outputs (which the dynamic
// resource classes expose), and the native plugin's package schema needs their types, and which are secrets (the
// plugin marks those secret in every response, as the classes' `additionalSecretOutputs` do for dynamic resources).
// test/native/schema.test.ts checks that every output a definition names has a type here, and that what the
// resources return fits.
import { z } from "zod";
import type { ResourceKind } from "../host/shim";

export interface OutputSpec {
  /** Outputs beyond the inputs (and outputs whose type differs from the input's, such as a flag's variations). */
  readonly fields: z.ZodRawShape;
  /** Outputs that are Pulumi secrets. */
  readonly secrets?: readonly string[];
}

const variation = z.object({ id: z.string(), name: z.string(), value: z.string() });

export const OUTPUTS: Record<ResourceKind, OutputSpec> = {
  Project: {
    fields: {
      projectId: z.string(),
      environments: z.array(z.object({ id: z.string(), key: z.string() })),
    },
  },
  Environment: {
    fields: { environmentId: z.string(), serverKey: z.string(), clientKey: z.string() },
    secrets: ["serverKey", "clientKey"],
  },
  FeatureFlag: {
    fields: {
      flagId: z.string(),
      variations: z.array(variation.extend({ idDeclared: z.boolean().optional() })),
      retiringVariations: z.array(variation).optional(),
    },
  },
  FeatureFlagTargeting: {
    fields: {
      targetFlagId: z.string(),
      revision: z.string(),
      synced: z.record(z.string(), z.unknown()),
    },
  },
  Segment: { fields: { segmentId: z.string(), scope: z.string() } },
  Policy: { fields: { policyId: z.string() } },
  Group: { fields: { groupId: z.string() } },
  GroupPolicy: { fields: {} },
  GroupMember: { fields: {} },
  MemberPolicy: { fields: {} },
};
