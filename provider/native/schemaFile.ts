// The package schema as the repository holds it (provider/native/schema.json), generated from the definitions and
// the documentation of this checkout: `npm run schema` writes it, test/native/schema.test.ts compares.
import * as fs from "node:fs";
import * as path from "node:path";
import { lookups } from "../lookups";
import { definitions } from "../resources/definitions";
import { OUTPUTS } from "./outputs";
import { packageSchema, pageOf, type PackageSchema } from "./packageSchema";

export const SCHEMA_FILE = path.join(__dirname, "schema.json");

/** The schema the checkout's definitions and pages make, from the repository root `root`. */
export function currentSchema(root: string, version: string): PackageSchema {
  const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");
  const pages: Record<string, string> = { lookups: read("docs/resources/lookups.md") };
  for (const def of definitions) pages[def.kind] = read(path.join("docs/resources", pageOf(def.kind)));
  return packageSchema({
    definitions,
    lookups,
    outputs: OUTPUTS,
    docs: { readme: read("README.md"), pages },
    version,
  });
}

/** The file's text: stable key order as generated, two-space indent, a final newline. */
export const schemaText = (schema: PackageSchema) => `${JSON.stringify(schema, null, 2)}\n`;
