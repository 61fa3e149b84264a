// Every resource kind the provider process serves, by its definition. Kinds are part of stored state: never rename one.
import type { AnyDefinition } from "./core/definition";
import { environmentDefinition } from "./environment";
import { featureFlagDefinition } from "./featureFlag";
import { featureFlagTargetingDefinition } from "./featureFlagTargeting";
import { groupDefinition } from "./group";
import { groupMemberDefinition } from "./groupMember";
import { groupPolicyDefinition } from "./groupPolicy";
import { memberPolicyDefinition } from "./memberPolicy";
import { policyDefinition } from "./policy";
import { projectDefinition } from "./project";
import { segmentDefinition } from "./segment";

export const definitions: readonly AnyDefinition[] = [
  projectDefinition,
  environmentDefinition,
  featureFlagDefinition,
  featureFlagTargetingDefinition,
  segmentDefinition,
  policyDefinition,
  groupDefinition,
  groupPolicyDefinition,
  groupMemberDefinition,
  memberPolicyDefinition,
];
