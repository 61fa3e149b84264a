// Shared mechanics of every FeatBit resource: a resource module describes its inputs (a zod schema), its
// replace rules and its CRUD against the client; `toProvider` turns that description into the
// check/diff/create/read/update/delete that Pulumi's dynamic-provider host calls.
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { FeatBitClient } from "../client";
import { isFeatBitApiError, isFeatBitConfigError } from "../client/errors";

/** Pulumi's placeholder for values not known during preview (rpc.unknownValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface Failure {
  property: string;
  reason: string;
}

export interface Context {
  client: FeatBitClient;
  /**
   * The organization key segment scopes need (`organization/<key>:project/…:env/…`). No access-token endpoint
   * returns it, so it comes from `featbit:organizationKey` / `FEATBIT_ORGANIZATION_KEY` when set. (The FeatBit
   * CLI's `FEATBIT_ORG` is the organization's id for the `Organization` header, not this key.)
   */
  organizationKey: string | undefined;
}

export interface ResourceDefinition<I extends object, O extends I> {
  /** Type name, e.g. "FeatureFlag" (token `pulumi-nodejs:dynamic/featbit:FeatureFlag`). */
  readonly kind: string;
  /** Declared inputs, with defaults applied. Messages should say what is expected. */
  readonly schema: z.ZodType<I>;
  /**
   * Rules across fields that a schema cannot express; only run when no input is unknown. When some fields fail
   * their schema, the rules still run on the fields that parsed (the others undefined), and a rule that throws on a
   * missing field is skipped: so one preview reports as many failures as it can.
   */
  readonly rules?: (inputs: I) => Failure[];
  /** Canonical form used for comparison and stored as the checked inputs (e.g. sorted, de-duplicated tags). */
  readonly normalize?: (inputs: I) => I;
  /**
   * Inputs that only steer creation (adoption switches): changing them later is not a change of the object, so
   * diff ignores them.
   */
  readonly createOnly?: readonly (keyof I & string)[];
  /** Inputs whose change means a new object in FeatBit. */
  readonly replaceOn: readonly (keyof I & string)[];
  /**
   * Whether a replacement must delete the old object first. FeatBit keys are unique, so a replacement that keeps
   * the key would collide with itself if created first (Pulumi's default order).
   */
  readonly deleteBeforeReplace: (olds: O, news: I) => boolean;
  /** For messages: "feature flag 'checkout' in environment 0f2c…". */
  readonly describe: (props: Partial<I>) => string;
  readonly create: (ctx: Context, inputs: I) => Promise<{ id: string; outs: O }>;
  /** Undefined when the object no longer exists. */
  readonly read: (ctx: Context, id: string, olds: O | undefined) => Promise<O | undefined>;
  /** `changed` lists the inputs that differ; touch only those. */
  readonly update: (
    ctx: Context,
    id: string,
    olds: O,
    news: I,
    changed: ReadonlySet<keyof I & string>,
  ) => Promise<O>;
  readonly delete: (ctx: Context, id: string, olds: O) => Promise<void>;
  /**
   * The inputs a freshly read object corresponds to, so `pulumi refresh` folds drift back into inputs. Default:
   * the input fields of the outputs, create-only fields preferring the previous inputs.
   */
  readonly inputsOf?: (outs: O, previousInputs: Partial<I> | undefined) => I;
}

type Props = Record<string, unknown>;

/**
 * Thrown by create or update when some writes landed and a later one failed: Pulumi records `properties` as the
 * object's state (what FeatBit now holds), so the next `pulumi up` sees what is still missing and finishes via update.
 */
export class PartialWriteError extends Error {
  constructor(
    message: string,
    readonly id: string,
    readonly properties: Props,
  ) {
    super(message);
    this.name = "PartialWriteError";
  }
  get reasons(): string[] {
    return [this.message];
  }
}

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** JSON text with object keys sorted and undefined dropped: the equality used by diff. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const sorted: Props = {};
      for (const key of Object.keys(v).sort()) sorted[key] = (v as Props)[key];
      return sorted;
    }
    return v;
  });
}

/** "variations[1].value" from a zod path. */
export function propertyPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function zodFailures(error: z.ZodError, raw: Props): Failure[] {
  return error.issues
    .filter((issue) => !containsUnknown(valueAt(raw, issue.path)))
    .map((issue) => ({ property: propertyPath(issue.path) || "(inputs)", reason: issue.message }));
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const part of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part];
  }
  return cur;
}

function withoutProvider(props: Props | undefined): Props {
  const { __provider: _ignored, ...rest } = props ?? {};
  return rest;
}

function shapeOf<I extends object>(schema: z.ZodType<I>): Record<string, z.ZodType> {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (!shape) throw new Error("resource schemas must be zod objects");
  return shape;
}

/** "variations" from "variations[1].value". */
const rootProperty = (property: string): string => property.split(/[.[]/, 1)[0];

/** One line under the resource: what failed, on which object, and FeatBit's reason and advice. */
export function describeFailure(op: string, subject: string, err: unknown): Error {
  // Pulumi's provider host prints `${error}: ${error.stack}` for a failed operation, next to the message it shows
  // under the resource. For failures the provider anticipated (FeatBit's answers, refusals with advice) a stack
  // trace is noise; a bug keeps its original stack, which is what a bug report needs.
  const anticipated =
    !(err instanceof Error) ||
    isFeatBitApiError(err) ||
    isFeatBitConfigError(err) ||
    err instanceof PartialWriteError ||
    err.constructor === Error;
  if (err instanceof PartialWriteError) {
    err.stack = "";
    return err;
  }
  // FeatBit errors already say what FeatBit answered; the lead-in here says which resource operation it was.
  const reason = isFeatBitApiError(err) ? err.detail : err instanceof Error ? err.message : String(err);
  const wrapped = new Error(`${op} ${subject} failed: ${reason}`);
  if (isFeatBitApiError(err)) wrapped.name = "FeatBitError";
  wrapped.stack = anticipated ? "" : (err as Error).stack;
  return wrapped;
}

export type DynamicProvider = Required<Omit<pulumi.dynamic.ResourceProvider, "configure">>;

/** How a resource module exposes itself to the implementation registry. */
export type ProviderFactory = (context: () => Context) => DynamicProvider;

/**
 * Builds the dynamic-provider methods for one resource definition. `context` is resolved lazily at call time so
 * settings come from the stack config and environment of this run, never from serialized state.
 */
export function toProvider<I extends object, O extends I>(
  def: ResourceDefinition<I, O>,
  context: () => Context,
): DynamicProvider {
  const createOnly = new Set<string>(def.createOnly ?? []);
  const shape = shapeOf(def.schema);
  const allFields = Object.keys(shape);
  const fields = allFields.filter((f) => !createOnly.has(f));
  const normalize = def.normalize ?? ((i: I) => i);

  const parse = (raw: Props): I => normalize(def.schema.parse(raw));

  /**
   * Props (old outputs, or new inputs) as canonical inputs. State written by an older version, or inputs holding
   * unknowns, may not parse: compare the raw values then.
   */
  const asInputs = (props: Props): Props => {
    const subset: Props = {};
    for (const f of allFields) if (props[f] !== undefined) subset[f] = props[f];
    const parsed = def.schema.safeParse(subset);
    return parsed.success ? (normalize(parsed.data) as Props) : subset;
  };

  const inputsOf = (outs: O, previous: Partial<I> | undefined): Props => {
    const picked: Props = {};
    for (const f of allFields) {
      const value =
        (createOnly.has(f) ? (previous as Props | undefined)?.[f] : undefined) ?? (outs as Props)[f];
      if (value !== undefined) picked[f] = value;
    }
    return asInputs(picked);
  };

  /**
   * Cross-field rules over the fields that did parse, so one preview reports every failure (a bad name does not
   * hide a variation value that does not fit its type). A rule that needs a broken field is skipped.
   */
  const rulesDespite = (raw: Props, failures: Failure[]): Failure[] => {
    if (!def.rules || containsUnknown(raw)) return [];
    const broken = new Set(failures.map((f) => rootProperty(f.property)));
    const partial: Props = {};
    for (const f of allFields) {
      if (broken.has(f)) continue;
      const one = shape[f].safeParse(raw[f]);
      if (one.success && one.data !== undefined) partial[f] = one.data;
    }
    try {
      return def.rules(normalize(partial as I)).filter((f) => !broken.has(rootProperty(f.property)));
    } catch {
      return [];
    }
  };

  return {
    async check(_olds: Props, news: Props) {
      const raw = withoutProvider(news);
      const parsed = def.schema.safeParse(raw);
      if (!parsed.success) {
        const failures = zodFailures(parsed.error, raw);
        if (failures.length > 0) return { failures: [...failures, ...rulesDespite(raw, failures)] };
        // Every failure sits on an unknown value: validate again once it is known (at update time).
        return { inputs: news };
      }
      if (containsUnknown(raw)) return { inputs: news };
      const inputs = normalize(parsed.data);
      const failures = def.rules?.(inputs) ?? [];
      if (failures.length > 0) return { failures };
      return { inputs: { ...(inputs as Props), __provider: news.__provider } };
    },

    async diff(_id: string, olds: Props, news: Props) {
      const before = asInputs(olds);
      const after = asInputs(news);
      const changed = fields.filter(
        (f) => containsUnknown(after[f]) || canonicalJson(before[f]) !== canonicalJson(after[f]),
      );
      if (changed.length === 0) return { changes: false };
      const replaceOn = new Set<string>(def.replaceOn);
      const replaces = changed.filter((f) => replaceOn.has(f));
      const deleteBeforeReplace =
        replaces.length > 0 && !containsUnknown(after)
          ? def.deleteBeforeReplace(olds as O, after as I)
          : replaces.length > 0;
      return { changes: true, replaces, deleteBeforeReplace };
    },

    async create(inputs: Props) {
      const declared = parse(withoutProvider(inputs));
      try {
        const { id, outs } = await def.create(context(), declared);
        return { id, outs };
      } catch (err) {
        // The engine stores a partially created object's properties as its state; keep the provider with them.
        if (err instanceof PartialWriteError) err.properties.__provider = inputs.__provider;
        throw describeFailure("creating", def.describe(declared), err);
      }
    },

    async read(id: string, props?: Props) {
      const olds =
        props && Object.keys(withoutProvider(props)).length > 0 ? (withoutProvider(props) as O) : undefined;
      let outs: O | undefined;
      try {
        outs = await def.read(context(), id, olds);
      } catch (err) {
        throw describeFailure("reading", olds ? def.describe(olds) : `${def.kind} ${id}`, err);
      }
      if (outs === undefined) return {};
      const previous = olds ? (asInputs(olds as Props) as Partial<I>) : undefined;
      return {
        id,
        props: outs,
        inputs: def.inputsOf ? def.inputsOf(outs, previous) : inputsOf(outs, previous),
      };
    },

    async update(id: string, olds: Props, news: Props) {
      const declared = parse(withoutProvider(news));
      const before = asInputs(olds);
      const changed = new Set(
        fields.filter((f) => canonicalJson(before[f]) !== canonicalJson((declared as Props)[f])),
      ) as Set<keyof I & string>;
      try {
        return { outs: await def.update(context(), id, olds as O, declared, changed) };
      } catch (err) {
        if (err instanceof PartialWriteError) err.properties.__provider = news.__provider;
        throw describeFailure("updating", def.describe(declared), err);
      }
    },

    async delete(id: string, props: Props) {
      const olds = withoutProvider(props) as O;
      try {
        await def.delete(context(), id, olds);
      } catch (err) {
        throw describeFailure("deleting", def.describe(olds), err);
      }
    },
  };
}

/** Whether an error means the object is gone (FeatBit answers 404, or 403/500 for some missing objects). */
export function isGone(err: unknown, statuses: readonly number[] = [404]): boolean {
  return isFeatBitApiError(err) && err.status !== undefined && statuses.includes(err.status);
}

const locks = new Map<string, Promise<unknown>>();

/**
 * Serialises work on one FeatBit object within this provider process: a flag's definition and its targeting are
 * separate resources that both write revision-guarded endpoints of the same flag.
 */
export async function withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = locks.get(key) ?? Promise.resolve();
  const run = previous.then(work, work);
  const tail = run.catch(() => undefined);
  locks.set(key, tail);
  try {
    return await run;
  } finally {
    if (locks.get(key) === tail) locks.delete(key);
  }
}

/** Splits an id like "<env_uuid>/<flag_key>" into its parts, naming the expected format when it doesn't fit. */
export function splitId(id: string, parts: number, format: string): string[] {
  const pieces = id.split("/");
  if (pieces.length !== parts || pieces.some((p) => p.trim() === "" || p !== p.trim())) {
    throw new Error(`'${id}' is not a valid id: expected ${format}`);
  }
  return pieces;
}

/**
 * Props naming outputs, each undefined: Pulumi only exposes on the resource object the properties present in its
 * props, and `get` (reading by id) passes no declared inputs.
 */
export function declareOutputs(...names: string[]): Record<string, undefined> {
  return Object.fromEntries(names.map((n) => [n, undefined]));
}
