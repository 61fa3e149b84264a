// An application's stack: it reads the server-side SDK key of its environment from the platform stack (../platform)
// and hands it to what runs the application (here just a secret output; in a real stack, a Kubernetes secret or an
// environment variable of a service). The key stays a secret all the way.
//
//   platformStack  the platform stack's name, e.g. organization/bootstrap-platform/dev (self-managed backends) or
//                  <org>/bootstrap-platform/dev (Pulumi Cloud)
//   environment    which environment's key to use (default prod)
import * as pulumi from "@pulumi/pulumi";
import type { SdkKeys } from "pulumi-featbit";

const config = new pulumi.Config();
const platform = new pulumi.StackReference(config.require("platformStack"));
const environment = config.get("environment") ?? "prod";

const sdkKeys = platform.requireOutput("sdkKeys") as pulumi.Output<Record<string, SdkKeys>>;
export const featbitServerKey = pulumi.secret(
  sdkKeys.apply((keys) => {
    const found = keys[environment];
    if (!found)
      throw new Error(
        `the platform stack has no environment '${environment}': ${Object.keys(keys).join(", ")}`,
      );
    return found.serverKey;
  }),
);
