// Benchmark program (npm run bench): one project, its adopted prod environment and `flagCount` boolean flags.
// `description` changes every flag's description (the bench's one-field update).
import * as pulumi from "@pulumi/pulumi";
import * as featbit from "pulumi-featbit";

const config = new pulumi.Config();
const flagCount = config.requireNumber("flagCount");
const description = config.get("description") ?? "benchmark flag";
const projectKey = config.get("projectKey") ?? "bench";

const project = new featbit.Project("bench", { key: projectKey, name: "Bench" });
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
    description,
    variationType: "boolean",
    variations: [
      { name: "On", value: "true" },
      { name: "Off", value: "false" },
    ],
    tags: ["bench"],
  });
}

export const flags = flagCount;
