// Property: every resource name pulumi-featbit suggests passes its own check. Two places suggest one: the check of a
// Policy statement's resources (a name of the wrong shape is answered with the right one), and the refusal of a write
// (a statement that grants what FeatBit refused). Random names and refusals, from a small seeded generator.
import { FeatBitApiError } from "../../provider/client";
import { missingPermission } from "../../provider/resources/core/permissions";
import {
  RESOURCE_TYPES,
  resourceProblem,
  statementSchema,
  type ResourceType,
} from "../../provider/resources/policyStatements";
import { Rand } from "../client/featbitShapes";

const TYPES = RESOURCE_TYPES.filter((t): t is Exclude<ResourceType, "*"> => t !== "*");
const KINDS = [
  "project",
  "env",
  "flag",
  "segment",
  "environment",
  "projects",
  "Flag",
  "organization",
  "iam",
  "x",
  "",
];
const KEYS = ["shop", "ledger", "*", "sh*", "web shop", "", "new-checkout", "a.b_c", "é", "beta;x", "*-prod"];
const SEPARATORS = [":", ":", ":", "/", " ", "::", ";"];

/** A resource-name-like string: parts of kinds and keys joined by separators, sometimes with tags or spaces. */
function randomName(r: Rand): string {
  const parts = 1 + r.int(4);
  let rn = "";
  for (let i = 0; i < parts; i++) {
    if (i > 0) rn += r.pick(SEPARATORS);
    rn += `${r.pick(KINDS)}${r.chance(0.9) ? "/" : ""}${r.pick(KEYS)}`;
  }
  if (r.chance(0.2)) rn += `;${r.pick(["beta", "", "a,b", "x:y"])}`;
  if (r.chance(0.1)) rn = ` ${rn}`;
  return rn;
}

const suggestions = (message: string) => [...message.matchAll(/use '([^']*)'/g)].map((m) => m[1]);

test("a suggested resource name always passes the check it was suggested by", () => {
  let suggested = 0;
  for (let seed = 1; seed <= 4000; seed++) {
    const r = new Rand(seed);
    const type = r.pick(TYPES);
    const rn = randomName(r);
    const problem = resourceProblem(type, rn);
    if (problem === undefined) continue;
    for (const fix of suggestions(problem)) {
      suggested++;
      expect({ seed, type, rn, fix, problem: resourceProblem(type, fix) }).toEqual({
        seed,
        type,
        rn,
        fix,
        problem: undefined,
      });
    }
  }
  // The generator does produce names that get suggestions.
  expect(suggested).toBeGreaterThan(500);
});

test.each([
  ["flag", "project/ledger/env/staging/flag/*", "project/ledger:env/staging:flag/*"],
  ["segment", "project/ledger/env/staging/segment/beta", "project/ledger:env/staging:segment/beta"],
  ["env", "project/ledger/env/staging", "project/ledger:env/staging"],
  ["flag", "project/ledger:environment/staging:flag/*", "project/ledger:env/staging:flag/*"],
  ["flag", "project/ledger:env/staging:flag/", "project/ledger:env/staging:flag/*"],
  ["env", "project/shop:env/dev;beta", "project/shop:env/dev"],
] as const)("a %s statement's '%s' is answered with '%s'", (type, rn, fix) => {
  expect(resourceProblem(type, rn)).toMatch(new RegExp(`: use '${fix.replace(/[*.]/g, "\\$&")}'`));
  expect(resourceProblem(type, fix)).toBeUndefined();
});

const ROUTES = [
  ["PUT", "/envs/{e}/feature-flags/{k}/toggle/true"],
  ["PUT", "/envs/{e}/feature-flags/{k}/targeting"],
  ["PUT", "/envs/{e}/feature-flags/{k}/name"],
  ["POST", "/envs/{e}/feature-flags"],
  ["PUT", "/envs/{e}/segments/{s}/targeting"],
  ["PUT", "/envs/{e}/segments/{s}/tags"],
  ["POST", "/envs/{e}/segments"],
  ["PUT", "/projects/{p}/envs/{e}"],
  ["DELETE", "/projects/{p}/envs/{e}"],
  ["POST", "/projects/{p}/envs"],
  ["PUT", "/projects/{p}"],
  ["DELETE", "/projects/{p}"],
  ["POST", "/projects"],
  ["POST", "/policies"],
  ["PUT", "/groups/{g}/add-member/{m}"],
] as const;

/** The statement a refusal suggests, read back from its message. */
function suggestedStatement(message: string): unknown {
  const m = /a statement such as (\{.*?\})(?: \(narrow| in the token)/.exec(message);
  if (!m) throw new Error(`no statement in: ${message}`);
  return JSON.parse(
    m[1].replace(/'/g, '"').replace(/([{,] )(effect|resourceType|actions|resources):/g, '$1"$2":'),
  );
}

test("a refused write's suggested statement passes the Policy statement check", () => {
  const id = "0f2c6a1d-0000-4000-8000-000000000001";
  for (let seed = 1; seed <= 1500; seed++) {
    const r = new Rand(seed);
    const [method, template] = r.pick(ROUTES);
    const key = r.pick(["checkout", "new.flag_1", "*", "odd key", "a;b"]);
    const path = template.replace(/\{[a-z]\}/g, (p) => (p === "{k}" ? encodeURIComponent(key) : id));
    const err = new FeatBitApiError({
      message: "x",
      detail: `refused (FeatBit: Forbidden) [HTTP 403, ${method} /api/v1${path}]`,
      kind: "forbidden",
      status: 403,
      codes: ["Forbidden"],
      method,
      path,
    });
    // Sometimes the keys are known (a read found them, some of them not FeatBit's grammar), sometimes not.
    const project = r.pick(["shop", "web shop", "ledger"]);
    const env = r.pick(["dev", "prod", "st ag"]);
    const rn = r.pick([
      undefined,
      `project/${project}`,
      `project/${project}:env/${env}`,
      `project/${project}:env/${env}:flag/${key}`,
      `project/${project}:env/${env}:segment/${key}`,
    ]);
    const refused = missingPermission(err, rn === undefined ? undefined : { rn });
    if (refused === undefined) continue;
    const statement = suggestedStatement(refused.detail);
    const parsed = statementSchema.safeParse(statement);
    expect({ seed, method, path, rn, statement, issues: parsed.error?.issues ?? [] }).toMatchObject({
      issues: [],
    });
  }
});
