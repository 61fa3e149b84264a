// The provider object Pulumi serializes into every resource's state (`__provider`). It must stay tiny and capture
// nothing: no settings, no tokens, no zod schemas, no local modules. Each method loads the implementation from the
// installed package at call time, so state holds a few hundred bytes and upgrades of the package take effect for
// existing resources too.
import type * as pulumi from "@pulumi/pulumi";
import type * as Impl from "./impl";

export type ResourceKind = "Project" | "Environment" | "FeatureFlag" | "FeatureFlagTargeting" | "Segment";

/* eslint-disable @typescript-eslint/no-require-imports -- resolved by package name inside the provider process */
class FeatBitProviderShim implements pulumi.dynamic.ResourceProvider {
  constructor(private readonly kind: string) {}

  async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    (require("pulumi-featbit/provider-impl") as typeof Impl).configure(req);
  }

  async check(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.CheckResult> {
    return (require("pulumi-featbit/provider-impl") as typeof Impl).provider(this.kind).check(olds, news);
  }

  async diff(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.DiffResult> {
    return (require("pulumi-featbit/provider-impl") as typeof Impl).provider(this.kind).diff(id, olds, news);
  }

  async create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    return (require("pulumi-featbit/provider-impl") as typeof Impl).provider(this.kind).create(inputs);
  }

  async read(id: string, props?: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
    return (require("pulumi-featbit/provider-impl") as typeof Impl).provider(this.kind).read(id, props);
  }

  async update(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.UpdateResult> {
    return (require("pulumi-featbit/provider-impl") as typeof Impl)
      .provider(this.kind)
      .update(id, olds, news);
  }

  async delete(id: string, props: Record<string, unknown>): Promise<void> {
    return (require("pulumi-featbit/provider-impl") as typeof Impl).provider(this.kind).delete(id, props);
  }
}
/* eslint-enable @typescript-eslint/no-require-imports */

const shims = new Map<string, FeatBitProviderShim>();

/** One shared instance per resource kind: Pulumi serializes each provider object once and caches it. */
export function shimFor(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  let shim = shims.get(kind);
  if (!shim) {
    shim = new FeatBitProviderShim(kind);
    shims.set(kind, shim);
  }
  return shim;
}
