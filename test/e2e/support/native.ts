// The native plugin through the plain Pulumi CLI: the YAML language host beside the CLI, the plugin installed the
// documented way into a Pulumi home of the test's own, and the CLI run as a person runs it (no Automation API).
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { ensureCli, REPO_ROOT } from "./stack";

const run = promisify(execFile);

/** Directories to put first on PATH for language hosts that could not be linked beside the CLI. */
const hostPaths = new Set<string>();

const GO_TOOLS = path.join(REPO_ROOT, "scripts", "go-tools");

/** A Go tool of scripts/go-tools (built into the CLI cache on first use); language hosts are linked beside `cli`. */
function goTool(tool: "yaml-host" | "go-host" | "go-sdkgen", cli?: string): string {
  const args = cli ? ["--link", tool, cli] : ["--print-path", tool];
  const found = execFileSync(GO_TOOLS, args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  if (cli) {
    // A CLI installed where this user may not write (a system package) finds the host on PATH, with a warning.
    const beside = path.join(path.dirname(fs.realpathSync(cli)), path.basename(found));
    if (!fs.existsSync(beside)) hostPaths.add(path.dirname(found));
  }
  return found;
}

/** The CLI, with Pulumi YAML's language host beside it. */
export function ensureYamlCli(): string {
  const cli = ensureCli();
  goTool("yaml-host", cli);
  return cli;
}

/** The CLI with the Go language host beside it, and the featbit Go SDK generated into `dir` (its package path). */
export function ensureGoCli(dir: string): { cli: string; sdk: string } {
  const cli = ensureCli();
  goTool("go-host", cli);
  const generator = goTool("go-sdkgen");
  const sdk = execFileSync(generator, [path.join(REPO_ROOT, "provider", "native", "schema.json"), dir], {
    encoding: "utf8",
  }).trim();
  return { cli, sdk };
}

/** The SDK version this repository is tested with, so the npm cache has it (--prefer-offline). */
function sdkVersion(): string {
  const file = path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "package.json");
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

/**
 * What docs/native.md tells a user: `npm install pulumi-featbit @pulumi/pulumi` (here from `npm pack` of this
 * checkout) in a folder of its own, then `npx featbit-plugin install`, into the Pulumi home `home`.
 */
export async function installPluginFromPackage(dir: string, cli: string, home: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  await run("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: REPO_ROOT, maxBuffer: 16 << 20 });
  const tgz = fs.readdirSync(dir).find((f) => f.endsWith(".tgz"));
  if (!tgz) throw new Error("npm pack wrote no tarball");
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "featbit-plugin-home", private: true }),
  );
  await run(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      path.join(dir, tgz),
      `@pulumi/pulumi@${sdkVersion()}`,
    ],
    { cwd: dir, maxBuffer: 64 << 20 },
  );
  const { stdout, stderr } = await run(
    "npx",
    ["--no-install", "featbit-plugin", "install", "--pulumi", cli],
    {
      cwd: dir,
      env: { ...process.env, PULUMI_HOME: home },
    },
  );
  return stdout + stderr;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The plain CLI in a program folder, with a file backend, a passphrase and no downloads. */
export function pulumiIn(
  cli: string,
  program: string,
  options: { home: string; backend: string; env?: Record<string, string> },
): (args: string[], stdin?: string) => Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env))
    if (name.startsWith("FEATBIT_") || name.startsWith("PULUMI_")) delete env[name];
  Object.assign(env, {
    PULUMI_HOME: options.home,
    PULUMI_BACKEND_URL: `file://${options.backend}`,
    PULUMI_CONFIG_PASSPHRASE: "native-e2e",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    ...(hostPaths.size > 0 ? { PATH: [...hostPaths, env.PATH ?? ""].join(path.delimiter) } : {}),
    ...options.env,
  });
  fs.mkdirSync(options.backend, { recursive: true });
  return (args, stdin) =>
    new Promise((resolve) => {
      const child = execFile(
        cli,
        [...args, "--non-interactive"],
        { cwd: program, env, maxBuffer: 64 << 20, timeout: 10 * 60 * 1000 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
      child.stdin?.end(stdin ?? "");
    });
}

/** Fails with what the user saw when a command failed. */
export function ok(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`pulumi exited with ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r;
}
