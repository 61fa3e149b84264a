#!/usr/bin/env node
// featbit-diff [FILE|-] [--title TEXT] [--users FILE] [--population N]: turns `pulumi preview --json` (or the offline runner's result) into a
// Markdown summary in FeatBit's terms — environment, flag or segment, part, old → new — for a pull-request comment
// (see previewSummary.ts), then who changes: per changed flag, the sample users that get another variation and the
// share of pseudo-random anonymous users that moves, as FeatBit's SDK evaluates it (impact.ts). Reads stdin without FILE. Exit code 0 when the summary was written, whether the preview
// planned changes or failed (the summary says which); 1 when the input is not a preview.
import * as fs from "node:fs";
import { redact } from "../client/redact";
import { SETTINGS } from "../client/settings";
import { parse as parseYaml } from "yaml";
import { DEFAULT_POPULATION, formatImpact, usersFileSchema, whoChanges } from "./impact";
import { formatSummary, previewDocumentSchema, summarizePreview } from "./previewSummary";

const USAGE = [
  "usage: featbit-diff [FILE|-] [--title TEXT] [--users FILE] [--population N]",
  "  FILE          the output of `pulumi preview --json --show-sames` (stdin when omitted or '-')",
  "  --title       the heading (default: FeatBit changes)",
  "  --users       sample users to show who changes, besides the flags' tests: YAML or JSON [{key, name?, properties?}]",
  `  --population  pseudo-random anonymous users per population (default ${DEFAULT_POPULATION})`,
  "--show-sames lets the summary name environments and segments by key wherever they are referenced.",
].join("\n");

/** Every token setting's variables, also of named installations (FEATBIT_<NAME>_ACCESS_TOKEN). */
function tokensInEnvironment(env: NodeJS.ProcessEnv): string[] {
  const names = new Set<string>(SETTINGS.accessToken.env);
  return Object.entries(env)
    .filter(([name, value]) => value && (names.has(name) || /^FEATBIT_\w+_(ACCESS_)?TOKEN$/.test(name)))
    .map(([, value]) => value ?? "");
}

/** The JSON document in the text: the CLI may print warnings before it on the same stream. */
function parseDocument(text: string): unknown {
  const start = text.indexOf("{");
  if (start < 0)
    throw new Error("the input holds no JSON object: pass the output of `pulumi preview --json`");
  return JSON.parse(text.slice(start));
}

function readUsers(file: string | undefined) {
  if (file === undefined) return [];
  const parsed = usersFileSchema.safeParse(parseYaml(fs.readFileSync(file, "utf8")));
  if (!parsed.success)
    throw new Error(
      `${file}: ${parsed.error.issues[0]?.message ?? "not a users file"} (a list of {key, name?, properties?})`,
    );
  return parsed.data;
}

function main(argv: string[]): void {
  let file = "-";
  let title: string | undefined;
  let usersFile: string | undefined;
  let population = DEFAULT_POPULATION;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`);
      return;
    } else if (arg === "--title") {
      title = argv[++i];
      if (title === undefined) throw new Error(`--title needs a value\n${USAGE}`);
    } else if (arg === "--users") {
      usersFile = argv[++i];
      if (usersFile === undefined) throw new Error(`--users needs a file\n${USAGE}`);
    } else if (arg === "--population") {
      population = Number(argv[++i]);
      if (!Number.isInteger(population) || population < 100 || population > 1_000_000)
        throw new Error(`--population takes a whole number from 100 to 1000000\n${USAGE}`);
    } else if (arg.startsWith("--")) throw new Error(`unknown option '${arg}'\n${USAGE}`);
    else file = arg;
  }
  const tokens = tokensInEnvironment(process.env);
  // Inputs never hold the token, but a comment is public to everyone who can read the pull request. Redacted before
  // anything is cut short too: half a token would no longer be recognised.
  const text = redact(fs.readFileSync(file === "-" ? 0 : file, "utf8"), tokens);
  const parsed = previewDocumentSchema.safeParse(parseDocument(text));
  if (!parsed.success) {
    throw new Error(
      `${file === "-" ? "stdin" : file} is not a preview: ${parsed.error.issues[0]?.message ?? ""}`,
    );
  }
  const summary = summarizePreview(parsed.data);
  let markdown = formatSummary(summary, title);
  if (summary.ok)
    markdown += formatImpact(whoChanges(parsed.data, { users: readUsers(usersFile), population }));
  process.stdout.write(redact(markdown, tokens));
}

try {
  main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`featbit-diff: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
