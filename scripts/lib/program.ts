// A Pulumi program folder as the runner sees it: its project name, its entry file, and the packages it installed.
//
// Why everything is loaded from the program's own node_modules: the inline program registers its resources with the
// @pulumi/pulumi runtime it imports, and the Automation API must be that same module instance, or the program's
// resources go to a runtime nobody listens to. A user's program folder has its own node_modules (with
// @pulumi/pulumi and pulumi-featbit), unrelated to this repository's.
import * as fs from "node:fs";
import * as path from "node:path";
import type * as automation from "@pulumi/pulumi/automation";

export interface Program {
  /** Absolute path of the folder holding Pulumi.yaml. */
  dir: string;
  project: string;
  /** Absolute path of the file the inline program requires. */
  entry: string;
  description?: string;
  /** The folder of the @pulumi/pulumi package the program imports. */
  pulumiDir: string;
}

/** Reads the few top-level scalars we need from Pulumi.yaml without pulling in a YAML parser. */
export function readProgram(dir: string): Program {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs)) throw new Error(`program folder ${abs} does not exist`);
  const yamlPath = path.join(abs, "Pulumi.yaml");
  // As the CLI does: the project's name is the stack's identity, and a name taken from the folder would change (and
  // start a new, empty stack) whenever the folder is renamed.
  if (!fs.existsSync(yamlPath)) {
    throw new Error(
      `no Pulumi.yaml in ${abs}: a program folder needs one, naming the project (e.g. "name: my-flags" and ` +
        `"runtime: nodejs" on two lines), as \`pulumi\` itself does`,
    );
  }
  const scalars: Record<string, string> = {};
  for (const line of fs.readFileSync(yamlPath, "utf8").split(/\r?\n/)) {
    const m = /^([A-Za-z]+):\s*(.*?)\s*$/.exec(line);
    if (m && m[2] !== "" && !m[2].startsWith("#")) scalars[m[1]] = m[2].replace(/^["']|["']$/g, "");
  }
  if (!scalars.name) throw new Error(`${yamlPath} names no project: add a line "name: <project>"`);
  const project = scalars.name;
  let entry = scalars.main ? path.resolve(abs, scalars.main) : abs;
  if (fs.existsSync(entry) && fs.statSync(entry).isDirectory()) {
    const found = ["index.ts", "index.js"].map((f) => path.join(entry, f)).find((c) => fs.existsSync(c));
    if (!found) throw new Error(`no index.ts or index.js in ${entry}`);
    entry = found;
  }
  if (!fs.existsSync(entry)) throw new Error(`program entry ${entry} does not exist`);
  return { dir: abs, project, entry, description: scalars.description, pulumiDir: pulumiPackageDir(abs) };
}

function tryResolve(request: string, from: string): string | undefined {
  try {
    return require.resolve(request, { paths: [from] });
  } catch {
    return undefined;
  }
}

function pulumiPackageDir(from: string): string {
  const manifest = tryResolve("@pulumi/pulumi/package.json", from);
  if (!manifest) {
    throw new Error(
      `cannot find @pulumi/pulumi from ${from}: install the program's packages in its folder ` +
        "(npm install @pulumi/pulumi pulumi-featbit), as `pulumi up` would need too",
    );
  }
  return path.dirname(manifest);
}

/** The program's Automation API: the same @pulumi/pulumi instance its resources register with. */
export function loadAutomation(program: Program): typeof automation {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path known only at run time
  return require(path.join(program.pulumiDir, "automation")) as typeof automation;
}

/**
 * The engine starts the dynamic-provider plugin with the work directory as its cwd, and the plugin resolves
 * @pulumi/pulumi (and through it pulumi-featbit) from there. Refuse a work directory where that would load another
 * copy, or none: the failure would otherwise surface later as a plugin that cannot start.
 */
export function checkWorkDir(program: Program, workDir: string): void {
  const fromWorkDir = tryResolve("@pulumi/pulumi/package.json", workDir);
  const expected = path.join(program.pulumiDir, "package.json");
  if (fromWorkDir && fs.realpathSync(fromWorkDir) === fs.realpathSync(expected)) return;
  throw new Error(
    `the state dir must be inside the program folder ${program.dir} (default: ${path.join(program.dir, ".pulumi-state", "<stack>")}): ` +
      `the provider plugin starts in ${workDir}, where @pulumi/pulumi resolves to ` +
      `${fromWorkDir ? path.dirname(fromWorkDir) : "nothing"} instead of the program's ${program.pulumiDir}`,
  );
}

interface TsNode {
  register(options: Record<string, unknown>): unknown;
}

/**
 * Lets `require` load the program's TypeScript the way Pulumi's Node.js language host does: the program's own
 * ts-node and typescript when it has them, else the copies @pulumi/pulumi ships; the program's tsconfig.json when it
 * has one. Always transpile-only: type checking is `tsc`'s job, and a full check would cost seconds per operation.
 */
export function registerTypeScript(program: Program): void {
  if (!program.entry.endsWith(".ts")) return;
  const tsNode =
    tryResolve("ts-node", program.dir) ?? path.join(program.pulumiDir, "vendor", "ts-node@7.0.1");
  const compiler =
    tryResolve("typescript", program.dir) ??
    path.join(program.pulumiDir, "vendor", "typescript@3.8.3", "typescript.js");
  const tsconfig = path.join(program.dir, "tsconfig.json");
  const hasTsconfig = fs.existsSync(tsconfig);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path known only at run time
  (require(tsNode) as TsNode).register({
    compiler,
    transpileOnly: true,
    project: hasTsconfig ? tsconfig : undefined,
    skipProject: !hasTsconfig,
    // The language host's defaults for a program without a tsconfig.json.
    compilerOptions: hasTsconfig
      ? {}
      : { target: "ES2020", module: "commonjs", moduleResolution: "node", sourceMap: true },
  });
}
