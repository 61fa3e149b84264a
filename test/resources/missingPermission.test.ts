// A write FeatBit refuses with 403 to an object that exists is a missing permission: the error names the permission
// FeatBit checked, the resource name it checked it on, and a statement that grants it.
import { FeatBitApiError } from "../../provider/client";
import { missingPermission } from "../../provider/resources/core/permissions";
import { lifecycle, startProviderHarness, type ProviderHarness } from "../support/providerHarness";

type Props = Record<string, unknown>;

const CI = "api-ci-targeting-dev-only-000000000000000000";

const forbidden = (method: string, path: string) =>
  new FeatBitApiError({
    message: "x",
    detail: `the access token lacks permission, or the target does not exist (FeatBit: Forbidden) [HTTP 403, ${method} /api/v1${path}]`,
    kind: "forbidden",
    status: 403,
    codes: ["Forbidden"],
    method,
    path,
  });

test("each refused route names the permission FeatBit checks there, on the resource name with its keys", () => {
  const env = "0f2c6a1d-0000-4000-8000-000000000001";
  const toggle = missingPermission(forbidden("PUT", `/envs/${env}/feature-flags/new-checkout/toggle/true`), {
    rn: "project/shop:env/dev:flag/new-checkout",
  });
  expect(toggle?.detail).toBe(
    "the access token may not make this change: the flag exists, so FeatBit's 403 means the token's permissions do " +
      "not grant ToggleFlag on project/shop:env/dev:flag/new-checkout. Grant it with a statement such as { effect: " +
      "'allow', resourceType: 'flag', actions: ['ToggleFlag'], resources: ['project/shop:env/dev:flag/new-checkout'] " +
      "} in the token's permissions (FeatBit › Integrations › Access tokens), or use a token that has it (FeatBit: " +
      `Forbidden) [HTTP 403, PUT /api/v1/envs/${env}/feature-flags/new-checkout/toggle/true]`,
  );
  // Only what the change needed: the parts of the targeting it touched.
  const rules = missingPermission(forbidden("PUT", `/envs/${env}/segments/${env}/targeting`), {
    rn: "project/shop:env/dev:segment/beta",
    permissions: ["UpdateSegmentRules"],
  });
  expect(rules?.detail).toContain("do not grant UpdateSegmentRules on project/shop:env/dev:segment/beta.");
  const two = missingPermission(forbidden("PUT", `/envs/${env}/feature-flags/k/targeting`), {
    rn: "project/shop:env/dev:flag/k",
    permissions: ["UpdateFlagDefaultRule", "UpdateFlagTargetingRules"],
  });
  expect(two?.detail).toContain(
    "do not grant both UpdateFlagDefaultRule and UpdateFlagTargetingRules on project/shop:env/dev:flag/k. Grant them",
  );
  expect(missingPermission(forbidden("PUT", `/groups/${env}`))?.detail).toContain("CanManageIAM on iam/*");
  expect(
    missingPermission(forbidden("POST", `/envs/${env}/feature-flags`), {
      rn: "project/shop:env/dev:flag/*",
      proof: "the environment exists",
    })?.detail,
  ).toContain(
    "the environment exists, so FeatBit's 403 means the token's permissions do not grant CreateFlag on project/shop:env/dev:flag/*.",
  );
  // Keys unknown (the token cannot see the environment): wildcards a person narrows, never placeholders.
  const unknown = missingPermission(forbidden("PUT", `/envs/${env}/feature-flags/k/name`));
  expect(unknown?.detail).toContain(
    "resources: ['project/*:env/*:flag/k'] } (narrow each '*' to the key it stands for)",
  );
  // Not a route this knows, or not a refusal: the original error stands.
  expect(missingPermission(forbidden("POST", `/envs/${env}/feature-flags/k/clone`))).toBeUndefined();
  expect(
    missingPermission(
      new FeatBitApiError({
        message: "x",
        kind: "conflict",
        method: "PUT",
        path: `/envs/${env}/feature-flags/k/targeting`,
      }),
    ),
  ).toBeUndefined();
});

describe("through a resource, with a token that may only change targeting in dev", () => {
  let h: ProviderHarness;
  let prodId: string;
  let projectId: string;

  beforeAll(async () => {
    h = await startProviderHarness({
      tokens: [
        "api-owner-token-0000000000000000000000000000",
        {
          token: CI,
          permissions: [
            {
              id: "1",
              resourceType: "project",
              effect: "allow",
              actions: ["CanAccessProject"],
              resources: ["project/shop"],
            },
            {
              id: "2",
              resourceType: "env",
              effect: "allow",
              actions: ["CanAccessEnv"],
              resources: ["project/shop:env/*"],
            },
            {
              id: "3",
              resourceType: "flag",
              effect: "allow",
              actions: ["ToggleFlag", "UpdateFlagTargetingRules", "UpdateFlagDefaultRule"],
              resources: ["project/shop:env/dev:flag/*"],
            },
          ],
        },
      ],
    });
    const project = await h.api<{ id: string; environments: { id: string; key: string }[] }>(
      "POST",
      "/projects",
      {
        name: "Shop",
        key: "shop",
      },
    );
    prodId = project.body.environments.find((e) => e.key === "prod")!.id;
    projectId = project.body.id;
    await h.api("POST", `/envs/${prodId}/feature-flags`, {
      name: "Checkout",
      key: "checkout",
      isEnabled: false,
      variationType: "boolean",
      variations: [
        { id: "v-on", name: "On", value: "true" },
        { id: "v-off", name: "Off", value: "false" },
      ],
      enabledVariationId: "v-on",
      disabledVariationId: "v-off",
      tags: [],
    });
    h.useToken(CI);
  });
  afterAll(() => h.close());

  const refusal = (work: Promise<unknown>) =>
    work.then(
      () => {
        throw new Error("expected a refusal");
      },
      (e: Error) => {
        expect(e.message).not.toContain(CI);
        return e.message;
      },
    );

  test("turning a flag on in prod: ToggleFlag on the flag's resource name, with its keys", async () => {
    const { up } = lifecycle(() => h.provider("FeatureFlagTargeting"));
    expect(await refusal(up({ environmentId: prodId, flagKey: "checkout", enabled: true }))).toContain(
      "the access token may not make this change: the flag exists, so FeatBit's 403 means the token's permissions " +
        "do not grant ToggleFlag on project/shop:env/prod:flag/checkout. Grant it with a statement such as { effect: " +
        "'allow', resourceType: 'flag', actions: ['ToggleFlag'], resources: ['project/shop:env/prod:flag/checkout'] }",
    );
  });

  test("changing only the default rule names only UpdateFlagDefaultRule", async () => {
    const { up } = lifecycle(() => h.provider("FeatureFlagTargeting"));
    const message = await refusal(
      up({ environmentId: prodId, flagKey: "checkout", defaultRule: { serve: { variation: "Off" } } }),
    );
    expect(message).toContain("do not grant UpdateFlagDefaultRule on project/shop:env/prod:flag/checkout.");
    expect(message).not.toMatch(/UpdateFlagIndividualTargeting|UpdateFlagTargetingRules|whichever/);
  });

  test("renaming the project is refused in the same words: UpdateProjectSettings on project/shop", async () => {
    const project = h.provider("Project");
    h.useToken(h.emulator.token);
    const inputs = (await project.check({}, { key: "shop", name: "Shop", importId: projectId }))
      .inputs as Props;
    const { id, outs } = await project.create(inputs).finally(() => h.useToken(CI));
    const message = await refusal(project.update(id, outs as Props, { ...inputs, name: "Shop 2" }));
    expect(message).toContain(
      "the access token may not make this change: the project exists, so FeatBit's 403 means the token's " +
        "permissions do not grant UpdateProjectSettings on project/shop. Grant it with a statement such as { effect: " +
        "'allow', resourceType: 'project', actions: ['UpdateProjectSettings'], resources: ['project/shop'] }",
    );
  });

  test("changing only a segment's rules names only UpdateSegmentRules, on the segment's name", async () => {
    const segment = h.provider("Segment");
    process.env.FEATBIT_ORGANIZATION_KEY = "playground";
    h.useToken(h.emulator.token);
    const declared = { environmentId: prodId, key: "beta", name: "Beta", included: ["alice"] };
    const inputs = (await segment.check({}, declared)).inputs as Props;
    const { id, outs } = await segment.create(inputs).finally(() => h.useToken(CI));
    delete process.env.FEATBIT_ORGANIZATION_KEY;
    const news = (
      await segment.check(
        {},
        {
          ...declared,
          rules: [{ name: "Staff", conditions: [{ property: "email", op: "EndsWith", value: "@x.io" }] }],
        },
      )
    ).inputs as Props;
    const message = await refusal(segment.update(id, outs as Props, news));
    expect(message).toContain("do not grant UpdateSegmentRules on project/shop:env/prod:segment/beta.");
    expect(message).not.toContain("UpdateSegmentTargetingUsers");
  });

  test("destroying a flag in prod: ArchiveFlag on the flag's resource name, with its keys; the flag stays", async () => {
    const flag = h.provider("FeatureFlag");
    h.useToken(h.emulator.token);
    const inputs = (await flag.check({}, { environmentId: prodId, key: "to-go", name: "To go" }))
      .inputs as Props;
    const { id, outs } = await flag.create(inputs).finally(() => h.useToken(CI));
    const message = await refusal(flag.delete(id, outs as Props));
    expect(message).toContain(
      "the flag exists, so FeatBit's 403 means the token's permissions do not grant ArchiveFlag on " +
        "project/shop:env/prod:flag/to-go.",
    );
    const live = await h.api<{ isArchived: boolean }>("GET", `/envs/${prodId}/feature-flags/to-go`);
    expect(live.body.isArchived).toBe(false);
  });

  test("destroying a segment in prod: ArchiveSegment on the segment's resource name, with its keys", async () => {
    const segment = h.provider("Segment");
    process.env.FEATBIT_ORGANIZATION_KEY = "playground";
    h.useToken(h.emulator.token);
    const inputs = (await segment.check({}, { environmentId: prodId, key: "leaving", name: "Leaving" }))
      .inputs as Props;
    const { id, outs } = await segment.create(inputs).finally(() => h.useToken(CI));
    delete process.env.FEATBIT_ORGANIZATION_KEY;
    expect(await refusal(segment.delete(id, outs as Props))).toContain(
      "do not grant ArchiveSegment on project/shop:env/prod:segment/leaving.",
    );
  });

  test("creating a flag in prod: CreateFlag on the environment's flags", async () => {
    const { up } = lifecycle(() => h.provider("FeatureFlag"));
    expect(await refusal(up({ environmentId: prodId, key: "new-one", name: "New one" }))).toContain(
      "the environment exists, so FeatBit's 403 means the token's permissions do not grant CreateFlag on " +
        "project/shop:env/prod:flag/*.",
    );
  });
});
