// A write FeatBit refuses with 403 to an object that exists is a missing permission: the error names the permission
// FeatBit checked, the resource name it checked it on, and a statement that grants it.
import { FeatBitApiError } from "../../provider/client";
import { missingPermission } from "../../provider/resources/core/permissions";
import { lifecycle, startProviderHarness, type ProviderHarness } from "../support/providerHarness";

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

test("each refused route names the permission FeatBit checks there", () => {
  const env = "0f2c6a1d-0000-4000-8000-000000000001";
  const toggle = missingPermission(forbidden("PUT", `/envs/${env}/feature-flags/new-checkout/toggle/true`));
  expect(toggle?.detail).toBe(
    "the access token may not make this change: the flag exists, so FeatBit's 403 means the token's permissions do " +
      "not grant ToggleFlag on project/<project>:env/<environment>:flag/new-checkout. Grant it with a statement such " +
      "as { effect: 'allow', resourceType: 'flag', actions: ['ToggleFlag'], resources: " +
      "['project/<project>:env/<environment>:flag/new-checkout'] } in the token's permissions (FeatBit › Integrations " +
      `› Access tokens), or use a token that has it (FeatBit: Forbidden) [HTTP 403, PUT /api/v1/envs/${env}/feature-flags/new-checkout/toggle/true]`,
  );
  expect(missingPermission(forbidden("PUT", `/envs/${env}/segments/${env}/targeting`))?.detail).toContain(
    "UpdateSegmentTargetingUsers or UpdateSegmentRules (whichever parts the change touches)",
  );
  expect(missingPermission(forbidden("PUT", `/groups/${env}`))?.detail).toContain("CanManageIAM on iam/*");
  // Not a route this knows, or not a refusal: the original error stands.
  expect(missingPermission(forbidden("POST", `/envs/${env}/feature-flags`))).toBeUndefined();
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
    const project = await h.api<{ environments: { id: string; key: string }[] }>("POST", "/projects", {
      name: "Shop",
      key: "shop",
    });
    prodId = project.body.environments.find((e) => e.key === "prod")!.id;
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

  test("changing targeting in prod is refused with the permission and the resource name", async () => {
    const { up } = lifecycle(() => h.provider("FeatureFlagTargeting"));
    const err = await up({ environmentId: prodId, flagKey: "checkout", enabled: true }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toContain(
      "the access token may not make this change: the flag exists, so FeatBit's 403 means the token's permissions " +
        "do not grant ToggleFlag on project/<project>:env/<environment>:flag/checkout",
    );
    expect(err?.message).not.toContain(CI);
  });
});
