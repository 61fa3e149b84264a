// The ids the provider derives for objects FeatBit lets the client name (variations, flag rules and their conditions,
// segment rules and their conditions) are part of every user's live data: a change to how they are derived would
// make every upgrade rewrite them (and break references to them). These pins use fixed literals on purpose.
import type { FeatureFlag, ProjectWithEnvs, Segment } from "../../provider/client";
import { stableId } from "../../provider/resources/core/stableIds";
import { lifecycle, startProviderHarness, type ProviderHarness } from "../support/providerHarness";

let h: ProviderHarness;

beforeAll(async () => {
  h = await startProviderHarness({ orgKey: "pins" });
  process.env.FEATBIT_ORGANIZATION_KEY = "pins";
});
afterAll(async () => {
  delete process.env.FEATBIT_ORGANIZATION_KEY;
  await h.close();
});

test("the derivation itself: sha-1 of the JSON parts, laid out as a version-5 UUID", () => {
  expect(stableId("checkout", "variation", "true")).toBe("28023c4c-ce91-5392-a024-e733405c76a5");
  expect(stableId("checkout", "variation", "false")).toBe("ceac7adf-d8f0-57af-898d-a0514de0c79e");
  expect(stableId("checkout", "variation", "Blue", "2")).toBe("06f8de49-be07-5a8f-80d8-00807d8e0cfa");
  const rule = stableId("6a1d3f0e-2b4c-4d5e-8f60-718293a4b5c6", "checkout", "rule", "Beta users");
  expect(rule).toBe("439ca8c4-e476-5dd4-9989-935a9954cd68");
  expect(stableId(rule, "condition", "0")).toBe("acbabbc2-13f1-5ce5-8535-9a4a7dad98be");
  const segmentRule = stableId("0f2c6a1d-1111-4222-8333-944455556666", "rule", "Staff");
  expect(segmentRule).toBe("29adf982-4371-5593-8d81-7df8945a42e2");
  expect(stableId(segmentRule, "condition", "0")).toBe("81814105-5f4d-534a-9b1e-8280a472ceab");
});

test("the ids written to FeatBit for a flag, its targeting and a segment", async () => {
  const project = await h.api<ProjectWithEnvs>("POST", "/projects", { name: "Pins", key: "pins" });
  const envId = project.body.environments.find((e) => e.key === "prod")!.id;

  const segment = lifecycle(() => h.provider("Segment"));
  const seg = await segment.up({
    environmentId: envId,
    key: "staff",
    name: "Staff",
    rules: [{ name: "Staff", conditions: [{ property: "email", op: "EndsWith", value: "@example.com" }] }],
  });
  const liveSegment = (await h.api<Segment>("GET", `/envs/${envId}/segments/${String(seg.outs.segmentId)}`))
    .body;
  // Ids that involve a server-made id (environment, segment) are pinned through stableId, itself pinned above.
  const segmentRule = stableId(liveSegment.id, "rule", "Staff");
  expect(liveSegment.rules.map((r) => [r.id, r.conditions.map((c) => c.id)])).toEqual([
    [segmentRule, [stableId(segmentRule, "condition", "0")]],
  ]);

  const flag = lifecycle(() => h.provider("FeatureFlag"));
  await flag.up({ environmentId: envId, key: "checkout", name: "Checkout" });
  await flag.up({
    environmentId: envId,
    key: "theme",
    name: "Theme",
    variationType: "string",
    variations: [
      { name: "Light", value: "light" },
      { name: "Dark", value: "dark" },
    ],
  });
  const targeting = lifecycle(() => h.provider("FeatureFlagTargeting"));
  await targeting.up({
    environmentId: envId,
    flagKey: "checkout",
    rules: [
      {
        name: "Beta users",
        conditions: [
          { segment: liveSegment.id },
          { property: "country", op: "IsOneOf", values: ["ca", "fr"] },
        ],
        serve: { variation: "true" },
      },
    ],
  });
  const checkout = (await h.api<FeatureFlag>("GET", `/envs/${envId}/feature-flags/checkout`)).body;
  const theme = (await h.api<FeatureFlag>("GET", `/envs/${envId}/feature-flags/theme`)).body;
  expect(checkout.variations.map((v) => [v.name, v.id])).toEqual([
    ["true", "28023c4c-ce91-5392-a024-e733405c76a5"],
    ["false", "ceac7adf-d8f0-57af-898d-a0514de0c79e"],
  ]);
  expect(theme.variations.map((v) => [v.name, v.id])).toEqual([
    ["Light", "571d81da-6567-5afa-8431-36ac1fb18b3e"],
    ["Dark", "25c4fcac-5ad2-5ad0-9044-5aecc50d5fa2"],
  ]);
  const rule = stableId(envId, "checkout", "rule", "Beta users");
  expect(checkout.rules.map((r) => [r.id, r.conditions.map((c) => c.id)])).toEqual([
    [rule, [stableId(rule, "condition", "0"), stableId(rule, "condition", "1")]],
  ]);
});
