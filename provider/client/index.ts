// The FeatBit REST client: one module per API area over one shared transport.
import { EnvironmentsApi } from "./environments";
import { FeatureFlagsApi } from "./featureFlags";
import { createTransport, type TransportOptions } from "./http";
import { GroupsApi, MembersApi, PoliciesApi } from "./iam";
import { ProjectsApi } from "./projects";
import { SegmentsApi } from "./segments";
import type { ClientSettings } from "./settings";
import type { HttpTransport } from "./transport";
import { WorkspaceApi } from "./workspace";

export class FeatBitClient {
  readonly projects: ProjectsApi;
  readonly environments: EnvironmentsApi;
  readonly flags: FeatureFlagsApi;
  readonly segments: SegmentsApi;
  readonly workspace: WorkspaceApi;
  readonly policies: PoliciesApi;
  readonly groups: GroupsApi;
  readonly members: MembersApi;

  constructor(readonly transport: HttpTransport) {
    this.projects = new ProjectsApi(transport);
    this.environments = new EnvironmentsApi(transport, this.projects);
    this.flags = new FeatureFlagsApi(transport);
    this.segments = new SegmentsApi(transport, this.environments);
    this.workspace = new WorkspaceApi(transport);
    this.policies = new PoliciesApi(transport);
    this.groups = new GroupsApi(transport);
    this.members = new MembersApi(transport);
  }
}

/** A client over the shared HTTP transport (settings are validated; see resolveSettings). */
export function createClient(settings: ClientSettings, options?: TransportOptions): FeatBitClient {
  return new FeatBitClient(createTransport(settings, options));
}

export * from "./common";
export * from "./environments";
export * from "./errors";
export * from "./featureFlags";
export { createTransport, USER_AGENT, type TransportOptions } from "./http";
export * from "./iam";
export * from "./projects";
export { excerpt, redact, REDACTED } from "./redact";
export * from "./segments";
export * from "./settings";
export * from "./targeting";
export * from "./transport";
export * from "./workspace";
