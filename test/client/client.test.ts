// createClient end to end: the real API-area modules over the real transport.
import { createClient, isFeatBitApiError } from "../../provider/client";
import { apiFailure, envelopeError, FAST, ok, settingsFor, startServer, type TestServer } from "./helpers";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const flag = {
  id: "f-1",
  envId: "e1",
  revision: "r1",
  name: "Checkout",
  description: null,
  key: "checkout",
  variationType: "boolean",
  variations: [
    { id: "v-on", name: "on", value: "true" },
    { id: "v-off", name: "off", value: "false" },
  ],
  targetUsers: [],
  rules: [],
  isEnabled: false,
  disabledVariationId: "v-off",
  fallthrough: {
    dispatchKey: null,
    includedInExpt: true,
    variations: [{ id: "v-on", rollout: [0, 1], exptRollout: 1 }],
  },
  exptIncludeAllTargets: true,
  tags: [],
  isArchived: false,
  creatorId: null,
  updatorId: null,
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
};

describe("createClient", () => {
  test("lists projects through the area module", async () => {
    server.reset((_q, res) => ok(res, [{ id: "p1", name: "Web", key: "web", environments: [] }]));
    const client = createClient(settingsFor(server.origin), FAST);
    await expect(client.projects.list()).resolves.toEqual([
      { id: "p1", name: "Web", key: "web", environments: [] },
    ]);
    expect(server.requests[0].url).toBe("/api/v1/projects");
  });

  test("reads a flag by key, encoding the path segment", async () => {
    server.reset((_q, res) => ok(res, flag));
    const client = createClient(settingsFor(server.origin), FAST);
    await expect(client.flags.get("e1", "checkout")).resolves.toMatchObject({
      key: "checkout",
      revision: "r1",
    });
    expect(server.requests[0].url).toBe("/api/v1/envs/e1/feature-flags/checkout");
  });

  test("a duplicate flag key reads as a person would say it", async () => {
    server.reset((_q, res) => envelopeError(res, 422, "KeyHasBeenUsed"));
    const client = createClient(settingsFor(server.origin), FAST);
    const e = await apiFailure(
      client.flags.create("0f2c", {
        name: "Checkout",
        key: "checkout",
        variationType: "boolean",
        variations: flag.variations,
        enabledVariationId: "v-on",
        disabledVariationId: "v-off",
      }),
    );
    expect(e.message).toContain(
      "a feature flag with key 'checkout' already exists in environment 0f2c: import it, or choose another key (FeatBit: KeyHasBeenUsed)",
    );
    expect(e.ambiguous).toBe(false);
  });

  test("thrown errors are our own, with no trace of the HTTP library's request", async () => {
    server.reset((_q, res) => envelopeError(res, 403, "Forbidden"));
    const client = createClient(settingsFor(server.origin), FAST);
    const e = await apiFailure(client.environments.get("p1", "e-gone"));
    expect(isFeatBitApiError(e)).toBe(true);
    expect(e.name).toBe("FeatBitApiError");
    for (const prop of ["config", "request", "response", "cause", "isAxiosError", "toJSON"]) {
      expect(e).not.toHaveProperty(prop);
    }
    expect(Object.keys(e).sort()).toEqual([
      "ambiguous",
      "attempts",
      "codes",
      "detail",
      "kind",
      "method",
      "name",
      "path",
      "status",
    ]);
  });
});
