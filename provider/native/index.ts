// The native plugin's host, assembled: every resource definition and every lookup (the same tables the dynamic
// provider and the program's lookups use), the committed package schema, and the package's version.
import * as fs from "node:fs";
import * as path from "node:path";
import { createNativeHost, type NativeHost } from "../host/nativeProvider";
import { lookups } from "../lookups";
import { definitions } from "../resources/definitions";
import { OUTPUTS } from "./outputs";
import schema from "./schema.json";

/** The package's version (dist/native → the package root; provider/native → the repository root). */
export function packageVersion(): string {
  const file = path.join(__dirname, "..", "..", "package.json");
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

export function nativeHost(): NativeHost {
  return createNativeHost({
    definitions,
    lookups,
    secretOutputs: (kind) => OUTPUTS[kind as keyof typeof OUTPUTS]?.secrets ?? [],
    version: packageVersion(),
    schema: async () => JSON.stringify(schema),
  });
}
