// What a resource module declares to the host: its inputs (one zod schema holding every rule), how a change of each
// input is applied (in place, replacement, or not at all), and its CRUD against the FeatBit client. The host
// (provider/host) turns a definition into the check/diff/create/read/update/delete Pulumi's dynamic-provider host calls.
import { isFeatBitApiError } from "../../client/errors";
import type { z } from "zod";
import type { FeatBitClient } from "../../client";
import type { ResourceKind } from "../../host/shim";
import type { WritePolicy } from "./writes";

export interface Context {
  client: FeatBitClient;
  /** The organization key segment scopes need (`featbit:organizationKey` / `FEATBIT_ORGANIZATION_KEY`), when set. */
  organizationKey: string | undefined;
  /** How hard writes are tried when FeatBit's answer is lost. */
  writes: WritePolicy;
  /** A warning the user sees in the CLI output (the provider process's console is passed through). */
  warn(message: string): void;
}

/** Props as Pulumi passes them: plain JSON, with the serialized provider under `__provider`. */
export type Props = Record<string, unknown>;

/**
 * The output a read sets on an object FeatBit holds archived while the stack manages it as live: a destroy that was
 * killed or failed between its archive and its delete leaves one behind (as may someone in FeatBit's UI). The host
 * plans an update for it (the program declares it live), which restores it; a destroy deletes it.
 */
export const ARCHIVED = "archived";
export type Archived = { [ARCHIVED]?: true };

/**
 * The failure of a delete that came after its archive landed: the object is put back (`restore`) so that FeatBit
 * agrees with the state, which still records it live; if that fails too, the message says how to finish or undo.
 */
export async function putBack(failure: unknown, restore: () => Promise<unknown>): Promise<Error> {
  const reason = isFeatBitApiError(failure)
    ? failure.detail
    : failure instanceof Error
      ? failure.message
      : String(failure);
  try {
    await restore();
    return new Error(
      `${reason}. It was archived first, and is restored now, as the stack still records it: run \`pulumi destroy\` again`,
      { cause: failure },
    );
  } catch {
    return new Error(
      `${reason}. It was archived first and stays archived in FeatBit (restoring it failed too): run ` +
        `\`pulumi destroy\` again to finish, or \`pulumi refresh\` then \`pulumi up\` to restore it`,
      { cause: failure },
    );
  }
}

/** What a read says when it finds an object archived that the stack manages as live (see ARCHIVED). */
export const archivedWarning = (subject: string): string =>
  `${subject} is archived in FeatBit while this stack manages it as live (a destroy was interrupted between ` +
  `archiving and deleting it, or it was archived in FeatBit's UI): \`pulumi up\` restores it, as the program ` +
  `declares it; \`pulumi destroy\`, or removing it from the program, deletes it`;

export interface ResourceDefinition<I extends object, O extends I> {
  /** Type name, e.g. "FeatureFlag" (token `pulumi-nodejs:dynamic/featbit:FeatureFlag`). Stored in state. */
  readonly kind: ResourceKind;
  /**
   * Declared inputs with defaults, and every rule across them (zod refinements that run whenever the fields they
   * read are valid and known, see crossField), so one preview reports every failure. Must be a zod object.
   */
  readonly schema: z.ZodType<I>;
  /** Canonical form used for comparison and stored as the checked inputs (e.g. sorted, de-duplicated tags). */
  normalize?(inputs: I): I;
  /**
   * Inputs that only steer creation (adoption switches) or accompany a change (a comment): changing them later is not
   * a change of the object, so diff ignores them.
   */
  readonly createOnly?: readonly (keyof I & string)[];
  /** Inputs whose change means a new object in FeatBit. */
  readonly replaceOn: readonly (keyof I & string)[];
  /**
   * Whether a replacement must delete the old object first. FeatBit keys are unique, so a replacement that keeps
   * the key would collide with itself if created first (Pulumi's default order).
   */
  deleteBeforeReplace(olds: O, news: I): boolean;
  /** Outputs beyond the inputs, as the resource class exposes them. */
  readonly outputs: readonly (keyof O & string)[];
  /**
   * Outputs derived from the Pulumi id. They never change on update, and deriving them from the id (which stays
   * known while an update is previewed, unlike the outputs) keeps the inputs of dependent resources known in preview.
   */
  readonly fromId?: Partial<Record<keyof O & string, (id: string) => string>>;
  /** For messages: "feature flag 'checkout' in environment 0f2c…". */
  describe(props: Partial<I>): string;
  create(ctx: Context, inputs: I): Promise<Created<O>>;
  /**
   * Undefined when the object no longer exists. For kinds FeatBit archives (see `archive`), an archived object's
   * outputs carry `archived: true` (see ARCHIVED): the state then disagrees with the program, which declares it live.
   */
  read(ctx: Context, id: string, olds: O | undefined): Promise<(O & Archived) | undefined>;
  /**
   * `changed` lists the inputs that differ; touch only those. It holds ARCHIVED when the state records the object
   * archived (see `read`): restore it first.
   */
  update(
    ctx: Context,
    id: string,
    olds: O,
    news: I,
    changed: ReadonlySet<(keyof I & string) | typeof ARCHIVED>,
  ): Promise<O>;
  delete(ctx: Context, id: string, olds: O): Promise<void>;
  /**
   * For kinds FeatBit archives (flags, segments): archive without deleting, for `onDestroy: "archive"`. The key
   * stays taken while the object is archived.
   */
  archive?(ctx: Context, id: string, olds: O): Promise<void>;
  /**
   * The Pulumi id of the object that holds the declared key, for `featbit-recover`: when a killed run left this
   * resource's create pending in Pulumi's checkpoint (the evidence that this stack was creating it), the object found
   * here is recorded as the stack's. Undefined when none holds it, or when more than one does.
   */
  locate?(ctx: Context, inputs: I): Promise<string | undefined>;
  /** False for a kind whose destroy never touches FeatBit (so `onDestroy` would mean nothing). */
  readonly destroys?: false;
  /**
   * Whether state written before the provider recorded `origin` holds an adopted object: by default when the inputs
   * say adopt or importId; Environment adds FeatBit's own prod and dev, which it always adopted.
   */
  adoptedBefore?(olds: O): boolean;
  /**
   * The inputs a freshly read object corresponds to, so `pulumi refresh` folds drift back into inputs. Default: the
   * input fields of the outputs, create-only fields taken from the previous inputs.
   */
  inputsOf?(outs: O, previousInputs: Partial<I> | undefined): I;
}

/**
 * What `create` made: the object's id and outputs, and whether it took over an existing object (adopt, importId)
 * rather than creating one. The host records which, as `origin`, so that destroy keeps what the stack did not make.
 */
export interface Created<O> {
  id: string;
  outs: O;
  adopted?: boolean;
}

/**
 * A definition whose input and output types have been forgotten, for the table of every kind. (The functions above
 * are declared as methods so that a definition of specific types is assignable to this one.)
 */
export type AnyDefinition = ResourceDefinition<Props, Props>;

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

/** Splits an id like "<env_uuid>/<flag_key>" into its parts, naming the expected format when it doesn't fit. */
export function splitId(id: string, parts: number, format: string): string[] {
  const pieces = id.split("/");
  if (pieces.length !== parts || pieces.some((p) => p.trim() === "" || p !== p.trim())) {
    throw new Error(`'${id}' is not a valid id: expected ${format}`);
  }
  return pieces;
}
