// Turns a resource definition (provider/resources) into the check/diff/create/read/update/delete that Pulumi's
// dynamic-provider host calls. Shared by every resource: validation and its messages, what counts as a change, and how
// failures are reported. `check` and `diff` make no API call, so a preview never talks to FeatBit.
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { isFeatBitApiError, isFeatBitConfigError } from "../client/errors";
import { canonicalJson } from "../resources/core/canonical";
import {
  ARCHIVED,
  PartialWriteError,
  type AnyDefinition,
  type Context,
  type Props,
} from "../resources/core/definition";
import { INSTALLATION_NAME } from "../client/settings";
import { containsUnknown, UNKNOWN } from "../resources/core/schema";
import { CLAIM_UNRECORDED, NOT_OURS } from "../resources/core/writes";
import { logDiagnostic, type Severity } from "./engineLog";

export type DynamicProvider = Required<Omit<pulumi.dynamic.ResourceProvider<Props, Props>, "configure">>;

export interface Failure {
  property: string;
  reason: string;
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

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const part of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part];
  }
  return cur;
}

/**
 * One failure per zod issue, except those about values not known yet (they are checked once known), worded for the
 * engine. It prints a failure as "property <p> value <inputs[p]> has a problem: <reason>", looking <p> up among the
 * top-level inputs only: a nested path would read "value {<nil>}" and a list or object value prints as Go's dump of
 * it. Those failures carry their path in the reason instead ("resource 'x' has a problem: variations[1].value: …").
 */
function failuresOf(error: z.ZodError, raw: Props): Failure[] {
  return error.issues
    .filter((issue) => !containsUnknown(valueAt(raw, issue.path)))
    .map((issue) => {
      const property = propertyPath(issue.path);
      const value = issue.path.length === 1 ? raw[property] : undefined;
      if (value !== undefined && (value === null || typeof value !== "object"))
        return { property, reason: issue.message };
      return { property: "", reason: property ? `${property}: ${issue.message}` : issue.message };
    });
}

/** What the resource declares: the props without the serialized provider and the host's own fields. */
function declaredOf(props: Props | undefined): Props {
  const {
    __provider: _provider,
    [INSTALLATION]: _installation,
    [ON_DESTROY]: _onDestroy,
    [ORIGIN]: _origin,
    [ARCHIVED]: _archived,
    ...rest
  } = props ?? {};
  return rest;
}

/**
 * Every resource's `installation` input: which configured FeatBit it talks to (see client/settings.ts). It is the
 * host's, not the resource's: it picks the context, and a new one means an object in another FeatBit (a replacement).
 */
const INSTALLATION = "installation";

function installationOf(props: Props | undefined): string | undefined {
  const value = props?.[INSTALLATION];
  return typeof value === "string" ? value : undefined;
}

/**
 * Every resource's `onDestroy` input: what destroying it (or removing it from the program) does to the object in
 * FeatBit. Also the host's: no definition sees it, and changing it changes only the state.
 */
const ON_DESTROY = "onDestroy";
type OnDestroy = "release" | "archive" | "delete";

/**
 * Every resource's `origin` output: whether this stack created the object or adopted an existing one (adopt,
 * importId, FeatBit's own prod and dev). It decides what destroy does when the program does not say (onDestroy): a
 * stack deletes what it created and releases what it adopted, so destroying a stack never deletes what existed before
 * it. Recorded once, at create; nothing the program declares later changes it.
 */
const ORIGIN = "origin";
type Origin = "created" | "adopted";

function onDestroyOf(props: Props | undefined): OnDestroy | undefined {
  const value = props?.[ON_DESTROY];
  return value === "release" || value === "archive" || value === "delete" ? value : undefined;
}

/** The host's fields a resource's state carries, beside what its definition outputs. */
interface HostFields {
  installation?: string;
  onDestroy?: OnDestroy;
  origin?: Origin;
}

/**
 * Props as the engine gets them: the host's fields on top where set, and no `undefined` anywhere. Pulumi's
 * dynamic-provider host hands them to protobuf's Struct, which fails the whole step ("Unexpected struct type") on an
 * undefined value at any depth; an absent optional field must simply be absent.
 */
const withHostFields = (props: Props, host: HostFields): Props =>
  withoutUndefined({
    ...props,
    [INSTALLATION]: host.installation,
    [ON_DESTROY]: host.onDestroy,
    [ORIGIN]: host.origin,
  }) as Props;

function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : withoutUndefined(v)));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = withoutUndefined(v);
  return out;
}

function installationFailure(value: unknown): Failure | undefined {
  if (value === undefined || value === UNKNOWN) return undefined;
  if (typeof value === "string" && INSTALLATION_NAME.test(value)) return undefined;
  return {
    property: typeof value === "string" ? INSTALLATION : "",
    reason:
      "installation must name a FeatBit installation configured under featbit:installations (letters, digits, " +
      "'-' and '_'), e.g. 'cloud'",
  };
}

function fieldsOf(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (!shape) throw new Error("resource schemas must be zod objects");
  return Object.keys(shape);
}

/** What `onDestroy` may say for this kind: archive only where FeatBit archives (flags and segments). */
function onDestroyFailure(def: DeclarationSpec, value: unknown): Failure | undefined {
  if (value === undefined || value === UNKNOWN) return undefined;
  if (def.destroys === false) {
    return {
      property: "",
      reason: `onDestroy does not apply to a ${def.kind}: destroying it never changes anything in FeatBit`,
    };
  }
  const archives = def.archive !== undefined;
  if (value === "release" || value === "delete" || (archives && value === "archive")) return undefined;
  const allowed = archives ? "'release', 'archive' or 'delete'" : "'release' or 'delete'";
  return {
    property: typeof value === "string" ? ON_DESTROY : "",
    reason:
      `onDestroy must be ${allowed}: what destroying this resource (or removing it from the program) does to ` +
      `the object in FeatBit` +
      (value === "archive" ? `; FeatBit archives only feature flags and segments` : ""),
  };
}

/** What checking a declaration needs of its definition: the program checks with it too (see core/precheck.ts). */
export type DeclarationSpec = Pick<AnyDefinition, "kind" | "schema" | "destroys" | "archive">;

/**
 * Every problem of a resource's inputs that needs neither settings nor FeatBit, worded for the engine; values not
 * known yet are checked once known. Checked by the provider (check) and, with what is known when the program
 * declares the resource, by the program itself, so that one preview reports the problems of every resource.
 */
export function declarationProblems(def: DeclarationSpec, props: Props): Failure[] {
  const host = [installationFailure(props[INSTALLATION]), onDestroyFailure(def, props[ON_DESTROY])];
  const raw = declaredOf(props);
  const parsed = def.schema.safeParse(raw);
  return [
    ...host.filter((f): f is Failure => f !== undefined),
    ...(parsed.success ? [] : failuresOf(parsed.error, raw)),
  ];
}

/** Each field by its own schema (defaults filled in): for inputs that do not parse as a whole while some are unknown. */
function parseFields(schema: z.ZodType, props: Props): Props {
  const shape = (schema as unknown as { shape: Record<string, z.ZodType> }).shape;
  const out: Props = {};
  for (const [field, fieldSchema] of Object.entries(shape)) {
    const parsed = fieldSchema.safeParse(props[field]);
    const value = parsed.success ? parsed.data : props[field];
    if (value !== undefined) out[field] = value;
  }
  return out;
}

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

/**
 * The dynamic provider of one resource definition. `context` is resolved at call time, so settings come from the
 * stack config and environment of this run, never from serialized state.
 */
export function toProvider(
  def: AnyDefinition,
  context: (installation: string | undefined) => Context,
  /** Throws when the installation's settings are unusable, so preview refuses them as `up` would. */
  checkSettings: (installation: string | undefined) => void = () => undefined,
  /** Diagnostics for the user (the engine's, in Pulumi's dynamic-provider process). */
  log: (severity: Severity, message: string) => void = logDiagnostic,
): DynamicProvider {
  const createOnly = new Set<string>(def.createOnly ?? []);
  const allFields = fieldsOf(def.schema);
  const fields = allFields.filter((f) => !createOnly.has(f));
  const normalize = (inputs: Props): Props => (def.normalize ? def.normalize(inputs) : inputs);
  const parse = (raw: Props): Props => normalize(def.schema.parse(raw));

  /**
   * Props (old outputs, or new inputs) as canonical inputs. State written by an older version may not parse: compare
   * the raw values then. Inputs holding values not known yet (a preview) are canonical where known: each known field
   * as `up` will check it (defaults filled in, normalized), so only what really changes shows as changing.
   */
  const asInputs = (props: Props): Props => {
    const subset: Props = {};
    for (const f of allFields) if (props[f] !== undefined) subset[f] = props[f];
    const parsed = def.schema.safeParse(subset);
    if (!containsUnknown(subset)) return parsed.success ? normalize(parsed.data) : subset;
    const unknown = allFields.filter((f) => containsUnknown(subset[f]));
    // Parsed as a whole when it parses (unknown ids pass as ids), else field by field.
    const fieldwise = parsed.success ? parsed.data : parseFields(def.schema, subset);
    const known: Props = { ...fieldwise };
    for (const f of unknown) delete known[f];
    let normalized: Props;
    try {
      normalized = normalize(known);
    } catch {
      // A normalization that reads an unknown field: the known fields as parsed are what can be known.
      normalized = known;
    }
    const out: Props = {};
    for (const f of allFields) {
      const value = unknown.includes(f) ? subset[f] : normalized[f];
      if (value !== undefined) out[f] = value;
    }
    return out;
  };

  const defaultInputsOf = (outs: Props, previous: Props | undefined): Props => {
    const picked: Props = {};
    for (const f of allFields) {
      const value = (createOnly.has(f) ? previous?.[f] : undefined) ?? outs[f];
      if (value !== undefined) picked[f] = value;
    }
    return asInputs(picked);
  };

  /** Legacy state (before `origin` was recorded): adopt, importId or the kind's own rule say adopted. */
  const originOf = (props: Props): Origin => {
    const recorded = props[ORIGIN];
    if (recorded === "created" || recorded === "adopted") return recorded;
    const declared = declaredOf(props);
    const adopted =
      declared.adopt === true || declared.importId !== undefined || (def.adoptedBefore?.(declared) ?? false);
    return adopted ? "adopted" : "created";
  };

  /** What destroying the object does: as declared, else delete what the stack created and release what it adopted. */
  const destroyAction = (props: Props): OnDestroy =>
    onDestroyOf(props) ?? (originOf(props) === "adopted" ? "release" : "delete");

  /**
   * With CLAIM_UNRECORDED set for this run, the user vouches that what holds a key this program creates was created
   * by this stack (a killed run with PULUMI_SKIP_CHECKPOINTS recorded nothing): the object is taken as adoption takes
   * it, brought to the declaration, and recorded as created, so destroy deletes it.
   */
  const claimUnrecorded = async (err: unknown, declared: Props, installation: string | undefined) => {
    const claiming = /^(1|true|yes)$/i.test(process.env[CLAIM_UNRECORDED] ?? "");
    if (!claiming || !allFields.includes("adopt") || declared.adopt === true) throw err;
    if (!(err instanceof Error) || !err.message.includes(NOT_OURS)) throw err;
    const { id, outs } = await def.create(context(installation), { ...declared, adopt: true });
    const { adopt: _adopt, ...recorded } = outs;
    log("info", `recorded ${def.describe(declared)} as created by this stack (${CLAIM_UNRECORDED})`);
    return { id, outs: recorded, adopted: false };
  };

  const hostFields = (props: Props | undefined, origin?: Origin): HostFields => ({
    installation: installationOf(props),
    onDestroy: onDestroyOf(props),
    origin,
  });

  return {
    async check(_olds: Props, news: Props) {
      const failures = declarationProblems(def, news);
      const installation = news[INSTALLATION];
      if (installation !== UNKNOWN && installationFailure(installation) === undefined) {
        try {
          checkSettings(installationOf(news));
        } catch (err) {
          // A setting that would fail every API call (ftp://, a 'Bearer' token, maxConcurrency 0, …) fails preview.
          if (!isFeatBitConfigError(err)) throw err;
          failures.unshift({ property: "", reason: err.message });
        }
      }
      if (failures.length > 0) return { failures };
      const inputs = withHostFields(asInputs(declaredOf(news)), hostFields(news));
      // A host field not known yet stays unknown: diff treats it as changed.
      for (const field of [INSTALLATION, ON_DESTROY]) if (news[field] === UNKNOWN) inputs[field] = UNKNOWN;
      return { inputs: { ...inputs, __provider: news.__provider } };
    },

    async diff(_id: string, olds: Props, news: Props) {
      const before = asInputs(olds);
      const after = asInputs(news);
      const changed = fields.filter(
        (f) => containsUnknown(after[f]) || canonicalJson(before[f]) !== canonicalJson(after[f]),
      );
      // Another FeatBit is another object: created there first, then deleted here.
      if (news[INSTALLATION] === UNKNOWN || installationOf(olds) !== installationOf(news))
        changed.push(INSTALLATION);
      if (news[ON_DESTROY] === UNKNOWN || onDestroyOf(olds) !== onDestroyOf(news)) changed.push(ON_DESTROY);
      // FeatBit holds it archived (a refresh found it so): the program declares it live, so update restores it.
      if (olds[ARCHIVED] === true) changed.push(ARCHIVED);
      if (changed.length === 0) return { changes: false };
      const replaceOn = new Set<string>(def.replaceOn);
      const replaces = changed.filter((f) => replaceOn.has(f) || f === INSTALLATION);
      const sameFeatBit = !replaces.includes(INSTALLATION);
      // Decided by known values, as `up` decides it: an unknown value (the id of an object this update creates or
      // replaces, which FeatBit has not assigned yet) equals no existing one, so the replacement cannot collide.
      const sameKey = replaces.length > 0 && sameFeatBit && def.deleteBeforeReplace(olds, after);
      // The replacement takes the old object's key, which only a delete frees (an archived flag keeps its key, and
      // a released object keeps it in FeatBit): say so now rather than fail half-way through `up`.
      const action = destroyAction(olds);
      if (sameKey && action !== "delete") {
        throw new Error(
          `${def.describe(before)} would be replaced (${replaces.join(", ")} changed), and its replacement takes ` +
            `the same key, which only deleting the current object frees; but this stack ` +
            (action === "archive"
              ? `archives it (onDestroy: 'archive'), and FeatBit keeps an archived object's key`
              : `adopted it, so it releases it instead of deleting it (onDestroy defaults to 'release' for adopted ` +
                `objects)`) +
            `. Set onDestroy: 'delete' on it and run \`pulumi up\` first, or keep ${replaces.join(", ")} as ` +
            `${replaces.length === 1 ? "it is" : "they are"}`,
        );
      }
      return { changes: true, replaces, deleteBeforeReplace: sameKey };
    },

    async create(inputs: Props) {
      const declared = parse(declaredOf(inputs));
      try {
        const { id, outs, adopted } = await def
          .create(context(installationOf(inputs)), declared)
          .catch((err: unknown) => claimUnrecorded(err, declared, installationOf(inputs)));
        return { id, outs: withHostFields(outs, hostFields(inputs, adopted ? "adopted" : "created")) };
      } catch (err) {
        // The engine stores a partially created object's properties as its state; keep the provider with them.
        if (err instanceof PartialWriteError) {
          Object.assign(err.properties, withHostFields({}, hostFields(inputs, "created")), {
            __provider: inputs.__provider,
          });
        }
        throw describeFailure("creating", def.describe(declared), err);
      }
    },

    async read(id: string, props?: Props) {
      const installation = installationOf(props);
      const stored = declaredOf(props);
      const olds = Object.keys(stored).length > 0 ? stored : undefined;
      let outs: Props | undefined;
      try {
        outs = await def.read(context(installation), id, olds);
      } catch (err) {
        throw describeFailure("reading", olds ? def.describe(olds) : `${def.kind} ${id}`, err);
      }
      if (outs === undefined) return {};
      const previous = olds ? asInputs(olds) : undefined;
      // Only what was recorded is kept: state written before `origin` existed gets its legacy answer (originOf) when
      // it is destroyed, and a refresh that wrote it in would show every resource of an upgraded stack as changed. A
      // read without state (Resource.get) manages nothing, so it records nothing.
      const recorded = props?.[ORIGIN];
      const host = hostFields(props, recorded === "created" || recorded === "adopted" ? recorded : undefined);
      return {
        id,
        props: withHostFields(outs, host),
        inputs: withHostFields(
          def.inputsOf ? def.inputsOf(outs, previous) : defaultInputsOf(outs, previous),
          { ...host, origin: undefined },
        ),
      };
    },

    async update(id: string, olds: Props, news: Props) {
      const declared = parse(declaredOf(news));
      const before = asInputs(olds);
      const changed = new Set(fields.filter((f) => canonicalJson(before[f]) !== canonicalJson(declared[f])));
      if (olds[ARCHIVED] === true) changed.add(ARCHIVED);
      const host = hostFields(news, originOf(olds));
      // Only onDestroy changed: nothing to write to FeatBit.
      if (changed.size === 0) return { outs: withHostFields({ ...declaredOf(olds), ...declared }, host) };
      try {
        const outs = await def.update(context(installationOf(news)), id, olds, declared, changed);
        return { outs: withHostFields(outs, host) };
      } catch (err) {
        if (err instanceof PartialWriteError) {
          Object.assign(err.properties, withHostFields({}, host), { __provider: news.__provider });
        }
        throw describeFailure("updating", def.describe(declared), err);
      }
    },

    async delete(id: string, props: Props) {
      const olds = declaredOf(props);
      const action = destroyAction(props);
      const subject = def.describe(olds);
      if (action === "release") {
        log(
          "info",
          `released ${subject}: it stays in FeatBit as it is, because this stack ` +
            (onDestroyOf(props) === "release"
              ? `says onDestroy: 'release'`
              : `adopted it rather than created it (set onDestroy: 'delete' to delete it instead)`),
        );
        return;
      }
      try {
        const ctx = context(installationOf(props));
        if (action === "archive" && def.archive) await def.archive(ctx, id, olds);
        else await def.delete(ctx, id, olds);
      } catch (err) {
        throw describeFailure(action === "archive" ? "archiving" : "deleting", subject, err);
      }
    },
  };
}
