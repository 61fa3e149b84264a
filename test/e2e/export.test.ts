// featbit-export round trip through the Pulumi CLI: a project made through FeatBit's API (three environments, flags
// of every variation type with rules, rollouts, individual targeting and segments), exported as FlagSet YAML and as
// TypeScript; `up` adopts everything without creating, deleting or even writing anything; `preview` then shows no
// change. What cannot be expressed is listed in the output.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import Ajv from "ajv";
import { parseDocument } from "yaml";
import { createClient, resolveSettings, type FeatBitClient, type TargetRule } from "../../provider/client";
import { flagSetJsonSchema } from "../../provider/flagset";
import { EMULATOR_ORG_KEY, writes } from "./support/featbit";
import { expectOk, REPO_ROOT, resourceSteps, runStack } from "./support/stack";
import { e2eWorld } from "./support/world";

const run = promisify(execFile);
let seq = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, "0")}`;

/** The estate a team built in the FeatBit UI, made through the same REST API. */
async function populate(client: FeatBitClient): Promise<void> {
  const project = await client.projects.create({ name: "Estate", key: "estate" });
  await client.environments.create(project.id, {
    name: "Staging",
    key: "staging",
    description: "Release candidates",
  });
  const envs = (await client.projects.get(project.id)).environments;
  for (const env of envs) {
    const scope = `organization/${EMULATOR_ORG_KEY}:project/estate:env/${env.key}`;
    const beta = await client.segments.create(env.id, {
      type: "environment-specific",
      name: "Beta users",
      key: "beta-users",
      scopes: [scope],
    });
    await client.segments.updateTargeting(env.id, beta.id, {
      included: ["alice", "bob"],
      excluded: env.key === "prod" ? ["mallory"] : [],
      rules: [
        {
          id: uuid(),
          name: "Staff",
          conditions: [{ id: uuid(), property: "email", op: "EndsWith", value: "@example.com" }],
        },
      ],
    });
    const flag = async (
      key: string,
      variationType: "boolean" | "string" | "number" | "json",
      values: [string, string][],
      targeting: (ids: string[]) => {
        rules?: TargetRule[];
        fallthrough: [string, number, number][];
        users?: [string, string[]][];
      },
      extra: { name?: string; enabled?: boolean } = {},
    ) => {
      const variations = values.map(([name, value]) => ({ id: uuid(), name, value }));
      const ids = variations.map((v) => v.id);
      const created = await client.flags.create(env.id, {
        name: extra.name ?? key,
        key,
        description: `${key} flag`,
        variationType,
        variations,
        enabledVariationId: ids[0],
        disabledVariationId: ids[ids.length - 1],
        tags: ["estate"],
      });
      const t = targeting(ids);
      const revision = await client.flags.updateTargeting(env.id, key, {
        revision: created.revision,
        targeting: {
          targetUsers: (t.users ?? []).map(([variationId, keyIds]) => ({ variationId, keyIds })),
          rules: t.rules ?? [],
          fallthrough: {
            dispatchKey: null,
            includedInExpt: false,
            variations: t.fallthrough.map(([id, from, to]) => ({
              id,
              rollout: [from, to] as [number, number],
              exptRollout: 1,
            })),
          },
          exptIncludeAllTargets: true,
        },
      });
      if (extra.enabled ?? true) await client.flags.toggle(env.id, key, true);
      return revision;
    };
    const rule = (
      name: string,
      conditions: TargetRule["conditions"],
      variations: [string, number, number][],
      expt = false,
    ): TargetRule => ({
      id: uuid(),
      name,
      dispatchKey: null,
      includedInExpt: expt,
      conditions,
      variations: variations.map(([id, from, to]) => ({ id, rollout: [from, to], exptRollout: 1 })),
    });
    const share = env.key === "prod" ? 0.1 : env.key === "staging" ? 0.5 : 1;
    await flag(
      "checkout",
      "boolean",
      [
        ["On", "true"],
        ["Off", "false"],
      ],
      ([on, off]) => ({
        rules: [
          rule(
            "Beta",
            [{ id: uuid(), property: "User is in segment", op: null, value: JSON.stringify([beta.id]) }],
            [[on, 0, 1]],
          ),
          rule(
            "Canada",
            [{ id: uuid(), property: "country", op: "IsOneOf", value: JSON.stringify(["ca", "us"]) }],
            [
              [on, 0, 0.2],
              [off, 0.2, 1],
            ],
          ),
        ],
        fallthrough:
          share === 1
            ? [[on, 0, 1]]
            : [
                [on, 0, share],
                [off, share, 1],
              ],
        users: [[on, ["qa-1", "qa-2"]]],
      }),
    );
    await flag(
      "theme",
      "string",
      [
        ["Light", "light"],
        ["Dark", "dark"],
        ["Auto", "auto"],
      ],
      ([light, dark]) => ({
        rules: [
          rule(
            "Designers",
            [{ id: uuid(), property: "email", op: "StartsWith", value: "design" }],
            [[dark, 0, 1]],
            env.key === "prod",
          ),
        ],
        fallthrough: [[light, 0, 1]],
      }),
      { name: env.key === "staging" ? "Theme (staging)" : "Theme" },
    );
    await flag(
      "page-size",
      "number",
      [
        ["Small", "10"],
        ["Precise", "1.50"],
      ],
      ([small]) => ({ fallthrough: [[small, 0, 1]] }),
      { enabled: false },
    );
    await flag(
      "banner",
      "json",
      [
        ["Plain", '{"text": "Hi", "color": "blue"}'],
        ["None", "null"],
      ],
      ([plain]) => ({ fallthrough: [[plain, 0, 1]] }),
    );
    if (env.key === "dev") {
      // A rule serving a variation the flag no longer has (FeatBit does not check): the rules stay with the UI.
      await flag(
        "experimental",
        "boolean",
        [
          ["true", "true"],
          ["false", "false"],
        ],
        ([t]) => ({
          rules: [
            rule("Ghost", [{ id: uuid(), property: "plan", op: "Equal", value: "gold" }], [[uuid(), 0, 1]]),
          ],
          fallthrough: [[t, 0, 1]],
        }),
      );
    }
    if (env.key === "prod") {
      await flag(
        "retired",
        "boolean",
        [
          ["On", "true"],
          ["Off", "false"],
        ],
        ([on]) => ({ fallthrough: [[on, 0, 1]] }),
        { enabled: false },
      );
      await client.flags.archive(env.id, "retired");
    }
  }
}

describe("featbit-export: export an existing project, then up adopts it and preview shows no change", () => {
  const world = e2eWorld("export");
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    env = {
      ...process.env,
      FEATBIT_API_URL: world.emulator.url,
      FEATBIT_ACCESS_TOKEN: world.emulator.token,
    };
    await populate(createClient(resolveSettings(undefined, env)));
  });

  const exportAs = async (format: "yaml" | "ts") => {
    const out = path.join(world.stateDir, format);
    const { stdout } = await run(
      process.execPath,
      [
        path.join(REPO_ROOT, "dist/tools/exportCli.js"),
        "--project",
        "estate",
        "--format",
        format,
        "--out",
        out,
      ],
      { env },
    );
    return { out, stdout };
  };

  /** What FeatBit holds, as the emulator persists it (every object, audit log included). */
  const featbitBytes = () => fs.readFileSync(world.started.dataFile, "utf8");

  const roundTrip = async (out: string) => {
    const target = world.target(out, { stack: "adopt", stateDir: path.join(out, ".pulumi-state") });
    const before = featbitBytes();
    world.emulator.requests.clear();
    const up = await runStack("up", target);
    expectOk(up);
    // Adoption only: FeatBit is not written to at all (no create, no delete, not even an update).
    expect(writes(world.emulator.requests.all())).toEqual([]);
    expect(resourceSteps(up).every((s) => s.op === "create")).toBe(true);
    expect(up.changes.delete).toBeUndefined();
    const preview = await runStack("preview", target, { expectNoChanges: true });
    expectOk(preview);
    expect(resourceSteps(preview)).toEqual([]);
    for (const file of fs.readdirSync(out, { recursive: true }) as string[]) {
      if (file.startsWith(".pulumi-state")) continue;
      const full = path.join(out, file);
      if (fs.statSync(full).isFile())
        expect(fs.readFileSync(full, "utf8")).not.toContain(world.emulator.token);
    }
    // Everything was adopted, so destroying the stack releases everything: FeatBit is exactly as it started.
    const destroyed = await runStack("destroy", target);
    expectOk(destroyed);
    expect(writes(world.emulator.requests.all())).toEqual([]);
    expect(destroyed.log).toMatch(
      /released feature flag 'checkout' in environment .*: it stays in FeatBit as it is/,
    );
    expect(featbitBytes()).toBe(before);
    return up;
  };

  it("as a FlagSet file: one definition per flag with per-environment overrides, adopted without a single write", async () => {
    const { out, stdout } = await exportAs("yaml");
    expect(stdout).not.toContain(world.emulator.token);
    // Listed, not silently dropped.
    expect(stdout).toContain("feature flag 'retired' in environment 'prod' is archived: not exported");
    expect(stdout).toContain(
      "feature flag 'theme' in environment 'prod': experiment settings (rule 'Designers' is included in experiments) are not declared",
    );
    expect(stdout).toMatch(
      /feature flag 'experimental' in environment 'dev': rules not exported, left as it is in FeatBit \(rules\.0\.serve\.variation: '[0-9a-f-]+' is not a variation of this flag/,
    );
    expect(fs.readFileSync(path.join(out, "EXPORT.md"), "utf8")).toContain("'retired'");
    const doc = parseDocument(fs.readFileSync(path.join(out, "flags/estate.yaml"), "utf8")).toJS() as {
      flags: { key: string; name: string; environments?: Record<string, unknown>; defaultRule?: unknown }[];
    };
    const validate = new Ajv({ strict: false }).compile(flagSetJsonSchema);
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    const byKey = Object.fromEntries(doc.flags.map((f) => [f.key, f]));
    expect(Object.keys(byKey).sort()).toEqual(["banner", "checkout", "experimental", "page-size", "theme"]);
    expect(byKey.experimental.environments).toEqual({ prod: false, staging: false });
    expect(byKey.theme.name).toBe("Theme");
    expect(byKey.theme.environments).toEqual({ staging: { name: "Theme (staging)" } });
    // Three different default rules: the first environment's is the shared one, the others override it.
    expect(byKey.checkout.defaultRule).toEqual({
      serve: {
        rollout: [
          { variation: "On", percent: 10 },
          { variation: "Off", percent: 90 },
        ],
      },
    });
    expect(byKey.checkout.environments).toEqual({
      dev: { defaultRule: { serve: { variation: "On" } } },
      staging: {
        defaultRule: {
          serve: {
            rollout: [
              { variation: "On", percent: 50 },
              { variation: "Off", percent: 50 },
            ],
          },
        },
      },
    });
    const up = await roundTrip(out);
    // project, 3 environments, FlagSet, 3 segments, 13 flags, 13 targetings, and the stack
    expect(up.changes.create).toBe(1 + 3 + 1 + 3 + 13 + 13 + 1);
  });

  it("as TypeScript: one resource per object with its importId, adopted without a single write", async () => {
    const { out } = await exportAs("ts");
    const program = fs.readFileSync(path.join(out, "index.ts"), "utf8");
    expect(program).toContain('importId: "');
    expect(program).toMatch(/segment: \w+\.segmentId/);
    const up = await roundTrip(out);
    expect(up.changes.create).toBe(1 + 3 + 3 + 13 + 13 + 1);
  });
});
