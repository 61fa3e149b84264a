// Through the real Pulumi engine: objects made by FeatBit's Terraform provider, FeatBit's UI and a script (their
// request bodies, test/support/otherTools.ts) are adopted and looked up by a program (fixtures/other-tools). The first
// `up` writes only what is new or declared otherwise (the script's 'Allow' corrected); afterwards preview and refresh
// find nothing to change, and nothing is written. Among them: a policy whose statements have null ids, a policy
// whose effect is spelt 'Allow', two members whose emails differ only in case.
import * as path from "node:path";
import { replay, SCRIPT, TERRAFORM, TERRAFORM_STATEMENTS, UI } from "../support/otherTools";
import { api, writes } from "./support/featbit";
import { expectOk, REPO_ROOT, resourceSteps, runStack, visibleText, type RunResult } from "./support/stack";
import { e2eWorld } from "./support/world";

const DYNAMIC = "pulumi-nodejs:dynamic/featbit:";

const steps = (r: RunResult) =>
  resourceSteps(r)
    .map((s) => `${s.op} ${s.type.replace(DYNAMIC, "")} ${s.name}`)
    .sort();

describe("objects other tools made, adopted and looked up through the Pulumi CLI", () => {
  const world = e2eWorld("other-tools");
  let ids: Record<string, string> = {};
  const config: Record<string, string> = {};
  const target = world.target(path.join(REPO_ROOT, "test/e2e/fixtures/other-tools"), { config });

  beforeAll(async () => {
    ids = await replay(world.emulator, TERRAFORM, UI, SCRIPT);
    Object.assign(config, ids);
  });

  it("previews adoption without writing, then adopts with no write but the new and the corrected", async () => {
    world.emulator.requests.clear();
    const preview = await runStack("preview", target);
    expectOk(preview);
    expect(writes(world.emulator.requests.all())).toEqual([]);
    expect(steps(preview).every((s) => s.startsWith("create "))).toBe(true);

    world.emulator.requests.clear();
    const up = await runStack("up", target);
    expectOk(up);
    expect(steps(up)).toEqual(steps(preview));
    const written = world.emulator.requests
      .all()
      .filter((q) => q.method !== "GET")
      .map((q) => `${q.method} ${q.path.replace(/^\/api\/v1/, "")}`);
    const fresh = (
      await api<{ items: { id: string; key: string }[] }>(world.emulator, "GET", "/policies?name=Fresh")
    ).data.items.find((p) => p.key === "fresh")?.id;
    expect(written.sort()).toEqual(
      [
        "POST /policies",
        `PUT /policies/${fresh}/statements`,
        `PUT /policies/${ids.scriptPolicy}/statements`,
        `PUT /groups/${ids.uiAuditors}/add-policy/${fresh}`,
      ].sort(),
    );
    // The script's policy said 'Allow'; the user is told why it was rewritten.
    expect(visibleText(up)).toContain("whose effect is 'Allow'");
    // Lookups: the Terraform policy's statements as declared, and each of Ann's spellings its own member.
    expect(up.outputs.tfCi.value).toEqual(TERRAFORM_STATEMENTS);
    expect(up.outputs.members.value).toEqual({ upper: ids.uiAnnUpper, lower: ids.uiAnnLower });
  });

  it("previews and refreshes with no change and no write afterwards", async () => {
    world.emulator.requests.clear();
    const preview = await runStack("preview", target, { expectNoChanges: true });
    expectOk(preview);
    expect(resourceSteps(preview)).toEqual([]);
    const refresh = await runStack("refresh", target, { expectNoChanges: true });
    expectOk(refresh);
    expect(resourceSteps(refresh)).toEqual([]);
    expect(writes(world.emulator.requests.all())).toEqual([]);
  });
});
