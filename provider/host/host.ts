// The implementation behind the stored `__provider` modules, in Pulumi's provider process: settings from the stack
// config Pulumi passes to `configure` (or the environment), one client per settings, and one dynamic provider per
// resource kind, built from the table of resource definitions it is given.
import type * as pulumi from "@pulumi/pulumi";
import { createClient, type FeatBitClient } from "../client";
import { resolveInstallationSettings, type ClientSettings, type ConfigSource } from "../client/settings";
import type { AnyDefinition, Context } from "../resources/core/definition";
import type { WritePolicy } from "../resources/core/writes";
import { toProvider, type DynamicProvider } from "./dynamicProvider";
import { logDiagnostic } from "./engineLog";
import type { HostedProvider, Implementation } from "./shim";

/**
 * Writes are tried as often as reads are retried (featbit:maxRetries), and a write whose answer timed out is given
 * twice the client's own patience (featbit:httpTimeoutSeconds) to land, between 10 and 60 seconds.
 */
export function writePolicy(settings: ClientSettings): WritePolicy {
  return {
    sends: settings.maxRetries + 1,
    lateLandingMs: Math.min(60_000, Math.max(10_000, 2 * settings.httpTimeoutSeconds * 1000)),
    pollMs: 1000,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

/** What a resource's CRUD gets: a client of one installation, and how hard to write. */
export function contextFor(
  client: FeatBitClient,
  settings: ClientSettings,
  organizationKey: string | undefined,
): Context {
  return {
    client,
    organizationKey,
    writes: writePolicy(settings),
    warn: (message) => logDiagnostic("warning", message),
  };
}

/**
 * The context of each installation, from the settings `config()` holds at call time (then the environment): never at
 * module load. One client per distinct settings (so per installation), reused across resources. Both hosts use it:
 * the dynamic one with the stack config, the native one with its provider's configuration.
 */
export function contextSource(
  config: () => ConfigSource | undefined,
): (installation: string | undefined) => Context {
  const clients = new Map<string, FeatBitClient>();
  return (installation) => {
    const { settings, organizationKey } = resolveInstallationSettings(config(), process.env, installation);
    const fingerprint = JSON.stringify(settings);
    let client = clients.get(fingerprint);
    if (!client) {
      client = createClient(settings);
      clients.set(fingerprint, client);
    }
    return contextFor(client, settings, organizationKey);
  };
}

export function createHost(definitions: readonly AnyDefinition[]): Implementation {
  let stackConfig: ConfigSource | undefined;
  const context = contextSource(() => stackConfig);

  const byKind = new Map<string, AnyDefinition>(definitions.map((d) => [d.kind, d]));
  const providers = new Map<string, HostedProvider>();

  /**
   * Called by Pulumi with the whole stack config (keys stay namespaced), once per kind a run touches. Clients stay:
   * they are keyed by their settings, so a new config gets new ones, and the same config keeps their caches.
   */
  const configure = (req: pulumi.dynamic.ConfigureRequest): void => {
    stackConfig = req.config;
  };

  return {
    configure,

    provider(kind: string): HostedProvider {
      let p = providers.get(kind);
      if (!p) {
        const definition = byKind.get(kind);
        // State written by a newer package version can name a kind this version lacks.
        if (!definition)
          throw new Error(
            `pulumi-featbit has no resource type '${kind}': upgrade the pulumi-featbit package`,
          );
        const crud: DynamicProvider = toProvider(definition, context, (installation) =>
          resolveInstallationSettings(stackConfig, process.env, installation),
        );
        // Stored `__provider` modules hand this object to Pulumi as it is (see host/shim.ts).
        p = { ...crud, configure };
        providers.set(kind, p);
      }
      return p;
    },
  };
}
