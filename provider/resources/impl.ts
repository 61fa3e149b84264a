// What the serialized shim loads inside Pulumi's provider process (`pulumi-featbit/provider-impl`): the configured
// client and one dynamic provider per resource kind.
import type * as pulumi from "@pulumi/pulumi";
import { createClient, type FeatBitClient } from "../client";
import { resolveOrganizationKey, resolveSettings, type ConfigSource } from "../client/settings";
import type { Context, DynamicProvider } from "./framework";
import { providerFactories } from "./registry";

let stackConfig: ConfigSource | undefined;
let cached: { fingerprint: string; client: FeatBitClient } | undefined;

/** Called by Pulumi once per provider process with the whole stack config (keys stay namespaced). */
export function configure(req: pulumi.dynamic.ConfigureRequest): void {
  stackConfig = req.config;
  cached = undefined;
}

/** Settings are resolved at call time from stack config, then the environment: never at module load. */
function context(): Context {
  const settings = resolveSettings(stackConfig, process.env);
  const fingerprint = JSON.stringify(settings);
  if (!cached || cached.fingerprint !== fingerprint) cached = { fingerprint, client: createClient(settings) };
  return { client: cached.client, organizationKey: resolveOrganizationKey(stackConfig, process.env) };
}

const providers = new Map<string, DynamicProvider>();

export function provider(kind: string): DynamicProvider {
  let p = providers.get(kind);
  if (!p) {
    const factory = providerFactories[kind];
    // State written by a newer package version can name a kind this version lacks.
    if (!factory)
      throw new Error(`pulumi-featbit has no resource type '${kind}': upgrade the pulumi-featbit package`);
    p = factory(context);
    providers.set(kind, p);
  }
  return p;
}
