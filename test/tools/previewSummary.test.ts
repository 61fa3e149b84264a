// featbit-diff's summary: each resource kind's inputs, adds, removes and replacements said in FeatBit's terms, ids
// turned back into keys from the other steps, a plain "no changes", and a failed preview's errors.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  formatLine,
  formatSummary,
  summarizePreview,
  type PreviewDocument,
} from "../../provider/tools/previewSummary";

type Props = Record<string, unknown>;
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const PROD = "b6ac3e30-5afa-46c0-81bd-14f18272ecf8";
const STAGING = "309fa6f6-199a-4b3c-88c0-c8c8a41f658f";
const PROJECT = "370b8bff-ed94-4af4-baf1-95ca7bc7a8a0";
const BETA = "973636d5-1e31-4aa9-9495-e8a08c18ad55";

const typeOf = (kind: string) => `pulumi-nodejs:dynamic/featbit:${kind}`;
const urnOf = (kind: string, name: string, inFlagSet: boolean) =>
  `urn:pulumi:live::featbit-flags::${inFlagSet ? "featbit:index:FlagSet$" : ""}${typeOf(kind)}::${name}`;

interface StepSpec {
  op: string;
  kind: string;
  name: string;
  old?: Props;
  now?: Props;
  oldOutputs?: Props;
  id?: string;
  inFlagSet?: boolean;
  replaceReasons?: string[];
}

function step(spec: StepSpec) {
  const urn = urnOf(spec.kind, spec.name, spec.inFlagSet ?? false);
  const state = (inputs: Props, outputs: Props, id: string) => ({
    urn,
    type: typeOf(spec.kind),
    custom: true,
    id,
    inputs: { ...inputs, __provider: "exports.handler = …" },
    outputs,
  });
  return {
    op: spec.op,
    urn,
    ...(spec.old ? { oldState: state(spec.old, spec.oldOutputs ?? spec.old, spec.id ?? "") } : {}),
    ...(spec.now ? { newState: state(spec.now, {}, "") } : {}),
    ...(spec.replaceReasons ? { replaceReasons: spec.replaceReasons } : {}),
  };
}

/** The unchanged environments and segment a `--show-sames` preview lists, for looking ids up. */
const sames = [
  step({
    op: "same",
    kind: "Project",
    name: "shop",
    old: { key: "shop", name: "Web shop" },
    now: { key: "shop", name: "Web shop" },
    oldOutputs: { key: "shop", projectId: PROJECT },
    id: PROJECT,
  }),
  ...[
    ["prod", PROD],
    ["staging", STAGING],
  ].map(([key, id]) =>
    step({
      op: "same",
      kind: "Environment",
      name: `shop-${key}`,
      old: { key, name: key, projectId: PROJECT },
      now: { key, name: key, projectId: PROJECT },
      oldOutputs: { key, environmentId: id, serverKey: "[secret]" },
      id: `${PROJECT}/${id}`,
    }),
  ),
  step({
    op: "same",
    kind: "Segment",
    name: "beta",
    old: { key: "beta-users", environmentId: PROD },
    now: { key: "beta-users", environmentId: PROD },
    oldOutputs: { key: "beta-users", segmentId: BETA },
    id: `${PROD}/${BETA}`,
  }),
];

function lines(steps: ReturnType<typeof step>[], extra: Partial<PreviewDocument> = {}): string[] {
  return summarizePreview({ steps: [...sames, ...steps], ...extra }).lines.map(formatLine);
}

const targeting = (props: Props): Props => ({
  environmentId: PROD,
  flagKey: "new-checkout",
  variations: ["On", "Off"],
  ...props,
});
const rollout = (on: number) => ({
  serve: {
    rollout: [
      { variation: "On", percent: on },
      { variation: "Off", percent: 100 - on },
    ],
  },
});
const targetingUpdate = (old: Props, now: Props, inFlagSet = false) =>
  step({
    op: "update",
    kind: "FeatureFlagTargeting",
    name: inFlagSet ? "flags/prod/new-checkout" : "checkout-targeting",
    old: targeting(old),
    now: targeting(now),
    inFlagSet,
  });

describe("featbit-diff: targeting", () => {
  it("says a rollout change per variation, old → new", () => {
    expect(lines([targetingUpdate({ defaultRule: rollout(10) }, { defaultRule: rollout(50) })])).toEqual([
      "prod · `new-checkout`: default rule: On 10% → 50%, Off 90% → 50%",
    ]);
  });

  it("names the environment a FlagSet child is named after, without any other step", () => {
    const doc = { steps: [targetingUpdate({ enabled: false }, { enabled: true }, true)] };
    expect(summarizePreview(doc).lines.map(formatLine)).toEqual(["prod · `new-checkout`: turned on"]);
  });

  it("says single-variation serves plainly, and a switch between a variation and a rollout", () => {
    const serve = (variation: string) => ({ serve: { variation } });
    expect(
      lines([
        targetingUpdate({ defaultRule: serve("Off") }, { defaultRule: serve("On") }),
        targetingUpdate({ defaultRule: serve("Off") }, { defaultRule: rollout(20) }),
      ]),
    ).toEqual([
      "prod · `new-checkout`: default rule: Off → On",
      "prod · `new-checkout`: default rule: On 0% → 20%, Off 100% → 80%",
    ]);
  });

  it("says when only the bucketing changes: the split attribute, the order of a rollout", () => {
    const byCountry = { serve: { ...rollout(10).serve, dispatchKey: "country" } };
    const reversed = { serve: { rollout: [...rollout(10).serve.rollout].reverse() } };
    expect(
      lines([
        targetingUpdate({ defaultRule: rollout(10) }, { defaultRule: byCountry }),
        targetingUpdate({ defaultRule: rollout(10) }, { defaultRule: reversed }),
      ]),
    ).toEqual([
      "prod · `new-checkout`: default rule: split by keyId → country",
      "prod · `new-checkout`: default rule: rollout order On, Off → Off, On (users move between variations)",
    ]);
  });

  it("says on/off, the off variation and individual targeting", () => {
    expect(
      lines([
        targetingUpdate(
          {
            enabled: true,
            offVariation: "Off",
            individualTargeting: [
              { variation: "On", users: ["alice", "bob"] },
              { variation: "Off", users: ["mallory"] },
            ],
          },
          {
            enabled: false,
            offVariation: "On",
            individualTargeting: [{ variation: "On", users: ["bob", "carol"] }],
          },
        ),
      ]),
    ).toEqual([
      "prod · `new-checkout`: turned off",
      "prod · `new-checkout`: off variation: Off → On",
      "prod · `new-checkout`: individual targeting: On + carol, − alice; Off − mallory",
    ]);
  });

  it("says when a part is taken over from the UI, and when it is left to it", () => {
    expect(lines([targetingUpdate({ enabled: true }, { defaultRule: rollout(30) })])).toEqual([
      "prod · `new-checkout`: on/off left to the FeatBit UI from now on (nothing changes now)",
      "prod · `new-checkout`: default rule now managed here (was left to the FeatBit UI): default rule: On 30%, Off 70%",
    ]);
  });

  it("says rules by name: added, removed, conditions and serve changed, reordered; segments by key", () => {
    const beta = { name: "Beta", conditions: [{ segment: BETA }], serve: { variation: "On" } };
    const nl = {
      name: "Netherlands",
      conditions: [{ property: "country", op: "IsOneOf", values: ["nl", "be"] }],
      serve: { variation: "On" },
    };
    const staff = {
      name: "Staff",
      conditions: [{ property: "email", op: "EndsWith", value: "@example.com" }],
      serve: { variation: "On" },
    };
    const canada = {
      name: "Canada",
      conditions: [{ property: "country", op: "Equal", value: "ca" }, { notInSegment: [BETA, UNKNOWN] }],
      serve: rollout(20).serve,
    };
    expect(
      lines([
        targetingUpdate(
          { rules: [beta, nl, staff] },
          {
            rules: [
              { ...nl, conditions: [{ property: "country", op: "IsOneOf", values: ["nl", "lu"] }] },
              { ...beta, serve: rollout(50).serve },
              canada,
            ],
          },
        ),
      ]),
    ).toEqual([
      "prod · `new-checkout`: rule 'Staff' removed (was: if email ends with @example.com → On)",
      "prod · `new-checkout`: rule 'Netherlands': country is one of + lu, − be",
      "prod · `new-checkout`: rule 'Beta': On 100% → 50%, Off 0% → 50%",
      "prod · `new-checkout`: rule 'Canada' added: if country is ca and not in segments beta-users, (a segment this update creates) → On 20%, Off 80%",
      "prod · `new-checkout`: rules reordered: Beta, Netherlands → Netherlands, Beta",
    ]);
  });

  it("says a new flag's targeting as what it serves, and releasing targeting as nothing changing", () => {
    const flag = { environmentId: PROD, key: "new-checkout", name: "New checkout" };
    expect(
      lines([
        step({
          op: "create",
          kind: "FeatureFlag",
          name: "checkout",
          now: {
            ...flag,
            variationType: "boolean",
            variations: [
              { name: "On", value: "true" },
              { name: "Off", value: "false" },
            ],
            tags: ["checkout"],
          },
        }),
        step({
          op: "create",
          kind: "FeatureFlagTargeting",
          name: "checkout-targeting",
          now: targeting({
            enabled: true,
            offVariation: "Off",
            individualTargeting: [{ variation: "On", users: ["alice"] }],
            rules: [],
            defaultRule: rollout(10),
          }),
        }),
        step({
          op: "create",
          kind: "FeatureFlagTargeting",
          name: "theme-targeting",
          now: { environmentId: STAGING, flagKey: "theme", enabled: true },
        }),
        step({
          op: "delete",
          kind: "FeatureFlagTargeting",
          name: "old-targeting",
          old: { environmentId: STAGING, flagKey: "legacy", enabled: true },
        }),
      ]),
    ).toEqual([
      "prod · `new-checkout`: new flag 'New checkout' (boolean: On = true, Off = false), tags checkout",
      "prod · `new-checkout`: serves: on; off variation Off; individual targeting: On ← alice; no rules; default rule: On 10%, Off 90%",
      "staging · `legacy`: targeting left to the FeatBit UI from now on (the flag keeps serving what it serves)",
      "staging · `theme`: targeting now managed here: on",
    ]);
  });

  it("names a FlagSet flag by its resource name while its key is not known yet (a first preview)", () => {
    const flagSetStep = (kind: string, now: Props) =>
      step({ op: "create", kind, name: "flags/staging/theme", now, inFlagSet: true });
    expect(
      summarizePreview({
        steps: [
          flagSetStep("FeatureFlag", {
            environmentId: UNKNOWN,
            key: "theme",
            name: "Theme",
            variationType: "boolean",
          }),
          flagSetStep("FeatureFlagTargeting", { environmentId: UNKNOWN, flagKey: UNKNOWN, enabled: false }),
        ],
      }).lines.map(formatLine),
    ).toEqual(["staging · `theme`: new flag 'Theme' (boolean: (none))", "staging · `theme`: serves: off"]);
  });

  it("says when a change writes nothing to FeatBit", () => {
    expect(lines([targetingUpdate({ comment: "a" }, { comment: "b" })])).toEqual([
      "prod · `new-checkout`: no change in FeatBit (only comment changed)",
    ]);
  });

  it("says an audit comment alone as such, and the comment that goes with changes", () => {
    // Pulumi lists it as unchanged (with --show-sames): nothing is written, the comment goes with the next change.
    const same = step({
      op: "same",
      kind: "FeatureFlagTargeting",
      name: "checkout-targeting",
      old: targeting({ enabled: true }),
      now: targeting({ enabled: true, comment: "reviewed" }),
    });
    const summary = summarizePreview({ steps: [...sames, same], changeSummary: { same: 5 } });
    expect(summary.lines.map(formatLine)).toEqual([
      "prod · `new-checkout`: audit-log comment (none) → 'reviewed' only: nothing changes in FeatBit now (FeatBit records the comment with the next change)",
    ]);
    expect(formatSummary(summary)).toMatch(/^### FeatBit changes: none\n/);
    // The comment a merge set, gone from the next preview: nothing to say.
    const dropped = step({
      op: "same",
      kind: "FeatureFlagTargeting",
      name: "checkout-targeting",
      old: targeting({ enabled: true, comment: "reviewed" }),
      now: targeting({ enabled: true }),
    });
    expect(summarizePreview({ steps: [...sames, dropped], changeSummary: { same: 5 } }).lines).toEqual([]);
    expect(
      lines([targetingUpdate({ enabled: false, comment: "a" }, { enabled: true, comment: "rollout" })]),
    ).toEqual([
      "prod · `new-checkout`: turned on",
      "prod · `new-checkout`: with audit-log comment 'rollout'",
    ]);
    expect(
      formatSummary(
        summarizePreview({
          steps: [...sames, targetingUpdate({ enabled: false }, { enabled: true, comment: "rollout" })],
        }),
      ),
    ).toMatch(/^### FeatBit changes: 1 change\n/);
  });

  it("says a variation rename the targeting follows as serving the same", () => {
    const checkout = (on: string, off: string) => ({
      environmentId: PROD,
      key: "new-checkout",
      variations: [
        { name: on, value: "true" },
        { name: off, value: "false" },
      ],
    });
    const renamedFlag = step({
      op: "update",
      kind: "FeatureFlag",
      name: "checkout",
      old: checkout("On", "Off"),
      now: checkout("Enabled", "Disabled"),
    });
    const follows = targetingUpdate(
      { offVariation: "Off", defaultRule: rollout(10), variations: ["On", "Off"] },
      {
        offVariation: "Disabled",
        defaultRule: {
          serve: {
            rollout: [
              { variation: "Enabled", percent: 10 },
              { variation: "Disabled", percent: 90 },
            ],
          },
        },
        variations: ["Enabled", "Disabled"],
      },
    );
    expect(lines([renamedFlag, follows])).toEqual([
      "prod · `new-checkout`: variation 'On' renamed 'Enabled'",
      "prod · `new-checkout`: variation 'Off' renamed 'Disabled'",
      "prod · `new-checkout`: follows the variation rename (On → Enabled, Off → Disabled): what it serves does not change",
    ]);
    // A real change in the same edit is still said, in the new names.
    const alsoOn = targetingUpdate(
      { enabled: false, offVariation: "Off" },
      { enabled: true, offVariation: "Disabled" },
    );
    expect(lines([renamedFlag, alsoOn]).slice(2)).toEqual([
      "prod · `new-checkout`: follows the variation rename (On → Enabled, Off → Disabled): what it serves does not change",
      "prod · `new-checkout`: turned on",
    ]);
  });
});

describe("featbit-diff: flags, segments, environments, projects, other resources", () => {
  const flag = (props: Props): Props => ({
    environmentId: PROD,
    key: "theme",
    name: "Theme",
    variationType: "string",
    variations: [
      { name: "Light", value: "light" },
      { name: "Dark", value: "dark" },
    ],
    tags: ["ui"],
    ...props,
  });

  it("says a flag's definition changes: name, description, variations, tags", () => {
    expect(
      lines([
        step({
          op: "update",
          kind: "FeatureFlag",
          name: "theme",
          old: flag({ description: "" }),
          now: flag({
            name: "Colour theme",
            description: "Site colours",
            variations: [
              { name: "Bright", value: "light" },
              { name: "Dark", value: "black" },
              { name: "Sepia", value: "sepia" },
            ],
            tags: ["ui", "design"],
          }),
        }),
      ]),
    ).toEqual([
      "prod · `theme`: name: 'Theme' → 'Colour theme'",
      "prod · `theme`: description: '' → 'Site colours'",
      "prod · `theme`: variation 'Light' renamed 'Bright'",
      "prod · `theme`: variation 'Sepia' added (value sepia)",
      "prod · `theme`: variation 'Dark': value dark → black",
      "prod · `theme`: tags: + design",
    ]);
  });

  it("says deletes and replacements with their reason", () => {
    expect(
      lines([
        step({ op: "delete", kind: "FeatureFlag", name: "theme", old: flag({}) }),
        step({
          op: "replace",
          kind: "FeatureFlag",
          name: "per-page",
          old: flag({ key: "per-page", variationType: "string" }),
          now: flag({
            key: "per-page",
            variationType: "number",
            variations: [
              { name: "Few", value: "10" },
              { name: "Many", value: "50" },
            ],
          }),
          replaceReasons: ["variationType"],
        }),
      ]),
    ).toEqual([
      "prod · `per-page`: replaced because variationType string → number (deleted first, then created again with the same key): new flag 'Theme' (number: Few = 10, Many = 50), tags ui",
      "prod · `theme`: flag deleted (archived, then deleted in FeatBit)",
    ]);
  });

  it("counts a replacement once when the runner also recorded its two halves", () => {
    const replaced = {
      kind: "Segment",
      name: "beta-staging",
      old: { environmentId: STAGING, key: "beta", name: "Beta" },
      now: { environmentId: STAGING, key: "beta-users", name: "Beta" },
    };
    expect(
      lines([
        step({ op: "create-replacement", ...replaced }),
        step({ op: "replace", ...replaced, replaceReasons: ["key"] }),
        step({ op: "delete-replaced", ...replaced }),
      ]),
    ).toEqual([
      "staging · segment `beta-users`: replaced because key beta → beta-users (created anew, then the old one deleted): new segment 'Beta'",
    ]);
  });

  it("says which half of a replacement comes first: as the steps list them, else by the key rule", () => {
    const recase = {
      kind: "FeatureFlag",
      name: "checkout",
      old: flag({ key: "checkout" }),
      now: flag({ key: "Checkout" }),
      replaceReasons: ["key"],
    };
    const renamed = { ...recase, now: flag({ key: "checkout-v2" }) };
    const expected = [
      "prod · `Checkout`: replaced because key checkout → Checkout (deleted first, then created again with the same key): new flag 'Theme' (string: Light = light, Dark = dark), tags ui",
    ];
    // The runner's result lists the halves in the engine's order.
    expect(
      lines([
        step({ op: "delete-replaced", ...recase }),
        step({ op: "replace", ...recase }),
        step({ op: "create-replacement", ...recase }),
      ]),
    ).toEqual(expected);
    // `pulumi preview --json` lists only the replacement: FeatBit's key rule (letter case aside) decides.
    expect(lines([step({ op: "replace", ...recase })])).toEqual(expected);
    expect(lines([step({ op: "replace", ...renamed })])).toEqual([
      "prod · `checkout-v2`: replaced because key checkout → checkout-v2 (created anew, then the old one deleted): new flag 'Theme' (string: Light = light, Dark = dark), tags ui",
    ]);
  });

  it("names the environment a flag moves into, created or replaced by the same update", () => {
    const moved = (op: string) =>
      step({
        op,
        kind: "FeatureFlag",
        name: "config",
        old: flag({ key: "config", environmentId: STAGING }),
        now: flag({ key: "config", environmentId: UNKNOWN }),
        replaceReasons: ["environmentId"],
      });
    const qa = step({
      op: "create",
      kind: "Environment",
      name: "shop-qa",
      now: { projectId: PROJECT, key: "qa", name: "QA" },
    });
    expect(lines([qa, moved("replace")])).toEqual([
      "qa · environment: new environment 'QA'",
      "qa · `config`: replaced because it moves from environment staging to qa (created anew, then the old one deleted): new flag 'Theme' (string: Light = light, Dark = dark), tags ui",
    ]);
    // The environment it was in is replaced (its key changed): the flag follows it there.
    const stage = step({
      op: "replace",
      kind: "Environment",
      name: "shop-staging",
      old: { projectId: PROJECT, key: "staging", name: "Staging" },
      now: { projectId: PROJECT, key: "stage", name: "Staging" },
      oldOutputs: { key: "staging", environmentId: STAGING },
      id: `${PROJECT}/${STAGING}`,
      replaceReasons: ["key"],
    });
    expect(lines([qa, stage, moved("replace")])[2]).toBe(
      "stage · `config`: replaced because it moves from environment staging to stage (created anew, then the old one deleted): new flag 'Theme' (string: Light = light, Dark = dark), tags ui",
    );
  });

  it("says segment changes: members, rules, name, tags; new and deleted segments", () => {
    const segment = (props: Props): Props => ({
      environmentId: STAGING,
      key: "beta-users",
      name: "Beta users",
      description: "",
      included: ["alice"],
      excluded: [],
      rules: [],
      tags: [],
      ...props,
    });
    expect(
      lines([
        step({
          op: "update",
          kind: "Segment",
          name: "beta",
          old: segment({}),
          now: segment({
            name: "Beta testers",
            included: ["alice", "bob"],
            excluded: ["mallory"],
            rules: [
              { name: "Staff", conditions: [{ property: "email", op: "EndsWith", value: "@example.com" }] },
            ],
            tags: ["beta"],
          }),
        }),
        step({
          op: "create",
          kind: "Segment",
          name: "vip",
          now: segment({ key: "vip", name: "VIP", included: ["carol"], adopt: true }),
        }),
        step({ op: "delete", kind: "Segment", name: "old", old: segment({ key: "old" }) }),
      ]),
    ).toEqual([
      "staging · segment `beta-users`: name: 'Beta users' → 'Beta testers'",
      "staging · segment `beta-users`: included + bob",
      "staging · segment `beta-users`: excluded + mallory",
      "staging · segment `beta-users`: rule 'Staff' added: email ends with @example.com",
      "staging · segment `beta-users`: tags: + beta",
      "staging · segment `old`: segment deleted (archived, then deleted in FeatBit)",
      "staging · segment `vip`: adopts the existing segment with this key, or creates it: 'VIP'; included carol",
    ]);
  });

  it("says environment and project changes, project-level first", () => {
    expect(
      lines([
        step({
          op: "update",
          kind: "Environment",
          name: "shop-prod",
          old: { projectId: PROJECT, key: "prod", name: "Prod", requireChangeComment: false },
          now: { projectId: PROJECT, key: "prod", name: "Production", requireChangeComment: true },
        }),
        step({
          op: "create",
          kind: "Environment",
          name: "shop-qa",
          now: { projectId: PROJECT, key: "qa", name: "QA", description: "Testers" },
        }),
        step({
          op: "update",
          kind: "Project",
          name: "shop",
          old: { key: "shop", name: "Shop" },
          now: { key: "shop", name: "Web shop" },
        }),
        step({ op: "delete", kind: "Project", name: "old", old: { key: "old", name: "Old" } }),
      ]),
    ).toEqual([
      "project `old`: project deleted (FeatBit deletes its environments with it)",
      "project `shop`: name: 'Shop' → 'Web shop'",
      "prod · environment: name: 'Prod' → 'Production'",
      "prod · environment: change comments required: no → yes",
      "qa · environment: new environment 'QA', description 'Testers'",
    ]);
  });

  it("says another kind's changed inputs field by field, secrets masked", () => {
    expect(
      lines([
        step({
          op: "update",
          kind: "Group",
          name: "ops",
          old: { name: "Ops", description: "", webhook: "[secret]" },
          now: { name: "Operations", description: "", webhook: "[secret]" },
        }),
        step({ op: "create", kind: "Policy", name: "readers", now: { name: "Readers" } }),
      ]),
    ).toEqual(["Group `ops`: name: Ops → Operations", "Policy `readers`: created"]);
  });

  it("names an environment by project when two projects share its key, and its installation", () => {
    const other = "11111111-2222-4333-8444-555555555555";
    const otherProject = "99999999-2222-4333-8444-555555555555";
    const steps = [
      step({
        op: "same",
        kind: "Project",
        name: "blog",
        old: { key: "blog", name: "Blog" },
        now: { key: "blog", name: "Blog" },
        oldOutputs: { key: "blog", projectId: otherProject },
        id: otherProject,
      }),
      step({
        op: "same",
        kind: "Environment",
        name: "blog-prod",
        old: { key: "prod", projectId: otherProject },
        now: { key: "prod", projectId: otherProject },
        oldOutputs: { environmentId: other },
        id: `${otherProject}/${other}`,
      }),
      step({
        op: "update",
        kind: "FeatureFlagTargeting",
        name: "comments",
        old: { environmentId: other, flagKey: "comments", enabled: false, installation: "cloud" },
        now: { environmentId: other, flagKey: "comments", enabled: true, installation: "cloud" },
      }),
      step({
        op: "update",
        kind: "FeatureFlagTargeting",
        name: "elsewhere",
        old: { environmentId: "0f2c9a5e-0000-4000-8000-000000000000", flagKey: "x", enabled: false },
        now: { environmentId: "0f2c9a5e-0000-4000-8000-000000000000", flagKey: "x", enabled: true },
      }),
    ];
    expect(lines(steps)).toEqual([
      "blog/prod (cloud) · `comments`: turned on",
      "environment 0f2c9a5e… · `x`: turned on",
    ]);
  });
});

describe("featbit-diff: the Markdown", () => {
  it("says plainly that nothing changes, with Pulumi's count", () => {
    const summary = summarizePreview({ steps: sames, changeSummary: { same: 21 } });
    expect(formatSummary(summary, "FeatBit changes (stack live)")).toBe(
      "### FeatBit changes (stack live): none\n\nNo changes: FeatBit already matches the program (21 resources unchanged).\n\nPulumi: 21 unchanged.\n",
    );
  });

  it("lists the changes with a count and Pulumi's totals", () => {
    const summary = summarizePreview({
      steps: [...sames, targetingUpdate({ defaultRule: rollout(10) }, { defaultRule: rollout(50) }, true)],
      changes: { update: 1, same: 20 },
    });
    expect(formatSummary(summary)).toBe(
      [
        "### FeatBit changes: 1 change",
        "",
        "- prod · `new-checkout`: default rule: On 10% → 50%, Off 90% → 50%",
        "",
        "Pulumi: 1 to update, 20 unchanged.",
        "",
      ].join("\n"),
    );
  });

  it("reports a failed preview's errors and no changes", () => {
    const summary = summarizePreview({
      steps: [],
      diagnostics: [
        { severity: "warning", message: "ignored" },
        {
          severity: "error",
          message:
            "FlagSet 'flags' has 1 problem; nothing was applied:\n  flags/checkout.yaml:30:17: percent must be at most 100",
        },
      ],
    });
    expect(summary.ok).toBe(false);
    expect(formatSummary(summary)).toContain("### FeatBit changes: the preview failed");
    expect(formatSummary(summary)).toContain("  flags/checkout.yaml:30:17: percent must be at most 100\n```");
  });
});

describe("featbit-diff command", () => {
  const cli = path.join(__dirname, "..", "..", "dist", "tools", "diffCli.js");
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "featbit-diff-"))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads a file or stdin, takes a title, and redacts anything shaped like a token", () => {
    const doc = {
      steps: [
        ...sames,
        step({
          op: "update",
          kind: "Group",
          name: "ops",
          old: { description: "" },
          now: { description: "api-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA pasted by mistake" },
        }),
      ],
    };
    const file = path.join(dir, "preview.json");
    // The CLI may print a warning before the JSON on the same stream.
    fs.writeFileSync(file, `warning: something\n${JSON.stringify(doc)}`);
    const out = execFileSync(process.execPath, [cli, file, "--title", "Flags"], { encoding: "utf8" });
    expect(out).toBe(
      "### Flags: 1 change\n\n- Group `ops`: description: '' → [REDACTED] pasted by mistake\n",
    );
    const viaStdin = execFileSync(process.execPath, [cli], {
      encoding: "utf8",
      input: JSON.stringify(doc),
      env: { ...process.env, FEATBIT_CI_ACCESS_TOKEN: "pasted" },
    });
    expect(viaStdin).toContain("description: '' → [REDACTED] [REDACTED] by mistake");
  });

  it("fails on input that is not a preview", () => {
    const r = spawnSync(process.execPath, [cli], { encoding: "utf8", input: "not json" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("featbit-diff: the input holds no JSON object");
  });
});
