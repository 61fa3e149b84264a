#!/usr/bin/env node
// pulumi-resource-featbit: the native provider plugin (package `featbit`), served with `@pulumi/pulumi/provider`'s
// `main`. The engine starts it with its own address as the first argument; it prints the port it serves on.
//
// `main`'s server answers Configure without passing the configuration to the provider, and CheckConfig with
// UNIMPLEMENTED (@pulumi/pulumi 3.248 to 3.276). Settings are what a provider is configured with here, so those two
// methods are supplied by this file on the server `main` builds; everything else is `main`'s.
import * as path from "node:path";
import type * as grpcModule from "@grpc/grpc-js";
import { main } from "@pulumi/pulumi/provider";
import type * as provproto from "@pulumi/pulumi/proto/provider_pb";
import type * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { useEngine } from "../host/engineLog";
import { exitWithEngine } from "../host/engineWatch";
import type { NativeHost, ProviderConfig } from "../host/nativeProvider";
import { nativeHost } from "./index";

type Callback<T> = (err: Error | null, value?: T) => void;
interface Call<T> {
  request: T;
}
type Handler = (call: Call<unknown>, callback: Callback<unknown>) => void;

/** A module of the @pulumi/pulumi that `main` comes from (the same instances its server uses). */
function sdkModule<T>(id: string): T {
  const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's own copies, found at run time
  return require(require.resolve(id, { paths: [pulumiDir] })) as T;
}

/** Configure and CheckConfig, as the native host needs them. */
function configHandlers(host: NativeHost): Record<string, Handler> {
  const proto = sdkModule<typeof provproto>("@pulumi/pulumi/proto/provider_pb");
  const struct = sdkModule<typeof structproto>("google-protobuf/google/protobuf/struct_pb");
  const plain = (s: structproto.Struct | undefined): ProviderConfig =>
    (s?.toJavaScript() ?? {}) as ProviderConfig;
  return {
    configure(call, callback) {
      try {
        const req = call.request as provproto.ConfigureRequest;
        let config = plain(req.getArgs());
        if (!req.getArgs()) {
          // An engine older than `args` sends only `featbit:config:<key>` variables.
          config = {};
          for (const [k, v] of req.getVariablesMap().entries()) config[k.replace(/^featbit:config:/, "")] = v;
        }
        host.configure(config);
        const resp = new proto.ConfigureResponse();
        resp.setAcceptsecrets(true);
        resp.setAcceptresources(true);
        callback(null, resp);
      } catch (err) {
        callback(err as Error);
      }
    },
    checkConfig(call, callback) {
      try {
        const req = call.request as provproto.CheckRequest;
        const news = req.getNews();
        const resp = new proto.CheckResponse();
        resp.setInputs(news ?? struct.Struct.fromJavaScript({}));
        resp.setFailuresList(
          host.checkConfig(plain(news)).map((f) => {
            const failure = new proto.CheckFailure();
            failure.setProperty(f.property);
            failure.setReason(f.reason);
            return failure;
          }),
        );
        callback(null, resp);
      } catch (err) {
        callback(err as Error);
      }
    },
  };
}

export async function serve(host: NativeHost, args: string[]): Promise<void> {
  const grpc = sdkModule<typeof grpcModule>("@grpc/grpc-js");
  const services = sdkModule<{ ResourceProviderService: grpcModule.ServiceDefinition }>(
    "@pulumi/pulumi/proto/provider_grpc_pb",
  );
  const handlers = configHandlers(host);
  const addService = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function (service, implementation) {
    const served =
      service === services.ResourceProviderService
        ? ({ ...bound(implementation), ...handlers } as grpcModule.UntypedServiceImplementation)
        : implementation;
    return addService.call(this, service, served);
  };
  const engine = args.find((a) => !a.startsWith("-"));
  if (engine) useEngine(engine);
  exitWithEngine(process.argv, true);
  await main(host.provider, args);
}

/** The server's methods as own properties (they live on its class's prototype, which a spread would drop). */
function bound(implementation: grpcModule.UntypedServiceImplementation): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let proto: object | null = implementation;
  while (proto && proto !== Object.prototype) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const value = (implementation as Record<string, unknown>)[name];
      if (name !== "constructor" && typeof value === "function" && !(name in out))
        out[name] = (value as (...a: unknown[]) => unknown).bind(implementation);
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return out;
}

if (require.main === module) {
  serve(nativeHost(), process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
