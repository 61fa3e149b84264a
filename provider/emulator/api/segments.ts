// Segments (§4.8, §5.3).
import { segmentRnUnder } from "../auth";
import { arr, BindFailure, str } from "../binding";
import { save } from "../columns";
import { deref, DotnetException, source } from "../dotnet";
import { compareSegments, SEGMENT_UPDATE_RULE_KINDS, SEGMENT_UPDATE_TARGET_USERS_KINDS } from "../flagDiffer";
import { business, FailedAfterSave, forbidden, notFound, patchFailure } from "../http";
import { applyPatch, PatchError } from "../jsonPatch";
import { openApi, Raw, type Ctx, type Route } from "../router";
import type { FeatureFlag, MatchRule, Segment } from "../state";
import { flagReferencesSegment, SEGMENT_PROPERTIES, scopeCovers, type Store } from "../store";
import { first, includesCI, invalid, isEmpty, keyRules, page, validate } from "../validation";
import { recordFlag } from "./flags";
import { matchRuleShape, readPatchBody, rebindSegment, type PatchedSegment } from "./shapes";

const base = "/api/v1/envs/{envId:guid}/segments";
const perm = (name: string) => ({ name, type: "segment" as const });
const canAccessEnv = { name: "CanAccessEnv", type: "env" as const };
const SEGMENT_TYPES = ["environment-specific", "shared"];
const commentShape = { comment: str() };

function view(s: Segment) {
  return { ...s, isEnvironmentSpecific: s.type === "environment-specific" };
}

function segmentOf(ctx: Ctx): Segment {
  const segment = ctx.store.segment(ctx.params.segmentId);
  if (!segment) throw notFound();
  return segment;
}

/** AuditLog.For(segment): the segment's own env, keyword = its name (Domain/AuditLogs/Keywords.cs). */
function record(ctx: Ctx, s: Segment, operation: string, previous: string, comment: string | null) {
  ctx.store.audit({
    envId: s.envId,
    refId: s.id,
    refType: "Segment",
    keyword: s.name,
    operation,
    dataChange: { previous, current: operation === "Remove" ? "" : JSON.stringify(s) },
    comment,
    creatorId: ctx.caller.id,
  });
}

/** Segment.UpdateX: no no-op check, always saved, then audited (Application/Segments/*.cs). */
function mutate(ctx: Ctx, s: Segment, comment: string | null, change: () => void, op = "Update"): void {
  const previous = JSON.stringify(s);
  change();
  s.updatedAt = ctx.store.now();
  ctx.store.touch();
  record(ctx, s, op, previous, comment);
}

/** SegmentService.GetEnvironmentIdsAsync: its own env if environment-specific, else the envs its scopes cover. */
function environmentIds(store: Store, s: Segment): string[] {
  if (s.type === "environment-specific") return [s.envId];
  return store.state.environments
    .filter((e) => {
      const scope = store.envScope(e.id);
      return scope !== undefined && s.scopes.some((sc) => scopeCovers(sc, scope));
    })
    .map((e) => e.id);
}

/**
 * GetFlagReferences (Application/Segments/GetFlagReferences.cs): flags of those envs, archived ones
 * included, whose rules name the segment. Throws like FeatBit's SQL does (see flagReferencesSegment).
 */
function referencingFlags(store: Store, s: Segment): FeatureFlag[] {
  const envIds = environmentIds(store, s);
  return envIds.flatMap((envId) =>
    store.state.flags.filter((f) => f.envId === envId && flagReferencesSegment(f, s.id)),
  );
}

/**
 * OnSegmentChange for a targeting change (Application/Segments/OnSegmentChange.cs, after the audit
 * entry): referencing flags get a new updatedAt/updatorId — not a new revision — and an audit entry
 * each (Infrastructure/AppService/FeatureFlagAppService.OnSegmentUpdatedAsync). The segment and its
 * audit entry are saved by then, so a failure here keeps them.
 */
function touchReferencingFlags(ctx: Ctx, s: Segment): void {
  let flags: FeatureFlag[];
  try {
    flags = referencingFlags(ctx.store, s);
  } catch (e) {
    if (e instanceof DotnetException) throw new FailedAfterSave();
    throw e;
  }
  for (const f of flags) {
    const previous = JSON.stringify(f);
    f.updatedAt = ctx.store.now();
    f.updatorId = ctx.caller.id;
    recordFlag(ctx, f, "Update", previous, `Referenced segment '${s.name}' has been updated.`);
  }
  ctx.store.touch();
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

const TARGETING_PATHS = ["/included", "/excluded", "/rules"];

/** PatchSegment.cs: apply every operation (the last error wins), save as is, audit "Updated via patch". */
function patchSegment(ctx: Ctx): unknown {
  const ops = readPatchBody(ctx);
  const segment = segmentOf(ctx);
  let patched: PatchedSegment;
  try {
    patched = rebindSegment(applyPatch(segment, ops));
  } catch (e) {
    if (e instanceof PatchError || e instanceof BindFailure) return new Raw(patchFailure(e.message));
    throw e;
  }
  save("segments", {
    name: patched.name,
    key: patched.key,
    type: patched.type,
    description: patched.description,
  });
  mutate(ctx, segment, "Updated via patch", () => Object.assign(segment, patched as Segment));
  const targeting = ops.some((op) => TARGETING_PATHS.some((p) => op.path.toLowerCase().startsWith(p)));
  if (targeting) touchReferencingFlags(ctx, segment);
  return true;
}

/**
 * UpdateTargetingValidator (Application/Segments/UpdateTargeting.cs): `rules.SelectMany(x =>
 * x.Conditions).All(x => !x.IsSegmentCondition())`. A null rule list, rule, condition list or
 * condition throws inside the validator: 500, nothing saved.
 */
function rulesHaveSegmentCondition(rules: (MatchRule | null)[] | null): boolean {
  for (const rule of source(rules)) {
    for (const c of source(deref(rule).conditions)) {
      const property = deref(c).property;
      if (property !== null && SEGMENT_PROPERTIES.includes(property)) return true;
    }
  }
  return false;
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
        .flatMap((s) => s.tags ?? []),
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
    const scopes = body.scopes ?? [];
    // CreateSegmentValidator's `scopes.Any(x => x.Contains('*'))` dereferences each scope.
    if (scopes.includes(null)) throw new DotnetException("NullReferenceException");
    validate(
      first([!SEGMENT_TYPES.includes(body.type ?? ""), invalid("type")]),
      // Quirk: an empty name is `name_is_invalid`, not `_is_required`.
      first([isEmpty(body.name) || (body.name ?? "").length > 128, invalid("name")]),
      keyRules(body.key),
      first([scopes.length === 0 || scopes.some((s) => (s ?? "").includes("*")), invalid("scopes")]),
    );
    // Shared segments need the `shareable-segment` license, which the emulated workspace lacks.
    if (body.type === "shared") throw business("Unauthorized");
    // Segment.cs: `Description = description ?? string.Empty`; segments.description is varchar(512).
    const description = body.description ?? "";
    save("segments", { description });
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
      scopes: scopes as string[],
      description,
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
    record(ctx, segment, "Create", "", "");
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
    // Unvalidated; the varchar(512) column refuses longer text before anything is saved.
    save("segments", { description: body.description });
    mutate(ctx, s, body.comment, () => (s.description = body.description));
    return true;
  }),

  // Application/Segments/UpdateTargeting.cs: validator, then SegmentComparer over the JSON snapshots
  // for the permission decision (against the segment's own environment), save, audit, then the
  // referencing flags.
  openApi("PUT", `${base}/{segmentId:guid}/targeting`, undefined, (ctx) => {
    const body = ctx.body({
      included: arr(str()),
      excluded: arr(str()),
      rules: arr(matchRuleShape),
      ...commentShape,
    });
    validate(first([rulesHaveSegmentCondition(body.rules), invalid("rules")]));
    const s = segmentOf(ctx);
    const next = { included: body.included ?? [], excluded: body.excluded ?? [], rules: body.rules };
    const before = JSON.parse(JSON.stringify(s)) as Segment;
    const instructions = compareSegments(before, JSON.parse(JSON.stringify({ ...s, ...next })) as Segment);
    const needs: [string[], string][] = [
      [SEGMENT_UPDATE_RULE_KINDS, "UpdateSegmentRules"],
      [SEGMENT_UPDATE_TARGET_USERS_KINDS, "UpdateSegmentTargetingUsers"],
    ];
    const required = needs.filter(([kinds]) => instructions.some((i) => kinds.includes(i.kind)));
    if (required.length > 0) {
      const rn = segmentRnUnder(ctx.store, s, s.envId);
      if (required.some(([, permission]) => !ctx.can(permission, rn))) throw forbidden();
    }
    mutate(ctx, s, body.comment, () => Object.assign(s, next));
    touchReferencingFlags(ctx, s);
    return true;
  }),

  openApi("PUT", `${base}/{segmentId:guid}/tags`, perm("UpdateSegmentTags"), (ctx) => {
    const body = ctx.body({ tags: arr(str()), ...commentShape });
    const s = segmentOf(ctx);
    mutate(ctx, s, body.comment, () => (s.tags = body.tags ?? []));
    return true;
  }),

  // The controller passes the route's envId, but GetFlagReferences looks in the segment's own envs.
  openApi("PUT", `${base}/{segmentId:guid}/archive`, perm("ArchiveSegment"), (ctx) => {
    const body = ctx.body(commentShape, true);
    const s = segmentOf(ctx);
    if (referencingFlags(ctx.store, s).length > 0) throw business("SegmentIsBeingUsed");
    mutate(ctx, s, body.comment ?? "", () => (s.isArchived = true), "Archive");
    return true;
  }),

  openApi("PUT", `${base}/{segmentId:guid}/restore`, perm("RestoreSegment"), (ctx) => {
    const body = ctx.body(commentShape, true);
    const s = segmentOf(ctx);
    mutate(ctx, s, body.comment ?? "", () => (s.isArchived = false), "Restore");
    return true;
  }),

  // DeleteSegment.cs deletes, then OnSegmentDeleted writes the audit entry (which may still fail).
  openApi("DELETE", `${base}/{segmentId:guid}`, perm("DeleteSegment"), (ctx) => {
    const body = ctx.body(commentShape, true);
    const s = segmentOf(ctx);
    if (!s.isArchived) throw business("CannotDeleteUnArchivedSegment");
    ctx.store.state.segments = ctx.store.state.segments.filter((x) => x !== s);
    ctx.store.touch();
    record(ctx, s, "Remove", JSON.stringify(s), body.comment ?? "");
    return true;
  }),

  openApi("PATCH", `${base}/{segmentId:guid}`, undefined, patchSegment),
];
