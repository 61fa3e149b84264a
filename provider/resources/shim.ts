// The provider object Pulumi serializes into every resource's state (`__provider`). It must stay tiny and capture
// nothing: no settings, no tokens, no zod schemas, no local modules. Each method loads the implementation from the
// installed package at call time, so state holds a few hundred bytes and upgrades of the package take effect for
// existing resources too.
import type * as pulumi from "@pulumi/pulumi";
import type * as Impl from "./impl";

export type ResourceKind = "Project" | "Environment" | "FeatureFlag" | "FeatureFlagTargeting" | "Segment";

type Props = Record<string, unknown>;

/*
 * Arrow functions in a plain object, not a class: Pulumi serializes every method with its own wrapper, and a class
 * adds prototype plumbing on top (about 3.6 KB against 2.2 KB per copy, and state holds two copies per resource).
 */
function createShim(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved by package name in the provider process
  const impl = () => (require("pulumi-featbit/provider-impl") as typeof Impl).provider(kind);
  return {
    configure: async (req: pulumi.dynamic.ConfigureRequest) =>
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
      (require("pulumi-featbit/provider-impl") as typeof Impl).configure(req),
    check: async (olds: Props, news: Props) => impl().check(olds, news),
    diff: async (id: string, olds: Props, news: Props) => impl().diff(id, olds, news),
    create: async (inputs: Props) => impl().create(inputs),
    read: async (id: string, props?: Props) => impl().read(id, props),
    update: async (id: string, olds: Props, news: Props) => impl().update(id, olds, news),
    delete: async (id: string, props: Props) => impl().delete(id, props),
  };
}

const shims = new Map<string, pulumi.dynamic.ResourceProvider>();

/** One shared instance per resource kind: Pulumi serializes each provider object once and caches it. */
export function shimFor(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  let shim = shims.get(kind);
  if (!shim) {
    shim = createShim(kind);
    shims.set(kind, shim);
  }
  return shim;
}
