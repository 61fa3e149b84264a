// Objects made the way the other tools of a team that already uses FeatBit make them: the request bodies FeatBit's
// Terraform provider (featbit/featbit-terraform-provider) and FeatBit's UI (featbit/featbit, modules/front-end/src/app)
// send, copied from their sources (each step names the file that builds the body), plus the odd objects a script
// leaves behind. `replay` sends them to a FeatBit (the emulator) over plain HTTP, as those tools do, and returns the
// ids FeatBit gave them, so tests can adopt them (importId or adopt) and find them with lookups.
import type { PolicyStatement } from "../../provider/resources/policy";

/** "{name}" in a path or in a body's strings is replaced by the id remembered under that name. */
export interface Step {
  /** What the tool is doing, for failure messages. */
  what: string;
  /** The source file that builds this request. */
  source: string;
  method: "GET" | "POST" | "PUT";
  path: string;
  body?: unknown;
  /** Ids to remember from the answer's `data`. */
  remember?: Record<string, (data: unknown) => string>;
}

export interface Fixture {
  tool: string;
  steps: Step[];
}

const TF = "featbit/featbit-terraform-provider";
const UI_APP = "featbit/featbit modules/front-end/src/app";

const idOf = (data: unknown) => (data as { id: string }).id;
const envIdOf = (key: string) => (data: unknown) => {
  const env = (data as { environments: { id: string; key: string }[] }).environments.find(
    (e) => e.key === key,
  );
  if (!env) throw new Error(`no environment '${key}' in the answer`);
  return env.id;
};
const memberIdOf = (email: string) => (data: unknown) => {
  const found = (data as { items: { id: string; email: string }[] }).items.find((m) => m.email === email);
  if (!found) throw new Error(`no member '${email}' listed`);
  return found.id;
};

/** The statements a policy of FeatBit's Terraform provider holds: no ids (PolicyStatement has no ID field). */
export const TERRAFORM_STATEMENTS: PolicyStatement[] = [
  { resourceType: "env", effect: "allow", actions: ["CanAccessEnv"], resources: ["project/tf-ledger:env/*"] },
  {
    resourceType: "flag",
    effect: "allow",
    actions: ["ToggleFlag", "UpdateFlagDefaultRule"],
    resources: ["project/tf-ledger:env/staging:flag/*"],
  },
  {
    resourceType: "project",
    effect: "allow",
    actions: ["CanAccessProject"],
    resources: ["project/tf-ledger"],
  },
];

/**
 * What FeatBit's Terraform provider sends: empty descriptions (its schemas default them to ""), statements without
 * ids, a flag created off with both selections on its first variation, bindings as bare PUTs.
 */
export const TERRAFORM: Fixture = {
  tool: "FeatBit's Terraform provider",
  steps: [
    {
      what: "create project tf-ledger",
      source: `${TF} internal/client/projects.go (CreateProjectRequest)`,
      method: "POST",
      path: "/projects",
      body: { name: "TF ledger", key: "tf-ledger" },
      remember: { tfProject: idOf },
    },
    {
      what: "create environment staging",
      source: `${TF} internal/client/environments.go (CreateEnvironmentRequest)`,
      method: "POST",
      path: "/projects/{tfProject}/envs",
      body: { name: "Staging", key: "staging", description: "" },
      remember: { tfStaging: idOf },
    },
    {
      what: "create flag tf-checkout",
      source: `${TF} internal/provider/feature_flag_resource.go (expandFeatureFlagCreateRequest, featureFlagCreateSeed)`,
      method: "POST",
      path: "/envs/{tfStaging}/feature-flags",
      body: {
        name: "TF checkout",
        key: "tf-checkout",
        isEnabled: false,
        description: "",
        variationType: "boolean",
        variations: [
          { id: "0d3f1a52-6c1e-4c1a-9a57-1f2a3b4c5d01", name: "On", value: "true" },
          { id: "0d3f1a52-6c1e-4c1a-9a57-1f2a3b4c5d02", name: "Off", value: "false" },
        ],
        enabledVariationId: "0d3f1a52-6c1e-4c1a-9a57-1f2a3b4c5d01",
        disabledVariationId: "0d3f1a52-6c1e-4c1a-9a57-1f2a3b4c5d01",
        tags: [],
      },
    },
    {
      what: "create segment tf-beta",
      source: `${TF} internal/client/segments.go (CreateSegmentRequest), internal/provider/segment_resource.go`,
      method: "POST",
      path: "/envs/{tfStaging}/segments",
      body: {
        type: "environment-specific",
        name: "TF beta",
        key: "tf-beta",
        description: "",
        scopes: ["organization/playground:project/tf-ledger:env/staging"],
      },
      remember: { tfSegment: idOf },
    },
    {
      what: "set segment tf-beta's targeting",
      source: `${TF} internal/client/segments.go (UpdateSegmentTargetingRequest; expandSegmentTargetingRequest)`,
      method: "PUT",
      path: "/envs/{tfStaging}/segments/{tfSegment}/targeting",
      body: {
        included: ["alice"],
        excluded: [],
        rules: [
          {
            id: "5e9a1f30-2b7c-4d1e-8f6a-0b1c2d3e4f01",
            name: "Staff",
            conditions: [
              {
                id: "5e9a1f30-2b7c-4d1e-8f6a-0b1c2d3e4f02",
                property: "email",
                op: "EndsWith",
                value: "@example.com",
              },
            ],
          },
        ],
      },
    },
    {
      what: "set segment tf-beta's tags",
      source: `${TF} internal/client/segments.go (UpdateSegmentTagsRequest)`,
      method: "PUT",
      path: "/envs/{tfStaging}/segments/{tfSegment}/tags",
      body: { tags: ["beta"] },
    },
    {
      what: "create policy tf-ci",
      source: `${TF} internal/client/policies.go (CreatePolicyRequest)`,
      method: "POST",
      path: "/policies",
      body: { name: "TF CI", key: "tf-ci", description: "" },
      remember: { tfPolicy: idOf },
    },
    {
      what: "replace policy tf-ci's statements",
      source: `${TF} internal/client/policies.go (ReplacePolicyStatements; PolicyStatement has no ID)`,
      method: "PUT",
      path: "/policies/{tfPolicy}/statements",
      body: TERRAFORM_STATEMENTS,
    },
    {
      what: "create group TF deployers",
      source: `${TF} internal/client/groups.go (CreateGroupRequest)`,
      method: "POST",
      path: "/groups",
      body: { name: "TF deployers", description: "" },
      remember: { tfGroup: idOf },
    },
    // Members are people: FeatBit's UI adds them (below), the Terraform provider only binds them.
    {
      what: "add member tf-bot (FeatBit's UI)",
      source: `${UI_APP} core/components/member-drawer/member-drawer.component.ts (addMember payload)`,
      method: "POST",
      path: "/members/add",
      body: { email: "tf-bot@example.com", policyIds: [], groupIds: [] },
    },
    {
      what: "find member tf-bot",
      source: `${UI_APP} core/services/member.service.ts (getList)`,
      method: "GET",
      path: "/members?searchText=tf-bot%40example.com&pageIndex=0&pageSize=10",
      remember: { tfBot: memberIdOf("tf-bot@example.com") },
    },
    {
      what: "bind the policy to the group",
      source: `${TF} internal/client/groups.go (AddGroupPolicy)`,
      method: "PUT",
      path: "/groups/{tfGroup}/add-policy/{tfPolicy}",
    },
    {
      what: "bind the member to the group",
      source: `${TF} internal/client/groups.go, associations.go (mutateExactAssociation: a bare PUT)`,
      method: "PUT",
      path: "/groups/{tfGroup}/add-member/{tfBot}",
    },
    {
      what: "bind the policy to the member",
      source: `${TF} internal/client/members.go, associations.go (mutateExactAssociation: a bare PUT)`,
      method: "PUT",
      path: "/members/{tfBot}/add-policy/{tfPolicy}",
    },
  ],
};

/** The statements a policy made in FeatBit's UI holds: uuidv4 ids (policy-editor.component.ts). */
export const UI_STATEMENTS: (PolicyStatement & { id: string })[] = [
  {
    id: "9b2c4d6e-8f01-4a23-b456-7890abcdef01",
    resourceType: "flag",
    effect: "allow",
    actions: ["UpdateFlagName", "UpdateFlagDescription"],
    resources: ["project/ui-shop:env/qa:flag/*"],
  },
  {
    id: "9b2c4d6e-8f01-4a23-b456-7890abcdef02",
    resourceType: "env",
    effect: "deny",
    actions: ["DeleteEnv"],
    resources: ["project/ui-shop:env/*"],
  },
];

/**
 * What FeatBit's UI sends: forms' values as they are (a description a reset drawer leaves null), statements with
 * uuidv4 ids, `{}` bodies for bindings, two members whose emails differ only in case.
 */
export const UI: Fixture = {
  tool: "FeatBit's UI",
  steps: [
    {
      what: "create project ui-shop",
      source: `${UI_APP} core/components/project-drawer/project-drawer.component.ts`,
      method: "POST",
      path: "/projects",
      body: { name: "UI shop", key: "ui-shop" },
      remember: { uiProject: idOf, uiProd: envIdOf("prod") },
    },
    {
      what: "create environment qa",
      source: `${UI_APP} core/components/env-drawer/env-drawer.component.ts (form value)`,
      method: "POST",
      path: "/projects/{uiProject}/envs",
      body: { name: "QA", key: "qa", description: "", settings: { requireChangeComment: false } },
      remember: { uiQa: idOf },
    },
    {
      what: "create flag ui-banner",
      source: `${UI_APP} core/components/feature-flag-drawer/feature-flag-drawer.component.ts (IFeatureFlagCreationPayload)`,
      method: "POST",
      path: "/envs/{uiQa}/feature-flags",
      body: {
        name: "UI banner",
        key: "ui-banner",
        description: "",
        tags: [],
        variationType: "string",
        variations: [
          { id: "3f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e01", name: "Light", value: "light" },
          { id: "3f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e02", name: "Dark", value: "dark" },
        ],
        isEnabled: false,
        enabledVariationId: "3f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e01",
        disabledVariationId: "3f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e02",
      },
    },
    {
      what: "create segment ui-staff",
      source: `${UI_APP} core/components/segment-creation-modal/segment-creation-modal.component.ts (CreateSegment)`,
      method: "POST",
      path: "/envs/{uiQa}/segments",
      body: {
        name: "UI staff",
        key: "ui-staff",
        description: "",
        type: "environment-specific",
        scopes: ["organization/playground:project/ui-shop:env/qa"],
      },
      remember: { uiSegment: idOf },
    },
    {
      what: "create policy ui-readers",
      source: `${UI_APP} core/components/policy-drawer/policy-drawer.component.ts, core/services/policy.service.ts (create)`,
      method: "POST",
      path: "/policies",
      body: { name: "UI readers", key: "ui-readers", description: "" },
      remember: { uiPolicy: idOf },
    },
    {
      what: "save policy ui-readers' statements",
      source: `${UI_APP} features/safe/iam/components/policy-editor/policy-editor.component.ts (getOutput)`,
      method: "PUT",
      path: "/policies/{uiPolicy}/statements",
      body: UI_STATEMENTS,
    },
    {
      what: "create group UI reviewers",
      source: `${UI_APP} core/components/group-drawer/group-drawer.component.ts`,
      method: "POST",
      path: "/groups",
      body: { name: "UI reviewers", description: "" },
      remember: { uiGroup: idOf },
    },
    {
      what: "create group UI auditors (the drawer's form was reset: description null)",
      source: `${UI_APP} core/components/group-drawer/group-drawer.component.ts (form.reset())`,
      method: "POST",
      path: "/groups",
      body: { name: "UI auditors", description: null },
      remember: { uiAuditors: idOf },
    },
    {
      what: "add member Ann@example.com",
      source: `${UI_APP} core/components/member-drawer/member-drawer.component.ts (addMember payload)`,
      method: "POST",
      path: "/members/add",
      body: { email: "Ann@example.com", policyIds: [], groupIds: [] },
    },
    {
      what: "add member ann@example.com (another user to FeatBit: emails compare as written)",
      source: `${UI_APP} core/components/member-drawer/member-drawer.component.ts (addMember payload)`,
      method: "POST",
      path: "/members/add",
      body: { email: "ann@example.com", policyIds: [], groupIds: [] },
    },
    {
      what: "find member Ann@example.com",
      source: `${UI_APP} core/services/member.service.ts (getList)`,
      method: "GET",
      path: "/members?searchText=ann%40example.com&pageIndex=0&pageSize=10",
      remember: { uiAnnUpper: memberIdOf("Ann@example.com"), uiAnnLower: memberIdOf("ann@example.com") },
    },
    {
      what: "add Ann@example.com to UI reviewers",
      source: `${UI_APP} core/services/group.service.ts (addMember: PUT with a {} body)`,
      method: "PUT",
      path: "/groups/{uiGroup}/add-member/{uiAnnUpper}",
      body: {},
    },
    {
      what: "attach ui-readers to UI reviewers",
      source: `${UI_APP} core/services/group.service.ts (addPolicy: PUT with a {} body)`,
      method: "PUT",
      path: "/groups/{uiGroup}/add-policy/{uiPolicy}",
      body: {},
    },
    {
      what: "attach ui-readers to ann@example.com",
      source: `${UI_APP} core/services/member.service.ts (addPolicy: PUT with a {} body)`,
      method: "PUT",
      path: "/members/{uiAnnLower}/add-policy/{uiPolicy}",
      body: {},
    },
  ],
};

/** Statements a script sent: an effect spelt 'Allow' (only exactly 'allow' allows in FeatBit), no ids. */
export const SCRIPT_STATEMENTS: (Omit<PolicyStatement, "effect"> & { effect: string })[] = [
  {
    resourceType: "flag",
    effect: "Allow",
    actions: ["ToggleFlag"],
    resources: ["project/ui-shop:env/qa:flag/*"],
  },
];

/** What a script made with FeatBit's API: a policy whose statement spells its effect 'Allow'. */
export const SCRIPT: Fixture = {
  tool: "a script",
  steps: [
    {
      what: "create policy script-togglers",
      source: "FeatBit's API (POST /api/v1/policies), as any script calls it",
      method: "POST",
      path: "/policies",
      body: { name: "Script togglers", key: "script-togglers" },
      remember: { scriptPolicy: idOf },
    },
    {
      what: "set its statements",
      source: "FeatBit's API (PUT /api/v1/policies/{id}/statements)",
      method: "PUT",
      path: "/policies/{scriptPolicy}/statements",
      body: SCRIPT_STATEMENTS,
    },
  ],
};

export interface Target {
  url: string;
  token: string;
}

function fill(value: unknown, ids: Record<string, string>): unknown {
  if (typeof value === "string") {
    return value.replace(/\{(\w+)\}/g, (_match, name: string) => {
      const id = ids[name];
      if (id === undefined) throw new Error(`no id remembered as '${name}'`);
      return id;
    });
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, ids));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, ids)]));
  }
  return value;
}

/** Sends every step of the fixtures, in order; the ids remembered, by name. */
export async function replay(target: Target, ...fixtures: Fixture[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const fixture of fixtures) {
    for (const step of fixture.steps) {
      const path = fill(step.path, ids) as string;
      const res = await fetch(`${target.url}/api/v1${path}`, {
        method: step.method,
        headers: { Authorization: target.token, "Content-Type": "application/json" },
        body: step.body === undefined ? undefined : JSON.stringify(fill(step.body, ids)),
      });
      const text = await res.text();
      if (res.status !== 200) {
        throw new Error(`${fixture.tool}: ${step.what} (${step.source}) → ${res.status} ${text}`);
      }
      const data = (JSON.parse(text) as { data: unknown }).data;
      for (const [name, pick] of Object.entries(step.remember ?? {})) ids[name] = pick(data);
    }
  }
  return ids;
}
