// Feature flags (§4.6, §5.1, §5.2, §6).
import { flagRN } from "../auth";
import { arr, BindFailure, bool, guid, obj, parseBool, problem, str } from "../binding";
import { business, conflict, forbidden, internal, notFound, softFailure } from "../http";
import { EMPTY_GUID } from "../ids";
import { applyPatch, PatchError } from "../jsonPatch";
import { openApi, Raw, type Ctx, type Route } from "../router";
import type { AuditLog, FeatureFlag, Variation } from "../state";
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
  rebindFlag,
  ruleShape,
  targetUserShape,
  toFallthrough,
  toRules,
  toTargetUsers,
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

function record(
  ctx: Ctx,
  flag: FeatureFlag,
  operation: string,
  previous: string | null,
  comment: string | null,
) {
  ctx.store.audit({
    envId: flag.envId,
    refId: flag.id,
    refType: "FeatureFlag",
    keyword: `${flag.name} ${flag.key}`,
    operation,
    dataChange: { previous, current: operation === "Remove" ? null : JSON.stringify(flag) },
    comment,
    creatorId: ctx.caller.id,
  });
}

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
  record(ctx, flag, op, previous, comment);
}

const commentShape = { comment: str() };

function serves(flag: FeatureFlag) {
  const off = flag.variations.find((v) => v.id === flag.disabledVariationId);
  // Quirk: a dangling off-variation makes the list mapper throw.
  if (!off) throw internal();
  const reachable = new Set<string | null>();
  for (const u of flag.targetUsers) if ((u.keyIds ?? []).length > 0) reachable.add(u.variationId);
  const ranges = [...flag.rules.flatMap((r) => r.variations ?? []), ...(flag.fallthrough.variations ?? [])];
  for (const r of ranges)
    if (r.rollout && r.rollout.length === 2 && r.rollout[1] - r.rollout[0] > 0) reachable.add(r.id);
  const enabledVariations = flag.variations.filter((v) => reachable.has(v.id)).map((v) => v.value);
  return { enabledVariations, disabledVariation: off.value };
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

const targetingShape = obj({
  targetUsers: arr(targetUserShape),
  rules: arr(ruleShape),
  fallthrough: fallthroughShape,
  exptIncludeAllTargets: bool(),
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
        tags.every((t) => f.tags.includes(t)) &&
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
        .flatMap((f) => f.tags),
    ),
  ]),

  openApi("GET", `${base}/{key}`, canAccessEnv, (ctx) => flagOf(ctx)),

  openApi("GET", `${base}/{key}/pending-changes`, undefined, (ctx) => {
    flagOf(ctx);
    // Schedules and change requests are JWT-only and licensed; nothing can be pending here.
    return [];
  }),

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
      tags: (body.tags ?? []).map((t) => t ?? ""),
      isArchived: false,
      creatorId: ctx.caller.id,
      updatorId: ctx.caller.id,
      createdAt: now,
      updatedAt: now,
    };
    store.state.flags.push(flag);
    store.touch();
    record(ctx, flag, "Create", null, null);
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
    // Quirk kept: the id is not checked against the variations.
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

  openApi("PUT", `${base}/{key}/targeting`, undefined, (ctx) => {
    const body = ctx.body({
      revision: guid(),
      targeting: targetingShape,
      ...commentShape,
    });
    const flag = flagOf(ctx);
    checkRevision(flag, body.revision);
    const t = body.targeting;
    // No validator exists: a null targeting or fallthrough is a NullReferenceException.
    if (t === null || t.fallthrough === null) throw internal();
    const next = {
      targetUsers: toTargetUsers(t.targetUsers),
      rules: toRules(t.rules),
      fallthrough: toFallthrough(t.fallthrough),
    };
    const rn = flagRN(ctx.store, flag.envId, flag.key, flag.tags);
    const changed = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
    const needs: [boolean, string][] = [
      [changed(flag.fallthrough, next.fallthrough), "UpdateFlagDefaultRule"],
      [changed(flag.targetUsers, next.targetUsers), "UpdateFlagIndividualTargeting"],
      [changed(flag.rules, next.rules), "UpdateFlagTargetingRules"],
    ];
    for (const [isChanged, permission] of needs) if (isChanged && !ctx.can(permission, rn)) throw forbidden();
    mutate(ctx, flag, body.comment, () => {
      Object.assign(flag, next, { exptIncludeAllTargets: t.exptIncludeAllTargets });
    });
    return flag.revision;
  }),

  openApi("PUT", `${base}/{key}/toggle/{status}`, perm("ToggleFlag"), (ctx) => {
    const status = parseBool(ctx.params.status);
    if (status === undefined) throw problem("status", `The value '${ctx.params.status}' is not valid.`);
    const body = ctx.body(commentShape, true);
    const flag = flagOf(ctx);
    mutate(ctx, flag, body.comment, () => {
      if (flag.isEnabled === status) return false;
      flag.isEnabled = status;
    });
    return flag.revision;
  }),

  openApi("PUT", `${base}/{key}/tags`, perm("UpdateFlagTags"), (ctx) => {
    const body = ctx.body({ tags: arr(str()), ...commentShape });
    const flag = flagOf(ctx);
    mutate(ctx, flag, body.comment, () => {
      flag.tags = (body.tags ?? []).map((t) => t ?? "");
    });
    return true;
  }),

  openApi("PUT", `${base}/{key}/archive`, perm("ArchiveFlag"), (ctx) => {
    const body = ctx.body(commentShape, true);
    const flag = flagOf(ctx);
    mutate(
      ctx,
      flag,
      body.comment,
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
      body.comment,
      () => {
        if (!flag.isArchived) return false;
        flag.isArchived = false;
      },
      "Restore",
    );
    return true;
  }),

  openApi("DELETE", `${base}/{key}`, perm("DeleteFlag"), (ctx) => {
    const body = ctx.body(commentShape, true);
    const flag = flagOf(ctx);
    if (!flag.isArchived) throw business("CannotDeleteUnarchivedFeatureFlag");
    const { state } = ctx.store;
    state.flags = state.flags.filter((f) => f !== flag);
    ctx.store.touch();
    record(ctx, flag, "Remove", JSON.stringify(flag), body.comment);
    return true;
  }),

  openApi("PATCH", `${base}/{key}`, undefined, (ctx) => {
    const ops = readPatchBody(ctx);
    const flag = flagOf(ctx);
    let patched: FeatureFlag;
    try {
      patched = rebindFlag(applyPatch(flag, ops));
    } catch (e) {
      if (e instanceof PatchError || e instanceof BindFailure) return new Raw(softFailure(e.message));
      throw e;
    }
    const previous = JSON.stringify(flag);
    Object.assign(flag, patched);
    markUpdated(ctx.store, flag, ctx.caller.id);
    record(ctx, flag, "Update", previous, null);
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
      tags: (body.tags ?? []).map((t) => t ?? ""),
      creatorId: ctx.caller.id,
      updatorId: ctx.caller.id,
      createdAt: now,
      updatedAt: now,
    };
    store.state.flags.push(copy);
    store.touch();
    record(ctx, copy, "Create", null, null);
    return true;
  }),
];
