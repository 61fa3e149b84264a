#!/usr/bin/env node
// featbit-export --project KEY [--env KEY]... --format ts|yaml --out DIR [--package TGZ] [--force]: writes a Pulumi
// program that adopts an existing FeatBit project (see export.ts). Settings come from the same environment variables as
// the provider (FEATBIT_API_URL, FEATBIT_ACCESS_TOKEN, ...); the token is never printed nor written.
import * as fs from "node:fs";
import * as path from "node:path";
import { createClient } from "../client";
import { redact } from "../client/redact";
import { resolveSettings } from "../client/settings";
import { exportProject, type ExportFormat } from "./export";

const USAGE = [
  "usage: featbit-export --project KEY [--env KEY]... [--format ts|yaml] --out DIR [--package TGZ] [--force]",
  "  --project KEY   the FeatBit project to export (its key)",
  "  --env KEY       only these environments (repeat, or comma-separated); default: all",
  "  --format        yaml: a FlagSet file and a program around it (default); ts: one resource per object",
  "  --out DIR       where to write the program (Pulumi.yaml, package.json, tsconfig.json, index.ts, flags/,",
  "                  EXPORT.md)",
  "  --package TGZ   the pulumi-featbit tarball `npm pack` wrote, for package.json (before the package is on npm)",
  "  --force         overwrite files that already exist there",
  "Reads FEATBIT_API_URL and FEATBIT_ACCESS_TOKEN (or FEATBIT_HOST, FEATBIT_TOKEN).",
].join("\n");

interface Args {
  project: string;
  environments?: string[];
  format: ExportFormat;
  out: string;
  force: boolean;
  packageSpec?: string;
}

function parseArgs(argv: string[]): Args | undefined {
  let project: string | undefined;
  let out: string | undefined;
  let format: ExportFormat = "yaml";
  let force = false;
  let packageSpec: string | undefined;
  const environments: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    if (arg === "--help" || arg === "-h") return undefined;
    else if (arg === "--project") project = value();
    else if (arg === "--env")
      environments.push(
        ...value()
          .split(",")
          .map((e) => e.trim())
          .filter(Boolean),
      );
    else if (arg === "--out") out = value();
    else if (arg === "--force") force = true;
    else if (arg === "--package") {
      const tarball = path.resolve(value());
      if (!fs.existsSync(tarball))
        throw new Error(`--package: ${tarball} does not exist (npm pack writes it)`);
      packageSpec = `file:${tarball}`;
    } else if (arg === "--format") {
      const v = value();
      if (v !== "ts" && v !== "yaml") throw new Error(`--format must be ts or yaml, not '${v}'`);
      format = v;
    } else throw new Error(`unknown argument '${arg}'\n${USAGE}`);
  }
  if (project === undefined || out === undefined)
    throw new Error(`--project and --out are required\n${USAGE}`);
  return {
    project,
    out,
    format,
    force,
    ...(environments.length > 0 ? { environments } : {}),
    ...(packageSpec ? { packageSpec } : {}),
  };
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (!args) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const client = createClient(resolveSettings(undefined, process.env));
  const result = await exportProject(client, args);
  const out = path.resolve(args.out);
  const existing = result.files.filter((f) => fs.existsSync(path.join(out, f.path)));
  if (existing.length > 0 && !args.force) {
    throw new Error(
      `${existing.map((f) => path.join(args.out, f.path)).join(", ")} already exist: choose an empty --out folder, or pass --force to overwrite`,
    );
  }
  for (const file of result.files) {
    fs.mkdirSync(path.dirname(path.join(out, file.path)), { recursive: true });
    fs.writeFileSync(path.join(out, file.path), file.content);
  }
  const { environments, flags, segments } = result.counts;
  process.stdout.write(
    [
      `exported project '${args.project}': ${environments} environment(s), ${flags} flag(s), ${segments} segment(s) to ${args.out}`,
      ...result.files.map((f) => `  ${path.join(args.out, f.path)}`),
      result.notes.length > 0
        ? `not exported (${result.notes.length}, also in EXPORT.md):\n${result.notes.map((n) => `  - ${n}`).join("\n")}`
        : "everything was exported",
      `next: cd ${args.out} && npm install && pulumi up (adopts; creates and deletes nothing)`,
      "",
    ].join("\n"),
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // Client errors are already redacted; anything else is, too, before it reaches a terminal or a CI log.
  const tokens = [process.env.FEATBIT_ACCESS_TOKEN ?? "", process.env.FEATBIT_TOKEN ?? ""];
  process.stderr.write(
    `featbit-export: ${redact(err instanceof Error ? err.message : String(err), tokens)}\n`,
  );
  process.exit(1);
});
