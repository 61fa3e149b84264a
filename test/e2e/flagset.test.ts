// examples/flagset through the Pulumi CLI against a fresh emulator: flags from files in three environments; moving
// entries between files changes nothing; a promotion (one line in a file, or one in the program) previews as exactly
// the target environment's targeting; a bad file fails preview with file:line:column before any API request.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument, stringify } from "yaml";
import { api, writes } from "./support/featbit";
import {
  expectOk,
  REPO_ROOT,
  resourceSteps,
  runStack,
  type RunResult,
  type StackTarget,
} from "./support/stack";
import { e2eWorld } from "./support/world";

interface FlagView {
  isEnabled: boolean;
  variations: { id: string; name: string }[];
  fallthrough: { variations: { id: string; rollout: [number, number] }[] };
  rules: { name: string; conditions: { property: string; value: string }[] }[];
}

describe("examples/flagset through the Pulumi CLI", () => {
  const world = e2eWorld("flagset");
  let target: StackTarget;
  let program: string;
  let envIds: Record<string, string>;
  const flagsDir = () => path.join(program, "flags");
  const edit = (file: string, change: (text: string) => string) =>
    fs.writeFileSync(path.join(program, file), change(fs.readFileSync(path.join(program, file), "utf8")));
  const steps = (r: RunResult) =>
    resourceSteps(r).map((s) => `${s.op} ${s.type.split(":").pop()} ${s.name} [${s.diffs.join(",")}]`);
  const flag = async (env: string, key: string) =>
    (await api<FlagView>(world.emulator, "GET", `/envs/${envIds[env]}/feature-flags/${key}`)).data;
  /** The default rule as "Name percent" pairs. */
  const defaultRule = (f: FlagView) =>
    f.fallthrough.variations.map(
      (v) =>
        `${f.variations.find((x) => x.id === v.id)?.name} ${Math.round((v.rollout[1] - v.rollout[0]) * 100)}`,
    );

  beforeAll(() => {
    // A copy of the example to edit; inside the repository so pulumi-featbit and @pulumi/pulumi resolve.
    program = path.join(world.stateDir, "program");
    fs.cpSync(path.join(REPO_ROOT, "examples/flagset"), program, { recursive: true });
    target = world.target(program, { stateDir: path.join(world.stateDir, "state") });
  });

  it("declares every flag, targeting and segment of the files in each environment", async () => {
    const r = await runStack("up", target);
    expectOk(r);
    // project + 3 environments + stack + FlagSet; 4 flags in dev and staging, 3 in prod; 3 targetings each; 3 segments
    expect(r.changes.create).toBe(6 + 11 + 9 + 3);
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
    const r = await runStack("preview", target, { expectNoChanges: true });
    expectOk(r);
    expect(steps(r)).toEqual([]);
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
    const preview = await runStack("preview", target);
    expectOk(preview);
    expect(steps(preview)).toEqual(["update FeatureFlagTargeting flags/prod/new-checkout [defaultRule]"]);
    expect(writes(world.emulator.requests.all())).toEqual([]);

    world.emulator.requests.clear();
    const up = await runStack("up", target);
    expectOk(up);
    expect(steps(up)).toEqual(steps(preview));
    expect(writes(world.emulator.requests.all())).toEqual([
      `PUT /api/v1/envs/${envIds.prod}/feature-flags/new-checkout/targeting`,
    ]);
    expect(defaultRule(await flag("prod", "new-checkout"))).toEqual(["On 50", "Off 50"]);
    expectOk(await runStack("preview", target, { expectNoChanges: true }));
  });

  it("a promotion in the program (one line) previews as exactly the target environment's change", async () => {
    edit("index.ts", (text) => text.replace("  // promote: [", "  promote: ["));
    const preview = await runStack("preview", target);
    expectOk(preview);
    expect(steps(preview)).toEqual(["update FeatureFlagTargeting flags/prod/theme [defaultRule]"]);
  });

  it("a bad file fails preview with every problem at file:line:column and the field, before any API request", async () => {
    edit("flags/teams/payments/flags.yml", (text) =>
      text.replace("percent: 50", "percentage: 50").replace("offVariation: Stripe", "offVariation: Stripey"),
    );
    edit("flags/look.json", (text) =>
      text.replace('"variationType": "number"', '"variationType": "numeric"'),
    );
    world.emulator.requests.clear();
    const r = await runStack("preview", target);
    expect(r.ok).toBe(false);
    expect(resourceSteps(r)).toEqual([]);
    expect(world.emulator.requests.all()).toEqual([]);
    const error =
      r.diagnostics.find((d) => d.severity === "error" && d.message.includes("problems"))?.message ?? "";
    const lines = error.split("\n").map((l) => l.trim());
    const text = fs.readFileSync(path.join(flagsDir(), "teams/payments/flags.yml"), "utf8").split("\n");
    const lineOf = (needle: string) => text.findIndex((l) => l.includes(needle)) + 1;
    const where = path.relative(process.cwd(), path.join(flagsDir(), "teams/payments/flags.yml"));
    expect(lines[0]).toBe("FlagSet 'flags' has 4 problems; nothing was applied:");
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
});
