// A newcomer's program in its own folder OUTSIDE the repository, with its own node_modules holding pulumi-featbit
// installed from `npm pack` and @pulumi/pulumi, run through the documented runner command from that folder against
// the package's own `featbit-emulator`, configured only with what the emulator prints.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import {
  ensureCli,
  expectOk,
  readState,
  REPO_ROOT,
  resourceSteps,
  runStack,
  visibleText,
  type StackTarget,
} from "./support/stack";

const run = promisify(execFile);
const ORG_KEY = "my-org";

interface Printed {
  FEATBIT_API_URL: string;
  FEATBIT_ACCESS_TOKEN: string;
  FEATBIT_ORGANIZATION_KEY?: string;
}

/** Starts the installed package's emulator CLI and reads the settings it prints (KEY=value lines). */
function startEmulatorCli(bin: string, dataFile: string): Promise<{ child: ChildProcess; printed: Printed }> {
  const child = spawn(process.execPath, [bin, "--port", "0", "--data", dataFile, "--org-key", ORG_KEY], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`featbit-emulator printed no settings: ${out}`)), 30000);
    child.on("exit", (code) => reject(new Error(`featbit-emulator exited with ${String(code)}: ${out}`)));
    // Read, so that a full pipe never stalls the emulator; kept for the error messages above.
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const printed = Object.fromEntries(
        out
          .split("\n")
          .map((line) => /^([A-Z_]+)=(.+)$/.exec(line.trim()))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => [m[1], m[2]]),
      ) as Partial<Printed>;
      if (printed.FEATBIT_API_URL && printed.FEATBIT_ACCESS_TOKEN) {
        clearTimeout(timer);
        resolve({ child, printed: printed as Printed });
      }
    });
  });
}

interface Envelope<T> {
  success: boolean;
  data: T;
}

describe("a program in its own folder outside the repository, through the documented runner", () => {
  let tmp: string;
  let app: string;
  let emulator: ChildProcess | undefined;
  let printed: Printed;
  let target: StackTarget;

  const api = async <T>(apiPath: string): Promise<Envelope<T>> => {
    const origin = printed.FEATBIT_API_URL.replace(/\/api\/v1\/?$/, "");
    const res = await fetch(`${origin}/api/v1${apiPath}`, {
      headers: { Authorization: printed.FEATBIT_ACCESS_TOKEN },
    });
    return (await res.json()) as Envelope<T>;
  };
  const myApp = async (): Promise<{ id: string; environments: { id: string; key: string }[] } | undefined> =>
    (
      await api<{ id: string; key: string; environments: { id: string; key: string }[] }[]>("/projects")
    ).data.find((p) => p.key === "my-app");

  beforeAll(
    async () => {
      ensureCli();
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), "featbit-own-program-"));
      app = path.join(tmp, "my-flags");
      fs.cpSync(path.join(REPO_ROOT, "test", "e2e", "fixtures", "own-program"), app, { recursive: true });
      fs.writeFileSync(
        path.join(app, "package.json"),
        JSON.stringify({ name: "my-flags", private: true, main: "index.ts" }, null, 2),
      );
      // What the README tells a user to do before the package is published: pack a checkout, install the tarball.
      await run("npm", ["pack", "--silent", "--pack-destination", tmp], {
        cwd: REPO_ROOT,
        maxBuffer: 16 << 20,
      });
      const tgz = fs.readdirSync(tmp).find((f) => f.endsWith(".tgz"));
      if (!tgz) throw new Error("npm pack wrote no tarball");
      // The SDK version this repository is tested with, so the npm cache has it (--prefer-offline).
      const sdk = (
        JSON.parse(
          fs.readFileSync(path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8"),
        ) as { version: string }
      ).version;
      await run(
        "npm",
        [
          "install",
          "--prefer-offline",
          "--no-audit",
          "--no-fund",
          path.join(tmp, tgz),
          `@pulumi/pulumi@${sdk}`,
        ],
        { cwd: app, maxBuffer: 64 << 20 },
      );
      const bin = path.join(app, "node_modules", "pulumi-featbit", "dist", "emulator", "cli.js");
      const started = await startEmulatorCli(bin, path.join(tmp, "featbit.json"));
      emulator = started.child;
      printed = started.printed;
      target = {
        cwd: app, // the documented command runs in the program's folder, with no --dir and no --state
        stack: "dev",
        settings: {
          apiUrl: printed.FEATBIT_API_URL,
          accessToken: printed.FEATBIT_ACCESS_TOKEN,
          organizationKey: printed.FEATBIT_ORGANIZATION_KEY ?? ORG_KEY,
        },
      };
    },
    40 * 60 * 1000,
  );

  afterAll(async () => {
    if (emulator && emulator.exitCode === null) {
      // It saves its data file on the way out: remove the folder only after it has gone.
      const exited = new Promise((resolve) => emulator?.once("exit", resolve));
      emulator.kill("SIGTERM");
      await exited;
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("installed a package that carries its build", () => {
    expect(path.relative(REPO_ROOT, app).startsWith("..")).toBe(true);
    expect(fs.existsSync(path.join(app, "node_modules", "pulumi-featbit", "dist", "index.js"))).toBe(true);
    // The organization key the segment scopes need: printed by the emulator, or the one it was started with.
    expect(printed.FEATBIT_ORGANIZATION_KEY ?? ORG_KEY).toBe(ORG_KEY);
  });

  it("previews the program's creates, with state kept under the program folder", async () => {
    const r = await runStack("preview", target);
    expectOk(r);
    expect(r.project).toBe("my-flags");
    expect(
      resourceSteps(r)
        .map((s) => `${s.op} ${s.name}`)
        .sort(),
    ).toEqual([
      "create app",
      "create dark-mode",
      "create dark-mode-targeting",
      "create prod",
      "create testers",
    ]);
    expect(r.stateFile.startsWith(path.join(app, ".pulumi-state", "dev") + path.sep)).toBe(true);
    expect(await myApp()).toBeUndefined();
  });

  it("creates everything, the segment rule included, and leaves the program's Pulumi.yaml alone", async () => {
    const before = fs.readFileSync(path.join(app, "Pulumi.yaml"), "utf8");
    const r = await runStack("up", target);
    expectOk(r);
    expect(r.changes.create).toBe(6); // five resources + the stack
    const project = await myApp();
    const prod = project?.environments.find((e) => e.key === "prod");
    expect(r.outputs.projectId.value).toBe(project?.id);
    expect(r.outputs.serverKey).toEqual({ value: "[secret]", secret: true });
    const segmentId = r.outputs.segmentId.value as string;
    const flag = await api<{ rules: { name: string; conditions: { property: string; value: string }[] }[] }>(
      `/envs/${prod?.id ?? ""}/feature-flags/dark-mode`,
    );
    expect(flag.data.rules.map((rule) => rule.name)).toEqual(["Testers"]);
    expect(JSON.stringify(flag.data.rules[0].conditions)).toContain(segmentId);
    expect(fs.readFileSync(path.join(app, "Pulumi.yaml"), "utf8")).toBe(before);
    expect(readState(r)).not.toContain(printed.FEATBIT_ACCESS_TOKEN);
    expect(visibleText(r)).not.toContain(printed.FEATBIT_ACCESS_TOKEN);
  });

  it("has nothing left to do on the next preview", async () => {
    const r = await runStack("preview", target, { expectNoChanges: true });
    expectOk(r);
    expect(resourceSteps(r)).toEqual([]);
  });

  it("destroys everything it created", async () => {
    const r = await runStack("destroy", target);
    expectOk(r);
    expect(r.changes.delete).toBe(6);
    expect(await myApp()).toBeUndefined();
    expect(readState(r)).not.toContain(printed.FEATBIT_ACCESS_TOKEN);
  });
});
