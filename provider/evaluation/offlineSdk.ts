// FeatBit's own Node.js server SDK (@featbit/node-server-sdk), run offline from a bootstrap of data-sync data: who
// gets which variation is decided by FeatBit's evaluation code, never by a copy of it here.
//
// The SDK's public variation calls return promises around a synchronous evaluation (FbClientCore.evaluateCore,
// part of its IFbClientCore interface); targeting tests run inside synchronous checks (a zod rule, the FlagSet
// component's constructor), so they call evaluateCore directly, with a converter that keeps the raw string value.
// The SDK is loaded on first use: a program that declares no targeting test never loads it.
import type { IEvalDetail, IFbClient, IUser } from "@featbit/node-server-sdk";
import type { DataSyncMessage } from "./dataSync";

/** An end user as the SDK takes it: FeatBit's custom properties are strings. */
export interface EndUser {
  key: string;
  name?: string;
  properties?: Readonly<Record<string, string>>;
}

/** What the SDK decided: the raw variation value, and FeatBit's reason kind (Off, TargetMatch, RuleMatch, …). */
export interface Evaluation {
  value: string;
  kind: string;
  reason: string;
}

type Sdk = typeof import("@featbit/node-server-sdk");
let sdk: Sdk | undefined;
// A static import would load the SDK (and ws) into every Pulumi program that imports this package.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = (): Sdk => (sdk ??= require("@featbit/node-server-sdk") as Sdk);

/** The SDK logs through console by default; offline there is nothing worth telling. */
const silent = { error() {}, warn() {}, info() {}, debug() {} };

const raw = (value: string) => ({ isSucceeded: true, value });

export function toSdkUser(user: EndUser): IUser {
  return {
    key: user.key,
    ...(user.name !== undefined ? { name: user.name } : {}),
    customizedProperties: Object.entries(user.properties ?? {}).map(([name, value]) => ({ name, value })),
  };
}

/** An SDK client in offline mode over a fixed bootstrap. Cheap (tens of microseconds): make one per data set. */
export class OfflineSdk {
  private readonly client: IFbClient;

  constructor(bootstrap: DataSyncMessage) {
    const { FbClientBuilder } = load();
    this.client = new FbClientBuilder()
      .offline(true)
      .useJsonBootstrapProvider(JSON.stringify(bootstrap))
      .logger(silent)
      .build();
  }

  /** Throws what the SDK throws (1.3.0 throws on some operators when the user lacks the property). */
  evaluate(flagKey: string, user: EndUser): Evaluation {
    const detail: IEvalDetail<string> = this.client.evaluateCore(flagKey, toSdkUser(user), "", raw);
    return { value: detail.value ?? "", kind: String(detail.kind), reason: detail.reason ?? "" };
  }
}

/** The SDK's version, named where its behaviour differs from FeatBit's evaluation server. */
export function sdkVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("@featbit/node-server-sdk/package.json") as { version: string }).version;
}
