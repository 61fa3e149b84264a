// featbit:index:ProjectBootstrap — a project stood up in one step: the project (created or adopted), its environments
// (FeatBit's `prod` and `dev` adopted when declared), baseline flags and segments in every environment, and each
// environment's SDK keys as one secret output, ready for application stacks to read through a StackReference.
//
// A component of the resources it declares, nothing more: each child is an ordinary resource with its own preview,
// adoption and destroy behaviour. Child names derive from keys, so reordering the declaration changes nothing.
import * as pulumi from "@pulumi/pulumi";
import { Environment } from "../resources/environment";
import { FeatureFlag, type FeatureFlagArgs } from "../resources/featureFlag";
import { Project } from "../resources/project";
import type { ConnectionArgs } from "../resources/core/resourceClass";
import { Segment, type SegmentArgs } from "../resources/segment";

export interface BootstrapEnvironment {
  name: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  requireChangeComment?: pulumi.Input<boolean>;
  /** Manage an existing environment with this key (FeatBit's `prod` and `dev` are adopted without it). */
  adopt?: pulumi.Input<boolean>;
}

/** A flag created in every environment: FeatureFlag's inputs without the environment and the key. */
export type BaselineFlag = Omit<FeatureFlagArgs, "environmentId" | "key" | "installation">;
/** A segment created in every environment: Segment's inputs without the environment and the key. */
export type BaselineSegment = Omit<SegmentArgs, "environmentId" | "key" | "installation">;

export interface ProjectBootstrapArgs extends ConnectionArgs {
  /** The project's key (unique per organization; changing it replaces the project and everything in it). */
  key: pulumi.Input<string>;
  name: pulumi.Input<string>;
  /** Manage an existing project with this key instead of failing because it exists. */
  adopt?: pulumi.Input<boolean>;
  /** Environments by key. */
  environments: Record<string, BootstrapEnvironment>;
  /** Flags by key, created in every environment (their targeting stays with the FeatBit UI or a FlagSet). */
  flags?: Record<string, BaselineFlag>;
  /** Segments by key, created in every environment. */
  segments?: Record<string, BaselineSegment>;
}

/** An environment's SDK keys. */
export interface SdkKeys {
  serverKey: string;
  clientKey: string;
}

export class ProjectBootstrap extends pulumi.ComponentResource {
  readonly project: Project;
  /** By environment key. */
  readonly environments: Record<string, Environment>;
  /** By environment key, then flag key. */
  readonly flags: Record<string, Record<string, FeatureFlag>>;
  /** By environment key, then segment key. */
  readonly segments: Record<string, Record<string, Segment>>;
  readonly projectId: pulumi.Output<string>;
  /** Environment key → environment id. */
  readonly environmentIds: pulumi.Output<Record<string, string>>;
  /** Environment key → its SDK keys: one Pulumi secret, for `pulumi stack output` or a StackReference. */
  readonly sdkKeys: pulumi.Output<Record<string, SdkKeys>>;

  constructor(name: string, args: ProjectBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
    super("featbit:index:ProjectBootstrap", name, {}, opts);
    const parent = { parent: this };
    const installation = args.installation;
    this.project = new Project(
      name,
      { key: args.key, name: args.name, adopt: args.adopt, installation },
      parent,
    );
    this.environments = {};
    this.flags = {};
    this.segments = {};
    for (const [envKey, env] of Object.entries(args.environments)) {
      const environment = new Environment(
        `${name}-${envKey}`,
        { projectId: this.project.projectId, key: envKey, installation, ...env },
        parent,
      );
      this.environments[envKey] = environment;
      this.flags[envKey] = {};
      this.segments[envKey] = {};
      for (const [flagKey, flag] of Object.entries(args.flags ?? {})) {
        this.flags[envKey][flagKey] = new FeatureFlag(
          `${name}-${envKey}-${flagKey}`,
          { ...flag, environmentId: environment.environmentId, key: flagKey, installation },
          parent,
        );
      }
      for (const [segmentKey, segment] of Object.entries(args.segments ?? {})) {
        this.segments[envKey][segmentKey] = new Segment(
          `${name}-${envKey}-segment-${segmentKey}`,
          { ...segment, environmentId: environment.environmentId, key: segmentKey, installation },
          parent,
        );
      }
    }
    const envs = Object.entries(this.environments);
    this.projectId = this.project.projectId;
    this.environmentIds = pulumi
      .all(envs.map(([key, env]) => pulumi.all([key, env.environmentId])))
      .apply((pairs) => Object.fromEntries(pairs));
    this.sdkKeys = pulumi.secret(
      pulumi
        .all(envs.map(([key, env]) => pulumi.all([key, env.serverKey, env.clientKey])))
        .apply((triples) =>
          Object.fromEntries(triples.map(([key, serverKey, clientKey]) => [key, { serverKey, clientKey }])),
        ),
    );
    this.registerOutputs({
      projectId: this.projectId,
      environmentIds: this.environmentIds,
      sdkKeys: this.sdkKeys,
    });
  }
}
