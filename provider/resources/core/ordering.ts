// The one dependency Pulumi cannot see: a flag uses the segments its targeting's rules name. FeatBit refuses to archive
// (so to delete) a segment while a flag rule names it, but the engine learns of the flag → segment link only through
// the FeatureFlagTargeting, which depends on both and is declared after the flag. So a destroy deletes the targeting
// first and then flags and segments together, in an order of its own, `--parallel` at a time: segments still named
// by flags waiting for a slot waited (one slot each) for flags that never got one, and the destroy failed.
//
// The flag's registration therefore waits one turn of the event loop: the FeatureFlagTargeting a program declares for
// it in the same turn (right after the flag, as programs and FlagSet do) adds the Segment resources its rules name to
// the flag's `dependsOn`. The engine then records the flag as depending on those segments, and deletes it first.
// A targeting declared later (inside an `apply`, after an `await`) adds nothing; a segment's destroy then waits
// for such flags as before (see segment.ts, referenceWait).
import * as pulumi from "@pulumi/pulumi";

/** A Segment's `segmentId` output → the Segment: how rules name segments. */
const segmentOf = new WeakMap<object, pulumi.Resource>();

/** A flag whose registration still takes dependencies → where they go. */
const openFlags = new WeakMap<pulumi.Resource, pulumi.Resource[]>();

/** Called by the Segment class: rules that hold this output name this segment. */
export function namesSegment(segmentId: pulumi.Output<string>, segment: pulumi.Resource): void {
  segmentOf.set(segmentId, segment);
}

/**
 * A flag's options with a `dependsOn` that also takes the segments its targeting names (see the file comment), and
 * the call that makes the flag open to them once it exists.
 */
export function laterDependencies(opts: pulumi.CustomResourceOptions | undefined): {
  opts: pulumi.CustomResourceOptions | undefined;
  open(flag: pulumi.Resource): void;
} {
  // A read (`FeatureFlag.get`) is never destroyed: it registers at once.
  if (opts?.id !== undefined) return { opts, open: () => undefined };
  const added: pulumi.Resource[] = [];
  let flag: pulumi.Resource | undefined;
  const declared = opts?.dependsOn;
  const dependsOn = new Promise<pulumi.Input<pulumi.Resource>[]>((resolve) =>
    setImmediate(() => {
      if (flag) openFlags.delete(flag);
      // The SDK gathers nested lists, promises and outputs alike: what the program declared is one more entry.
      resolve(declared === undefined ? added : [declared as pulumi.Input<pulumi.Resource>, ...added]);
    }),
  );
  return {
    opts: { ...opts, dependsOn },
    open: (resource) => {
      flag = resource;
      openFlags.set(resource, added);
    },
  };
}

/** Called by FeatureFlagTargeting: the flag also depends on every Segment whose `segmentId` the rules hold. */
export function usesSegments(flag: unknown, rules: unknown): void {
  const into = flag instanceof pulumi.Resource ? openFlags.get(flag) : undefined;
  if (!into) return;
  const seen = new Set<unknown>();
  const walk = (value: unknown): void => {
    if (value === null || typeof value !== "object" || seen.has(value)) return;
    seen.add(value);
    const segment = segmentOf.get(value);
    if (segment) {
      if (!into.includes(segment)) into.push(segment);
      return;
    }
    // An output's value is not known yet: only the ones a Segment handed out are recognised.
    if (pulumi.Output.isInstance(value)) return;
    for (const v of Array.isArray(value) ? value : Object.values(value)) walk(v);
  };
  walk(rules);
}
