// The engine floor for npm run bench: the resources of ../program (a project, its environment, `flagCount` flags,
// with the same inputs and dependencies) as dynamic resources whose provider (provider.js) calls nothing. Their
// `__provider` is a module text like pulumi-featbit's own, so the difference to ../program is what the real provider
// does and stores, not how Pulumi serializes it.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const flagCount = config.requireNumber("flagCount");
const description = config.get("description") ?? "benchmark flag";
const projectKey = config.get("projectKey") ?? "bench";

const PROVIDER = `exports.handler=()=>require(${JSON.stringify(path.join(__dirname, "provider.js"))})`;

class Item extends pulumi.CustomResource {
  declare readonly itemId: pulumi.Output<string>;

  constructor(kind: string, name: string, props: Record<string, pulumi.Input<unknown>>) {
    super(`pulumi-nodejs:dynamic/floor:${kind}`, name, { ...props, itemId: undefined, __provider: PROVIDER });
  }
}

const project = new Item("Project", "bench", { key: projectKey, name: "Bench" });
const prod = new Item("Environment", "bench-prod", {
  projectId: project.itemId,
  key: "prod",
  name: "Prod",
  description: "",
  requireChangeComment: false,
});

for (let i = 0; i < flagCount; i++) {
  new Item("FeatureFlag", `flag-${i}`, {
    environmentId: prod.itemId,
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
