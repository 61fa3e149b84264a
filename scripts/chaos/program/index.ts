// The program `npm run chaos` deploys, updates and destroys against an emulator that fails a share of requests: 97
// resources, shaped like a review environment's bootstrap. A project, three environments (FeatBit's own prod,
// adopted; staging and qa, created), twelve segments (four per environment), 33 flags of every variation type (eleven
// per environment), each with targeting whose first rule names a segment of its environment, and IAM: a policy, a
// group and their binding per environment, plus a project-wide readers policy bound to one group three times over.
//
// Config `revision` (default 1): 2 changes something in every resource that has something to change (names,
// descriptions, segment users, targeting percentages, policy statements), for the update measurement.
import * as pulumi from "@pulumi/pulumi";
import * as featbit from "pulumi-featbit";

const revision = new pulumi.Config().getNumber("revision") ?? 1;
const r = revision > 1 ? ` r${revision}` : "";

const project = new featbit.Project("chaos", { key: "chaos", name: `Chaos${r}` });
const ENVS = ["prod", "staging", "qa"] as const;
type EnvKey = (typeof ENVS)[number];
const envs = Object.fromEntries(
  ENVS.map((key) => [
    key,
    new featbit.Environment(key, {
      projectId: project.projectId,
      key,
      name: `${key[0].toUpperCase()}${key.slice(1)}${r}`,
      description: `chaos ${key}${r}`,
    }),
  ]),
) as Record<EnvKey, featbit.Environment>;

const SEGMENTS = ["beta", "staff", "vip", "churned"];
const segments = Object.fromEntries(
  ENVS.map((env) => [
    env,
    SEGMENTS.map(
      (key) =>
        new featbit.Segment(`${env}-${key}`, {
          environmentId: envs[env].environmentId,
          key,
          name: `${key.toUpperCase()}${r}`,
          included: [`${key}-1`, `${key}-2`, ...(revision > 1 ? [`${key}-${revision + 1}`] : [])],
          rules: [
            {
              name: "Email",
              conditions: [{ property: "email", op: "EndsWith", value: `@${key}.example.com` }],
            },
          ],
          tags: ["chaos"],
        }),
    ),
  ]),
) as Record<EnvKey, featbit.Segment[]>;

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

for (let i = 0; i < 33; i++) {
  const type = TYPES[i % TYPES.length];
  const env = ENVS[i % ENVS.length];
  const segment = segments[env][i % SEGMENTS.length];
  const flag = new featbit.FeatureFlag(`flag-${i}`, {
    environmentId: envs[env].environmentId,
    key: `flag-${i}`,
    name: `Flag ${i}`,
    description: `chaos flag ${i}${r}`,
    variationType: type,
    variations: variationsOf(type),
    tags: ["chaos", type],
  });
  const percent = (i * 7 + (revision - 1) * 10) % 100;
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
            { variation: "On", percent },
            { variation: "Off", percent: 100 - percent },
          ],
        },
      },
    ],
    defaultRule: { serve: { variation: "Off" } },
  });
}

const projectRn = pulumi.interpolate`project/${project.key}`;
const readers = new featbit.Policy("readers", {
  key: "chaos-readers",
  name: "Chaos readers",
  description: `reads the chaos project${r}`,
  statements: [
    { effect: "allow", resourceType: "project", actions: ["CanAccessProject"], resources: [projectRn] },
  ],
});
const everyone = new featbit.Group("everyone", { name: "Chaos everyone", description: `all of chaos${r}` });
for (const env of ENVS) {
  const policy = new featbit.Policy(`${env}-flags`, {
    key: `chaos-${env}-flags`,
    name: `Chaos ${env} flags`,
    description: `flags of chaos ${env}${r}`,
    statements: [
      {
        effect: "allow",
        resourceType: "flag",
        actions: revision > 1 ? ["ToggleFlag", "UpdateFlagDefaultRule"] : ["ToggleFlag"],
        resources: [pulumi.interpolate`${projectRn}:env/${env}:flag/*`],
      },
    ],
  });
  const group = new featbit.Group(`${env}-team`, {
    name: `Chaos ${env} team`,
    description: `works on chaos ${env}${r}`,
  });
  new featbit.GroupPolicy(`${env}-team-flags`, { groupId: group.groupId, policyId: policy.policyId });
  new featbit.GroupPolicy(`${env}-team-readers`, { groupId: group.groupId, policyId: readers.policyId });
}
new featbit.GroupPolicy("everyone-readers", { groupId: everyone.groupId, policyId: readers.policyId });

export const projectId = project.projectId;
