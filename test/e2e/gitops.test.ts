// examples/gitops through its own script, the one its CI pipeline runs: `ci.sh check`, `ci.sh up` (the initial
// deployment), a pull request changing a rollout (`ci.sh preview` says exactly that in FeatBit's terms and nothing is
// written), `ci.sh up` on merge, then a clean `ci.sh preview`; a bad file fails `ci.sh check` at file:line:column.
// The stack lives in a file backend named by PULUMI_BACKEND_URL, as a team's s3:// or gs:// one would be named.
//
// ci.sh runs the `pulumi` on PATH: here the CLI scripts/pulumi built, with its Node.js language host.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { copyProgram, userEnv } from "./support/cli";
import { api, EMULATOR_ORG_KEY, writes } from "./support/featbit";
import { REPO_ROOT } from "./support/stack";
import { e2eWorld } from "./support/world";

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

interface FlagView {
  variations: { id: string; name: string }[];
  fallthrough: { variations: { id: string; rollout: [number, number] }[] };
}

const BINS: Record<string, string> = {
  "featbit-diff": "diffCli.js",
  "featbit-flagset-check": "flagsetCheckCli.js",
};

describe("examples/gitops: ci.sh, as its pipeline runs it", () => {
  const world = e2eWorld("gitops");
  let repo: string;
  let backend: string;
  const everything: string[] = [];

  /** The environment a CI job would give the script, and nothing of this process's FeatBit or Pulumi settings. */
  const ciEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const env = userEnv(path.join(world.stateDir, "pulumi-home"), "gitops-e2e", {
      FEATBIT_API_URL: world.emulator.url,
      FEATBIT_ACCESS_TOKEN: world.emulator.token,
      FEATBIT_ORGANIZATION_KEY: EMULATOR_ORG_KEY,
      PULUMI_BACKEND_URL: `file://${backend}`,
      ...extra,
    });
    for (const name of Object.keys(env)) if (name.startsWith("GITHUB_") && !(name in extra)) delete env[name];
    return env;
  };

  /** Asynchronous: the emulator answers from this process while the script runs. */
  const ci = (command: string, extra: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(path.join(repo, "ci.sh"), [command], { cwd: repo, env: ciEnv(extra) });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
      child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
      child.on("error", reject);
      child.on("close", (status) => {
        everything.push(stdout, stderr);
        resolve({ status, stdout, stderr });
      });
    });
  const expectSuccess = (r: Run) => {
    if (r.status !== 0) throw new Error(`ci.sh failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  };
  const summary = () => fs.readFileSync(path.join(repo, ".featbit-ci", "summary.md"), "utf8");
  const checkoutFile = () => path.join(repo, "flags", "checkout.yaml");
  const prodRollout = (on: number) =>
    `              - { variation: On, percent: ${on} }\n              - { variation: Off, percent: ${100 - on} }`;

  const envIds = async (): Promise<Record<string, string>> => {
    const projects = await api<{ key: string; environments: { id: string; key: string }[] }[]>(
      world.emulator,
      "GET",
      "/projects",
    );
    const shop = projects.data.find((p) => p.key === "shop");
    return Object.fromEntries((shop?.environments ?? []).map((e) => [e.key, e.id]));
  };
  const defaultRule = async (env: string, key: string) => {
    const f = (
      await api<FlagView>(world.emulator, "GET", `/envs/${(await envIds())[env]}/feature-flags/${key}`)
    ).data;
    return f.fallthrough.variations.map(
      (v) =>
        `${f.variations.find((x) => x.id === v.id)?.name} ${Math.round((v.rollout[1] - v.rollout[0]) * 100)}`,
    );
  };

  beforeAll(() => {
    // The template copied as a team's repository; inside this one so pulumi-featbit and @pulumi/pulumi resolve.
    repo = path.join(world.stateDir, "repo");
    backend = path.join(world.stateDir, "backend");
    copyProgram(path.join(REPO_ROOT, "examples", "gitops"), repo);
    fs.mkdirSync(backend, { recursive: true });
    // What `npm install` would link: the package's bins, which ci.sh runs from node_modules/.bin.
    const bin = path.join(repo, "node_modules", ".bin");
    fs.mkdirSync(bin, { recursive: true });
    for (const [name, file] of Object.entries(BINS)) {
      const target = path.join(REPO_ROOT, "dist", "tools", file);
      fs.writeFileSync(path.join(bin, name), `#!/bin/sh\nexec node "${target}" "$@"\n`, { mode: 0o755 });
    }
  });

  it("check passes on the template's files", async () => {
    const r = await ci("check");
    expectSuccess(r);
    expect(r.stdout).toBe(
      "3 file(s), 2 flag(s), 1 segment(s) for dev, staging, prod: no problems; 9 targeting test(s) pass\n",
    );
  });

  it("up deploys the files into the stack's backend (the initial deployment)", async () => {
    const r = await ci("up");
    expectSuccess(r);
    expect(r.stdout).toMatch(/\+ 21 created/);
    expect(fs.existsSync(path.join(backend, ".pulumi", "stacks", "featbit-flags", "live.json"))).toBe(true);
    expect(await defaultRule("prod", "new-checkout")).toEqual(["On 10", "Off 90"]);
    expect(await defaultRule("dev", "theme")).toEqual(["Dark 100"]);
  });

  it("a pull request's preview says exactly what it changes, in FeatBit's terms, and writes nothing", async () => {
    const text = fs.readFileSync(checkoutFile(), "utf8");
    expect(text).toContain(prodRollout(10));
    fs.writeFileSync(checkoutFile(), text.replace(prodRollout(10), prodRollout(50)));

    world.emulator.requests.clear();
    const r = await ci("preview");
    expectSuccess(r);
    const expected = [
      "### FeatBit changes (stack live): 1 change",
      "",
      "- prod · `new-checkout`: default rule: On 10% → 50%, Off 90% → 50%",
      "",
      "Pulumi: 1 to update, 20 unchanged.",
      "",
    ].join("\n");
    // Then who changes, as FeatBit's SDK evaluates the files before and after: alice and carol (the flag's tests)
    // keep On; the rollout moves anonymous users from Off to On only.
    const [changes, impact] = summary().split("\n#### Who changes\n");
    expect(changes).toBe(expected);
    expect(impact).toMatch(
      /^\nAs FeatBit's SDK evaluates .*\n\n- prod · `new-checkout`: of 10,000 anonymous users, 39\.03% change variation \(Off → On 39\.03%\)\n$/,
    );
    expect(r.stdout).toContain(expected);
    expect(writes(world.emulator.requests.all())).toEqual([]);
    expect(world.emulator.requests.all()).toEqual([]);
    // Pulumi's own JSON sits next to it, in the shape of `pulumi preview --json`.
    const json = JSON.parse(fs.readFileSync(path.join(repo, ".featbit-ci", "preview.json"), "utf8")) as {
      steps: { op: string; oldState?: { inputs: Record<string, unknown> } }[];
      changeSummary: Record<string, number>;
    };
    expect(json.changeSummary).toEqual({ update: 1, same: 20 });
    expect(json.steps.find((s) => s.op === "update")?.oldState?.inputs.flagKey).toBe("new-checkout");
  });

  it("up on merge applies exactly that change, and the next preview has nothing to change", async () => {
    const ids = await envIds();
    world.emulator.requests.clear();
    const r = await ci("up", {
      FEATBIT_CHANGE_COMMENT: "Roll the new checkout out to half of prod (#42)\n\nbody",
    });
    expectSuccess(r);
    expect(writes(world.emulator.requests.all())).toEqual([
      `PUT /api/v1/envs/${ids.prod}/feature-flags/new-checkout/targeting`,
    ]);
    expect(await defaultRule("prod", "new-checkout")).toEqual(["On 50", "Off 50"]);

    world.emulator.requests.clear();
    expectSuccess(await ci("preview"));
    expect(summary()).toBe(
      [
        "### FeatBit changes (stack live): none",
        "",
        "No changes: FeatBit already matches the program (21 resources unchanged).",
        "",
        "Pulumi: 21 unchanged.",
        "",
      ].join("\n"),
    );
    expect(world.emulator.requests.all()).toEqual([]);
  });

  it("a bad file fails check at file:line:column (annotated in GitHub Actions), and preview before Pulumi runs", async () => {
    const good = fs.readFileSync(checkoutFile(), "utf8");
    // Staging's rollout reads the same: prod's is the last one.
    const at = good.lastIndexOf(prodRollout(50));
    const bad = `${good.slice(0, at)}${prodRollout(50).replace("On, percent: 50 }", "On, percent: 150 }")}${good.slice(at + prodRollout(50).length)}`;
    fs.writeFileSync(checkoutFile(), bad);
    const badLines = bad.split("\n");
    const line = badLines.findIndex((l) => l.includes("percent: 150")) + 1;
    const column = badLines[line - 1].indexOf("150") + 1;
    try {
      const r = await ci("check");
      expect(r.status).toBe(1);
      expect(r.stdout).toContain(
        `flags/checkout.yaml:${line}:${column}: flag 'new-checkout', environments.prod.defaultRule.serve.rollout[0].percent: percent must be at most 100`,
      );

      const annotated = await ci("check", { GITHUB_ACTIONS: "true", GITHUB_WORKSPACE: world.stateDir });
      expect(annotated.stdout).toContain(
        `::error file=repo/flags/checkout.yaml,line=${line},col=${column},title=FlagSet%3A flag 'new-checkout'%2C environments.prod.defaultRule.serve.rollout[0].percent::percent must be at most 100`,
      );

      fs.rmSync(path.join(repo, ".featbit-ci", "summary.md"));
      world.emulator.requests.clear();
      const preview = await ci("preview");
      expect(preview.status).toBe(1);
      expect(preview.stdout).toContain(`flags/checkout.yaml:${line}:${column}:`);
      expect(fs.existsSync(path.join(repo, ".featbit-ci", "summary.md"))).toBe(false);
      expect(world.emulator.requests.all()).toEqual([]);
    } finally {
      fs.writeFileSync(checkoutFile(), good);
    }
  });

  it("a preview that Pulumi refuses is still summarized, with its errors, for the comment", async () => {
    // ci.sh checks for one more environment than the program deploys to: the file passes the check, and the
    // FlagSet in the program refuses it.
    const ui = path.join(repo, "flags", "ui.yaml");
    const good = fs.readFileSync(ui, "utf8");
    fs.writeFileSync(ui, `${good.trimEnd()}\n      qa: false\n`);
    const line = good.trimEnd().split("\n").length + 1;
    try {
      world.emulator.requests.clear();
      const r = await ci("preview", { ENVIRONMENTS: "dev,staging,prod,qa" });
      expect(r.status).not.toBe(0);
      const text = summary();
      expect(text).toMatch(/^### FeatBit changes \(stack live\): the preview failed\n\nNothing was changed/);
      expect(text).toContain(
        `flags/ui.yaml:${line}:7: flag 'theme', environments: 'qa' is not one of this FlagSet's environments`,
      );
      expect(r.stdout).toContain(text);
      expect(world.emulator.requests.all()).toEqual([]);
    } finally {
      fs.writeFileSync(ui, good);
    }
  });

  it("no token in the summaries, the script's output, the state or anything else the runs left behind", () => {
    const token = world.emulator.token;
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory() && entry.name !== "node_modules") walk(full);
        else if (entry.isFile()) files.push(full);
      }
    };
    walk(world.stateDir);
    expect(files).toContainEqual(path.join(backend, ".pulumi", "stacks", "featbit-flags", "live.json"));
    expect(files).toContainEqual(path.join(repo, ".featbit-ci", "preview.json"));
    const leaking = files.filter((f) => fs.readFileSync(f, "utf8").includes(token));
    expect(leaking).toEqual([]);
    expect(everything.filter((text) => text.includes(token))).toEqual([]);
  });
});
