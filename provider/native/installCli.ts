#!/usr/bin/env node
// featbit-plugin: installs this package's native provider plugin (pulumi-resource-featbit) where the Pulumi CLI
// finds it, for programs in YAML, Python, Go, C# or any other language.
//
//   featbit-plugin install [--pulumi <cli>]   `pulumi plugin install resource featbit <version> --file <launcher>`
//   featbit-plugin launcher <dir>             writes <dir>/pulumi-resource-featbit (for Pulumi.yaml's plugins.providers)
//
// A Pulumi plugin is one executable; this package's is JavaScript that needs its own modules (and @pulumi/pulumi) beside
// it. So what is installed is a launcher: a two-line script that runs this installation's plugin with the Node.js that
// ran this command. Moving or removing this npm installation breaks the launcher, which then says so.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { packageVersion } from "./index";

export const PLUGIN_FILE = "pulumi-resource-featbit";

/** The launcher's text: this Node.js, this installation's plugin, quoted for sh. */
export function launcherScript(plugin = path.join(__dirname, "plugin.js"), node = process.execPath): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    "#!/bin/sh",
    "# Written by featbit-plugin: the featbit provider plugin of the npm package installed at the path below.",
    `if [ ! -f ${q(plugin)} ]; then`,
    `  echo "pulumi-resource-featbit: "${q(plugin)}" is gone: install pulumi-featbit again and run featbit-plugin install" >&2`,
    "  exit 1",
    "fi",
    `exec ${q(node)} ${q(plugin)} "$@"`,
    "",
  ].join("\n");
}

export function writeLauncher(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, PLUGIN_FILE);
  fs.writeFileSync(file, launcherScript(), { mode: 0o755 });
  fs.chmodSync(file, 0o755);
  return file;
}

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  if (command === "launcher" && rest.length === 1) {
    process.stdout.write(`${writeLauncher(path.resolve(rest[0]))}\n`);
    return 0;
  }
  if (command === "install") {
    const at = rest.indexOf("--pulumi");
    const pulumi = at >= 0 ? rest[at + 1] : "pulumi";
    if (!pulumi || rest.length !== (at >= 0 ? 2 : 0)) return usage();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "featbit-plugin-"));
    try {
      const launcher = writeLauncher(dir);
      const version = packageVersion();
      const args = ["plugin", "install", "resource", "featbit", version, "--file", launcher, "--reinstall"];
      process.stderr.write(`featbit-plugin: ${pulumi} ${args.join(" ")}\n`);
      const run = spawnSync(pulumi, args, { stdio: "inherit" });
      if (run.error) {
        process.stderr.write(
          `featbit-plugin: cannot run ${pulumi} (${run.error.message}): put the Pulumi CLI on PATH or pass --pulumi <path>\n`,
        );
        return 1;
      }
      return run.status ?? 1;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return usage();
}

function usage(): number {
  process.stderr.write(
    "usage: featbit-plugin install [--pulumi <path of the pulumi CLI>]\n" +
      "       featbit-plugin launcher <dir>   (writes <dir>/pulumi-resource-featbit)\n",
  );
  return 2;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
