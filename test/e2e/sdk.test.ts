// A real @featbit/node-server-sdk client connected to the emulator follows `pulumi up`: examples/gitops is deployed
// through the Pulumi CLI, an application using the SDK (fixtures/sdk-app) serves what its FlagSet files declare, and
// a rollout changed in a file and applied with `up` reaches the running application over the data-sync WebSocket.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { api } from "./support/featbit";
import { expectOk, REPO_ROOT, runStack, type StackTarget } from "./support/stack";
import { e2eWorld } from "./support/world";

interface ProjectView {
  key: string;
  environments: { id: string; key: string; secrets: { type: string; value: string }[] }[];
}

describe("a real SDK client follows pulumi up", () => {
  const world = e2eWorld("sdk");
  let target: StackTarget;
  let program: string;
  let app: ChildProcess | undefined;
  let appUrl: string;
  const checkout = () => path.join(program, "flags", "checkout.yaml");
  const prodRollout = (on: number) =>
    `              - { variation: On, percent: ${on} }\n              - { variation: Off, percent: ${100 - on} }`;

  const get = async <T>(query: string): Promise<T> => (await (await fetch(`${appUrl}${query}`)).json()) as T;
  const serve = (user: string, props = "") =>
    get<{ value: string; reason: string }>(`/serve?flag=new-checkout&user=${user}${props}`);
  const shareOn = async () =>
    (await get<Record<string, number>>("/share?flag=new-checkout&n=4000")).true ?? 0;

  beforeAll(() => {
    program = path.join(world.stateDir, "program");
    fs.cpSync(path.join(REPO_ROOT, "examples", "gitops"), program, { recursive: true });
    target = world.target(program, { stateDir: path.join(world.stateDir, "state") });
  });
  afterAll(() => {
    app?.kill("SIGTERM");
  });

  it("up a FlagSet: the application, connected with prod's server key, serves what the files declare", async () => {
    expectOk(await runStack("up", target));
    const projects = await api<ProjectView[]>(world.emulator, "GET", "/projects");
    const prod = projects.data.find((p) => p.key === "shop")?.environments.find((e) => e.key === "prod");
    const serverKey = prod?.secrets.find((s) => s.type === "server")?.value ?? "";
    expect(serverKey).toHaveLength(44);

    app = spawn(process.execPath, [path.join(__dirname, "fixtures", "sdk-app", "app.js")], {
      env: { ...process.env, FEATBIT_URL: world.emulator.url, FEATBIT_SDK_KEY: serverKey },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const started = app;
    appUrl = await new Promise<string>((resolve, reject) => {
      let out = "";
      let err = "";
      started.stdout?.setEncoding("utf8").on("data", (s: string) => {
        out += s;
        const port = /listening (\d+)/.exec(out)?.[1];
        if (port) resolve(`http://127.0.0.1:${port}`);
      });
      started.stderr?.setEncoding("utf8").on("data", (s: string) => (err += s));
      started.on("exit", (code) => reject(new Error(`the application exited (${code}): ${err}`)));
    });

    // The files' expectations, now from the application: alice is in beta-users, carol is staff by its rule.
    expect(await serve("alice")).toMatchObject({ value: "true", reason: "match rule Beta testers" });
    expect(await serve("carol", "&email=carol@example.com")).toMatchObject({ value: "true" });
    // Everyone else: prod's default rule, 10 % On.
    expect(await shareOn()).toBeCloseTo(0.1, 1);
  });

  it("up a rollout change: the running application serves the new split without a restart", async () => {
    const text = fs.readFileSync(checkout(), "utf8");
    expect(text).toContain(prodRollout(10));
    fs.writeFileSync(checkout(), text.replace(prodRollout(10), prodRollout(60)));
    const up = await runStack("up", target);
    expectOk(up);
    expect(up.changes.update).toBe(1);

    const deadline = Date.now() + 30_000;
    let share = await shareOn();
    while (Math.abs(share - 0.6) > 0.05 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      share = await shareOn();
    }
    expect(share).toBeCloseTo(0.6, 1);
  });
});
