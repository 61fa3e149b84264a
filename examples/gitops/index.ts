// The FeatBit project, its environments, and every flag, its targeting and the segments they use, from flags/*.yaml.
// A pull request that edits a file is the change request: CI previews it and comments what it will change in
// FeatBit's terms; merging it applies it (see README.md, ci.sh and .github/workflows/flags.yml).
import * as path from "node:path";
import * as featbit from "pulumi-featbit";

/** The message's first line, within FeatBit's 512-character limit for audit-log comments. */
function auditComment(message: string | undefined): string | undefined {
  const title = message?.split("\n")[0].trim();
  return title ? title.slice(0, 512) : undefined;
}

const project = new featbit.Project("shop", { key: "shop", name: "Web shop" });
const environment = (key: string, name: string) =>
  new featbit.Environment(`shop-${key}`, { projectId: project.projectId, key, name });

new featbit.FlagSet("flags", {
  path: path.join(__dirname, "flags"),
  // The names flags/*.yaml use for environments; ci.sh checks the files for the same list (ENVIRONMENTS).
  environments: {
    dev: environment("dev", "Development"),
    staging: environment("staging", "Staging"),
    prod: environment("prod", "Production"),
  },
  // CI passes the merged commit's message: FeatBit's audit log then says why each targeting changed.
  comment: auditComment(process.env.FEATBIT_CHANGE_COMMENT),
});

export const projectKey = project.key;
