// The front matter every resource class shares: its stored provider, the type token, the outputs Pulumi must know
// of, outputs derived from the Pulumi id, and `get` (reading an existing object by id).
import * as pulumi from "@pulumi/pulumi";
import { providerModule, typeToken } from "../../host/shim";
import type { ResourceDefinition } from "./definition";

/** What a class needs of its resource's definition (not the CRUD: that runs in the provider process). */
export type ClassSpec = Pick<
  ResourceDefinition<Record<string, unknown>, Record<string, unknown>>,
  "kind" | "schema" | "outputs" | "fromId"
>;

/** What every resource's arguments may add: which configured FeatBit it lives in. */
export interface ConnectionArgs {
  /**
   * The FeatBit installation this resource lives in, by its name under `featbit:installations` in stack config (or
   * FEATBIT_<NAME>_… variables); omitted, the one `featbit:apiUrl` names. Changing it replaces the resource.
   */
  installation?: pulumi.Input<string>;
}

/**
 * A dynamic resource registered by hand: `pulumi.dynamic.Resource` would serialize a provider object (closures and
 * all, 2.4 KB per copy even for one that only `require`s the package), where the module text of host/shim.ts does the
 * same in under 100 bytes. The type token and the `__provider` property are exactly what `pulumi.dynamic.Resource`
 * registers, so Pulumi's dynamic-provider host serves these resources, and state written either way is the same
 * resource.
 */
export abstract class FeatBitResource extends pulumi.CustomResource {
  /** An existing object by id, read-only: Pulumi reads it and manages nothing. */
  static get<T extends FeatBitResource>(
    this: new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => T,
    name: string,
    id: pulumi.Input<pulumi.ID>,
    opts?: pulumi.CustomResourceOptions,
    /** The installation it lives in (see ConnectionArgs), when not the default one. */
    installation?: pulumi.Input<string>,
  ): T {
    // A read passes the props given here (and the provider) to the provider's read: only the installation matters.
    return new this(name, (installation === undefined ? {} : { installation }) as never, { ...opts, id });
  }

  /** The installation this resource lives in, as declared (components and `flag:` references follow it). */
  readonly installation: pulumi.Input<string> | undefined;

  protected constructor(spec: ClassSpec, name: string, args: object, opts?: pulumi.CustomResourceOptions) {
    // Pulumi exposes on the object only the properties present in its props, and `get` passes no inputs: name every
    // output.
    const outputs: Record<string, undefined> = {};
    const inputFields = Object.keys((spec.schema as unknown as { shape: object }).shape);
    for (const output of [...inputFields, ...spec.outputs]) outputs[output] = undefined;
    super(typeToken(spec.kind), name, { ...outputs, ...args, __provider: providerModule(spec.kind) }, opts);
    this.installation = (args as ConnectionArgs).installation;
    // Replaces the engine-fed property (the provider still reports the same value in state).
    for (const [output, fromId] of Object.entries(spec.fromId ?? {})) {
      if (fromId) (this as unknown as Record<string, pulumi.Output<string>>)[output] = this.id.apply(fromId);
    }
  }
}

// Still a `pulumi.dynamic.Resource` to `instanceof`, as before: that prototype adds nothing but its constructor.
Object.setPrototypeOf(FeatBitResource.prototype, pulumi.dynamic.Resource.prototype);
