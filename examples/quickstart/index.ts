// Quickstart: a web shop's FeatBit project as code.
//
//   featbit:apiUrl       FeatBit API origin, e.g. http://localhost:5000   (or FEATBIT_API_URL)
//   featbit:accessToken  access token, set with --secret                   (or FEATBIT_ACCESS_TOKEN)
//   featbit:organizationKey  your organization's key, for segment scopes    (or FEATBIT_ORGANIZATION_KEY)
//   rolloutPercent       share of Canadian users who get the new checkout  (default 25)
//   projectKey           project key                                         (default "shop")
import * as pulumi from "@pulumi/pulumi";
import * as featbit from "pulumi-featbit";

const config = new pulumi.Config();
const projectKey = config.get("projectKey") ?? "shop";
// Not range-checked here on purpose: the targeting resource validates rollouts (each 0-100, summing to 100).
const rolloutPercent = config.getNumber("rolloutPercent") ?? 25;

const project = new featbit.Project("shop", { key: projectKey, name: "Web shop" });

// FeatBit creates `prod` and `dev` with every project; declaring them adopts them so their names, descriptions
// and SDK keys are managed and exported like any other resource.
const prod = new featbit.Environment("shop-prod", {
  projectId: project.projectId,
  key: "prod",
  name: "Prod",
  description: "Production",
  requireChangeComment: false,
});
const dev = new featbit.Environment("shop-dev", {
  projectId: project.projectId,
  key: "dev",
  name: "Dev",
  description: "Development and QA",
  requireChangeComment: false,
});

const beta = new featbit.Segment("beta", {
  environmentId: prod.environmentId,
  key: "beta-users",
  name: "Beta users",
  description: "Opted into early features",
  included: ["alice"],
  excluded: [],
  rules: [{ name: "Staff", conditions: [{ property: "email", op: "EndsWith", value: "@example.com" }] }],
  tags: ["beta"],
});

const booleanVariations = [
  { name: "On", value: "true" },
  { name: "Off", value: "false" },
];

const checkout = new featbit.FeatureFlag("checkout", {
  environmentId: prod.environmentId,
  key: "new-checkout",
  name: "New checkout",
  description: "Checkout v2",
  variationType: "boolean",
  variations: booleanVariations,
  tags: ["checkout"],
});

new featbit.FeatureFlagTargeting("checkout-targeting", {
  environmentId: prod.environmentId,
  flagKey: checkout.key,
  variations: booleanVariations.map((v) => v.name),
  enabled: true,
  offVariation: "Off",
  individualTargeting: [{ variation: "On", users: ["alice"] }],
  rules: [
    { name: "Beta users", conditions: [{ segment: beta.segmentId }], serve: { variation: "On" } },
    {
      name: "Canada",
      conditions: [{ property: "country", op: "IsOneOf", values: ["ca"] }],
      serve: {
        rollout: [
          { variation: "On", percent: rolloutPercent },
          { variation: "Off", percent: 100 - rolloutPercent },
        ],
      },
    },
  ],
  defaultRule: { serve: { variation: "Off" } },
  // Who must get what, checked at preview by FeatBit's SDK against the targeting above (no request is made): a
  // change that breaks one fails the preview, naming the user, both variations and the rule that decided.
  tests: [
    { user: "alice", gets: "On" }, // individually targeted
    { user: "bob", properties: { email: "bob@example.com" }, gets: "On" }, // staff: in the beta segment
    { user: "erin", properties: { country: "de" }, gets: "Off" },
    {
      anonymous: 10000,
      properties: { country: "ca" },
      gets: { On: rolloutPercent, Off: 100 - rolloutPercent },
    },
  ],
  testSegments: [beta],
});

// In dev everybody gets the new checkout, so QA sees it without being targeted.
const devCheckout = new featbit.FeatureFlag("checkout-dev", {
  environmentId: dev.environmentId,
  key: "new-checkout",
  name: "New checkout",
  description: "Checkout v2",
  variationType: "boolean",
  variations: booleanVariations,
  tags: ["checkout"],
});
new featbit.FeatureFlagTargeting("checkout-dev-targeting", {
  environmentId: dev.environmentId,
  flagKey: devCheckout.key,
  enabled: true,
  offVariation: "Off",
  individualTargeting: [],
  rules: [],
  defaultRule: { serve: { variation: "On" } },
});

// A string flag, managed as a definition only: its targeting stays with the FeatBit UI.
const banner = new featbit.FeatureFlag("banner", {
  environmentId: prod.environmentId,
  key: "promo-banner",
  name: "Promo banner",
  description: "Which banner the home page shows",
  variationType: "string",
  variations: [
    { name: "Summer sale", value: "summer-sale" },
    { name: "None", value: "none" },
  ],
  tags: ["marketing"],
});

export const projectId = project.projectId;
export const environments = { prod: prod.environmentId, dev: dev.environmentId };
export const segmentId = beta.segmentId;
export const flags = { checkout: checkout.key, banner: banner.key };
/** Variation name → id, e.g. for targeting written by another stack or tool. */
export const bannerVariationIds = banner.variationIds;
export const canadaRolloutPercent = rolloutPercent;
// SDK keys are secret outputs: `pulumi stack output --show-secrets` (or the runner's --show-secrets) reveals them.
export const prodServerKey = prod.serverKey;
export const prodClientKey = prod.clientKey;
export const devServerKey = dev.serverKey;
