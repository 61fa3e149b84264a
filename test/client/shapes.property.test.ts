// Property: every answer FeatBit can give (generated from FeatBit's model, see featbitShapes.ts) goes through every
// parser of the client, and reads as the same thing in one form: lists without nulls, texts null when absent, values
// as FeatBit holds them. And one item of a listing in a shape no FeatBit gives never hides the others.
import { FeatBitClient, type ApiRequest, type HttpTransport } from "../../provider/client";
import * as shape from "./featbitShapes";
import { ABSENT, Rand, type Gen, type Json } from "./featbitShapes";

const RUNS = 150;

/** A transport answering every request with what `answer` makes, parsed by the request's own schema. */
class GeneratedTransport implements HttpTransport {
  answer: (req: ApiRequest<unknown>) => Json = () => null;

  async request<T>(req: ApiRequest<T>): Promise<T> {
    const data = this.answer(req as ApiRequest<unknown>);
    const parsed = req.schema.safeParse(data);
    if (!parsed.success) {
      throw new Error(
        `${req.method} ${req.path}: ${JSON.stringify(parsed.error.issues)}\n${JSON.stringify(data)}`,
      );
    }
    return parsed.data;
  }
}

const transport = new GeneratedTransport();
const client = new FeatBitClient(transport);
const ID = "6a1d0000-0000-4000-8000-000000000001";

/** Nulls left inside arrays: what the client must never hand on. */
function nullElements(value: unknown, path = "$"): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => (v === null ? [`${path}[${i}]`] : nullElements(v, `${path}[${i}]`)));
  }
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => nullElements(v, `${path}.${k}`));
  }
  return [];
}

interface Case {
  name: string;
  gen: Gen;
  call: () => Promise<unknown>;
}

const CASES: Case[] = [
  { name: "policies.get", gen: shape.policy, call: () => client.policies.get(ID) },
  { name: "policies.create", gen: shape.policy, call: () => client.policies.create({ name: "n", key: "k" }) },
  {
    name: "policies.updateSettings",
    gen: shape.policy,
    call: () => client.policies.updateSettings(ID, { name: "n", description: "" }),
  },
  { name: "policies.setStatements", gen: shape.policy, call: () => client.policies.setStatements(ID, []) },
  { name: "policies.list", gen: shape.paged(shape.policy), call: () => client.policies.list() },
  { name: "policies.groups", gen: shape.paged(shape.policyGroup), call: () => client.policies.groups(ID) },
  { name: "policies.members", gen: shape.paged(shape.policyMember), call: () => client.policies.members(ID) },
  { name: "groups.get", gen: shape.group, call: () => client.groups.get(ID) },
  { name: "groups.create", gen: shape.group, call: () => client.groups.create({ name: "n" }) },
  {
    name: "groups.update",
    gen: shape.group,
    call: () => client.groups.update(ID, { name: "n", description: "" }),
  },
  { name: "groups.list", gen: shape.paged(shape.group), call: () => client.groups.list() },
  { name: "groups.members", gen: shape.paged(shape.groupMember), call: () => client.groups.members(ID) },
  { name: "groups.policies", gen: shape.paged(shape.groupPolicy), call: () => client.groups.policies(ID) },
  { name: "members.get", gen: shape.member, call: () => client.members.get(ID) },
  { name: "members.list", gen: shape.paged(shape.member), call: () => client.members.list() },
  {
    name: "members.directPolicies",
    gen: shape.paged(shape.memberPolicy),
    call: () => client.members.directPolicies(ID),
  },
  { name: "projects.list", gen: shape.array(shape.projectWithEnvs), call: () => client.projects.list() },
  { name: "projects.get", gen: shape.projectWithEnvs, call: () => client.projects.get(ID) },
  {
    name: "projects.create",
    gen: shape.projectWithEnvs,
    call: () => client.projects.create({ name: "n", key: "k" }),
  },
  { name: "projects.update", gen: shape.projectVm, call: () => client.projects.update(ID, { name: "n" }) },
  { name: "environments.get", gen: shape.environmentVm, call: () => client.environments.get(ID, ID) },
  {
    name: "environments.create",
    gen: shape.environmentVm,
    call: () => client.environments.create(ID, { name: "n", key: "k" }),
  },
  { name: "flags.get", gen: shape.featureFlag, call: () => client.flags.get(ID, "k") },
  { name: "flags.list", gen: shape.paged(shape.featureFlagVm), call: () => client.flags.list(ID) },
  { name: "segments.get", gen: shape.segment, call: () => client.segments.get(ID, ID) },
  { name: "segments.byIds", gen: shape.array(shape.segment), call: () => client.segments.byIds(ID, [ID]) },
  { name: "segments.list", gen: shape.paged(shape.segmentVm), call: () => client.segments.list(ID) },
  {
    name: "segments.flagReferences",
    gen: shape.array(shape.flagReference),
    call: () => client.segments.flagReferences(ID, ID),
  },
  { name: "workspace.get", gen: shape.workspace, call: () => client.workspace.get() },
];

describe.each(CASES)("$name reads every shape FeatBit can answer with", ({ gen, call }) => {
  it(`(${RUNS} generated answers)`, async () => {
    for (let seed = 1; seed <= RUNS; seed++) {
      const data = gen(new Rand(seed));
      transport.answer = () => data as Json;
      let read: unknown;
      try {
        read = await call();
      } catch (err) {
        throw new Error(`seed ${seed}: ${(err as Error).message}`, { cause: err });
      }
      expect({ seed, nulls: nullElements(read) }).toEqual({ seed, nulls: [] });
      const unreadable = (read as { unreadable?: unknown[] } | undefined)?.unreadable;
      expect({ seed, unreadable: unreadable ?? [] }).toEqual({ seed, unreadable: [] });
    }
  });
});

describe("statements read as FeatBit holds them", () => {
  it("keep each effect's spelling and resource type, a missing id null, missing lists empty", async () => {
    for (let seed = 1; seed <= RUNS; seed++) {
      const sent = shape.policy(new Rand(seed)) as { [k: string]: Json };
      transport.answer = () => sent;
      const read = await client.policies.get(ID);
      const statements = ((sent.statements ?? []) as ({ [k: string]: Json } | null)[]).filter(
        (s) => s !== null,
      );
      const text = (v: Json | undefined) => (typeof v === "string" ? v : "");
      expect(read.statements).toEqual(
        statements.map((s) => ({
          id: typeof s.id === "string" ? s.id : null,
          resourceType: text(s.resourceType),
          effect: text(s.effect),
          actions: ((s.actions ?? []) as Json[]).filter((a) => a !== null),
          resources: ((s.resources ?? []) as Json[]).filter((a) => a !== null),
        })),
      );
      expect(read.key).toBe(typeof sent.key === "string" ? sent.key : "");
      expect(read.description).toBe(typeof sent.description === "string" ? sent.description : null);
    }
  });
});

describe("one item no FeatBit would answer with never hides the others", () => {
  const ALIENS: Json[] = [
    { id: 7, name: "numbered id" },
    {
      id: "6a1d0000-0000-4000-8000-0000000000aa",
      key: "broken",
      name: "Broken",
      statements: [{ actions: 3 }],
    },
    { id: "6a1d0000-0000-4000-8000-0000000000bb", name: "No type", key: "no-type" },
    "not an object",
  ];

  it("policies.all sets the odd ones aside, named, and returns the rest", async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = new Rand(seed);
      const good = Array.from({ length: r.int(5) }, () => shape.policy(r) as { [k: string]: Json });
      const aliens = ALIENS.filter(() => r.chance(0.5));
      const items: Json[] = [...good];
      for (const alien of aliens) items.splice(r.int(items.length + 1), 0, alien);
      transport.answer = () => ({ totalCount: items.length, items });
      const listed = await client.policies.all();
      expect(listed.map((p) => p.id)).toEqual(good.map((p) => p.id));
      expect(listed.unreadable).toHaveLength(aliens.length);
      for (const odd of listed.unreadable) expect(odd.problem).not.toBe("");
    }
  });

  it("names what is odd about the one that cannot be read", async () => {
    transport.answer = () => ({ totalCount: 1, items: [ALIENS[1]] });
    const listed = await client.policies.all();
    expect(listed.unreadable).toEqual([
      {
        id: "6a1d0000-0000-4000-8000-0000000000aa",
        key: "broken",
        name: "Broken",
        problem: expect.stringMatching(/^type: .*; statements\[0\]\.actions: .*expected array/),
      },
    ]);
  });
});

// The generator itself: every field it may leave out is left out sometimes, so absence is really exercised.
test("the generator leaves optional fields out", () => {
  const seen = new Set<string>();
  for (let seed = 1; seed <= RUNS; seed++) {
    const p = shape.policy(new Rand(seed)) as { [k: string]: Json };
    for (const field of ["key", "description", "updatedAt"]) if (!(field in p)) seen.add(field);
  }
  expect([...seen].sort()).toEqual(["description", "key", "updatedAt"]);
  expect(ABSENT).toBeDefined();
});
