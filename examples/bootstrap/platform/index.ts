// The platform team's stack: the `shop` project stood up in two FeatBit installations — a self-hosted one for staging
// and development (the default installation: featbit:apiUrl / featbit:accessToken) and FeatBit Cloud for production
// (the installation named "cloud": featbit:installations.cloud.apiUrl / .accessToken, see the README's configuration)
// — with the same baseline flags and segments everywhere, and every environment's SDK keys as one secret output for
// the application stacks (see ../app).
import * as pulumi from "@pulumi/pulumi";
import * as featbit from "pulumi-featbit";

const flags: Record<string, featbit.BaselineFlag> = {
  "new-checkout": { name: "New checkout", description: "Checkout v2", tags: ["checkout"] },
  theme: {
    name: "Theme",
    variationType: "string",
    variations: [
      { name: "Light", value: "light" },
      { name: "Dark", value: "dark" },
    ],
  },
};
const segments: Record<string, featbit.BaselineSegment> = {
  staff: {
    name: "Staff",
    rules: [{ name: "Email", conditions: [{ property: "email", op: "EndsWith", value: "@example.com" }] }],
  },
};

const selfHosted = new featbit.ProjectBootstrap("shop", {
  key: "shop",
  name: "Web shop",
  environments: {
    dev: { name: "Development" },
    staging: { name: "Staging", description: "Release candidates" },
  },
  flags,
  segments,
});

const cloud = new featbit.ProjectBootstrap("shop-cloud", {
  installation: "cloud",
  key: "shop",
  name: "Web shop",
  environments: { prod: { name: "Production", requireChangeComment: true } },
  flags,
  segments,
});

/** Environment key → {serverKey, clientKey}, across both installations: a secret. */
export const sdkKeys = pulumi.all([selfHosted.sdkKeys, cloud.sdkKeys]).apply(([a, b]) => ({ ...a, ...b }));
export const environmentIds = pulumi
  .all([selfHosted.environmentIds, cloud.environmentIds])
  .apply(([a, b]) => ({ ...a, ...b }));
