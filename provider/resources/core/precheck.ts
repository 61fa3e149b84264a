// The program's own check of what each resource declares, so that one preview reports the problems of every resource.
//
// The engine checks resources one at a time, in the order their registrations arrive, and ends the whole deployment at
// the first that fails (Pulumi v3.274.1, step_generator.go: "resource … is invalid" is a bail; --continue-on-error
// covers only failed steps, and `pulumi preview` has no such flag): a program with mistakes in four resources took
// four previews. The program holds every declaration, so it checks each with the provider's own rules
// (declarationProblems) on the values it already knows — literals, which is where mistakes are typed — and:
//   - a resource without problems registers as it always did (no delay, nothing changes for a valid program);
//   - the first resource with problems registers too, once the others' problems have reached the engine: the engine
//     reports its problems itself, under it, and ends the preview;
//   - every other resource with problems has its problems logged under it by the program, and registers only after
//     the first one's registration has ended (by then the engine has stopped, so none is reported twice).
// The first one is the first declared, so it cannot wait on a later one: nothing waits in a circle. A problem only
// the provider sees (a value known once another resource exists, the installation's settings) is still reported by
// the engine's check, one resource at a time, as before.
import * as pulumi from "@pulumi/pulumi";
import { declarationProblems, type DeclarationSpec, type Failure } from "../../host/dynamicProvider";
import { typeToken } from "../../host/shim";
import type { Props } from "./definition";
import { UNKNOWN } from "./schema";

/** A value as the program knows it now: what another resource or a promise will give is not known yet. */
function knownNow(value: unknown): unknown {
  if (pulumi.Output.isInstance(value) || pulumi.Resource.isInstance(value) || value instanceof Promise) {
    return UNKNOWN;
  }
  // As Pulumi serializes it: no undefined fields, undefined list items as null.
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : knownNow(v)));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = knownNow(v);
    return out;
  }
  return value;
}

/** The engine's wording of a check failure, so both read alike. */
const describe = (type: string, name: string, f: Failure): string =>
  `${type} resource '${name}' has a problem: ${f.property ? `${f.property}: ` : ""}${f.reason}`;

/** The resources with problems declared in one turn of the program (one window: until its synchronous code ends). */
interface Window {
  /** The first one's registration attempt; set once its object exists (see settled). */
  first?: Promise<unknown>;
  /** Resolves once the others' problems have reached the engine. */
  logged: Promise<void>;
  later: { urn: pulumi.Output<string> | undefined; messages: string[] }[];
}

let window: Window | undefined;
/** The first resource of the window whose object is being built (registration, then registered: one constructor). */
let awaitingObject: Window | undefined;

function openWindow(): Window {
  let logged!: () => void;
  const opened: Window = { logged: new Promise<void>((resolve) => (logged = resolve)), later: [] };
  // After the program's synchronous code, which declares everything a typical program declares.
  setImmediate(() => {
    window = undefined;
    const deliveries = opened.later.flatMap(({ urn, messages }) => {
      // Logged under the resource: a stand-in carrying the URN it will have (it has not registered yet).
      const standIn = urn && ({ urn } as unknown as pulumi.Resource);
      return messages.map((m) => pulumi.log.error(m, standIn));
    });
    void Promise.all(deliveries).then(logged);
  });
  return opened;
}

/** Waits for `first`, then hands back the declared dependencies. */
const after = (gate: Promise<unknown>, dependsOn: pulumi.CustomResourceOptions["dependsOn"]) =>
  gate.then(
    () => dependsOn ?? [],
    () => dependsOn ?? [],
  ) as pulumi.CustomResourceOptions["dependsOn"];

/**
 * Checks a resource the program declares, and returns the options it registers with (see the file comment). Reads
 * (`get`, an id given) declare nothing and are not checked.
 */
export function precheck(
  spec: DeclarationSpec,
  name: string,
  props: Props,
  opts: pulumi.CustomResourceOptions | undefined,
): pulumi.CustomResourceOptions | undefined {
  if (opts?.id !== undefined || opts?.urn !== undefined) return opts;
  const failures = declarationProblems(spec, knownNow(props) as Props);
  if (failures.length === 0) return opts;
  const open = (window ??= openWindow());
  const type = typeToken(spec.kind);
  if (open.first === undefined && awaitingObject !== open) {
    awaitingObject = open;
    return { ...opts, dependsOn: after(open.logged, opts?.dependsOn) };
  }
  // Its URN needs its parent's; a component registers at once, a custom resource may itself be waiting here.
  const parent = opts?.parent;
  const attachable = parent === undefined || pulumi.ComponentResource.isInstance(parent);
  open.later.push({
    urn: attachable ? pulumi.createUrn(name, type, parent) : undefined,
    messages: failures.map((f) => describe(type, name, f)),
  });
  const firstDone = open.logged.then(() => open.first);
  return { ...opts, dependsOn: after(firstDone, opts?.dependsOn) };
}

/** After the constructor's `super`: the first resource with problems of its window is now an object to wait for. */
export function settled(resource: pulumi.CustomResource): void {
  const open = awaitingObject;
  if (open === undefined) return;
  awaitingObject = undefined;
  // Output.promise() is the SDK's own way in (its log module waits on a resource's URN with it).
  open.first = (resource.urn as unknown as { promise(): Promise<string> }).promise().catch(() => undefined);
}
