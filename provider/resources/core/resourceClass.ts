// The front matter every resource class shares: its stored provider, the type token, the outputs Pulumi must know
// of, outputs derived from the Pulumi id, and `get` (reading an existing object by id).
import * as pulumi from "@pulumi/pulumi";
import { providerModule, typeToken } from "../../host/shim";
import type { ResourceDefinition } from "./definition";
import { precheck, settled } from "./precheck";
import { adoption } from "./schema";

const ADOPTION_INPUTS = new Set(Object.keys(adoption));

/** @internal What a class needs of its resource's definition (not the CRUD: that runs in the provider process). */
export type ClassSpec = Pick<
  ResourceDefinition<Record<string, unknown>, Record<string, unknown>>,
  "kind" | "schema" | "outputs" | "fromId" | "destroys" | "archive"
>;

/** What every resource's arguments may add: which configured FeatBit it lives in. */
export interface ConnectionArgs {
  /**
   * The FeatBit installation this resource lives in, by its name under `featbit:installations` in stack config (or
   * FEATBIT_<NAME>_… variables); omitted, the one `featbit:apiUrl` names. Changing it replaces the resource.
   */
  installation?: pulumi.Input<string>;
}

/** What destroying a resource (or removing it from the program) may do to its object in FeatBit. */
export type OnDestroy = "release" | "delete";

/** What every resource's arguments may add: where it lives, and what destroying it does. */
export interface ResourceArgs<D extends string = OnDestroy> extends ConnectionArgs {
  /**
   * What destroying this resource (or removing it from the program) does to the object in FeatBit: `delete` it,
   * `release` it (drop it from the stack's state and leave it in FeatBit as it is), or, for feature flags and
   * segments, `archive` it. Default: `delete` for an object this stack created, `release` for one it adopted
   * (adopt, importId, FeatBit's own prod and dev), so destroying a stack never deletes what existed before it.
   * Changing it changes only the stack's state.
   */
  onDestroy?: pulumi.Input<D>;
}

/**
 * @internal
 * Every resource class extends `pulumi.CustomResource` itself and calls these: a dynamic resource registered by hand.
 * `pulumi.dynamic.Resource` would serialize a provider object (closures and all, 2.4 KB per copy even for one that
 * only `require`s the package), where the module text of host/shim.ts does the same in under 100 bytes. The type token
 * and the `__provider` property are exactly what `pulumi.dynamic.Resource` registers, so Pulumi's dynamic-provider
 * host serves these resources, and state written either way is the same resource.
 *
 * Why no shared base class: Pulumi stores with each resource where the program declared it (`sourcePosition`, and a
 * stack trace), skipping the frames of the class that registers it and of Pulumi's own constructors. A class in
 * between would point every resource of every program at this package's line instead of the program's, and store one
 * more frame with each: bytes the engine rewrites with the whole checkpoint after every step.
 */
export function registration(
  spec: ClassSpec,
  name: string,
  args: object,
  opts: pulumi.CustomResourceOptions | undefined,
): [string, string, pulumi.Inputs, pulumi.CustomResourceOptions | undefined] {
  // Pulumi exposes on the object only the properties present in its props, and `get` passes no inputs: name every
  // output. Not the adoption inputs (no class exposes them): each registered property costs the program four
  // promises that each capture a stack trace, which adds up over thousands of resources.
  const outputs: Record<string, undefined> = {};
  const inputFields = Object.keys((spec.schema as unknown as { shape: object }).shape);
  for (const output of [...inputFields, ...spec.outputs])
    if (!ADOPTION_INPUTS.has(output)) outputs[output] = undefined;
  const checked = precheck(spec, name, args as Record<string, unknown>, opts);
  return [
    typeToken(spec.kind),
    name,
    { ...outputs, ...args, __provider: providerModule(spec.kind) },
    checked,
  ];
}

/** What every resource object holds besides the engine's outputs. */
export interface FeatBitResource extends pulumi.CustomResource {
  /** The installation this resource lives in, as declared (components and `flag:` references follow it). */
  readonly installation: pulumi.Input<string> | undefined;
}

/** @internal After `super(...registration(…))`: the installation, and the outputs derived from the Pulumi id. */
export function registered(resource: FeatBitResource, spec: ClassSpec, args: object): void {
  settled(resource);
  (resource as { installation: unknown }).installation = (args as ConnectionArgs).installation;
  // Replaces the engine-fed property (the provider still reports the same value in state).
  for (const [output, fromId] of Object.entries(spec.fromId ?? {})) {
    if (fromId)
      (resource as unknown as Record<string, pulumi.Output<string>>)[output] = resource.id.apply(fromId);
  }
}

/** A class's `get`: reads an existing object by id, read-only (Pulumi reads it and manages nothing). */
export function getter<T>(cls: new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => T) {
  return (
    name: string,
    id: pulumi.Input<pulumi.ID>,
    opts?: pulumi.CustomResourceOptions,
    /** The installation it lives in (see ConnectionArgs), when not the default one. */
    installation?: pulumi.Input<string>,
  ): T =>
    // A read passes the props given here (and the provider) to the provider's read: only the installation matters.
    new cls(name, (installation === undefined ? {} : { installation }) as never, { ...opts, id });
}

/** Still a `pulumi.dynamic.Resource` to `instanceof`, as before: that prototype adds nothing but its constructor. */
export function dynamicClass(cls: abstract new (...args: never[]) => FeatBitResource): void {
  Object.setPrototypeOf(cls.prototype, pulumi.dynamic.Resource.prototype);
}
