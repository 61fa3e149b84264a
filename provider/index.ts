// Public entry point of pulumi-featbit: the resources and the REST client. The local FeatBit emulator is its own
// entry point (`pulumi-featbit/emulator`), so user programs never load it.
export { Project, type ProjectArgs, type ProjectEnvironment } from "./resources/project";
export { Environment, type EnvironmentArgs } from "./resources/environment";
export {
  FeatureFlag,
  type FeatureFlagArgs,
  type FeatureFlagVariation,
  type FeatureFlagVariationArgs,
  type JsonValue,
} from "./resources/featureFlag";
export {
  FeatureFlagTargeting,
  type FeatureFlagTargetingArgs,
  type FlagReference,
  type IndividualTargeting,
  type Serve,
  type TargetingRule,
  type TargetingTestArgs,
  type TestSegment,
} from "./resources/featureFlagTargeting";
export { Segment, type SegmentArgs, type SegmentRule, type SegmentRuleArgs } from "./resources/segment";
export {
  Policy,
  type PolicyArgs,
  type PolicyResourceType,
  type PolicyStatement,
  type PolicyStatementArgs,
} from "./resources/policy";
export { Group, type GroupArgs } from "./resources/group";
export { GroupPolicy, type GroupPolicyArgs } from "./resources/groupPolicy";
export { GroupMember, type GroupMemberArgs } from "./resources/groupMember";
export { MemberPolicy, type MemberPolicyArgs } from "./resources/memberPolicy";
// The lookups as programs call them (the table both hosts serve stays inside the package).
export {
  getEnvironment,
  getEnvironmentOutput,
  getFeatureFlag,
  getFeatureFlagOutput,
  getGroup,
  getGroupOutput,
  getMember,
  getMemberOutput,
  getPolicy,
  getPolicyOutput,
  getProject,
  getProjectOutput,
  getSegment,
  getSegmentOutput,
  LookupError,
  type GetEnvironmentArgs,
  type GetEnvironmentResult,
  type GetFeatureFlagArgs,
  type GetFeatureFlagResult,
  type GetGroupArgs,
  type GetGroupResult,
  type GetMemberArgs,
  type GetMemberResult,
  type GetPolicyArgs,
  type GetPolicyResult,
  type GetProjectArgs,
  type GetProjectResult,
  type GetSegmentArgs,
  type GetSegmentResult,
  type LookupConnection,
  type LookupOutputArgs,
} from "./lookups";
export type { FlagCondition, PropertyCondition } from "./resources/core/conditions";
export type { ConnectionArgs, OnDestroy, ResourceArgs } from "./resources/core/resourceClass";
export {
  ProjectBootstrap,
  type BaselineFlag,
  type BaselineSegment,
  type BootstrapEnvironment,
  type ProjectBootstrapArgs,
  type SdkKeys,
} from "./components/projectBootstrap";
/** @internal The REST client, the provider's own layer: its types are zod's, which the declarations leave out. */
export * as client from "./client";
export {
  FlagSet,
  FlagSetError,
  formatProblem,
  loadFlagSet,
  type FlagSetArgs,
  type FlagSetEnvironment,
  type FlagSetPlan,
  type FlagSetPromotion,
  type LoadOptions,
  type Problem,
} from "./flagset";
