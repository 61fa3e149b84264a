// Persistence round-trip and start-up with bad files; the CLI.
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Api, flagBody, start, type Flag, type ProjectView } from "./support";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "featbit-emulator-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("dataFile", () => {
  it("round-trips state and the generated token across restarts", async () => {
    const file = join(dir, "state.json");
    const first = await start({ dataFile: file });
    const project = await first.api.ok<ProjectView>("POST", "/projects", { name: "Kept", key: "kept" });
    const flag = await first.api.ok<Flag>(
      "POST",
      `/envs/${project.environments[0].id}/feature-flags`,
      flagBody("kept"),
    );
    await first.emulator.close();
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    const second = await start({ dataFile: file });
    try {
      expect(second.emulator.token).toBe(first.emulator.token);
      expect(await second.api.ok("GET", `/projects/${project.id}`)).toEqual(project);
      expect(await second.api.ok("GET", `/envs/${flag.envId}/feature-flags/kept`)).toEqual(flag);
      // New objects sort after persisted ones.
      await second.api.ok("POST", "/projects", { name: "Newer", key: "newer" });
      expect((await second.api.ok<ProjectView[]>("GET", "/projects")).map((p) => p.key)).toEqual([
        "newer",
        "kept",
      ]);
    } finally {
      await second.emulator.close();
    }
  });

  it("lets explicit tokens replace persisted ones, and never repeats seeded ids after a reload", async () => {
    const file = join(dir, "tokens.json");
    const first = await start({ dataFile: file, seed: 1 });
    const a = await first.api.ok<ProjectView>("POST", "/projects", { name: "A", key: "a" });
    await first.emulator.close();
    const second = await start({ dataFile: file, seed: 1, tokens: ["api-explicit"] });
    try {
      expect(second.emulator.token).toBe("api-explicit");
      expect(
        (await second.api.call("GET", "/projects", undefined, { token: first.emulator.token })).status,
      ).toBe(401);
      const b = await second.api.ok<ProjectView>("POST", "/projects", { name: "B", key: "b" });
      expect(b.id).not.toBe(a.id);
    } finally {
      await second.emulator.close();
    }
  });

  it("writes after each change, before the response", async () => {
    const file = join(dir, "live.json");
    const { emulator, api } = await start({ dataFile: file });
    try {
      await api.ok("POST", "/projects", { name: "Live", key: "live" });
      expect(readFileSync(file, "utf8")).toContain('"key":"live"');
    } finally {
      await emulator.close();
    }
    // Closing twice is harmless.
    await expect(emulator.close()).resolves.toBeUndefined();
  });

  it.each([
    ["corrupt JSON", "{ not json"],
    ["foreign JSON", '{"hello":"world"}'],
  ])("moves a %s file aside, says where, and starts fresh without overwriting it", async (_, content) => {
    const sub = mkdtempSync(join(dir, "bad-"));
    const file = join(sub, "state.json");
    writeFileSync(file, content);
    const warn = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    const { emulator, api } = await start({ dataFile: file });
    try {
      const aside = readdirSync(sub).filter((f) => f.startsWith("state.json.unreadable-"));
      expect(aside).toHaveLength(1);
      expect(readFileSync(join(sub, aside[0]), "utf8")).toBe(content);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining(`moved it to ${join(sub, aside[0])}`));
      expect(await api.ok("GET", "/projects")).toEqual([]);
      expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ version: 1 });
    } finally {
      warn.mockRestore();
      await emulator.close();
    }
  });

  it("never overwrites an earlier file set aside", async () => {
    const sub = mkdtempSync(join(dir, "twice-"));
    const file = join(sub, "state.json");
    for (const content of ["first {", "second {"]) {
      writeFileSync(file, content);
      const warn = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
      const { emulator } = await start({ dataFile: file });
      warn.mockRestore();
      await emulator.close();
      rmSync(file);
    }
    const kept = readdirSync(sub)
      .filter((f) => f.includes(".unreadable-"))
      .map((f) => readFileSync(join(sub, f), "utf8"))
      .sort();
    expect(kept).toEqual(["first {", "second {"]);
  });

  it("refuses to start when the file cannot be read, leaving it as it was", async () => {
    const sub = mkdtempSync(join(dir, "unreadable-"));
    // A directory where the file should be: readable by no JSON parser, and not ours to move.
    const file = join(sub, "state.json");
    mkdirSync(file);
    await expect(start({ dataFile: file })).rejects.toThrow();
    expect(readdirSync(sub)).toEqual(["state.json"]);
  });

  it("loads a file written before pending changes existed", async () => {
    const file = join(dir, "old-format.json");
    const first = await start({ dataFile: file });
    await first.api.ok("POST", "/projects", { name: "Old", key: "old" });
    await first.emulator.close();
    const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    delete json.flagDrafts;
    delete json.flagSchedules;
    delete json.flagChangeRequests;
    writeFileSync(file, JSON.stringify(json));
    const second = await start({ dataFile: file });
    try {
      expect((await second.api.ok<ProjectView[]>("GET", "/projects")).map((p) => p.key)).toEqual(["old"]);
    } finally {
      await second.emulator.close();
    }
  });
});

describe("CLI", () => {
  it("prints the URL and token, serves requests and exits 0 on SIGTERM, flushing the data file", async () => {
    const file = join(dir, "cli.json");
    const child = spawn(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        "provider/emulator/cli.ts",
        "--port",
        "0",
        "--token",
        "api-cli-token",
        "--data",
        file,
      ],
      { cwd: join(__dirname, "../.."), stdio: ["ignore", "pipe", "pipe"] },
    );
    const lines = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("FEATBIT_ORGANIZATION_KEY=")) resolve(out);
      });
      child.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
    });
    const url = /FEATBIT_API_URL=(\S+)/.exec(lines)?.[1] ?? "";
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines).toContain("FEATBIT_ACCESS_TOKEN=api-cli-token");
    expect(lines).toContain("FEATBIT_ORGANIZATION_KEY=playground");
    const api = new Api({ url, token: "api-cli-token" });
    expect((await api.ok<ProjectView[]>("GET", "/projects")).length).toBe(0);
    const exit = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(existsSync(file)).toBe(true);
  });

  it("takes fault rules and a seed from --faults and --seed, and refuses a bad spec", async () => {
    const child = spawn(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        "provider/emulator/cli.ts",
        "--port",
        "0",
        "--token",
        "api-cli-faults",
        "--faults",
        "503;method=GET;path=/projects;times=1",
        "--seed",
        "7",
      ],
      { cwd: join(__dirname, "../.."), stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      const lines = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          if (out.includes("FEATBIT_ORGANIZATION_KEY=")) resolve(out);
        });
        child.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
      });
      const url = /FEATBIT_API_URL=(\S+)/.exec(lines)?.[1] ?? "";
      const api = new Api({ url, token: "api-cli-faults" });
      expect((await api.call("GET", "/projects")).status).toBe(503);
      expect((await api.call("GET", "/projects")).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }

    const bad = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", "provider/emulator/cli.ts", "--port", "0", "--faults", "418"],
      { cwd: join(__dirname, "../.."), stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    bad.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    expect(await new Promise<number | null>((resolve) => bad.once("exit", resolve))).toBe(2);
    expect(stderr).toContain("--faults: entry 1 ('418'): unknown fault kind '418'");
  });
});

describe("CLI under npm (npx featbit-emulator)", () => {
  it("stops, flushing its data, when the shell npm started it through is killed", async () => {
    // npm runs a bin as `sh -c <bin>` and hands a SIGTERM sent to npm's pid on to that shell alone.
    const file = join(dir, "npm.json");
    const shell = spawn(
      "sh",
      [
        "-c",
        `"${process.execPath}" -r ts-node/register/transpile-only provider/emulator/cli.ts --port 0 --data "${file}"; :`,
      ],
      {
        cwd: join(__dirname, "../.."),
        env: { ...process.env, npm_command: "exec" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      shell.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        const found = /FEATBIT_API_URL=(\S+)\n[\s\S]*FEATBIT_ORGANIZATION_KEY=/.exec(out);
        if (found) resolve(found[1]);
      });
      shell.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
    });
    // The server itself, so that a failure here leaves no orphan behind.
    const server = Number(readFileSync(`/proc/${shell.pid}/task/${shell.pid}/children`, "utf8").trim());
    const serving = async () =>
      fetch(`${url}/api/v1/projects`).then(
        () => true,
        () => false,
      );
    expect(await serving()).toBe(true);
    shell.kill("SIGTERM");
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      await new Promise((r) => setTimeout(r, 100));
      alive = await serving();
    }
    if (alive) process.kill(server, "SIGKILL");
    expect(alive).toBe(false);
    expect(existsSync(file)).toBe(true);
  });
});
