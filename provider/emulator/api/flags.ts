// Feature flags (§4.6, §5.1, §5.2, §6).
import { flagRN } from "../auth";
import { arr, BindFailure, bool, guid, obj, parseBool, problem, str, withDefault } from "../binding";
import { save } from "../columns";
import { any, deref, DotnetException, nullRef, source } from "../dotnet";
import {
  compareFlags,
  UPDATE_DEFAULT_RULE_KINDS,
  UPDATE_RULE_KINDS,
  UPDATE_TARGET_USERS_KINDS,
} from "../flagDiffer";
import { business, conflict, forbidden, notFound, patchFailure } from "../http";
import { EMPTY_GUID } from "../ids";
import { applyPatch, PatchError } from "../jsonPatch";
import { pendingChanges } from "../pending";
import { openApi, Raw, type Ctx, type Route } from "../router";
import type { AuditLog, FeatureFlag, RolloutVariation, Variation } from "../state";
import type { Store } from "../store";
import {
  first,
  includesCI,
  invalid,
  isEmpty,
  keyRules,
  nameRules,
  page,
  required,
  sameKey,
  validate,
} from "../validation";
import {
  fallthroughShape,
  items,
  readPatchBody,
  type PatchedFlag,
  rebindFlag,
  ruleShape,
  targetUserShape,
  toVariations,
  variationShape,
} from "./shapes";

const base = "/api/v1/envs/{envId:guid}/feature-flags";
const VARIATION_TYPES = ["boolean", "json", "number", "string"];
const perm = (name: string) => ({ name, type: "flag" as const });
const canAccessEnv = { name: "CanAccessEnv", type: "env" as const };

/** Permission-protected routes already proved the flag exists; the others must answer 404. */
function flagOf(ctx: Ctx): FeatureFlag {
  const flag = ctx.store.flag(ctx.params.envId, ctx.params.key);
  if (!flag) throw notFound();
  return flag;
}

/** MarkAsUpdated: every real change rotates the revision. */
function markUpdated(store: Store, flag: FeatureFlag, callerId: string): void {
  flag.revision = store.guid();
  flag.updatedAt = store.now();
  flag.updatorId = callerId;
  store.touch();
}

/**
 * The audit entry of OnFeatureFlagChanged / OnFeatureFlagDeleted (Domain/AuditLogs/AuditLog.cs):
 * keyword "key,name" (Keywords.cs), snapshots as JSON strings with "" for a side that does not exist
 * (DataChange.cs). Creations, clones and patches pass no comment, which is "" there.
 */
export function recordFlag(
  ctx: Ctx,
  flag: FeatureFlag,
  operation: string,
  previous: string,
  comment: string | null,
) {
  ctx.store.audit({
    envId: flag.envId,
    refId: flag.id,
    refType: "FeatureFlag",
    keyword: `${flag.key},${flag.name}`,
    operation,
    dataChange: { previous, current: operation === "Remove" ? "" : JSON.stringify(flag) },
    comment,
    creatorId: ctx.caller.id,
  });
}

const record = recordFlag;

/** Applies `change` and records it; a change that returns false was a no-op and leaves no trace. */
function mutate(
  ctx: Ctx,
  flag: FeatureFlag,
  comment: string | null,
  change: () => boolean | void,
  op = "Update",
): void {
  const previous = JSON.stringify(flag);
  if (change() === false) return;
  markUpdated(ctx.store, flag, ctx.caller.id);
  // Saved before the audit entry, which may still fail (see Store.audit).
  record(ctx, flag, op, previous, comment);
}

const commentShape = { comment: str() };

/** RolloutVariation.IsEmpty(): `Rollout[1] - Rollout[0] == 0`. */
function isEmptyRollout(v: RolloutVariation | null): boolean {
  const r = deref(deref(v).rollout);
  if (r.length < 2) throw new DotnetException("IndexOutOfRangeException");
  return r[1] - r[0] === 0;
}

/**
 * FeatureFlag.Serves() (Domain/FeatureFlags/FeatureFlag.cs), which the list mapper calls for every
 * listed flag (Application/FeatureFlags/MapperProfile.cs). Its LINQ is lazy, so a null list or element
 * fails the whole list (500) only where the enumeration reaches it; the generators below walk the
 * same elements in the same order.
 */
function serves(flag: FeatureFlag) {
  const targetUsers = source(flag.targetUsers);
  const rules = source(flag.rules);
  const fallthrough = source(deref(flag.fallthrough).variations);
  const variations = source(flag.variations);
  function* servedIds(): Generator<string | null> {
    for (const u of targetUsers) if (any(deref(u).keyIds)) yield deref(u).variationId;
    for (const rule of rules)
      for (const v of source(deref(rule).variations)) if (!isEmptyRollout(v)) yield deref(v).id;
    for (const v of fallthrough) if (!isEmptyRollout(v)) yield deref(v).id;
  }
  const contains = (id: string | null) => {
    for (const served of servedIds()) if (served === id) return true;
    return false;
  };
  // Variations.First(...): a dangling off variation throws (quirk kept).
  const off = variations.find((v) => deref(v).id === flag.disabledVariationId);
  if (off === undefined) throw new DotnetException("InvalidOperationException");
  const enabledVariations = variations.filter((v) => contains(deref(v).id)).map((v) => deref(v).value);
  return { enabledVariations, disabledVariation: deref(off).value };
}

function listItem(flag: FeatureFlag, last: AuditLog | undefined) {
  return {
    id: flag.id,
    name: flag.name,
    description: flag.description,
    key: flag.key,
    isEnabled: flag.isEnabled,
    variationType: flag.variationType,
    variations: flag.variations,
    createdAt: flag.createdAt,
    updatedAt: flag.updatedAt,
    // Tokens are not users: FeatBit shows no creator and a "Ghost" operator.
    creator: null,
    serves: serves(flag),
    tags: flag.tags,
    lastChange: last
      ? {
          operator: { id: EMPTY_GUID, name: "Ghost", email: "Ghost" },
          happenedAt: last.createdAt,
          comment: last.comment,
        }
      : null,
  };
}

function createRules(body: {
  name: string | null;
  key: string | null;
  variationType: string | null;
  variations: (Variation | null)[] | null;
  enabledVariationId: string | null;
  disabledVariationId: string | null;
}): void {
  const variations = items(body.variations);
  const ids = variations.map((v) => v.id);
  validate(
    nameRules(body.name),
    keyRules(body.key),
    first([!VARIATION_TYPES.includes(body.variationType ?? ""), invalid("variationType")]),
    first(
      [isEmpty(body.variations), "NotEmptyValidator"],
      [variations.some((v) => isEmpty(v.id) || isEmpty(v.name)), invalid("variations")],
    ),
    first([!ids.includes(body.disabledVariationId), invalid("disabledVariationId")]),
    first([!ids.includes(body.enabledVariationId), invalid("enabledVariationId")]),
  );
}

function assertKeyFree(store: Store, envId: string, key: string): void {
  if (store.state.flags.some((f) => f.envId === envId && sameKey(f.key, key)))
    throw business("KeyHasBeenUsed");
}

function checkRevision(flag: FeatureFlag, revision: string): void {
  if (revision !== flag.revision) throw conflict();
}

// FlagTargeting.cs: ExptIncludeAllTargets defaults to true when omitted.
const targetingShape = obj({
  targetUsers: arr(targetUserShape),
  rules: arr(ruleShape),
  fallthrough: fallthroughShape,
  exptIncludeAllTargets: withDefault(bool(), () => true),
});

export const flagRoutes: Route[] = [
  openApi("GET", base, canAccessEnv, (ctx) => {
    const q = ctx.query;
    const name = q.text("name");
    const tags = q.strings("tags");
    const isEnabled = q.bool("isEnabled");
    const isArchived = q.bool("isArchived") ?? false;
    const flags = ctx.store.state.flags.filter(
      (f) =>
        f.envId === ctx.params.envId &&
        f.isArchived === isArchived &&
        (!name || includesCI(f.name, name) || includesCI(f.key, name)) &&
        // `tags @> filter` on a NULL array is not true.
        (tags.length === 0 || (f.tags !== null && tags.every((t) => (f.tags ?? []).includes(t)))) &&
        (isEnabled === undefined || f.isEnabled === isEnabled),
    );
    flags.sort(
      q.string("sortBy") === "key"
        ? (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
        : (a, b) => b.createdAt.localeCompare(a.createdAt),
    );
    const paged = page(flags, q.int("pageIndex", 0), q.int("pageSize", 10));
    // One pass over the audit log for the whole page, not one per flag.
    const onPage = new Set(paged.items.map((f) => f.id));
    const lastChange = new Map<string, AuditLog>();
    for (const a of ctx.store.state.auditLogs) if (onPage.has(a.refId)) lastChange.set(a.refId, a);
    return { totalCount: paged.totalCount, items: paged.items.map((f) => listItem(f, lastChange.get(f.id))) };
  }),

  openApi("GET", `${base}/all-tags`, canAccessEnv, (ctx) => [
    ...new Set(
      ctx.store.state.flags
        .filter((f) => f.envId === ctx.params.envId && !f.isArchived)
        .flatMap((f) => f.tags ?? []),
    ),
  ]),

  openApi("GET", `${base}/{key}`, canAccessEnv, (ctx) => flagOf(ctx)),

  openApi("GET", `${base}/{key}/pending-changes`, undefined, (ctx) => pendingChanges(ctx.store, flagOf(ctx))),

  openApi("POST", base, perm("CreateFlag"), (ctx) => {
    const body = ctx.body({
      name: str(),
      key: str(),
      description: str(),
      isEnabled: bool(),
      variationType: str(),
      variations: arr(variationShape),
      enabledVariationId: str(),
      disabledVariationId: str(),
      tags: arr(str()),
    });
    createRules(body);
    const { store } = ctx;
    const envId = ctx.params.envId;
    assertKeyFree(store, envId, body.key as string);
    // Variation ids live in jsonb, but the off variation's id is also a varchar(128) column.
    save("feature_flags", { disabled_variation_id: body.disabledVariationId });
    const now = store.now();
    const flag: FeatureFlag = {
      id: store.guid(),
      envId,
      revision: store.guid(),
      name: body.name as string,
      description: body.description,
      key: body.key as string,
      variationType: body.variationType as string,
      variations: toVariations(body.variations),
      targetUsers: [],
      rules: [],
      isEnabled: body.isEnabled,
      disabledVariationId: body.disabledVariationId as string,
      fallthrough: {
        dispatchKey: null,
        includedInExpt: true,
        variations: [{ id: body.enabledVariationId, rollout: [0, 1], exptRollout: 1 }],
      },
      exptIncludeAllTargets: true,
      tags: body.tags ?? [],
      isArchived: false,
      creatorId: ctx.caller.id,
      updatorId: ctx.caller.id,
      createdAt: now,
      updatedAt: now,
    };
    store.state.flags.push(flag);
    store.touch();
    record(ctx, flag, "Create", "", "");
    return flag;
  }),

  openApi("PUT", `${base}/{key}/name`, perm("UpdateFlagName"), (ctx) => {
    const body = ctx.body({ name: str(), ...commentShape });
    validate(nameRules(body.name));
    const flag = flagOf(ctx);
    mutate(ctx, flag, body.comment, () => {
      if (flag.name === body.name) return false;
      flag.name = body.name as string;
    });
    return flag.revision;
  }),

  openApi("PUT", `${base}/{key}/description`, perm("UpdateFlagDescription"), (ctx) => {
    const body = ctx.body({ description: str(), ...commentShape });
    const flag = flagOf(ctx);
    // feature_flags.description is text: no length limit.
    mutate(ctx, flag, body.comment, () => {
      if (flag.description === body.description) return false;
      flag.description = body.description;
    });
    return flag.revision;
  }),

  openApi("PUT", `${base}/{key}/off-variation`, perm("UpdateFlagOffVariation"), (ctx) => {
    const body = ctx.body({ revision: guid(), offVariationId: str(), ...commentShape });
    validate(isEmpty(body.offVariationId) ? required("offVariationId") : undefined);
    const flag = flagOf(ctx);
    checkRevision(flag, body.revision);
    // Quirk kept: the id is not checked against the variations, only against the column.
    save("feature_flags", { disabled_variation_id: body.offVariationId });
    mutate(ctx, flag, body.comment, () => {
      flag.disabledVariationId = body.offVariationId as string;
    });
    return flag.revision;
  }),

  openApi("PUT", `${base}/{key}/variations`, perm("UpdateFlagVariations"), (ctx) => {
    const body = ctx.body({ revision: guid(), variations: arr(variationShape), ...commentShape });
    const variations = items(body.variations);
    validate(
      first(
        [isEmpty(body.variations), "NotEmptyValidator"],
        [variations.some((v) => isEmpty(v.id) || isEmpty(v.name)), invalid("variations")],
      ),
    );
    const flag = flagOf(ctx);
    checkRevision(flag, body.revision);
    mutate(ctx, flag, body.comment, () => {
      flag.variations = variations;
    });
    return flag.revision;
  }),

  // Application/FeatureFlags/UpdateTargeting.cs: no validator. The handler replaces the targeting,
  // runs FlagComparer over the JSON snapshots (which throws on several nulls: 500, nothing saved),
  // checks the permissions the resulting instructions need, saves, then writes the audit entry.
  openApi("PUT", `${base}/{key}/targeting`, undefined, (ctx) => {
    const body = ctx.body({
      revision: guid(),
      targeting: targetingShape,
      ...commentShape,
    });
    const flag = flagOf(ctx);
    checkRevision(flag, body.revision);
    const t = body.targeting;
    if (t === null) throw nullRef();
    const next: Pick<FeatureFlag, "targetUsers" | "rules" | "fallthrough" | "exptIncludeAllTargets"> = {
      targetUsers: t.targetUsers,
      rules: t.rules,
      fallthrough: t.fallthrough,
      exptIncludeAllTargets: t.exptIncludeAllTargets,
    };
    const instructions = compareFlags(snapshot(flag), snapshot({ ...flag, ...next }));
    const rn = flagRN(ctx.store, flag.envId, flag.key, flag.tags);
    const needs: [string[], string][] = [
      [UPDATE_DEFAULT_RULE_KINDS, "UpdateFlagDefaultRule"],
      [UPDATE_TARGET_USERS_KINDS, "UpdateFlagIndividualTargeting"],
      [UPDATE_RULE_KINDS, "UpdateFlagTargetingRules"],
    ];
    for (const [kinds, permission] of needs) {
      if (instructions.some((i) => kinds.includes(i.kind)) && !ctx.can(permission, rn)) throw forbidden();
    }
    // Always saved and re-revisioned, even when nothing differs.
    mutate(ctx, flag, body.comment, () => {
      Object.assign(flag, next);
    });
    return flag.revision;
  }),

  openApi("PUT", `${base}/{key}/toggle/{status}`, perm("ToggleFlag"), (ctx) => {
    const status = parseBool(ctx.params.status);
    if (status === undefined) throw problem("status", `The value '${ctx.params.status}' is not valid.`);
    const body = ctx.body(commentShape, true);
    const flag = flagOf(ctx);
    mutate(ctx, flag, body.comment ?? "", () => {
      if (flag.isEnabled === status) return false;
      flag.isEnabled = status;
    });
    return flag.revision;
  }),

  openApi("PUT", `${base}/{key}/tags`, perm("UpdateFlagTags"), (ctx) => {
    const body = ctx.body({ tags: arr(str()), ...commentShape });
    const flag = flagOf(ctx);
    // tags is text[]: no per-tag limit, and a null element is stored as NULL.
    mutate(ctx, flag, body.comment, () => {
      flag.tags = body.tags ?? [];
    });
    return true;
  }),

  // The controllers pass `changeRequest?.Comment ?? string.Empty` for these optional bodies.
  openApi("PUT", `${base}/{key}/archive`, perm("ArchiveFlag"), (ctx) => {
    const body = ctx.body(commentShape, true);
    const flag = flagOf(ctx);
    mutate(
      ctx,
      flag,
      body.comment ?? "",
      () => {
        if (flag.isArchived) return false;
        flag.isArchived = true;
      },
      "Archive",
    );
    return true;
  }),

  openApi("PUT", `${base}/{key}/restore`, perm("RestoreFlag"), (ctx) => {
    const body = ctx.body(commentShape, true);
    const flag = flagOf(ctx);
    mutate(
      ctx,
      flag,
      body.comment ?? "",
      () => {
        if (!flag.isArchived) return false;
        flag.isArchived = false;
      },
      "Restore",
    );
    return true;
  }),

  // DeleteFeatureFlag.cs deletes, then OnFeatureFlagDeleted writes the audit entry: a comment too
  // long for audit_logs.comment answers 500 after the flag is gone.
  openApi("DELETE", `${base}/{key}`, perm("DeleteFlag"), (ctx) => {
    const body = ctx.body(commentShape, true);
    const flag = flagOf(ctx);
    // ErrorCodes.cs spells it with a lower-case "a" since FeatBit 5.2.0 (commit 8f4a3088c, #821);
    // releases up to 5.1.x answered CannotDeleteUnArchivedFeatureFlag.
    if (!flag.isArchived) throw business("CannotDeleteUnarchivedFeatureFlag");
    const { state } = ctx.store;
    state.flags = state.flags.filter((f) => f !== flag);
    ctx.store.touch();
    record(ctx, flag, "Remove", JSON.stringify(flag), body.comment ?? "");
    return true;
  }),

  // PatchFeatureFlag.cs: the patch is applied to the entity (every operation, the last error wins),
  // then saved as is: nulls and lengths meet the columns' constraints, not a validator.
  openApi("PATCH", `${base}/{key}`, undefined, (ctx) => {
    const ops = readPatchBody(ctx);
    const flag = flagOf(ctx);
    let patched: PatchedFlag;
    try {
      patched = rebindFlag(applyPatch(flag, ops));
    } catch (e) {
      if (e instanceof PatchError || e instanceof BindFailure) return new Raw(patchFailure(e.message));
      throw e;
    }
    save("feature_flags", {
      name: patched.name,
      key: patched.key,
      variation_type: patched.variationType,
      disabled_variation_id: patched.disabledVariationId,
    });
    const previous = JSON.stringify(flag);
    Object.assign(flag, patched as FeatureFlag);
    markUpdated(ctx.store, flag, ctx.caller.id);
    record(ctx, flag, "Update", previous, "");
    return true;
  }),

  openApi("POST", `${base}/clone/{key}`, perm("CloneFlag"), (ctx) => {
    const body = ctx.body({ name: str(), key: str(), description: str(), tags: arr(str()) });
    validate(nameRules(body.name), keyRules(body.key));
    const origin = flagOf(ctx);
    const { store } = ctx;
    assertKeyFree(store, origin.envId, body.key as string);
    const now = store.now();
    // Everything is copied, variation ids included; only identity and basic info are new.
    const copy: FeatureFlag = {
      ...structuredClone(origin),
      id: store.guid(),
      revision: store.guid(),
      name: body.name as string,
      key: body.key as string,
      description: body.description,
      tags: body.tags ?? [],
      creatorId: ctx.caller.id,
      updatorId: ctx.caller.id,
      createdAt: now,
      updatedAt: now,
    };
    store.state.flags.push(copy);
    store.touch();
    record(ctx, copy, "Create", "", "");
    return true;
  }),
];

/** The flag as the comparer sees it: DataChange serializes it and FlagComparer deserializes it. */
function snapshot(flag: FeatureFlag): FeatureFlag {
  return JSON.parse(JSON.stringify(flag)) as FeatureFlag;
}
