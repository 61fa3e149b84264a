// featbit-flagset-check: the FlagSet's own checks without Pulumi, every problem at file:line:column, and the same
// problems as GitHub annotations on the repository-relative file when run in GitHub Actions.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkFlagSet, githubAnnotation } from "../../provider/tools/flagsetCheck";

const CLI = path.join(__dirname, "..", "..", "dist", "tools", "flagsetCheckCli.js");

const GOOD = `flags:
  - key: new-checkout
    name: New checkout
    variations: [{ name: On, value: true }, { name: Off, value: false }]
    defaultRule: { serve: { variation: Off } }
    environments:
      prod: { enabled: true }
segments:
  - key: beta-users
    name: Beta users
`;

const BAD = `flags:
  - key: new-checkout
    name: New checkout
    variations: [{ name: On, value: true }, { name: Off, value: false }]
    defaultRule:
      serve:
        rollout:
          - { variation: On, percent: 150 }
          - { variation: Off, percent: 50 }
    environments:
      prd: { enabled: true }
`;

describe("featbit-flagset-check", () => {
  let repo: string;
  let flags: string;
  beforeEach(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), "flagset-check-"));
    flags = path.join(repo, "team", "flags");
    fs.mkdirSync(flags, { recursive: true });
  });
  afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [CLI, ...args], {
      cwd: path.join(repo, "team"),
      encoding: "utf8",
      env: { PATH: process.env.PATH, ...env },
    });

  it("counts what the files declare when there is no problem", () => {
    fs.writeFileSync(path.join(flags, "checkout.yaml"), GOOD);
    expect(checkFlagSet({ paths: [flags], environments: ["dev", "prod"] })).toMatchObject({
      ok: true,
      flags: 1,
      segments: 1,
      problems: [],
    });
    const r = run(["flags", "--environments", "dev,prod"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("1 file(s), 1 flag(s), 1 segment(s) for dev, prod: no problems\n");
  });

  it("prints every problem as file:line:column and fails", () => {
    fs.writeFileSync(path.join(flags, "checkout.yaml"), BAD);
    const r = run(["flags", "--environments", "dev,prod"]);
    expect(r.status).toBe(1);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toEqual([
      "flags/checkout.yaml:8:11: flag 'new-checkout', defaultRule.serve.rollout: rollout percentages add up to 200, not 100: adjust them so every user gets a variation",
      "flags/checkout.yaml:8:39: flag 'new-checkout', defaultRule.serve.rollout[0].percent: percent must be at most 100",
      expect.stringMatching(/^flags\/checkout\.yaml:11:7: .*'prd'/),
    ]);
    expect(r.stderr).toBe(
      "featbit-flagset-check: 3 problems in 1 file(s); preview and up would stop on them\n",
    );
  });

  it("adds GitHub annotations in Actions, with the file relative to the repository", () => {
    fs.writeFileSync(path.join(flags, "checkout.yaml"), BAD);
    const r = run(["flags", "--environments", "dev,prod"], {
      GITHUB_ACTIONS: "true",
      GITHUB_WORKSPACE: repo,
    });
    const annotations = r.stdout.split("\n").filter((l) => l.startsWith("::error "));
    expect(annotations).toHaveLength(3);
    expect(annotations[2]).toMatch(
      /^::error file=team\/flags\/checkout\.yaml,line=11,col=7,title=FlagSet%3A .+::.*'prd'/,
    );
    expect(
      run(["flags", "--environments", "dev,prod", "--annotations", "none"], { GITHUB_ACTIONS: "true" })
        .stdout,
    ).not.toContain("::error");
  });

  it("escapes what would end an annotation early", () => {
    const line = githubAnnotation(
      { file: "a,b:c.yaml", line: 3, column: 4, field: "x", message: "100% wrong\nreally" },
      "/repo",
      "/repo",
    );
    expect(line).toBe("::error file=a%2Cb%3Ac.yaml,line=3,col=4,title=FlagSet%3A x::100%25 wrong%0Areally");
  });

  it("runs the files' targeting tests (expect) and fails at the test's line", () => {
    fs.mkdirSync(flags, { recursive: true });
    fs.writeFileSync(
      path.join(flags, "checkout.yaml"),
      GOOD.replace(
        "    defaultRule: { serve: { variation: Off } }\n",
        "    defaultRule: { serve: { variation: Off } }\n    expect: [{ user: alice, gets: On }]\n",
      ),
    );
    const r = run(["flags", "--environments", "dev,prod"]);
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split("\n")).toEqual([
      "flags/checkout.yaml:6:14: flag 'new-checkout', expect[0]: user 'alice' gets 'Off', expected 'On': decided by the default rule (on/off is left to the FeatBit UI: taken as on) (in environment 'dev')",
      "flags/checkout.yaml:6:14: flag 'new-checkout', expect[0]: user 'alice' gets 'Off', expected 'On': decided by the default rule (in environment 'prod')",
    ]);
  });

  it("refuses a call without files or environments", () => {
    const r = run(["flags"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("give the files and --environments");
  });
});
