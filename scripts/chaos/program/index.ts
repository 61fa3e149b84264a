// The program `npm run chaos` deploys against an emulator that fails a share of requests: 97 resources, a project,
// two environments (prod adopted, staging created), four segments and 45 flags of every variation type, each with
// targeting (rules naming the segments, rollouts, individual targeting).
import * as featbit from "pulumi-featbit";

const project = new featbit.Project("chaos", { key: "chaos", name: "Chaos" });
const envs = {
  prod: new featbit.Environment("prod", { projectId: project.projectId, key: "prod", name: "Prod" }),
  staging: new featbit.Environment("staging", {
    projectId: project.projectId,
    key: "staging",
    name: "Staging",
  }),
};

const segments = ["beta", "staff", "vip", "churned"].map(
  (key, i) =>
    new featbit.Segment(key, {
      environmentId: envs[i % 2 === 0 ? "prod" : "staging"].environmentId,
      key,
      name: key.toUpperCase(),
      included: [`${key}-1`, `${key}-2`],
      rules: [
        { name: "Email", conditions: [{ property: "email", op: "EndsWith", value: `@${key}.example.com` }] },
      ],
      tags: ["chaos"],
    }),
);

const TYPES = ["boolean", "string", "number", "json"] as const;
const variationsOf = (type: (typeof TYPES)[number]): featbit.FeatureFlagVariationArgs[] => {
  switch (type) {
    case "boolean":
      return [
        { name: "On", value: "true" },
        { name: "Off", value: "false" },
      ];
    case "string":
      return [
        { name: "On", value: "blue" },
        { name: "Off", value: "green" },
      ];
    case "number":
      return [
        { name: "On", value: 10 },
        { name: "Off", value: 0 },
      ];
    case "json":
      return [
        { name: "On", value: { enabled: true, limit: 5 } },
        { name: "Off", value: { enabled: false } },
      ];
  }
};

for (let i = 0; i < 45; i++) {
  const type = TYPES[i % TYPES.length];
  const env = i % 3 === 0 ? "staging" : "prod";
  const segment = segments[env === "prod" ? (i % 2) * 2 : 1 + (i % 2) * 2];
  const flag = new featbit.FeatureFlag(`flag-${i}`, {
    environmentId: envs[env].environmentId,
    key: `flag-${i}`,
    name: `Flag ${i}`,
    description: `chaos flag ${i}`,
    variationType: type,
    variations: variationsOf(type),
    tags: ["chaos", type],
  });
  new featbit.FeatureFlagTargeting(`flag-${i}-targeting`, {
    flag,
    enabled: i % 2 === 0,
    offVariation: "Off",
    individualTargeting: [{ variation: "On", users: [`user-${i}`] }],
    rules: [
      { name: "Segment", conditions: [{ segment: segment.segmentId }], serve: { variation: "On" } },
      {
        name: "Country",
        conditions: [{ property: "country", op: "IsOneOf", values: ["ca", "fr"] }],
        serve: {
          rollout: [
            { variation: "On", percent: (i * 7) % 100 },
            { variation: "Off", percent: 100 - ((i * 7) % 100) },
          ],
        },
      },
    ],
    defaultRule: { serve: { variation: "Off" } },
  });
}

export const projectId = project.projectId;
