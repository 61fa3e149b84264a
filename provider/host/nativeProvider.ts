// The second host: the resource definitions and lookups served as the native Pulumi package `featbit` (plugin
// pulumi-resource-featbit, provider/native/plugin.ts), for programs in any language. Everything a resource does is the
// dynamic host's (toProvider: validation, diff, origin and onDestroy, the CRUD of its definition); this file only
// speaks the native protocol around it:
// - resources are named by type token (`featbit:index:FeatureFlag`), not by a `__provider` in their props;
// - settings come from the provider's configuration: the default provider's is the stack's `featbit:*` config, an
//   explicit `featbit:index:Provider` has its own (one installation each, in place of the `installation` input);
// - values arrive and leave with Pulumi's secret markers: unwrapped for the definitions, put back on the way out
//   (on the fields that came in secret, and on the outputs the package declares secret);
// - a read without state (`pulumi import`) adopts the object it reads: the stack did not create it, so destroying
//   the stack releases it.
import type * as provider from "@pulumi/pulumi/provider";
import type { ConfigSource } from "../client/settings";
import { runLookup, type AnyLookup, type LookupDefinition } from "../lookups";
import type { AnyDefinition, Props } from "../resources/core/definition";
import { PartialWriteError } from "../resources/core/definition";
import { UNKNOWN, containsUnknown } from "../resources/core/schema";
import { toProvider, type DynamicProvider } from "./dynamicProvider";
import { contextSource } from "./host";
import type { Severity } from "./engineLog";

/** The package's name, and the module of every token: `featbit:index:<Name>`. */
export const PACKAGE = "featbit";
export const nativeToken = (name: string): string => `${PACKAGE}:index:${name}`;

/** Pulumi's marker of a secret value in a Struct (rpc.specialSigKey / specialSecretSig). */
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";

const isSecret = (value: unknown): value is { [SIG]: string; value: unknown } =>
  value !== null && typeof value === "object" && (value as Record<string, unknown>)[SIG] === SECRET;

/** The value without secret markers, at any depth. */
export function reveal(value: unknown): unknown {
  if (isSecret(value)) return reveal(value.value);
  if (Array.isArray(value)) return value.map(reveal);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = reveal(v);
  return out;
}

const containsSecret = (value: unknown): boolean =>
  isSecret(value) ||
  (Array.isArray(value)
    ? value.some(containsSecret)
    : value !== null && typeof value === "object" && Object.values(value).some(containsSecret));

const secret = (value: unknown) => ({ [SIG]: SECRET, value });

/** No `undefined` anywhere: protobuf's Struct refuses it ("Unexpected struct type"). */
function defined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : defined(v)));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = defined(v);
  return out;
}

/** The top-level fields holding a secret anywhere inside: they leave secret, whatever the definition did with them. */
const secretFields = (props: Props | undefined): Set<string> =>
  new Set(Object.entries(props ?? {}).flatMap(([k, v]) => (containsSecret(v) ? [k] : [])));

/** The resource's name from its URN (`urn:pulumi:stack::project::featbit:index:FeatureFlag::checkout`). */
export function typeOfUrn(urn: string): string {
  const parts = urn.split("::");
  const qualified = parts[2] ?? "";
  return qualified.slice(qualified.lastIndexOf("$") + 1);
}

/** Provider settings by name: the stack's `featbit:*` config for the default provider, else a Provider's inputs. */
export type ProviderConfig = Record<string, unknown>;

/** A settings source over a provider's configuration, under the stack config keys the resolver reads. */
export function configSource(config: ProviderConfig): ConfigSource {
  return {
    get(key) {
      if (!key.startsWith(`${PACKAGE}:`)) return undefined;
      const value = reveal(config[key.slice(PACKAGE.length + 1)]);
      if (value === undefined || value === null) return undefined;
      return typeof value === "string" ? value : JSON.stringify(value);
    },
  };
}

/**
 * Props for the shared mechanics: no `installation` (here a FeatBit is a provider, and the shared host would pick a
 * configured installation by that name) and no `__provider`. Both are found in state the dynamic host wrote, met when
 * a stack moves to this provider under the schema's type aliases: that `installation` named the FeatBit the resource's
 * provider now is, so it is no change (which would replace the object).
 */
function hostless(props: Props): Props {
  const { __provider: _provider, installation: _installation, ...rest } = props;
  return rest;
}

export interface NativeHost {
  /** What `@pulumi/pulumi/provider`'s `main` serves. */
  readonly provider: provider.Provider;
  /** The provider's configuration (Configure's args), before any resource call. */
  configure(config: ProviderConfig): void;
  /** Failures of a provider's configuration, at preview (CheckConfig). */
  checkConfig(config: ProviderConfig): provider.CheckFailure[];
}

/** The provider configuration keys the package declares; `installations` is the dynamic host's (ignored here). */
export const PROVIDER_SETTINGS = [
  "apiUrl",
  "accessToken",
  "organizationKey",
  "maxRetries",
  "httpTimeoutSeconds",
  "maxConcurrency",
  "allowInsecureHttp",
] as const;

export function createNativeHost(options: {
  definitions: readonly AnyDefinition[];
  lookups: readonly AnyLookup[];
  /** Output fields the package declares secret, by resource name. */
  secretOutputs: (kind: string) => readonly string[];
  version: string;
  schema: () => Promise<string>;
  log?: (severity: Severity, message: string) => void;
}): NativeHost {
  let config: ProviderConfig | undefined;
  const source = () => (config === undefined ? undefined : configSource(config));
  const context = contextSource(source);
  const checkSettings = () => {
    context(undefined);
  };
  const hosted = new Map<string, { def: AnyDefinition; crud: DynamicProvider }>();
  for (const def of options.definitions) {
    hosted.set(nativeToken(def.kind), {
      def,
      crud: toProvider(def, context, checkSettings, options.log),
    });
  }
  const lookups = new Map(options.lookups.map((l) => [nativeToken(l.name), l]));

  const resourceOf = (urn: string) => {
    const type = typeOfUrn(urn);
    const found = hosted.get(type);
    // State or a program written for a newer package version can name a type this version lacks.
    if (!found)
      throw new Error(`the featbit provider ${options.version} has no resource type '${type}': upgrade it`);
    return found;
  };

  /** Props for the definitions, and the fields to mark secret on the way back. */
  const inbound = (kind: string, ...props: (Props | undefined)[]) => {
    const secrets = new Set(options.secretOutputs(kind));
    for (const p of props) for (const f of secretFields(p)) secrets.add(f);
    return {
      secrets,
      reveal: (p: Props | undefined) => (p === undefined ? undefined : hostless(reveal(p) as Props)),
    };
  };
  const outbound = (props: Props | undefined, secrets: ReadonlySet<string>): Props => {
    const out = defined(props ?? {}) as Props;
    for (const f of secrets) if (out[f] !== undefined && out[f] !== UNKNOWN) out[f] = secret(out[f]);
    return out;
  };
  /** A partial write's properties become the resource's state: the same treatment as any outputs. */
  const failed = (err: unknown, secrets: ReadonlySet<string>): never => {
    if (err instanceof PartialWriteError) {
      const props = outbound(err.properties, secrets);
      for (const k of Object.keys(err.properties)) delete err.properties[k];
      Object.assign(err.properties, props);
    }
    throw err;
  };

  const installationFailure = (news: Props): provider.CheckFailure[] =>
    news.installation === undefined
      ? []
      : [
          {
            property: "installation",
            reason:
              "the featbit package's resources take no installation: each FeatBit installation is a provider " +
              "(a featbit:index:Provider with its own apiUrl and accessToken), given to the resource with the " +
              "`provider` resource option",
          },
        ];

  const nativeProvider: provider.Provider = {
    version: options.version,
    getSchema: options.schema,

    async check(urn, olds, news) {
      const { def, crud } = resourceOf(urn);
      const io = inbound(def.kind, news);
      const hostFailures = installationFailure(news);
      const result = await crud.check(io.reveal(olds) ?? {}, io.reveal(news) as Props);
      const failures = [...hostFailures, ...(result.failures ?? [])];
      if (failures.length > 0) return { inputs: news, failures };
      return { inputs: outbound(result.inputs as Props, secretFields(news)) };
    },

    async diff(id, urn, olds, news) {
      const { def, crud } = resourceOf(urn);
      const io = inbound(def.kind);
      return crud.diff(id, io.reveal(olds) as Props, io.reveal(news) as Props);
    },

    async create(urn, inputs) {
      const { def, crud } = resourceOf(urn);
      const io = inbound(def.kind, inputs);
      try {
        const created = await crud.create(io.reveal(inputs) as Props);
        return { id: created.id, outs: outbound(created.outs as Props, io.secrets) };
      } catch (err) {
        return failed(err, io.secrets);
      }
    },

    async read(id, urn, props) {
      const { def, crud } = resourceOf(urn);
      const io = inbound(def.kind, props);
      const stored = io.reveal(props) ?? {};
      const result = await crud.read(id, stored);
      if (result.id === undefined) return { id: "", props: {} };
      const outs = result.props as Props;
      // Nothing stored: `pulumi import` (or a `get`, which never destroys). The stack adopts what it did not create
      // (a kind whose destroy never touches FeatBit records no origin).
      const imported = Object.keys(stored).length === 0 && def.destroys !== false;
      return {
        id: result.id,
        props: outbound(imported ? { ...outs, origin: "adopted" } : outs, io.secrets),
        inputs: outbound(result.inputs as Props, secretFields(props)),
      };
    },

    async update(id, urn, olds, news) {
      const { def, crud } = resourceOf(urn);
      const io = inbound(def.kind, olds, news);
      try {
        const updated = await crud.update(id, io.reveal(olds) as Props, io.reveal(news) as Props);
        return { outs: outbound(updated.outs as Props, io.secrets) };
      } catch (err) {
        return failed(err, io.secrets);
      }
    },

    async delete(id, urn, props) {
      const { def, crud } = resourceOf(urn);
      await crud.delete(id, inbound(def.kind).reveal(props) as Props);
    },

    async invoke(token, inputs) {
      const lookup = lookups.get(token);
      if (!lookup) throw new Error(`the featbit provider ${options.version} has no function '${token}'`);
      const args = reveal(inputs) as Record<string, unknown>;
      if (args.installation !== undefined) {
        return {
          failures: [{ property: "installation", reason: installationFailure(args)[0].reason }],
        };
      }
      const typed = lookup as unknown as LookupDefinition<Record<string, unknown>, Record<string, unknown>>;
      const result = await runLookup(typed, args, () => context(undefined).client);
      return { outputs: outbound(result, new Set(lookup.secrets ?? [])) };
    },
  };

  return {
    provider: nativeProvider,
    configure(next) {
      config = next;
    },
    checkConfig(news) {
      const plain = reveal(news) as ProviderConfig;
      if (containsUnknown(plain)) return [];
      try {
        contextSource(() => configSource(plain))(undefined);
        return [];
      } catch (err) {
        return [{ property: "", reason: err instanceof Error ? err.message : String(err) }];
      }
    },
  };
}
