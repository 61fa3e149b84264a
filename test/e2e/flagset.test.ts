// examples/flagset through the user's own `pulumi` command against a fresh emulator: flags from files in three
// environments; moving entries between files changes nothing; a promotion (one line in a file, or one in the program)
// previews as exactly the target environment's targeting; a bad file fails preview with file:line:column before any
// API request. The program names its files relative to its folder (`path: "flags"`), where Pulumi runs it, and so
// does the runner given the folder with --dir.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument, stringify } from "yaml";
import { api, writes } from "./support/featbit";
import {
  copyProgram,
  digest,
  pulumiIn,
  resourceChanges,
  userEnv,
  type CliRun,
  type PulumiFolder,
} from "./support/cli";
import { expectOk, REPO_ROOT, resourceSteps, runStack } from "./support/stack";
import { e2eWorld } from "./support/world";

interface FlagView {
  isEnabled: boolean;
  variations: { id: string; name: string }[];
  fallthrough: { variations: { id: string; rollout: [number, number] }[] };
  rules: { name: string; conditions: { property: string; value: string }[] }[];
}

describe("examples/flagset through the user's own pulumi command", () => {
  const world = e2eWorld("flagset");
  let cli: PulumiFolder;
  let program: string;
  let envIds: Record<string, string>;
  const flagsDir = () => path.join(program, "flags");
  const edit = (file: string, change: (text: string) => string) =>
    fs.writeFileSync(path.join(program, file), change(fs.readFileSync(path.join(program, file), "utf8")));
  const ok = (args: string[], input?: string): Promise<CliRun> => cli.ok(args, { input });
  /** The declared resources a preview would change, as "op Type name [changed inputs]". */
  const steps = async (): Promise<string[]> =>
    resourceChanges(digest(await ok(["preview", "--json"]))).map(
      (c) => `${c.op} ${c.type} ${c.name} [${c.diffs.join(",")}]`,
    );
  const flag = async (env: string, key: string) =>
    (await api<FlagView>(world.emulator, "GET", `/envs/${envIds[env]}/feature-flags/${key}`)).data;
  /** The default rule as "Name percent" pairs. */
  const defaultRule = (f: FlagView) =>
    f.fallthrough.variations.map(
      (v) =>
        `${f.variations.find((x) => x.id === v.id)?.name} ${Math.round((v.rollout[1] - v.rollout[0]) * 100)}`,
    );

  beforeAll(async () => {
    // A copy of the example to edit; inside the repository so pulumi-featbit and @pulumi/pulumi resolve.
    program = copyProgram(path.join(REPO_ROOT, "examples/flagset"), path.join(world.stateDir, "program"));
    const backend = path.join(world.stateDir, "backend");
    fs.mkdirSync(backend);
    cli = pulumiIn(program, userEnv(path.join(world.stateDir, "pulumi-home"), "flagset-e2e"));
    await ok(["login", `file://${backend}`]);
    await ok(["stack", "init", "e2e"]);
    const { apiUrl, accessToken, organizationKey } = world.settings();
    await ok(["config", "set", "featbit:apiUrl", apiUrl ?? ""]);
    await ok(["config", "set", "--secret", "featbit:accessToken"], accessToken);
    await ok(["config", "set", "featbit:organizationKey", organizationKey ?? ""]);
  });

  it("declares every flag, targeting and segment of the files in each environment", async () => {
    const r = digest(await ok(["up", "--yes", "--json"]));
    // project + 3 environments + stack + FlagSet; 4 flags in dev and staging, 3 in prod; 3 targetings each; 3 segments
    expect(r.summary.create).toBe(6 + 11 + 9 + 3);
    const projects = await api<{ key: string; environments: { id: string; key: string }[] }[]>(
      world.emulator,
      "GET",
      "/projects",
    );
    const shop = projects.data.find((p) => p.key === "shop-flags");
    envIds = Object.fromEntries((shop?.environments ?? []).map((e) => [e.key, e.id]));
    expect(defaultRule(await flag("dev", "new-checkout"))).toEqual(["On 100"]);
    expect(defaultRule(await flag("staging", "new-checkout"))).toEqual(["On 50", "Off 50"]);
    expect(defaultRule(await flag("prod", "new-checkout"))).toEqual(["On 10", "Off 90"]);
    // The rule names the segment by key in the file; each environment's rule uses that environment's segment.
    const segments = await api<{ items: { id: string; key: string }[] }>(
      world.emulator,
      "GET",
      `/envs/${envIds.prod}/segments`,
    );
    const beta = segments.data.items.find((s) => s.key === "beta-users");
    expect((await flag("prod", "new-checkout")).rules[0].conditions[0].value).toBe(
      JSON.stringify([beta?.id]),
    );
    expect(
      (await api(world.emulator, "GET", `/envs/${envIds.prod}/feature-flags/search-results-per-page`))
        .success,
    ).toBe(false);
  });

  it("reordering entries, splitting a file, renaming files and converting one to JSON change nothing", async () => {
    const read = (file: string) =>
      parseDocument(fs.readFileSync(path.join(flagsDir(), file), "utf8")).toJS() as {
        flags?: unknown[];
        segments?: unknown[];
      };
    const checkout = read("checkout.yaml");
    const ui = read("ui.yaml");
    const segments = read("segments.yaml");
    fs.rmSync(flagsDir(), { recursive: true });
    fs.mkdirSync(path.join(flagsDir(), "teams", "payments"), { recursive: true });
    fs.writeFileSync(
      path.join(flagsDir(), "teams", "payments", "flags.yml"),
      stringify({ flags: [...(checkout.flags ?? [])].reverse() }),
    );
    const [theme, perPage] = ui.flags ?? [];
    fs.writeFileSync(path.join(flagsDir(), "look.json"), JSON.stringify({ flags: [perPage] }, null, 2));
    fs.writeFileSync(
      path.join(flagsDir(), "teams", "theme.yaml"),
      stringify({ segments: segments.segments, flags: [theme] }),
    );
    world.emulator.requests.clear();
    await ok(["preview", "--expect-no-changes"]);
    expect(world.emulator.requests.all()).toEqual([]);
  });

  it("a promotion in a file (one line) previews as exactly the target environment's change, and up applies only that", async () => {
    edit("flags/teams/payments/flags.yml", (text) => {
      const doc = parseDocument(text);
      const index = (doc.toJS() as { flags: { key: string }[] }).flags.findIndex(
        (f) => f.key === "new-checkout",
      );
      doc.setIn(["flags", index, "environments", "prod"], doc.createNode({ from: "staging" }));
      return doc.toString();
    });
    world.emulator.requests.clear();
    expect(await steps()).toEqual(["update FeatureFlagTargeting flags/prod/new-checkout [defaultRule]"]);
    expect(writes(world.emulator.requests.all())).toEqual([]);

    world.emulator.requests.clear();
    const up = await ok(["up", "--yes"]);
    expect(up.stdout).toContain("~ 1 updated");
    expect(writes(world.emulator.requests.all())).toEqual([
      `PUT /api/v1/envs/${envIds.prod}/feature-flags/new-checkout/targeting`,
    ]);
    expect(defaultRule(await flag("prod", "new-checkout"))).toEqual(["On 50", "Off 50"]);
    await ok(["preview", "--expect-no-changes"]);
  });

  it("a promotion in the program (one line) previews as exactly the target environment's change", async () => {
    edit("index.ts", (text) => text.replace("  // promote: [", "  promote: ["));
    expect(await steps()).toEqual(["update FeatureFlagTargeting flags/prod/theme [defaultRule]"]);
  });

  it("a bad file fails preview with every problem at file:line:column and the field, before any API request", async () => {
    edit("flags/teams/payments/flags.yml", (text) =>
      text.replace("percent: 50", "percentage: 50").replace("offVariation: Stripe", "offVariation: Stripey"),
    );
    edit("flags/look.json", (text) =>
      text.replace('"variationType": "number"', '"variationType": "numeric"'),
    );
    world.emulator.requests.clear();
    const r = await cli.run(["preview"]);
    expect(r.status).not.toBe(0);
    expect(r.stdout).not.toMatch(/^\s*[+~-]\s+pulumi-nodejs:/m);
    expect(world.emulator.requests.all()).toEqual([]);
    const lines = `${r.stdout}\n${r.stderr}`.split("\n").map((l) => l.trim());
    const text = fs.readFileSync(path.join(flagsDir(), "teams/payments/flags.yml"), "utf8").split("\n");
    const lineOf = (needle: string) => text.findIndex((l) => l.includes(needle)) + 1;
    // Relative to the program's folder, where Pulumi runs it.
    const where = "flags/teams/payments/flags.yml";
    expect(lines).toContainEqual(
      expect.stringMatching(/FlagSet 'flags' has 4 problems; nothing was applied:$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^${where.replace(/[.]/g, "\\.")}:${lineOf("percentage: 50")}:\\d+: flag 'new-checkout', environments\\.staging\\.defaultRule\\.serve\\.rollout\\[0\\]: unknown field 'percentage'`,
        ),
      ),
    );
    expect(lines).toContainEqual(
      `${where}:${lineOf("offVariation: Stripey")}:${text[lineOf("offVariation: Stripey") - 1].indexOf("Stripey") + 1}: flag 'payment-provider', offVariation: 'Stripey' is not a variation of this flag (its variations: Stripe, Adyen): use one of those names`,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /look\.json:\d+:\d+: flag 'search-results-per-page', variationType: variationType must be one of boolean, string, number, json$/,
      ),
    );
  });

  it("the runner, given the folder with --dir from elsewhere, runs the program there too", async () => {
    // The files were broken by the test before; put the example's back.
    fs.rmSync(flagsDir(), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, "examples/flagset/flags"), flagsDir(), { recursive: true });
    const r = await runStack("preview", {
      ...world.target(program, { stack: "runner", stateDir: path.join(world.stateDir, "runner") }),
      cwd: REPO_ROOT,
    });
    expectOk(r);
    expect(resourceSteps(r).filter((s) => s.op === "create")).toHaveLength(5 + 11 + 9 + 3);
  });
});
