// Every resource kind the provider process can serve. Kinds are part of stored state: never rename one.
import { environmentProvider } from "./environment";
import { featureFlagProvider } from "./featureFlag";
import { featureFlagTargetingProvider } from "./featureFlagTargeting";
import type { ProviderFactory } from "./framework";
import { projectProvider } from "./project";
import { segmentProvider } from "./segment";
import type { ResourceKind } from "./shim";

export const providerFactories: Record<ResourceKind, ProviderFactory> &
  Record<string, ProviderFactory | undefined> = {
  Project: projectProvider,
  Environment: environmentProvider,
  FeatureFlag: featureFlagProvider,
  FeatureFlagTargeting: featureFlagTargetingProvider,
  Segment: segmentProvider,
};
