// Benchmark program (npm run bench): one project, its adopted prod environment and `flagCount` boolean flags.
import * as pulumi from "@pulumi/pulumi";
import * as featbit from "pulumi-featbit";

const flagCount = new pulumi.Config().requireNumber("flagCount");

const project = new featbit.Project("bench", { key: "bench", name: "Bench" });
const prod = new featbit.Environment("bench-prod", {
  projectId: project.projectId,
  key: "prod",
  name: "Prod",
  description: "",
  requireChangeComment: false,
});

for (let i = 0; i < flagCount; i++) {
  new featbit.FeatureFlag(`flag-${i}`, {
    environmentId: prod.environmentId,
    key: `flag-${i}`,
    name: `Flag ${i}`,
    description: "benchmark flag",
    variationType: "boolean",
    variations: [
      { name: "On", value: "true" },
      { name: "Off", value: "false" },
    ],
    tags: ["bench"],
  });
}

export const flags = flagCount;
