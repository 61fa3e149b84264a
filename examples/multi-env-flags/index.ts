// The same flags in every environment, with targeting that differs per environment: the usual
// "dev gets it first, staging for staff, prod off" promotion path, expressed as one table.
//
//   environments  comma-separated keys beyond the auto-created prod/dev (default "staging")
import * as pulumi from "@pulumi/pulumi";
import * as featbit from "pulumi-featbit";

const config = new pulumi.Config();
const extraEnvs = (config.get("environments") ?? "staging")
  .split(",")
  .map((s) => s.trim())
  .filter((s) => s !== "");

const project = new featbit.Project("payments", { key: "payments", name: "Payments" });

const envs: Record<string, featbit.Environment> = {};
for (const key of ["prod", "dev", ...extraEnvs]) {
  const name = key.charAt(0).toUpperCase() + key.slice(1);
  envs[key] = new featbit.Environment(`payments-${key}`, {
    projectId: project.projectId,
    key,
    name,
    description: `${name} environment`,
    requireChangeComment: key === "prod",
  });
}

const flags = [
  { key: "instant-payouts", name: "Instant payouts", description: "Pay sellers within minutes" },
  { key: "3ds-v2", name: "3-D Secure v2", description: "Use the 3DS2 challenge flow" },
];

// What each environment serves by default; unknown environments get "Off".
const defaultServe: Record<string, string> = { dev: "On", staging: "Off", prod: "Off" };

for (const [envKey, env] of Object.entries(envs)) {
  for (const f of flags) {
    const flag = new featbit.FeatureFlag(`${f.key}-${envKey}`, {
      environmentId: env.environmentId,
      key: f.key,
      name: f.name,
      description: f.description,
      variationType: "boolean",
      variations: [
        { name: "On", value: "true" },
        { name: "Off", value: "false" },
      ],
      tags: ["payments"],
    });
    new featbit.FeatureFlagTargeting(`${f.key}-${envKey}-targeting`, {
      environmentId: env.environmentId,
      flagKey: flag.key,
      enabled: envKey !== "prod",
      offVariation: "Off",
      individualTargeting: [],
      rules:
        envKey === "staging"
          ? [
              {
                name: "Staff",
                conditions: [{ property: "email", op: "EndsWith", value: "@example.com" }],
                serve: { variation: "On" },
              },
            ]
          : [],
      defaultRule: { serve: { variation: defaultServe[envKey] ?? "Off" } },
    });
  }
}

export const projectId = project.projectId;
export const environmentIds = Object.fromEntries(Object.entries(envs).map(([k, e]) => [k, e.environmentId]));
export const serverKeys = Object.fromEntries(Object.entries(envs).map(([k, e]) => [k, e.serverKey]));
