// The CI pipeline's own program, run with its restricted service token (see ../admin for the policy it carries). It
// owns the targeting of one flag in one environment; the flag, the environment and the segment its rule uses belong
// to other stacks, so it finds them with lookups (the token may read them: CanAccessProject, CanAccessEnv).
//
//   projectKey       (default "shop")
//   environmentKey   (default "dev"; pointing it at "prod" shows FeatBit refusing, with the permission it lacks)
//   flagKey          (default "new-checkout")
//   segmentKey       (default "beta-users")
//   rolloutPercent   share of everyone else who gets the flag's first variation (default 10)
import * as pulumi from "@pulumi/pulumi";
import * as featbit from "pulumi-featbit";

const config = new pulumi.Config();
const projectKey = config.get("projectKey") ?? "shop";
const environmentKey = config.get("environmentKey") ?? "dev";
const flagKey = config.get("flagKey") ?? "new-checkout";
const segmentKey = config.get("segmentKey") ?? "beta-users";
const rolloutPercent = config.getNumber("rolloutPercent") ?? 10;

const env = featbit.getEnvironmentOutput({ projectKey, key: environmentKey });
const flag = featbit.getFeatureFlagOutput({ environmentId: env.environmentId, key: flagKey });
const beta = featbit.getSegmentOutput({ environmentId: env.environmentId, key: segmentKey });

// The flag's own variation names, so the program works for any boolean flag (e.g. "On"/"Off" or "true"/"false").
const [on, off] = [0, 1].map((i) => flag.variations.apply((v) => v[i].name));

new featbit.FeatureFlagTargeting("targeting", {
  environmentId: env.environmentId,
  flagKey: flag.key,
  enabled: true,
  rules: [{ name: "Beta users", conditions: [{ segment: beta.segmentId }], serve: { variation: on } }],
  defaultRule: {
    serve: {
      rollout: [
        { variation: on, percent: rolloutPercent },
        { variation: off, percent: 100 - rolloutPercent },
      ],
    },
  },
});

export const environmentId = env.environmentId;
export const flagId = flag.flagId;
