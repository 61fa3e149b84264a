// The implementation behind the serialized shims, in Pulumi's provider process: settings from the stack config Pulumi
// passes to `configure` (or the environment), one client per settings, and one dynamic provider per resource kind,
// built from the table of resource definitions it is given.
import type * as pulumi from "@pulumi/pulumi";
import { createClient, type FeatBitClient } from "../client";
import { resolveOrganizationKey, resolveSettings, type ConfigSource } from "../client/settings";
import type { AnyDefinition, Context } from "../resources/core/definition";
import { toProvider, type DynamicProvider } from "./dynamicProvider";
import type { Implementation } from "./shim";

export function createHost(definitions: readonly AnyDefinition[]): Implementation {
  let stackConfig: ConfigSource | undefined;
  let cached: { fingerprint: string; client: FeatBitClient } | undefined;

  /** Settings are resolved at call time from stack config, then the environment: never at module load. */
  const context = (): Context => {
    const settings = resolveSettings(stackConfig, process.env);
    const fingerprint = JSON.stringify(settings);
    if (!cached || cached.fingerprint !== fingerprint)
      cached = { fingerprint, client: createClient(settings) };
    return { client: cached.client, organizationKey: resolveOrganizationKey(stackConfig, process.env) };
  };

  const byKind = new Map<string, AnyDefinition>(definitions.map((d) => [d.kind, d]));
  const providers = new Map<string, DynamicProvider>();

  return {
    /** Called by Pulumi once per provider process with the whole stack config (keys stay namespaced). */
    configure(req: pulumi.dynamic.ConfigureRequest): void {
      stackConfig = req.config;
      cached = undefined;
    },

    provider(kind: string): DynamicProvider {
      let p = providers.get(kind);
      if (!p) {
        const definition = byKind.get(kind);
        // State written by a newer package version can name a kind this version lacks.
        if (!definition)
          throw new Error(
            `pulumi-featbit has no resource type '${kind}': upgrade the pulumi-featbit package`,
          );
        p = toProvider(definition, context);
        providers.set(kind, p);
      }
      return p;
    },
  };
}
