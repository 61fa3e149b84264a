// What Pulumi stores as every resource's `__provider`, twice (inputs and outputs), and rewrites with the whole
// checkpoint after every step of every run: so every byte here costs time per resource times N. It is the text of a
// module whose `handler` loads the implementation from the installed package by name and kind
// (`pulumi-featbit/provider-impl`, see provider/implementation.ts): nothing else, so no settings and no token can
// land in state, and upgrades of the package take effect for existing resources too. Pulumi's dynamic-provider host
// loads it with `requireFromString(text).handler()` and caches the result per distinct text (one per kind).
//
// This module imports nothing at run time: resource classes load it in the user's program.
import type * as pulumi from "@pulumi/pulumi";

/** The resource kinds, as stored in state: never rename one. */
export const RESOURCE_KINDS = [
  "Project",
  "Environment",
  "FeatureFlag",
  "FeatureFlagTargeting",
  "Segment",
  "Policy",
  "Group",
  "GroupPolicy",
  "GroupMember",
  "MemberPolicy",
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

type Props = Record<string, unknown>;

/** The resource provider of one kind, as Pulumi's dynamic-provider host calls it (configure included). */
export type HostedProvider = Required<Omit<pulumi.dynamic.ResourceProvider<Props, Props>, "configure">> & {
  configure(req: pulumi.dynamic.ConfigureRequest): void;
};

/**
 * What stored `__provider` modules need of the implementation module: its contract with every stack's state,
 * whichever version of the package wrote it. State written by 0.1.0 holds a serialized object whose methods call
 * `configure(req)` and `provider(kind).<method>(…)`; later state holds `providerModule(kind)`, which hands
 * `provider(kind)` to Pulumi as it is, so that object carries `configure` too.
 */
export interface Implementation {
  configure(req: pulumi.dynamic.ConfigureRequest): void;
  provider(kind: string): HostedProvider;
}

/** The type token of a kind's resources (as `pulumi.dynamic.Resource` names them): stored in state. */
export const typeToken = (kind: ResourceKind): string => `pulumi-nodejs:dynamic/featbit:${kind}`;

/**
 * The `__provider` text of a kind: under 100 bytes. Single quotes, because state stores it JSON-escaped. The kind is
 * checked because it is pasted into code that runs in the provider process.
 */
export function providerModule(kind: ResourceKind): string {
  if (!/^[A-Za-z]+$/.test(kind)) throw new Error(`resource kind '${kind}' must be letters only`);
  return `exports.handler=()=>require('pulumi-featbit/provider-impl').provider('${kind}')`;
}
