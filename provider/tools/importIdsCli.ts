#!/usr/bin/env node
// featbit-import-ids [--project KEY] [--json]: prints the importId of every project, environment, flag and segment the
// access token can see. Settings come from the same environment variables as the provider (FEATBIT_API_URL,
// FEATBIT_ACCESS_TOKEN, ...); the token is never printed.
import { createClient } from "../client";
import { resolveSettings } from "../client/settings";
import { formatImportIds, listImportIds } from "./importIds";

const USAGE =
  "usage: featbit-import-ids [--project KEY] [--json]   (reads FEATBIT_API_URL and FEATBIT_ACCESS_TOKEN)";

async function main(argv: string[]): Promise<void> {
  let project: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") json = true;
    else if (arg === "--project" && argv[i + 1] !== undefined) project = argv[++i];
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`);
      return;
    } else throw new Error(`unknown argument '${arg}'\n${USAGE}`);
  }
  const client = createClient(resolveSettings(undefined, process.env));
  const rows = await listImportIds(client, { project });
  process.stdout.write(json ? `${JSON.stringify(rows, null, 2)}\n` : formatImportIds(rows));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`featbit-import-ids: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
