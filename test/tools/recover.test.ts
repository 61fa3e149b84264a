// featbit-recover's core (provider/tools/recover.ts): the pending creates a killed run left in the checkpoint are the
// evidence that the stack was creating those objects; each one FeatBit holds is recorded as the stack's own, each one
// it does not is dropped for `up` to create, and anything else is left as it was.
import { typeToken } from "../../provider/host/shim";
import {
  describeRecovery,
  featbitLocator,
  recoverPendingCreates,
  type Deployment,
} from "../../provider/tools/recover";
import { startProviderHarness, type ProviderHarness } from "../support/providerHarness";

let h: ProviderHarness;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  h = await startProviderHarness();
  env = { FEATBIT_API_URL: h.emulator.url, FEATBIT_ACCESS_TOKEN: h.emulator.token };
});
afterAll(() => h.close());

const urn = (kind: string, name: string) =>
  `urn:pulumi:dev::shop::pulumi-nodejs:dynamic/featbit:${kind}::${name}`;
const pendingCreate = (kind: "Project" | "FeatureFlag", name: string, inputs: Record<string, unknown>) => ({
  type: "creating",
  resource: {
    urn: urn(kind, name),
    type: typeToken(kind),
    custom: true,
    inputs: { ...inputs, __provider: "P" },
    parent: "urn:pulumi:dev::shop::pulumi:pulumi:Stack::shop-dev",
  },
});

test("records what landed as created, drops what did not, and leaves what is not a pending featbit create", async () => {
  const landed = (
    await h.api<{ id: string; environments: { id: string; key: string }[] }>("POST", "/projects", {
      key: "killed-mid-create",
      name: "Shop",
    })
  ).body;
  const prod = landed.environments.find((e) => e.key === "prod")!.id;
  const foreign = {
    type: "creating",
    resource: { urn: "urn:pulumi:dev::shop::aws:s3/bucket:Bucket::b", type: "aws:s3/bucket:Bucket" },
  };
  const updating = {
    ...pendingCreate("Project", "other", { key: "other", name: "Other" }),
    type: "updating",
  };
  const deployment: Deployment = {
    manifest: { version: "v3.274.1" },
    resources: [{ urn: "urn:pulumi:dev::shop::pulumi:pulumi:Stack::shop-dev", type: "pulumi:pulumi:Stack" }],
    pending_operations: [
      pendingCreate("Project", "shop", { key: "killed-mid-create", name: "Shop" }),
      pendingCreate("FeatureFlag", "never-sent", {
        environmentId: prod,
        key: "never-sent",
        name: "Never sent",
      }),
      foreign,
      updating,
    ],
  };
  const r = await recoverPendingCreates(deployment, featbitLocator(undefined, env));
  expect(r.recorded).toEqual([{ urn: urn("Project", "shop"), id: landed.id }]);
  expect(r.dropped).toEqual([
    { urn: urn("FeatureFlag", "never-sent"), why: expect.stringContaining("never landed") },
  ]);
  expect(r.kept.map((k) => k.urn)).toEqual([foreign.resource.urn, updating.resource.urn]);
  expect(r.deployment.pending_operations).toEqual([foreign, updating]);
  // The recorded project comes last (after its parent and provider), as the stack's own creation.
  expect(r.deployment.resources?.at(-1)).toMatchObject({
    urn: urn("Project", "shop"),
    id: landed.id,
    custom: true,
    outputs: { key: "killed-mid-create", name: "Shop", origin: "created", __provider: "P" },
  });
  expect(r.deployment.manifest).toEqual(deployment.manifest);
  expect(describeRecovery(r)).toEqual([
    `recorded ${urn("Project", "shop")} as ${landed.id}: the killed run created it`,
    expect.stringMatching(/^dropped the pending create of .*never-sent: nothing holds its key/),
    expect.stringMatching(/^left urn:.*Bucket::b: not a pulumi-featbit resource/),
    expect.stringMatching(/^left urn:.*Project::other: interrupted while updating/),
  ]);
});

test("a pending create the stack has since recorded (a later up made it) is dropped, not recorded twice", async () => {
  const made = (await h.api<{ id: string }>("POST", "/projects", { key: "made-later", name: "Later" })).body;
  const op = pendingCreate("Project", "later", { key: "made-later", name: "Later" });
  const r = await recoverPendingCreates(
    { resources: [{ ...op.resource, id: made.id }], pending_operations: [op] },
    featbitLocator(undefined, env),
  );
  expect(r.recorded).toEqual([]);
  expect(r.dropped).toEqual([{ urn: op.resource.urn, why: `the stack already records it (${made.id})` }]);
  expect(r.deployment.resources).toHaveLength(1);
});

test("nothing pending: says so, naming the one case recovery cannot help", async () => {
  const r = await recoverPendingCreates({ resources: [] }, featbitLocator(undefined, env));
  expect(describeRecovery(r)).toEqual([
    expect.stringContaining("killed with PULUMI_SKIP_CHECKPOINTS records none: if nobody else writes"),
  ]);
});
