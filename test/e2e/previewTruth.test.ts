// Preview must tell the truth: for every edit, `pulumi preview` lists exactly the steps the following `pulumi up`
// takes — the same steps of the same resources, each with the same changed properties, in the same order (a
// replacement that creates first previews as creating first) — without a single request to FeatBit, and afterwards a
// preview shows no change. The program (fixtures/preview-truth) applies batches of edits, each edit to resources of
// its own, so one preview/up pair checks several edits at once; EDITS says what `up` does for each.
import * as path from "node:path";
import { formatLine, previewDocumentSchema, summarizePreview } from "../../provider/tools/previewSummary";
import { expectOk, REPO_ROOT, resourceSteps, runStack, type RunResult } from "./support/stack";
import { e2eWorld } from "./support/world";

/** A resource's steps in the order the engine takes them, each as "<op> [diff: <changed properties>]". */
type Steps = Record<string, string[]>;

function stepsByResource(r: RunResult): Steps {
  const out: Steps = {};
  for (const s of resourceSteps(r).filter((x) => x.op !== "same")) {
    const keys = r.steps.find((x) => x.urn.endsWith(`::${s.name}`) && x.op === s.op)?.replaceKeys ?? [];
    const replace = keys.length > 0 ? ` [replace: ${[...keys].sort().join(",")}]` : "";
    (out[s.name] ??= []).push(`${s.op} [diff: ${[...s.diffs].sort().join(",")}]${replace}`);
  }
  return out;
}

const create = ["create [diff: ]"];
const update = (...diffs: string[]) => [`update [diff: ${diffs.join(",")}]`];
const halves = (first: string, second: string, diff: string, replace: string) => {
  const keys = replace ? ` [replace: ${replace}]` : "";
  const step = (op: string) =>
    op === "delete-replaced" ? "delete-replaced [diff: ]" : `${op} [diff: ${diff}]${keys}`;
  return [step(first), step("replace"), step(second)];
};
/** Pulumi's default: the new object first, the old one deleted at the end. */
const createFirst = (diff: string, replace = diff) =>
  halves("create-replacement", "delete-replaced", diff, replace);
/** The new object takes the old one's key, which only deleting the old one frees. */
const deleteFirst = (diff: string, replace = diff) =>
  halves("delete-replaced", "create-replacement", diff, replace);
/** A FeatureFlagTargeting replaced with its flag (replaceWith), changing `diff`. */
const withItsFlag = (diff: string) => createFirst(diff, "replaceWith");
const nothing: string[] = [];

interface Edit {
  batch: number;
  edit: string;
  /** What `up` does to each resource the edit reaches (nothing: no step). */
  steps: Steps;
}

const EDITS: Edit[] = [
  {
    batch: 0,
    edit: "first deployment: every resource is created",
    steps: Object.fromEntries(
      [
        "shop",
        "prod",
        "dev",
        "staging",
        "beta",
        "vip",
        "checkout",
        "checkout-targeting",
        "theme",
        "theme-targeting",
        "limit",
        "config",
      ].map((name) => [name, create]),
    ),
  },
  { batch: 1, edit: "project renamed", steps: { shop: update("name") } },
  { batch: 1, edit: "environment description set", steps: { prod: update("description") } },
  { batch: 1, edit: "environment renamed", steps: { staging: update("name") } },
  { batch: 1, edit: "segment member added", steps: { beta: update("included") } },
  { batch: 1, edit: "segment renamed", steps: { vip: update("name") } },
  { batch: 1, edit: "flag renamed", steps: { checkout: update("name") } },
  { batch: 1, edit: "targeting turned on", steps: { "checkout-targeting": update("enabled") } },
  { batch: 1, edit: "string variation's value changed", steps: { theme: update("variations") } },
  {
    batch: 1,
    edit: "default rule serves another variation",
    steps: { "theme-targeting": update("defaultRule") },
  },
  { batch: 1, edit: "flag description set", steps: { limit: update("description") } },
  { batch: 1, edit: "JSON variation's value changed", steps: { config: update("variations") } },
  { batch: 2, edit: "environment renamed", steps: { prod: update("name") } },
  { batch: 2, edit: "environment description set", steps: { staging: update("description") } },
  { batch: 2, edit: "segment member excluded", steps: { beta: update("excluded") } },
  { batch: 2, edit: "segment description set", steps: { vip: update("description") } },
  { batch: 2, edit: "flag description set", steps: { checkout: update("description") } },
  { batch: 2, edit: "off variation taken over", steps: { "checkout-targeting": update("offVariation") } },
  { batch: 2, edit: "flag renamed", steps: { theme: update("name") } },
  { batch: 2, edit: "on/off taken over", steps: { "theme-targeting": update("enabled") } },
  { batch: 2, edit: "number variation added", steps: { limit: update("variations") } },
  { batch: 2, edit: "flag tagged", steps: { config: update("tags") } },
  { batch: 3, edit: "change comments required", steps: { prod: update("requireChangeComment") } },
  { batch: 3, edit: "change comments required", steps: { staging: update("requireChangeComment") } },
  { batch: 3, edit: "segment rule added", steps: { beta: update("rules") } },
  { batch: 3, edit: "segment member added", steps: { vip: update("included") } },
  { batch: 3, edit: "flag tagged", steps: { checkout: update("tags") } },
  { batch: 3, edit: "user targeted", steps: { "checkout-targeting": update("individualTargeting") } },
  { batch: 3, edit: "flag description set", steps: { theme: update("description") } },
  { batch: 3, edit: "flag renamed", steps: { limit: update("name") } },
  { batch: 4, edit: "segment renamed", steps: { beta: update("name") } },
  { batch: 4, edit: "adopt set on a segment it created: nothing to do", steps: { vip: nothing } },
  {
    batch: 4,
    edit: "variations renamed, the targeting naming them by their new names",
    steps: {
      checkout: update("variations"),
      "checkout-targeting": update(
        "defaultRule",
        "individualTargeting",
        "offVariation",
        "rules",
        "variations",
      ),
    },
  },
  { batch: 4, edit: "flag tagged", steps: { theme: update("tags") } },
  { batch: 5, edit: "segment description set", steps: { beta: update("description") } },
  { batch: 5, edit: "rule on a second segment added", steps: { "checkout-targeting": update("rules") } },
  { batch: 5, edit: "adopt set on a flag it created: nothing to do", steps: { theme: nothing } },
  { batch: 5, edit: "flag key changed (no targeting)", steps: { limit: createFirst("key") } },
  { batch: 6, edit: "adopt set on an environment: nothing to do", steps: { dev: nothing } },
  { batch: 6, edit: "segment tagged", steps: { beta: update("tags") } },
  {
    batch: 6,
    edit: "default rule becomes a rollout",
    steps: { "checkout-targeting": update("defaultRule") },
  },
  {
    batch: 6,
    edit: "variation type changed: same key, so deleted first",
    steps: { limit: deleteFirst("variationType") },
  },
  {
    batch: 7,
    edit: "segment moved to another environment, the rule naming it removed",
    steps: { vip: createFirst("environmentId"), "checkout-targeting": update("rules") },
  },
  {
    batch: 7,
    edit: "flag with targeting moved to another existing environment",
    steps: { theme: createFirst("environmentId"), "theme-targeting": withItsFlag("environmentId") },
  },
  {
    batch: 8,
    edit: "environment key changed: its flags move into the environment replacing it",
    steps: {
      staging: createFirst("key"),
      limit: createFirst("environmentId"),
      theme: createFirst("environmentId"),
      "theme-targeting": withItsFlag("environmentId"),
    },
  },
  { batch: 8, edit: "segment key changed", steps: { vip: createFirst("key") } },
  { batch: 8, edit: "audit comment set: nothing to write", steps: { "checkout-targeting": nothing } },
  {
    batch: 9,
    edit: "project key changed: everything moves into the project replacing it",
    steps: {
      shop: createFirst("key"),
      prod: createFirst("projectId"),
      dev: createFirst("projectId"),
      staging: createFirst("projectId"),
      beta: createFirst("environmentId"),
      vip: createFirst("environmentId"),
      checkout: createFirst("environmentId"),
      theme: createFirst("environmentId"),
      limit: createFirst("environmentId"),
      config: createFirst("environmentId"),
      // The rule names the segment replacing beta.
      "checkout-targeting": withItsFlag("environmentId,rules"),
      "theme-targeting": withItsFlag("environmentId"),
    },
  },
  { batch: 10, edit: "environment added", steps: { qa: create } },
  {
    batch: 10,
    edit: "flag without a description moved into the environment this update creates",
    steps: { config: createFirst("environmentId") },
  },
  {
    batch: 10,
    edit: "flag's type and key changed, its targeting replaced with it",
    steps: {
      theme: createFirst("key,variationType,variations", "key,variationType"),
      "theme-targeting": withItsFlag("flagKey"),
    },
  },
  { batch: 10, edit: "flag key's letter case changed (no targeting)", steps: { limit: deleteFirst("key") } },
  {
    batch: 10,
    edit: "users targeted, written unsorted and with a duplicate",
    steps: { "checkout-targeting": update("individualTargeting") },
  },
  { batch: 11, edit: "onDestroy set: state only", steps: { limit: update("onDestroy") } },
  {
    batch: 11,
    edit: "flag with targeting moved into the environment created the batch before",
    steps: { theme: createFirst("environmentId"), "theme-targeting": withItsFlag("environmentId") },
  },
  {
    batch: 11,
    edit: "flag key changed, its targeting replaced with it",
    steps: { checkout: createFirst("key"), "checkout-targeting": withItsFlag("flagKey") },
  },
  {
    batch: 12,
    edit: "key of a segment a rule names changed, with individual targeting written unsorted",
    steps: { beta: createFirst("key"), "checkout-targeting": update("rules") },
  },
  { batch: 12, edit: "audit comment alone set: nothing to write", steps: { "theme-targeting": nothing } },
  {
    batch: 13,
    edit: "flag key's letter case changed, its targeting replaced with it",
    steps: { checkout: deleteFirst("key"), "checkout-targeting": deleteFirst("flagKey", "") },
  },
  {
    batch: 14,
    edit: "individual targeting rewritten in another order: nothing to do",
    steps: { "checkout-targeting": nothing },
  },
  { batch: 14, edit: "flag removed from the program", steps: { config: ["delete [diff: ]"] } },
];

const BATCHES = Math.max(...EDITS.map((e) => e.batch));

/** Lines featbit-diff writes for the batch's preview (as `--show-sames` gives it), in FeatBit's terms. */
const SUMMARIES: Record<number, string[]> = {
  4: [
    "`new-checkout`: variation 'On' renamed 'Enabled'",
    "`new-checkout`: follows the variation rename (On → Enabled, Off → Disabled): what it serves does not change",
  ],
  8: ["`new-checkout`: audit-log comment (none) → 'rollout' only: nothing changes in FeatBit now"],
  10: [
    "qa · `config`: replaced because it moves from environment dev to qa (created anew, then the old one deleted)",
    "stage · `Rate-Limit`: replaced because key rate-limit → Rate-Limit (deleted first, then created again with the same key)",
  ],
  12: ["`theme-v2`: audit-log comment (none) → 'audit only' only: nothing changes in FeatBit now"],
};

describe("preview lists exactly what up does, edit by edit", () => {
  const world = e2eWorld("preview-truth");
  const target = world.target(path.join(REPO_ROOT, "test/e2e/fixtures/preview-truth"));

  it("covers more than 30 edits, each on resources of its own within its batch", () => {
    expect(EDITS.length).toBeGreaterThanOrEqual(30);
    for (let batch = 0; batch <= BATCHES; batch++) {
      const names = EDITS.filter((e) => e.batch === batch).flatMap((e) => Object.keys(e.steps));
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it.each(Array.from({ length: BATCHES + 1 }, (_, i) => i))("batch %i", async (batch) => {
    const config = { batch: String(batch) };
    world.emulator.requests.clear();
    const previewed = await runStack("preview", target, { config, showSames: true });
    expectOk(previewed);
    // A preview talks to FeatBit for nothing.
    expect(world.emulator.requests.all()).toEqual([]);
    // An unchanged resource changes no property, even where an audit comment alone differs in its inputs.
    expect(previewed.steps.filter((s) => s.op === "same" && s.diffs.length > 0)).toEqual([]);
    const summary = summarizePreview(previewDocumentSchema.parse(previewed)).lines.map(formatLine);
    for (const text of SUMMARIES[batch] ?? []) expect(summary).toContainEqual(expect.stringContaining(text));
    const applied = await runStack("up", target, { config });
    expectOk(applied);
    expectOk(await runStack("preview", target, { config, expectNoChanges: true }));

    const preview = stepsByResource(previewed);
    const up = stepsByResource(applied);
    const edits = EDITS.filter((e) => e.batch === batch);
    for (const { edit, steps } of edits) {
      const reached = Object.keys(steps);
      const pick = (all: Steps) => Object.fromEntries(reached.map((name) => [name, all[name] ?? nothing]));
      // Named, so a failure says which edit previewed wrong.
      expect({ edit, preview: pick(preview) }).toEqual({ edit, preview: pick(up) });
      expect({ edit, up: pick(up) }).toEqual({ edit, up: steps });
    }
    // No resource beyond those the edits reach has a step, in either.
    const reached = new Set(edits.flatMap((e) => Object.keys(e.steps)));
    expect(Object.keys(preview).filter((name) => !reached.has(name))).toEqual([]);
    expect(Object.keys(up).filter((name) => !reached.has(name))).toEqual([]);
  });
});
