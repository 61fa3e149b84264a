// Flags from files: a project with three environments, and every flag, its targeting and the segments they use
// declared in flags/*.yaml (one definition, per-environment overrides). Reviewing a pull request that edits a YAML
// file is reviewing the change to FeatBit; `pulumi preview` shows it per environment.
import * as featbit from "pulumi-featbit";

const project = new featbit.Project("shop", { key: "shop-flags", name: "Shop" });
const env = (key: string, name: string) =>
  new featbit.Environment(`shop-${key}`, { projectId: project.projectId, key, name });

const flags = new featbit.FlagSet("flags", {
  path: "flags", // relative to the program's folder, where Pulumi runs it
  environments: { dev: env("dev", "Dev"), staging: env("staging", "Staging"), prod: env("prod", "Prod") },
  // promote: [{ flag: "theme", from: "dev", to: "prod" }], // one line copies dev's targeting of theme to prod
  comment: process.env.FLAGSET_COMMENT, // e.g. the commit message, in FeatBit's audit log
});

export const files = flags.files;
export const prodFlags = Object.keys(flags.flags.prod);
