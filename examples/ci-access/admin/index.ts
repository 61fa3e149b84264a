// Least privilege for a CI pipeline, as code. The pipeline (../pipeline) may change the targeting of one flag in one
// environment, and nothing else: this program writes that down as a FeatBit policy, gives it to a "CI pipelines"
// group (with the bot's member account in it), to the release engineers' group made in FeatBit's UI, and directly to
// the release lead. Run it with an access token that has CanManageIAM (an owner's or administrator's).
//
// Everything it refers to but does not own is found by exact lookups: the project, environment, flag and segment,
// the members by email, the existing group by name and the built-in Developer policy by name. Resource names in
// policies match keys case-sensitively, so the statements use the keys as FeatBit stores them (from the lookups).
//
//   projectKey       project the pipeline works in          (default "shop")
//   environmentKey   the one environment it may change      (default "dev")
//   flagKey          the one flag whose targeting it owns    (default "new-checkout")
//   segmentKey       a segment whose user list it may edit   (default "beta-users")
//   botEmail         the pipeline's member account           (default "ci-bot@example.com")
//   leadEmail        the release lead                        (default "release-lead@example.com")
//   revision         1 or 2: 2 also lets the pipeline change the flag's off variation, and gives the group's seat to the lead
import * as pulumi from "@pulumi/pulumi";
import * as featbit from "pulumi-featbit";

const config = new pulumi.Config();
const projectKey = config.get("projectKey") ?? "shop";
const environmentKey = config.get("environmentKey") ?? "dev";
const flagKey = config.get("flagKey") ?? "new-checkout";
const segmentKey = config.get("segmentKey") ?? "beta-users";
const botEmail = config.get("botEmail") ?? "ci-bot@example.com";
const leadEmail = config.get("leadEmail") ?? "release-lead@example.com";
const revision = config.getNumber("revision") ?? 1;

const project = featbit.getProjectOutput({ key: projectKey });
const env = featbit.getEnvironmentOutput({ projectId: project.projectId, key: environmentKey });
const flag = featbit.getFeatureFlagOutput({ environmentId: env.environmentId, key: flagKey });
const segment = featbit.getSegmentOutput({ environmentId: env.environmentId, key: segmentKey });
const bot = featbit.getMemberOutput({ email: botEmail });
const lead = featbit.getMemberOutput({ email: leadEmail });
const releaseEngineers = featbit.getGroupOutput({ name: "Release engineers" });
const developer = featbit.getPolicyOutput({ name: "Developer" });

// The resource names FeatBit checks: project/<key>, project/<key>:env/<key>, …:flag/<key>, …:segment/<key>.
const projectRn = pulumi.interpolate`project/${project.key}`;
const flagRn = pulumi.interpolate`${projectRn}:env/${env.key}:flag/${flag.key}`;
const segmentRn = pulumi.interpolate`${projectRn}:env/${env.key}:segment/${segment.key}`;

const targetingActions = [
  "ToggleFlag",
  "UpdateFlagDefaultRule",
  "UpdateFlagIndividualTargeting",
  "UpdateFlagTargetingRules",
];

const ciPolicy = new featbit.Policy("ci-targeting", {
  key: `ci-targeting-${projectKey}-${environmentKey}`,
  name: `CI: ${flagKey} targeting in ${projectKey}/${environmentKey}`,
  description:
    revision >= 2
      ? `CI may change ${flagKey}'s targeting and off variation in ${environmentKey}, and edit ${segmentKey}'s users`
      : `CI may change ${flagKey}'s targeting in ${environmentKey}, and edit ${segmentKey}'s users`,
  statements: [
    // Seeing the project and its environments (reads only): the pipeline looks up what it changes.
    { effect: "allow", resourceType: "project", actions: ["CanAccessProject"], resources: [projectRn] },
    {
      effect: "allow",
      resourceType: "env",
      actions: ["CanAccessEnv"],
      resources: [pulumi.interpolate`${projectRn}:env/*`],
    },
    {
      effect: "allow",
      resourceType: "flag",
      actions: revision >= 2 ? [...targetingActions, "UpdateFlagOffVariation"] : targetingActions,
      resources: [flagRn],
    },
    {
      effect: "allow",
      resourceType: "segment",
      actions: ["UpdateSegmentTargetingUsers"],
      resources: [segmentRn],
    },
  ],
});

const ciGroup = new featbit.Group("ci-pipelines", {
  name: "CI pipelines",
  description: revision >= 2 ? "Pipelines and the people who run them" : "Pipelines that change targeting",
});
new featbit.GroupPolicy("ci-pipelines-policy", { groupId: ciGroup.groupId, policyId: ciPolicy.policyId });
// Revision 2 hands the group's seat from the bot to the release lead (a binding is replaced, never edited).
new featbit.GroupMember("ci-pipelines-member", {
  groupId: ciGroup.groupId,
  memberId: revision >= 2 ? lead.memberId : bot.memberId,
});

// The release engineers' group was made in FeatBit's UI: it keeps its members, and gets these two policies.
new featbit.GroupPolicy("release-engineers-ci", {
  groupId: releaseEngineers.groupId,
  policyId: ciPolicy.policyId,
});
new featbit.GroupPolicy("release-engineers-developer", {
  groupId: releaseEngineers.groupId,
  policyId: developer.policyId,
});

// The release lead gets the CI policy directly, whatever groups she is in.
new featbit.MemberPolicy("release-lead-ci", { memberId: lead.memberId, policyId: ciPolicy.policyId });

export const policyId = ciPolicy.policyId;
export const groupId = ciGroup.groupId;
// What the pipeline's service access token must carry: FeatBit gives a service token its own copy of permissions
// (Integrations › Access tokens), so paste these statements there when creating or editing the token.
export const ciTokenPermissions = ciPolicy.statements;
