// The README's "Your own program, step by step", followed as a newcomer would: the package packed from this clone,
// a program folder OUTSIDE the repository with the README's own Pulumi.yaml, package.json and tsconfig.json (read from
// the README, so the two cannot drift apart) and the quickstart as index.ts, `npm install` of the tarball, the
// installed package's `npx featbit-emulator`, then plain `pulumi` commands: login (to a file backend), stack init,
// config set, preview, up, preview --expect-no-changes, refresh, destroy. Also: `featbit-export` of what the program
// made, its output installed from the same tarball; the runner in that folder; the emulator stopped through npx's pid.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { pulumiIn, userEnv, type CliRun, type PulumiFolder } from "./support/cli";
import { aliveAfter, processTree } from "../../scripts/lib/processes";
import { ensureCli, REPO_ROOT } from "./support/stack";

const run = promisify(execFile);
const ORG_KEY = "my-org";
const PASSPHRASE = "a passphrase of your own";

/** The files the README gives (`<!-- file: NAME -->` above a fenced block), by name. */
function readmeFiles(): Record<string, string> {
  const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  return Object.fromEntries(
    [...readme.matchAll(/<!-- file: (\S+) -->\n\n```\w+\n([\s\S]*?)```/g)].map((m) => [m[1], m[2]]),
  );
}

interface Printed {
  FEATBIT_API_URL: string;
  FEATBIT_ACCESS_TOKEN: string;
  FEATBIT_ORGANIZATION_KEY: string;
}

/** `npx featbit-emulator …` in the program's folder, as the README has it, and the settings it prints. */
function startEmulator(cwd: string): Promise<{ child: ChildProcess; printed: Printed }> {
  const child = spawn(
    "npx",
    ["featbit-emulator", "--port", "0", "--data", "featbit.json", "--org-key", ORG_KEY],
    {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`featbit-emulator printed no settings: ${out}`)), 60_000);
    child.on("exit", (code) => reject(new Error(`featbit-emulator exited with ${String(code)}: ${out}`)));
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const printed = Object.fromEntries(
        [...out.matchAll(/^(FEATBIT_[A-Z_]+)=(\S+)$/gm)].map((m) => [m[1], m[2]]),
      ) as Partial<Printed>;
      if (printed.FEATBIT_API_URL && printed.FEATBIT_ACCESS_TOKEN && printed.FEATBIT_ORGANIZATION_KEY) {
        clearTimeout(timer);
        resolve({ child, printed: printed as Printed });
      }
    });
  });
}

describe("the README's path, step by step, in a folder outside the repository", () => {
  let tmp: string;
  let app: string;
  let tarball: string;
  let emulator: ChildProcess | undefined;
  let printed: Printed;
  let cli: PulumiFolder;
  let env: NodeJS.ProcessEnv;
  let home: string;
  const everything: string[] = [];

  const ok = async (folder: PulumiFolder, args: string[], input?: string): Promise<CliRun> => {
    const r = await folder.ok(args, { input });
    everything.push(r.stdout, r.stderr);
    return r;
  };
  const api = async <T>(apiPath: string): Promise<{ success: boolean; data: T }> => {
    const res = await fetch(`${printed.FEATBIT_API_URL}/api/v1${apiPath}`, {
      headers: { Authorization: printed.FEATBIT_ACCESS_TOKEN },
    });
    return (await res.json()) as { success: boolean; data: T };
  };
  const shop = async () =>
    (await api<{ id: string; key: string }[]>("/projects")).data.find((p) => p.key === "shop");
  /** npm as the README runs it; offline-first, so that only what the npm cache lacks is downloaded. */
  const npm = (cwd: string, args: string[]) =>
    run("npm", [...args, "--prefer-offline", "--no-audit", "--no-fund"], { cwd, maxBuffer: 64 << 20 });
  /** Steps 5 of the README, in `folder`: stack init and the three settings (login happened once). */
  const initStack = async (folder: PulumiFolder) => {
    await ok(folder, ["stack", "init", "dev"]);
    await ok(folder, ["config", "set", "featbit:apiUrl", printed.FEATBIT_API_URL]);
    await ok(folder, ["config", "set", "--secret", "featbit:accessToken"], printed.FEATBIT_ACCESS_TOKEN);
    await ok(folder, ["config", "set", "featbit:organizationKey", printed.FEATBIT_ORGANIZATION_KEY]);
  };

  beforeAll(
    async () => {
      ensureCli();
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), "featbit-newcomer-"));
      // 1. The package, packed from the clone (into the temporary folder rather than the clone).
      await run("npm", ["pack", "--silent", "--pack-destination", tmp], {
        cwd: REPO_ROOT,
        maxBuffer: 16 << 20,
      });
      tarball = path.join(tmp, fs.readdirSync(tmp).find((f) => f.endsWith(".tgz")) ?? "no tarball");
      // 3. The program's folder: the README's files, the quickstart as index.ts, the tarball installed.
      app = path.join(tmp, "my-flags");
      fs.mkdirSync(app);
      fs.copyFileSync(path.join(REPO_ROOT, "examples", "quickstart", "index.ts"), path.join(app, "index.ts"));
      for (const [name, content] of Object.entries(readmeFiles()))
        fs.writeFileSync(path.join(app, name), content);
      await npm(app, ["install", tarball]);
      // 4. The installed package's emulator, through npx.
      ({ child: emulator, printed } = await startEmulator(app));
      // 2. The CLI scripts/pulumi built, first on PATH, with a PULUMI_HOME of the test's own.
      home = path.join(tmp, "home");
      fs.mkdirSync(home);
      env = userEnv(path.join(home, ".pulumi"), PASSPHRASE);
      cli = pulumiIn(app, env);
    },
    40 * 60 * 1000,
  );

  afterAll(async () => {
    if (emulator && emulator.exitCode === null) {
      // It saves its data file on the way out: remove the folder only after it has gone.
      for (const pid of processTree(emulator.pid ?? -1).reverse()) {
        try {
          process.kill(pid, "SIGTERM");
        } catch {
          // gone already
        }
      }
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("has the README's files and the installed package, outside the repository", () => {
    expect(Object.keys(readmeFiles()).sort()).toEqual(["Pulumi.yaml", "package.json", "tsconfig.json"]);
    expect(path.relative(REPO_ROOT, app).startsWith("..")).toBe(true);
    expect(fs.existsSync(path.join(app, "node_modules", "pulumi-featbit", "dist", "index.js"))).toBe(true);
    const manifest = JSON.parse(fs.readFileSync(path.join(app, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(manifest.dependencies["pulumi-featbit"]).toMatch(/^file:.*pulumi-featbit-0\.1\.0\.tgz$/);
    expect(printed.FEATBIT_ORGANIZATION_KEY).toBe(ORG_KEY);
  });

  it("step 5: logs in, creates the stack and sets its FeatBit settings", async () => {
    // `login --local` is `file://~`, which the CLI resolves through the user database, not $HOME: the stacks would
    // land in the real ~/.pulumi, shared by every run. A folder of the test's own stands in for it.
    fs.mkdirSync(path.join(home, "backend"));
    await ok(cli, ["login", `file://${path.join(home, "backend")}`]);
    await initStack(cli);
    const config = fs.readFileSync(path.join(app, "Pulumi.dev.yaml"), "utf8");
    expect(config).toContain(`featbit:apiUrl: ${printed.FEATBIT_API_URL}`);
    expect(config).not.toContain(printed.FEATBIT_ACCESS_TOKEN);
  });

  it("step 6: preview, up, preview --expect-no-changes, refresh", async () => {
    const preview = await ok(cli, ["preview"]);
    expect(preview.stdout).toContain("+ 10 to create");
    expect(await shop()).toBeUndefined();
    expect((await ok(cli, ["up", "--yes"])).stdout).toContain("+ 10 created");
    expect(await shop()).toBeDefined();
    expect((await ok(cli, ["preview", "--expect-no-changes"])).stdout).toContain("10 unchanged");
    expect((await ok(cli, ["refresh", "--yes"])).stdout).toContain("10 unchanged");
  });

  it("exports what the program made with featbit-export, and its output installs from the tarball and adopts it", async () => {
    const exported = path.join(tmp, "shop-flags");
    const { stdout } = await run(
      "npx",
      ["featbit-export", "--project", "shop", "--out", exported, "--package", tarball],
      {
        cwd: app,
        env: {
          ...env,
          FEATBIT_API_URL: printed.FEATBIT_API_URL,
          FEATBIT_ACCESS_TOKEN: printed.FEATBIT_ACCESS_TOKEN,
        },
      },
    );
    expect(stdout).toContain(`next: cd ${exported} && npm install && pulumi up`);
    await npm(exported, ["install"]);
    const shopFlags = pulumiIn(exported, env);
    await initStack(shopFlags);
    // Type-checked under the exported tsconfig.json, with the TypeScript its package.json installs.
    const preview = await ok(shopFlags, ["preview"]);
    expect(preview.stdout).not.toMatch(/^\s*-\s+pulumi-nodejs:/m);
    const up = await ok(shopFlags, ["up", "--yes"]);
    expect(up.stdout).toMatch(/\+ \d+ created/);
    expect((await ok(shopFlags, ["preview", "--expect-no-changes"])).status).toBe(0);
  });

  it("the runner, for a CLI without the language host, reads the same folder and names its own commands", async () => {
    const runner = (args: string[]) =>
      new Promise<CliRun>((resolve) => {
        const child = spawn(process.execPath, [path.join(REPO_ROOT, "scripts", "stack.js"), ...args], {
          cwd: app,
          env,
        });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
        child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
        child.on("close", (status) => {
          everything.push(stdout, stderr);
          resolve({ command: `stack.js ${args.join(" ")}`, status, stdout, stderr });
        });
      });
    // The stack's config from the folder's Pulumi.dev.yaml (written by `pulumi config set` above); its own state.
    const preview = await runner(["preview", "--stack", "dev"]);
    expect(preview.status).toBe(0);
    expect(preview.stdout).toContain("+ 10 to create");
    expect(preview.stdout).not.toMatch(/^\{"ok"/m);
    expect(fs.existsSync(path.join(app, ".pulumi-state", "dev", "backend"))).toBe(true);
    // A stack without settings: the provider's advice, in the runner's own words.
    const bare = await runner(["preview", "--stack", "bare"]);
    expect(bare.status).not.toBe(0);
    expect(`${bare.stdout}${bare.stderr}`).toContain(
      `node ${path.join(REPO_ROOT, "scripts", "stack.js")} preview --dir . --stack bare --secret featbit:accessToken (the value on stdin)`,
    );
    expect(`${bare.stdout}${bare.stderr}`).not.toContain("pulumi config set");
  });

  it("destroy removes what the program made", async () => {
    expect((await ok(cli, ["destroy", "--yes"])).stdout).toContain("- 10 deleted");
    expect(await shop()).toBeUndefined();
    expect(everything.filter((text) => text.includes(printed.FEATBIT_ACCESS_TOKEN))).toEqual([]);
  });

  it("npx featbit-emulator stops, server and all, when npx's own pid gets SIGTERM", async () => {
    const child = emulator as ChildProcess;
    const tree = processTree(child.pid ?? -1);
    expect(tree.length).toBeGreaterThan(1);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
    const alive = await aliveAfter(tree);
    expect(alive).toEqual([]);
    expect(fs.existsSync(path.join(app, "featbit.json"))).toBe(true);
  });
});
