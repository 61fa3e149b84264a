// Segments (§4.8, §5.3).
import { segmentRN } from "../auth";
import { arr, BindFailure, str } from "../binding";
import { business, forbidden, internal, notFound, softFailure } from "../http";
import { applyPatch, PatchError } from "../jsonPatch";
import { openApi, Raw, type Ctx, type Route } from "../router";
import type { Segment } from "../state";
import { flagReferencesSegment, SEGMENT_PROPERTIES, scopeCovers, type Store } from "../store";
import { first, includesCI, invalid, isEmpty, keyRules, page, validate } from "../validation";
import { matchRuleShape, readPatchBody, rebindSegment, toMatchRules } from "./shapes";

const base = "/api/v1/envs/{envId:guid}/segments";
const perm = (name: string) => ({ name, type: "segment" as const });
const canAccessEnv = { name: "CanAccessEnv", type: "env" as const };
const SEGMENT_TYPES = ["environment-specific", "shared"];
const commentShape = { comment: str() };

function view(s: Segment) {
  return { ...s, isEnvironmentSpecific: s.type !== "shared" };
}

function segmentOf(ctx: Ctx): Segment {
  const segment = ctx.store.segment(ctx.params.segmentId);
  if (!segment) throw notFound();
  return segment;
}

function record(ctx: Ctx, s: Segment, operation: string, previous: string | null, comment: string | null) {
  ctx.store.audit({
    envId: ctx.params.envId,
    refId: s.id,
    refType: "Segment",
    keyword: `${s.name} ${s.key}`,
    operation,
    dataChange: { previous, current: operation === "Remove" ? null : JSON.stringify(s) },
    comment,
    creatorId: ctx.caller.id,
  });
}

function mutate(ctx: Ctx, s: Segment, comment: string | null, change: () => void, op = "Update"): void {
  const previous = JSON.stringify(s);
  change();
  s.updatedAt = ctx.store.now();
  ctx.store.touch();
  record(ctx, s, op, previous, comment);
}

/**
 * Flags whose rule conditions name the segment (archived flags included), in the envs it applies to
 * (GetEnvironmentIdsAsync): an environment-specific segment's own `envId` whatever its scopes say, the
 * envs a shared segment's scopes cover.
 */
function referencingFlags(store: Store, s: Segment) {
  const covered =
    s.type !== "shared"
      ? new Set([s.envId])
      : new Set(
          store.state.environments
            .filter((e) => {
              const scope = store.envScope(e.id);
              return scope !== undefined && s.scopes.some((sc) => scopeCovers(sc, scope));
            })
            .map((e) => e.id),
        );
  return store.state.flags.filter((f) => covered.has(f.envId) && flagReferencesSegment(f, s.id));
}

function listItem(s: Segment) {
  return {
    id: s.id,
    name: s.name,
    key: s.key,
    type: s.type,
    scopes: s.scopes,
    tags: s.tags,
    description: s.description,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

function patchSegment(ctx: Ctx): unknown {
  const ops = readPatchBody(ctx);
  const segment = segmentOf(ctx);
  let patched: Segment;
  try {
    patched = rebindSegment(applyPatch(segment, ops));
  } catch (e) {
    if (e instanceof PatchError || e instanceof BindFailure) return new Raw(softFailure(e.message));
    throw e;
  }
  mutate(ctx, segment, "Updated via patch", () => Object.assign(segment, patched));
  return true;
}

export const segmentRoutes: Route[] = [
  openApi("GET", base, canAccessEnv, (ctx) => {
    const { store } = ctx;
    const scope = store.envScope(ctx.params.envId) as string;
    const name = ctx.query.text("name");
    const isArchived = ctx.query.bool("isArchived") ?? false;
    const found = store.state.segments
      .filter(
        (s) =>
          s.workspaceId === store.state.workspace.id &&
          s.scopes.some((sc) => scopeCovers(sc, scope)) &&
          s.isArchived === isArchived &&
          (!name || includesCI(s.name, name)),
      )
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    const paged = page(found, ctx.query.int("pageIndex", 0), ctx.query.int("pageSize", 10));
    return { totalCount: paged.totalCount, items: paged.items.map(listItem) };
  }),

  openApi("GET", `${base}/all-tags`, canAccessEnv, (ctx) => [
    ...new Set(
      ctx.store.state.segments
        .filter((s) => s.envId === ctx.params.envId && !s.isArchived)
        .flatMap((s) => s.tags),
    ),
  ]),

  openApi("GET", `${base}/by-ids`, canAccessEnv, (ctx) => {
    const ids = ctx.query.guids("ids");
    return ctx.store.state.segments.filter((s) => ids.includes(s.id)).map(view);
  }),

  // Looked up by id only: the env in the path is not compared.
  openApi("GET", `${base}/{segmentId:guid}`, canAccessEnv, (ctx) => view(segmentOf(ctx))),

  openApi("GET", `${base}/{segmentId:guid}/flag-references`, canAccessEnv, (ctx) =>
    referencingFlags(ctx.store, segmentOf(ctx)).map((f) => ({
      envId: f.envId,
      id: f.id,
      name: f.name,
      key: f.key,
    })),
  ),

  openApi("POST", base, perm("CreateSegment"), (ctx) => {
    const body = ctx.body({ type: str(), name: str(), key: str(), description: str(), scopes: arr(str()) });
    const scopes = (body.scopes ?? []).map((s) => s ?? "");
    validate(
      first([!SEGMENT_TYPES.includes(body.type ?? ""), invalid("type")]),
      // Quirk: an empty name is `name_is_invalid`, not `_is_required`.
      first([isEmpty(body.name) || (body.name ?? "").length > 128, invalid("name")]),
      keyRules(body.key),
      first([scopes.length === 0 || scopes.some((s) => s.includes("*")), invalid("scopes")]),
    );
    // Shared segments need the `shareable-segment` license, which the emulated workspace lacks.
    if (body.type === "shared") throw business("Unauthorized");
    const { store } = ctx;
    const now = store.now();
    // Faithful: no key-uniqueness check on create.
    const segment: Segment = {
      id: store.guid(),
      workspaceId: store.state.workspace.id,
      envId: ctx.params.envId,
      name: body.name as string,
      key: body.key as string,
      type: body.type as string,
      scopes,
      description: body.description,
      included: [],
      excluded: [],
      rules: [],
      tags: [],
      isArchived: false,
      createdAt: now,
      updatedAt: now,
    };
    store.state.segments.push(segment);
    store.touch();
    record(ctx, segment, "Create", null, null);
    return view(segment);
  }),

  openApi("PUT", `${base}/{segmentId:guid}/name`, perm("UpdateSegmentName"), (ctx) => {
    const body = ctx.body({ name: str(), ...commentShape });
    validate(
      first([isEmpty(body.name), "name_is_required"], [(body.name ?? "").length > 128, invalid("name")]),
    );
    const s = segmentOf(ctx);
    mutate(ctx, s, body.comment, () => (s.name = body.name as string));
    return true;
  }),

  openApi("PUT", `${base}/{segmentId:guid}/description`, perm("UpdateSegmentDescription"), (ctx) => {
    const body = ctx.body({ description: str(), ...commentShape });
    const s = segmentOf(ctx);
    // Unvalidated; Postgres' varchar(512) column is what refuses longer text.
    if ((body.description ?? "").length > 512) throw internal();
    mutate(ctx, s, body.comment, () => (s.description = body.description));
    return true;
  }),

  openApi("PUT", `${base}/{segmentId:guid}/targeting`, undefined, (ctx) => {
    const body = ctx.body({
      included: arr(str()),
      excluded: arr(str()),
      rules: arr(matchRuleShape),
      ...commentShape,
    });
    const rules = toMatchRules(body.rules);
    validate(
      first([
        rules.some((r) =>
          (r.conditions ?? []).some((c) => c.property !== null && SEGMENT_PROPERTIES.includes(c.property)),
        ),
        invalid("rules"),
      ]),
    );
    const s = segmentOf(ctx);
    const next = {
      included: (body.included ?? []).map((x) => x ?? ""),
      excluded: (body.excluded ?? []).map((x) => x ?? ""),
      rules,
    };
    const rn = segmentRN(ctx.store, ctx.params.envId, s.key, s.tags);
    const changed = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
    if (changed(s.rules, next.rules) && !ctx.can("UpdateSegmentRules", rn)) throw forbidden();
    const usersChanged = changed(s.included, next.included) || changed(s.excluded, next.excluded);
    if (usersChanged && !ctx.can("UpdateSegmentTargetingUsers", rn)) throw forbidden();
    mutate(ctx, s, body.comment, () => Object.assign(s, next));
    // Referencing flags are touched but keep their revision.
    const now = ctx.store.now();
    for (const f of ctx.store.state.flags.filter((f) => flagReferencesSegment(f, s.id))) {
      f.updatedAt = now;
      f.updatorId = ctx.caller.id;
    }
    return true;
  }),

  openApi("PUT", `${base}/{segmentId:guid}/tags`, perm("UpdateSegmentTags"), (ctx) => {
    const body = ctx.body({ tags: arr(str()), ...commentShape });
    const s = segmentOf(ctx);
    mutate(ctx, s, body.comment, () => (s.tags = (body.tags ?? []).map((t) => t ?? "")));
    return true;
  }),

  openApi("PUT", `${base}/{segmentId:guid}/archive`, perm("ArchiveSegment"), (ctx) => {
    const body = ctx.body(commentShape, true);
    const s = segmentOf(ctx);
    if (referencingFlags(ctx.store, s).length > 0) throw business("SegmentIsBeingUsed");
    mutate(ctx, s, body.comment, () => (s.isArchived = true), "Archive");
    return true;
  }),

  openApi("PUT", `${base}/{segmentId:guid}/restore`, perm("RestoreSegment"), (ctx) => {
    const body = ctx.body(commentShape, true);
    const s = segmentOf(ctx);
    mutate(ctx, s, body.comment, () => (s.isArchived = false), "Restore");
    return true;
  }),

  openApi("DELETE", `${base}/{segmentId:guid}`, perm("DeleteSegment"), (ctx) => {
    const body = ctx.body(commentShape, true);
    const s = segmentOf(ctx);
    if (!s.isArchived) throw business("CannotDeleteUnArchivedSegment");
    ctx.store.state.segments = ctx.store.state.segments.filter((x) => x !== s);
    ctx.store.touch();
    record(ctx, s, "Remove", JSON.stringify(s), body.comment);
    return true;
  }),

  openApi("PATCH", `${base}/{segmentId:guid}`, undefined, patchSegment),
];
