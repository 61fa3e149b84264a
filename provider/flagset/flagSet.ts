// featbit:index:FlagSet — flags, their targeting and segments declared in YAML or JSON files, deployed to one or
// more environments. The files are read and checked when the program runs, before any resource is registered: a
// problem anywhere stops the program with every problem of every file, so nothing is half-applied.
//
// Child resource names derive from the FlagSet's name, the environment's name and the key only, so reordering
// entries, moving them between files or renaming files changes nothing.
import * as pulumi from "@pulumi/pulumi";
import type { ConnectionArgs } from "../resources/core/resourceClass";
import { FeatureFlag, type FeatureFlagArgs } from "../resources/featureFlag";
import { FeatureFlagTargeting, type FeatureFlagTargetingArgs } from "../resources/featureFlagTargeting";
import { Segment, type SegmentArgs } from "../resources/segment";
import { loadFlagSet, type FlagSetPlan, type FlagSetPromotion } from "./model";
import { FlagSetError } from "./problems";

/** An environment to deploy to: its id, or anything with an `environmentId` (an Environment resource). */
export type FlagSetEnvironment =
  | pulumi.Input<string>
  | {
      environmentId: pulumi.Input<string>;
      /** The FeatBit installation it lives in (see ConnectionArgs); default: the FlagSet's. */
      installation?: pulumi.Input<string>;
    };

export interface FlagSetArgs extends ConnectionArgs {
  /**
   * A FlagSet file (.yaml, .yml, .json), a folder of them (read recursively), or several. Relative paths resolve
   * against the working directory, which `pulumi` sets to the program's folder; `path.join(__dirname, "flags")`
   * works from anywhere.
   */
  path: string | string[];
  /** The environments to deploy to, by the names the files use in their `environments` overrides. */
  environments: Record<string, FlagSetEnvironment>;
  /**
   * Environment names the files may mention that this program does not deploy to (e.g. one stack per
   * environment). Any other unknown name is reported as a mistake.
   */
  otherEnvironments?: string[];
  /** Copy flags' targeting from one environment to another (replacing the target's targeting in the files). */
  promote?: FlagSetPromotion[];
  /** Adopt existing flags and segments with the same keys instead of failing (as `adopt: true` on each entry). */
  adopt?: boolean;
  /** Audit-log comment sent with every targeting change (e.g. the commit message in CI). */
  comment?: pulumi.Input<string>;
}

function isEnvironmentObject(
  value: FlagSetEnvironment,
): value is { environmentId: pulumi.Input<string>; installation?: pulumi.Input<string> } {
  return (
    value !== null &&
    typeof value === "object" &&
    !pulumi.Output.isInstance(value) &&
    !(value instanceof Promise) &&
    "environmentId" in value
  );
}

export class FlagSet extends pulumi.ComponentResource {
  /** The files read, as shown in messages. */
  readonly files: string[];
  /** environment name → flag key → FeatureFlag. */
  readonly flags: Record<string, Record<string, FeatureFlag>> = {};
  /** environment name → flag key → FeatureFlagTargeting (flags whose targeting the files declare). */
  readonly targeting: Record<string, Record<string, FeatureFlagTargeting>> = {};
  /** environment name → segment key → Segment. */
  readonly segments: Record<string, Record<string, Segment>> = {};

  constructor(name: string, args: FlagSetArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before the component registers: a bad file must leave nothing behind, not even an empty component.
    const plan = FlagSet.plan(name, args);
    super("featbit:index:FlagSet", name, {}, opts);
    this.files = plan.files;
    for (const [envName, planned] of Object.entries(plan.environments)) {
      const target = args.environments[envName];
      const environmentId = isEnvironmentObject(target) ? target.environmentId : target;
      const installation =
        (isEnvironmentObject(target) ? target.installation : undefined) ?? args.installation;
      const connection = installation === undefined ? {} : { installation };
      const child = (key: string) => `${name}/${envName}/${key}`;

      // Rules name segments by key, ignoring case as FeatBit compares keys.
      const segments: Record<string, Segment> = {};
      this.segments[envName] = {};
      for (const s of planned.segments) {
        const segment = new Segment(
          child(s.key),
          { ...(s.segment as unknown as SegmentArgs), environmentId, ...connection },
          { parent: this },
        );
        this.segments[envName][s.key] = segment;
        segments[s.key.toLowerCase()] = segment;
      }

      this.flags[envName] = {};
      this.targeting[envName] = {};
      for (const f of planned.flags) {
        const flag = new FeatureFlag(
          child(f.key),
          { ...(f.flag as unknown as FeatureFlagArgs), environmentId, ...connection },
          { parent: this },
        );
        this.flags[envName][f.key] = flag;
        if (f.targeting === undefined) continue;
        const targetingArgs = {
          ...(f.targeting as unknown as FeatureFlagTargetingArgs),
          ...(f.targeting.rules !== undefined ? { rules: withSegmentIds(f.targeting.rules, segments) } : {}),
          // Checked already (loadFlagSet); carried so each preview checks them again and featbit-diff sees them.
          ...(f.tests.length > 0
            ? { tests: f.tests, testSegments: referencedSegments(f.targeting.rules, segments) }
            : {}),
          flag,
          ...(args.comment !== undefined ? { comment: args.comment } : {}),
        } as FeatureFlagTargetingArgs;
        this.targeting[envName][f.key] = new FeatureFlagTargeting(child(f.key), targetingArgs, {
          parent: this,
        });
      }
    }
    this.registerOutputs({
      files: this.files,
      environments: Object.keys(plan.environments),
    });
  }

  /**
   * The files checked and resolved per environment, without declaring anything; on problems, logs them all and
   * throws a pulumi.RunError (the CLI shows it without a stack trace).
   */
  private static plan(name: string, args: FlagSetArgs): FlagSetPlan {
    try {
      return loadFlagSet(args.path, {
        environments: Object.keys(args.environments ?? {}),
        otherEnvironments: args.otherEnvironments,
        promote: args.promote,
        adopt: args.adopt,
      });
    } catch (err) {
      if (err instanceof FlagSetError) {
        // The list is logged once and the program then stops with a short RunError (no stack trace): some hosts
        // (the Automation API's inline programs) report a thrown error twice, and a long list twice is hard to read.
        const subject = `FlagSet '${name}'`;
        void pulumi.log.error(err.message.replace(/^FlagSet/, subject));
        throw new pulumi.RunError(`${subject}: nothing was declared because of the problems listed above`);
      }
      throw err;
    }
  }
}

/** The Segment resources the rules name by key (segments named by id are managed elsewhere). */
function referencedSegments(rules: unknown, segments: Record<string, Segment>): Segment[] {
  const found = new Set<Segment>();
  for (const rule of Array.isArray(rules) ? (rules as Record<string, unknown>[]) : []) {
    for (const condition of (rule.conditions as Record<string, unknown>[] | undefined) ?? []) {
      for (const which of ["segment", "notInSegment"]) {
        const value = condition[which];
        for (const ref of Array.isArray(value) ? value : [value]) {
          const segment = typeof ref === "string" ? segments[ref.toLowerCase()] : undefined;
          if (segment) found.add(segment);
        }
      }
    }
  }
  return [...found];
}

/** Segment conditions name segments by key in the files; the resource takes the segment's id in that environment. */
function withSegmentIds(rules: unknown, segments: Record<string, Segment>): unknown {
  if (!Array.isArray(rules)) return rules;
  const resolve = (ref: unknown) =>
    typeof ref === "string" && segments[ref.toLowerCase()] ? segments[ref.toLowerCase()].segmentId : ref;
  return rules.map((rule: Record<string, unknown>) => ({
    ...rule,
    conditions: (rule.conditions as Record<string, unknown>[]).map((condition) => {
      const copy: Record<string, unknown> = { ...condition };
      for (const which of ["segment", "notInSegment"]) {
        const value = condition[which];
        if (value !== undefined) copy[which] = Array.isArray(value) ? value.map(resolve) : resolve(value);
      }
      return copy;
    }),
  }));
}
