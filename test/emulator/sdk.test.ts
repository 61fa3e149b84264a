// The emulator as FeatBit's evaluation server for FeatBit's real Node.js server SDK: data sync over the WebSocket
// (and by polling), changes made through the REST API pushed to a connected SDK, insight events accepted, refused
// connections closed with 4003; and the data sync agreeing with the offline bootstrap targeting tests use.
import { DataSyncModeEnum, FbClientBuilder, type IFbClient } from "@featbit/node-server-sdk";
import WebSocket from "ws";
import type { ProjectWithEnvs } from "../../provider/client";
import { anonymousUser, FlagEvaluator } from "../../provider/evaluation/targetingTests";
import { declaredSubject, type DeclaredTargeting } from "../../provider/resources/featureFlagTargeting";
import { envIdOfSecret, parseConnectionToken } from "../../provider/emulator/sdk";
import { lifecycle, startProviderHarness, waitFor, type ProviderHarness } from "../support/providerHarness";

let h: ProviderHarness;
let envId: string;
let serverKey: string;
let clientKey: string;
let segmentId: string;
const clients: IFbClient[] = [];
const silent = { error() {}, warn() {}, info() {}, debug() {} };

const flagInputs = () => ({
  environmentId: envId,
  key: "new-checkout",
  name: "New checkout",
  variationType: "boolean",
  variations: [
    { name: "On", value: "true" },
    { name: "Off", value: "false" },
  ],
});
const targetingInputs = () => ({
  environmentId: envId,
  flagKey: "new-checkout",
  variations: ["On", "Off"],
  enabled: true,
  offVariation: "Off",
  individualTargeting: [{ variation: "On", users: ["alice"] }],
  rules: [
    { name: "Beta", conditions: [{ segment: segmentId }], serve: { variation: "On" } },
    {
      name: "Canada",
      conditions: [{ property: "country", op: "IsOneOf", values: ["ca"] }],
      serve: {
        rollout: [
          { variation: "On", percent: 30 },
          { variation: "Off", percent: 70 },
        ],
      },
    },
  ],
  defaultRule: {
    serve: {
      rollout: [
        { variation: "On", percent: 10 },
        { variation: "Off", percent: 90 },
      ],
      dispatchKey: "accountId",
    },
  },
});
const segmentInputs = () => ({
  environmentId: envId,
  key: "beta",
  name: "Beta",
  included: ["bob"],
  excluded: ["carol"],
  rules: [{ name: "Staff", conditions: [{ property: "email", op: "EndsWith", value: "@example.com" }] }],
});

beforeAll(async () => {
  // The emulator's organization key, for the segment's scope (access tokens cannot read it).
  process.env.FEATBIT_ORGANIZATION_KEY = "playground";
  h = await startProviderHarness();
  const project = await h.api<
    ProjectWithEnvs & { environments: { secrets: { type: string; value: string }[] }[] }
  >("POST", "/projects", { name: "Shop", key: "shop" });
  const env = project.body.environments[0];
  envId = env.id;
  serverKey = env.secrets.find((s) => s.type === "server")?.value ?? "";
  clientKey = env.secrets.find((s) => s.type === "client")?.value ?? "";
  segmentId = (await lifecycle(() => h.provider("Segment")).up(segmentInputs())).outs.segmentId as string;
  await lifecycle(() => h.provider("FeatureFlag")).up(flagInputs());
  await lifecycle(() => h.provider("FeatureFlagTargeting")).up(targetingInputs());
});
afterAll(async () => {
  delete process.env.FEATBIT_ORGANIZATION_KEY;
  await Promise.all(clients.map((c) => c.close()));
  await h.close();
});

/** A real SDK client of the environment; insight events only where a test looks at them. */
async function sdkClient(mode: "streaming" | "polling" = "streaming", events = false): Promise<IFbClient> {
  const builder = new FbClientBuilder()
    .sdkKey(serverKey)
    .eventsUri(h.emulator.url)
    .disableEvents(!events)
    .flushInterval(100)
    .startWaitTime(2_000)
    .logger(silent);
  if (mode === "streaming") builder.streamingUri(h.emulator.url);
  else builder.dataSyncMode(DataSyncModeEnum.POLLING).pollingUri(h.emulator.url).pollingInterval(100);
  const client = builder.build();
  clients.push(client);
  await client.waitForInitialization();
  return client;
}

/** Polls `read` until it gives `expected` (the push is asynchronous); fails after 10 s. */
async function eventually<T>(read: () => Promise<T>, expected: T): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last = await read();
  while (last !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    last = await read();
  }
  expect(last).toBe(expected);
}

const user = (key: string, props: Record<string, string> = {}) => ({
  key,
  customizedProperties: Object.entries(props).map(([name, value]) => ({ name, value })),
});

describe("the streaming data sync", () => {
  it("gives a real SDK client the flags and segments: it serves what the targeting says", async () => {
    const client = await sdkClient();
    expect(h.emulator.sdkConnections()).toBeGreaterThan(0);
    const serve = (key: string, props: Record<string, string> = {}) =>
      client.boolVariationDetail("new-checkout", user(key, { email: "", ...props }), false);
    expect(await serve("alice")).toMatchObject({ value: true, kind: "TargetMatch" });
    expect(await serve("bob")).toMatchObject({ value: true, reason: "match rule Beta" });
    expect(await serve("dan", { email: "dan@example.com" })).toMatchObject({
      value: true,
      reason: "match rule Beta",
    });
    // Excluded from the segment: not in it, whatever its rules say.
    expect(await serve("carol", { email: "carol@example.com" })).toMatchObject({ kind: "FallThrough" });
  });

  it("pushes a change made through the REST API to a connected client", async () => {
    const client = await sdkClient();
    const updates: string[][] = [];
    client.on("update", (keys: string[]) => updates.push(keys));
    expect(await client.boolVariation("new-checkout", user("alice"), false)).toBe(true);
    const res = await h.api("PUT", `/envs/${envId}/feature-flags/new-checkout/toggle/false`, {});
    expect(res.status).toBe(200);
    await waitFor(() => updates.some((keys) => keys.includes("new-checkout")), "the SDK's update event");
    // Off: the off variation, even for alice.
    expect(await client.boolVariation("new-checkout", user("alice"), true)).toBe(false);
    await h.api("PUT", `/envs/${envId}/feature-flags/new-checkout/toggle/true`, {});
    await waitFor(() => updates.length >= 2, "the second update");
    expect(await client.boolVariation("new-checkout", user("alice"), false)).toBe(true);
  });

  it("pushes a segment change too", async () => {
    const client = await sdkClient();
    expect(await client.boolVariation("new-checkout", user("frank", { email: "" }), false)).toBe(false);
    const res = await h.api("PUT", `/envs/${envId}/segments/${segmentId}/targeting`, {
      included: ["bob", "frank"],
      excluded: ["carol"],
      rules: [],
    });
    expect(res.status).toBe(200);
    await eventually(() => client.boolVariation("new-checkout", user("frank", { email: "" }), false), true);
    const { included, excluded, rules } = segmentInputs();
    await h.api("PUT", `/envs/${envId}/segments/${segmentId}/targeting`, { included, excluded, rules });
  });

  it("accepts the client's insight events", async () => {
    h.emulator.insights.clear();
    const client = await sdkClient("streaming", true);
    await client.boolVariation("new-checkout", user("alice"), false);
    client.track(user("alice"), "checkout-completed", 42);
    await client.flush();
    await waitFor(() => h.emulator.insights.all().length >= 2, "two insights");
    const insights = h.emulator.insights.all();
    expect(insights.every((i) => i.envId === envId && i.user.keyId === "alice")).toBe(true);
    expect(insights.flatMap((i) => i.variations.map((v) => [v.featureFlagKey, v.variation.value]))).toEqual([
      ["new-checkout", "true"],
    ]);
    expect(insights.flatMap((i) => i.metrics.map((m) => [m.eventName, m.numericValue]))).toEqual([
      ["checkout-completed", 42],
    ]);
  });

  it("refuses a bad token, an expired one and a client key by closing with 4003 (SDKs then stop reconnecting)", async () => {
    const closeCode = (token: string, type = "server") =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(
          `${h.emulator.url.replace(/^http/, "ws")}/streaming?type=${type}&token=${token}`,
        );
        ws.on("close", (code) => resolve(code));
      });
    const token = (secret: string, at: number) => {
      const digits = (n: number, len: number) =>
        String(n)
          .padStart(len, "0")
          .split("")
          .map((d) => "QBWSPHDXZU"[Number(d)])
          .join("");
      const stamp = digits(at, String(at).length);
      const start = 10;
      return `${digits(start, 3)}${digits(stamp.length, 2)}${secret.slice(0, start)}${stamp}${secret.slice(start)}`;
    };
    expect(parseConnectionToken(token(serverKey, Date.now()))?.secret).toBe(serverKey);
    expect(envIdOfSecret(serverKey)).toBe(envId);
    expect(await closeCode("nonsense")).toBe(4003);
    expect(await closeCode(token(serverKey, Date.now() - 60_000))).toBe(4003);
    expect(await closeCode(token(clientKey, Date.now()))).toBe(4003);
    expect(await closeCode(token(serverKey, Date.now()), "client")).toBe(4003);
  });
});

describe("the polling endpoint", () => {
  it("serves the same data to a polling client, answering as FeatBit's SdkController", async () => {
    const client = await sdkClient("polling");
    expect(await client.boolVariation("new-checkout", user("alice"), false)).toBe(true);
    const unauthorized = await fetch(`${h.emulator.url}/api/public/sdk/server/latest-all?timestamp=0`);
    expect(unauthorized.status).toBe(401);
    const full = await fetch(`${h.emulator.url}/api/public/sdk/server/latest-all?timestamp=0`, {
      headers: { Authorization: serverKey },
    });
    const body = (await full.json()) as {
      messageType: string;
      data: { eventType: string; featureFlags: unknown[] };
    };
    expect(body.messageType).toBe("data-sync");
    expect(body.data.eventType).toBe("full");
    expect(body.data.featureFlags).toHaveLength(1);
    const empty = await fetch(
      `${h.emulator.url}/api/public/sdk/server/latest-all?timestamp=${Date.now() + 60_000}`,
      {
        headers: { Authorization: serverKey },
      },
    );
    expect([empty.status, await empty.text()]).toEqual([200, ""]);
  });
});

describe("the emulator's data sync and the offline bootstrap agree", () => {
  it("give the SDK the same flag: 20,000 users get the same variation, decided by the same rule", async () => {
    const online = await sdkClient();
    const segment = segmentInputs();
    const offline = new FlagEvaluator(
      declaredSubject(targetingInputs() as DeclaredTargeting, [
        {
          id: segmentId,
          included: segment.included,
          excluded: segment.excluded,
          rules: segment.rules as never,
        },
      ]),
    );
    const reasonOf = (kind: string, reason: string) =>
      kind === "RuleMatch" ? `rule '${reason.replace(/^match rule /, "")}'` : kind;
    const byDecider = new Map<string, number>();
    const mismatches: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const props: Record<string, string> = i % 3 === 0 ? { country: "ca" } : {};
      if (i % 7 === 0) props.email = `u${i}@example.com`;
      const who = anonymousUser(i, props, ["accountId"]);
      const theirs = offline.serve(who);
      const mine = await online.boolVariationDetail(
        "new-checkout",
        user(who.key, { email: "", country: "", ...who.properties }),
        false,
      );
      const name = mine.value ? "On" : "Off";
      const decided = reasonOf(String(mine.kind), mine.reason ?? "");
      const expectedDecider = theirs.decidedBy.startsWith("rule")
        ? theirs.decidedBy
        : theirs.decidedBy === "the default rule"
          ? "FallThrough"
          : "TargetMatch";
      if (name !== theirs.variation || decided !== expectedDecider)
        mismatches.push(`${who.key}: ${name} ${decided} vs ${theirs.variation} ${theirs.decidedBy}`);
      byDecider.set(decided, (byDecider.get(decided) ?? 0) + 1);
    }
    expect(mismatches).toEqual([]);
    // The population exercised every path of the targeting.
    expect([...byDecider.keys()].sort()).toEqual(["FallThrough", "rule 'Beta'", "rule 'Canada'"]);
  });
});
