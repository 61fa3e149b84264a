// A run killed with PULUMI_SKIP_CHECKPOINTS recorded nothing of what it created, so the next `up` refuses every
// object it made (no evidence). With FEATBIT_CLAIM_UNRECORDED=true for one run, the user vouches for them: each is
// taken as adoption takes it, brought to the declaration, and recorded as created, so destroy deletes it. Without
// the variable nothing changes: the refusal stands.
import type { ProjectWithEnvs } from "../../provider/client";
import { flagBody } from "../emulator/support";
import { lifecycle, startProviderHarness, type ProviderHarness } from "../support/providerHarness";

type Props = Record<string, unknown>;

let h: ProviderHarness;
let envId: string;

beforeAll(async () => {
  h = await startProviderHarness();
  const res = await h.api<ProjectWithEnvs>("POST", "/projects", { name: "Claims", key: "claims" });
  envId = res.body.environments.find((e) => e.key === "prod")?.id as string;
});
afterAll(async () => {
  delete process.env.FEATBIT_CLAIM_UNRECORDED;
  await h.close();
});
afterEach(() => delete process.env.FEATBIT_CLAIM_UNRECORDED);

const flags = lifecycle(() => h.provider("FeatureFlag"));

/** A flag as a killed run left it: made in FeatBit, recorded nowhere, its name not yet the declared one. */
async function leftBehind(key: string): Promise<void> {
  const made = await h.api("POST", `/envs/${envId}/feature-flags`, flagBody(key, { name: "half-made" }));
  expect(made.status).toBe(200);
}

test("without the variable, an object holding the key is refused, with the variable named among the ways out", async () => {
  await leftBehind("refused");
  await expect(flags.up({ environmentId: envId, key: "refused", name: "Refused" })).rejects.toThrow(
    /no evidence that it created it.*FEATBIT_CLAIM_UNRECORDED=true/s,
  );
});

test("with it, the object is taken, brought to the declaration, recorded as created, and destroy deletes it", async () => {
  await leftBehind("claimed");
  process.env.FEATBIT_CLAIM_UNRECORDED = "true";
  const { id, outs } = await flags.up({ environmentId: envId, key: "claimed", name: "Claimed" });
  expect(outs).toMatchObject({ key: "claimed", name: "Claimed", origin: "created" });
  expect(outs).not.toHaveProperty("adopt");
  const live = await h.api<{ name: string }>("GET", `/envs/${envId}/feature-flags/claimed`);
  expect(live.body.name).toBe("Claimed");
  delete process.env.FEATBIT_CLAIM_UNRECORDED;
  await h.provider("FeatureFlag").delete(id, outs as Props);
  expect((await h.api("GET", `/envs/${envId}/feature-flags/claimed`)).status).not.toBe(200);
});

test("a key nothing holds is simply created, with or without the variable", async () => {
  process.env.FEATBIT_CLAIM_UNRECORDED = "true";
  const { outs } = await flags.up({ environmentId: envId, key: "fresh", name: "Fresh" });
  expect(outs).toMatchObject({ origin: "created" });
});
