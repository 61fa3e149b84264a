// Replacing a served variation in one edit (`Large` → `Huge`, the rules pointed at `Huge`) applies in one `up`: the
// FeatureFlag's update adds `Huge` and keeps `Large` while it is served (retiring), the FeatureFlagTargeting's update
// (which Pulumi runs after it: it reads the flag) moves the rules, then removes `Large`. Steps run here in that order,
// as the engine runs them.
import type { DynamicProvider } from "../../provider/host/dynamicProvider";
import { startProviderHarness, type ProviderHarness } from "../support/providerHarness";

type Props = Record<string, unknown>;
interface LiveFlag {
  revision: string;
  variations: { id: string; name: string; value: string }[];
  rules: { name: string; variations: { id: string }[] }[];
  targetUsers: { variationId: string; keyIds: string[] }[];
}

let h: ProviderHarness;
let flag: DynamicProvider;
let targeting: DynamicProvider;
let envId: string;
let counter = 0;
const warnings: string[] = [];

beforeAll(async () => {
  h = await startProviderHarness();
  const project = await h.api<{ environments: { id: string }[] }>("POST", "/projects", {
    name: "Shop",
    key: "shop",
  });
  envId = project.body.environments[0].id;
  flag = h.provider("FeatureFlag");
  targeting = h.provider("FeatureFlagTargeting");
  jest.spyOn(console, "warn").mockImplementation((m: string) => void warnings.push(m));
});
afterAll(async () => {
  jest.restoreAllMocks();
  await h.close();
});

async function checked(p: DynamicProvider, news: Props): Promise<Props> {
  const r = await p.check({}, news);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs as Props;
}

const sizes = (names: [string, string][]) => names.map(([name, value]) => ({ name, value }));
const live = async (key: string) =>
  (await h.api<LiveFlag>("GET", `/envs/${envId}/feature-flags/${key}`)).body;

async function world() {
  const key = `size-${++counter}`;
  const flagArgs = (variations: [string, string][]) => ({
    environmentId: envId,
    key,
    name: "Size",
    variationType: "string",
    variations: sizes(variations),
  });
  const rules = (variation: string) => [
    {
      name: "Big spenders",
      conditions: [{ property: "plan", op: "Equal", value: "gold" }],
      serve: { variation },
    },
  ];
  const targetingArgs = (variation: string, names: string[]) => ({
    environmentId: envId,
    flagKey: key,
    variations: names,
    rules: rules(variation),
    defaultRule: { serve: { variation: "Small" } },
    // FeatBit makes a string flag's last variation its off variation: the program owns it here.
    offVariation: "Small",
  });
  const f = await flag.create(
    await checked(
      flag,
      flagArgs([
        ["Small", "s"],
        ["Large", "l"],
      ]),
    ),
  );
  const t = await targeting.create(await checked(targeting, targetingArgs("Large", ["Small", "Large"])));
  return { key, f, t, flagArgs, targetingArgs };
}

test("a served variation replaced in one edit applies in one run, and nothing is left to change", async () => {
  const { key, f, t, flagArgs, targetingArgs } = await world();
  warnings.splice(0);
  // The flag first: `Huge` is added, `Large` stays while the rule serves it.
  const newFlag = await checked(
    flag,
    flagArgs([
      ["Small", "s"],
      ["Huge", "xl"],
    ]),
  );
  const fUp = await flag.update(f.id, f.outs!, newFlag);
  expect((await live(key)).variations.map((v) => v.name)).toEqual(["Small", "Huge", "Large"]);
  // Then the targeting: the rule serves `Huge`, and `Large` goes.
  const newTargeting = await checked(targeting, targetingArgs("Huge", ["Small", "Huge"]));
  const tUp = await targeting.update(t.id, t.outs!, newTargeting);
  const after = await live(key);
  expect(after.variations.map((v) => v.name)).toEqual(["Small", "Huge"]);
  expect(after.rules[0].variations[0].id).toBe(after.variations[1].id);
  expect(warnings).toEqual([]);
  // The targeting recorded the flag's revision after removing `Large`, so the next run sees no change of its own.
  expect(tUp.outs!.revision).toBe(after.revision);
  expect((await flag.diff(f.id, fUp.outs!, newFlag)).changes).toBe(false);
  expect((await targeting.diff(t.id, tUp.outs!, newTargeting)).changes).toBe(false);
  const refreshed = await targeting.read(t.id, tUp.outs!);
  expect((await targeting.diff(t.id, refreshed.props as Props, newTargeting)).changes).toBe(false);
  // A refresh of the flag drops what it kept as retiring: FeatBit no longer has it.
  expect((await flag.read(f.id, fUp.outs!)).props).not.toHaveProperty("retiringVariations");
});

test("a replaced variation still served by a part the program does not declare stays, with a warning", async () => {
  const { key, f, t, flagArgs, targetingArgs } = await world();
  // Individual targeting made in the FeatBit UI serves `Large` too.
  const before = await live(key);
  const large = before.variations.find((v) => v.name === "Large")!.id;
  const current = (await h.api<Props>("GET", `/envs/${envId}/feature-flags/${key}`)).body;
  await h.api("PUT", `/envs/${envId}/feature-flags/${key}/targeting`, {
    revision: before.revision,
    targeting: {
      targetUsers: [{ variationId: large, keyIds: ["vip"] }],
      rules: current.rules,
      fallthrough: current.fallthrough,
      exptIncludeAllTargets: true,
    },
  });
  const refreshedT = await targeting.read(t.id, t.outs!);
  warnings.splice(0);
  const fUp = await flag.update(
    f.id,
    f.outs!,
    await checked(
      flag,
      flagArgs([
        ["Small", "s"],
        ["Huge", "xl"],
      ]),
    ),
  );
  await targeting.update(
    t.id,
    refreshedT.props as Props,
    await checked(targeting, targetingArgs("Huge", ["Small", "Huge"])),
  );
  expect((await live(key)).variations.map((v) => v.name)).toEqual(["Small", "Huge", "Large"]);
  expect(warnings).toEqual([
    expect.stringMatching(
      /keeps variations the program removed while FeatBit still serves them: 'Large' is served to target users \(vip\)\. Change that targeting/,
    ),
  ]);
  expect(fUp.outs!.retiringVariations).toEqual([{ id: large, name: "Large", value: "l" }]);
});
