#!/usr/bin/env node
// featbit-recover [--stack NAME] [--dry-run]: run in a program's folder after a `pulumi up` was killed. Reads the
// stack's checkpoint with the pulumi CLI, records every pending create of a pulumi-featbit resource whose object
// exists (see recover.ts), drops those that never reached FeatBit, imports the result and refreshes the stack.
// Settings: the stack's config (`pulumi config --show-secrets`), then FEATBIT_* variables, as the provider reads them.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ConfigSource } from "../client/settings";
import { describeRecovery, featbitLocator, recoverPendingCreates, type Deployment } from "./recover";

const USAGE =
  "usage: featbit-recover [--stack NAME] [--dry-run]   (in the program's folder; uses the pulumi CLI on PATH, or $PULUMI_CLI)";

function pulumi(args: string[], input?: string): string {
  return execFileSync(process.env.PULUMI_CLI ?? "pulumi", args, {
    encoding: "utf8",
    input,
    stdio: [input === undefined ? "ignore" : "pipe", "pipe", "inherit"],
    maxBuffer: 256 << 20,
  });
}

/** The stack's config as the provider would see it: `pulumi config --json` values, secrets in clear (in memory). */
function stackConfig(stackArgs: string[]): ConfigSource {
  const entries = JSON.parse(pulumi(["config", "--json", "--show-secrets", ...stackArgs])) as Record<
    string,
    { value?: string; objectValue?: unknown }
  >;
  return {
    get: (key) => {
      const entry = entries[key];
      if (!entry) return undefined;
      return entry.value ?? (entry.objectValue === undefined ? undefined : JSON.stringify(entry.objectValue));
    },
  };
}

async function main(argv: string[]): Promise<void> {
  const stackArgs: string[] = [];
  let dryRun = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--stack" && argv[i + 1] !== undefined) stackArgs.push("--stack", argv[++i]);
    else if (arg === "--dry-run") dryRun = true;
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`);
      return;
    } else throw new Error(`unknown argument '${arg}'\n${USAGE}`);
  }
  const exported = JSON.parse(pulumi(["stack", "export", ...stackArgs])) as { deployment: Deployment };
  const recovery = await recoverPendingCreates(
    exported.deployment,
    featbitLocator(stackConfig(stackArgs), process.env),
  );
  for (const line of describeRecovery(recovery)) process.stdout.write(`${line}\n`);
  if (dryRun || recovery.recorded.length + recovery.dropped.length === 0) return;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "featbit-recover-")), "stack.json");
  try {
    fs.writeFileSync(file, JSON.stringify({ ...exported, deployment: recovery.deployment }));
    pulumi(["stack", "import", "--file", file, ...stackArgs]);
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
  // Fills in what the recorded resources' outputs lack (SDK keys, ids FeatBit assigned), as secrets where they are.
  process.stdout.write(pulumi(["refresh", "--yes", "--skip-preview", ...stackArgs]));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`featbit-recover: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
