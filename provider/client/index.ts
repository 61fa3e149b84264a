// The FeatBit REST client: one module per API area over one shared transport.
import { EnvironmentsApi } from "./environments";
import { FeatureFlagsApi } from "./featureFlags";
import { ProjectsApi } from "./projects";
import { SegmentsApi } from "./segments";
import type { HttpTransport } from "./transport";
import { WorkspaceApi } from "./workspace";

export class FeatBitClient {
  readonly projects: ProjectsApi;
  readonly environments: EnvironmentsApi;
  readonly flags: FeatureFlagsApi;
  readonly segments: SegmentsApi;
  readonly workspace: WorkspaceApi;

  constructor(readonly transport: HttpTransport) {
    this.projects = new ProjectsApi(transport);
    this.environments = new EnvironmentsApi(transport);
    this.flags = new FeatureFlagsApi(transport);
    this.segments = new SegmentsApi(transport);
    this.workspace = new WorkspaceApi(transport);
  }
}

export * from "./common";
export * from "./environments";
export * from "./featureFlags";
export * from "./projects";
export * from "./segments";
export * from "./targeting";
export * from "./transport";
export * from "./workspace";
