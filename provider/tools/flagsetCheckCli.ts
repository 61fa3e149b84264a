#!/usr/bin/env node
// featbit-flagset-check PATH... --environments dev,staging,prod [--other-environments qa]: checks FlagSet files the
// way `pulumi preview` will, without Pulumi or FeatBit, and prints every problem as `file:line:column: field:
// message`; in GitHub Actions (GITHUB_ACTIONS=true) each also as an `::error` annotation on the file's line. Exit
// code 1 when there is a problem, 2 for a usage mistake.
import { checkFlagSet, formatProblem, githubAnnotation } from "./flagsetCheck";

const USAGE = [
  "usage: featbit-flagset-check PATH... --environments NAMES [--other-environments NAMES] [--annotations github|none]",
  "  PATH                  FlagSet files or folders (as the FlagSet's `path`)",
  "  --environments        the environment names the program deploys these files to, comma-separated",
  "  --other-environments  names the files may mention that this program does not deploy to",
  "  --annotations         github: also print GitHub Actions annotations (default when GITHUB_ACTIONS=true)",
].join("\n");

class UsageError extends Error {}

const names = (value: string | undefined, flag: string): string[] => {
  if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value\n${USAGE}`);
  return value
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
};

function main(argv: string[]): number {
  const paths: string[] = [];
  const environments: string[] = [];
  const otherEnvironments: string[] = [];
  let annotations = process.env.GITHUB_ACTIONS === "true";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    } else if (arg === "--environments") environments.push(...names(argv[++i], arg));
    else if (arg === "--other-environments") otherEnvironments.push(...names(argv[++i], arg));
    else if (arg === "--annotations") {
      const value = argv[++i];
      if (value !== "github" && value !== "none")
        throw new UsageError(`--annotations takes github or none\n${USAGE}`);
      annotations = value === "github";
    } else if (arg.startsWith("--")) throw new UsageError(`unknown option '${arg}'\n${USAGE}`);
    else paths.push(arg);
  }
  if (paths.length === 0 || environments.length === 0) {
    throw new UsageError(`give the files and --environments\n${USAGE}`);
  }
  const result = checkFlagSet({ paths, environments, otherEnvironments });
  if (result.ok) {
    process.stdout.write(
      `${result.files.length} file(s), ${result.flags} flag(s), ${result.segments} segment(s) for ${environments.join(", ")}: no problems${result.tests > 0 ? `; ${result.tests} targeting test(s) pass` : ""}\n`,
    );
    return 0;
  }
  const lines = result.problems.map(formatProblem);
  if (annotations) {
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    lines.push(...result.problems.map((p) => githubAnnotation(p, workspace, process.cwd())));
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  const count = result.problems.length;
  process.stderr.write(
    `featbit-flagset-check: ${count} problem${count === 1 ? "" : "s"} in ${result.files.length || "the"} file(s); preview and up would stop on them\n`,
  );
  return 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`featbit-flagset-check: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
}
