// The provider object Pulumi serializes into every resource's state (`__provider`). It must stay tiny and capture
// nothing: no settings, no tokens, no zod schemas, no local modules. Each method loads the implementation from the
// installed package at call time (`pulumi-featbit/provider-impl`, see provider/implementation.ts), so state holds a
// few hundred bytes and upgrades of the package take effect for existing resources too. This module imports nothing
// at run time: resource classes load it in the user's program.
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

/** What the serialized shim needs of the implementation module (its contract with state written by any version). */
export interface Implementation {
  configure(req: pulumi.dynamic.ConfigureRequest): void;
  provider(kind: string): Required<Omit<pulumi.dynamic.ResourceProvider<Props, Props>, "configure">>;
}

/*
 * Arrow functions in a plain object, not a class: Pulumi serializes every method with its own wrapper, and a class
 * adds prototype plumbing on top (about 3.6 KB against 2.2 KB per copy, and state holds two copies per resource).
 */
function createShim(kind: ResourceKind): pulumi.dynamic.ResourceProvider<Props, Props> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved by package name in the provider process
  const impl = () => (require("pulumi-featbit/provider-impl") as Implementation).provider(kind);
  return {
    configure: async (req: pulumi.dynamic.ConfigureRequest) =>
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
      (require("pulumi-featbit/provider-impl") as Implementation).configure(req),
    check: async (olds: Props, news: Props) => impl().check(olds, news),
    diff: async (id: string, olds: Props, news: Props) => impl().diff(id, olds, news),
    create: async (inputs: Props) => impl().create(inputs),
    read: async (id: string, props?: Props) => impl().read(id, props),
    update: async (id: string, olds: Props, news: Props) => impl().update(id, olds, news),
    delete: async (id: string, props: Props) => impl().delete(id, props),
  };
}

const shims = new Map<string, pulumi.dynamic.ResourceProvider<Props, Props>>();

/** One shared instance per resource kind: Pulumi serializes each provider object once and caches it. */
export function shimFor(kind: ResourceKind): pulumi.dynamic.ResourceProvider<Props, Props> {
  let shim = shims.get(kind);
  if (!shim) {
    shim = createShim(kind);
    shims.set(kind, shim);
  }
  return shim;
}
