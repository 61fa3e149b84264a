// Flag schedules and change requests. FeatBit creates them only for a logged-in user (JWT-only,
// licensed endpoints), so the emulator seeds them through its data file or POST /_emulator/pending-changes;
// the access-token API only reads them: GET …/feature-flags/{key}/pending-changes.
import { save } from "./columns";
import { compareFlags, type Instruction } from "./flagDiffer";
import { EMPTY_GUID, parseGuid } from "./ids";
import type { FeatureFlag, FlagChangeRequest, FlagDraft, FlagSchedule, Reviewer } from "./state";
import type { Store } from "./store";

/** .NET's default(DateTime), as System.Text.Json writes it (Kind Unspecified: no "Z"). */
const DEFAULT_DATETIME = "0001-01-01T00:00:00";

/** Application/FeatureFlags/PendingChangesVm.cs, in its property order. */
export interface PendingChangesVm {
  id: string;
  flagId: string;
  dataChange: FlagDraft["dataChange"] | null;
  creatorId: string;
  creatorName: string | null;
  createdAt: string;
  instructions: Instruction[] | null;
  type: "Schedule" | "ChangeRequest";
  status: string;
  scheduleTitle: string | null;
  scheduledTime: string;
  changeRequestId: string | null;
  changeRequestReason: string | null;
  reviewers: Reviewer[] | null;
}

/**
 * GetPendingChangesHandler (Application/FeatureFlags/GetPendingChanges.cs): every schedule and every
 * change request of the flag whose status is not Applied — declined ones included. A schedule shows
 * the reason and reviewers of its change request if that one is listed too; a change request with a
 * schedule appears only through the schedule. Newest first; each item carries its draft's DataChange
 * and the FlagComparer instructions computed from it (which throw, 500, where the comparer throws).
 */
export function pendingChanges(store: Store, flag: FeatureFlag): PendingChangesVm[] {
  const { state } = store;
  const schedules = state.flagSchedules.filter((s) => s.flagId === flag.id && s.status !== "Applied");
  const requests = state.flagChangeRequests.filter((c) => c.flagId === flag.id && c.status !== "Applied");
  const post = (vm: PendingChangesVm, draftId: string, creatorId: string): PendingChangesVm => {
    const draft = state.flagDrafts.find((d) => d.id === draftId);
    if (draft) {
      vm.dataChange = draft.dataChange;
      vm.instructions = draftInstructions(draft);
    }
    const user = state.users.find((u) => u.id === creatorId);
    if (user) {
      vm.creatorId = user.id;
      vm.creatorName = user.name;
    }
    return vm;
  };
  // Built in the view model's property order, which is the wire order.
  const vm = (
    fields: Pick<PendingChangesVm, "id" | "flagId" | "createdAt" | "type" | "status"> &
      Partial<PendingChangesVm>,
  ) => ({
    id: fields.id,
    flagId: fields.flagId,
    dataChange: null,
    creatorId: EMPTY_GUID,
    creatorName: null,
    createdAt: fields.createdAt,
    instructions: null,
    type: fields.type,
    status: fields.status,
    scheduleTitle: fields.scheduleTitle ?? null,
    scheduledTime: fields.scheduledTime ?? DEFAULT_DATETIME,
    changeRequestId: fields.changeRequestId ?? null,
    changeRequestReason: fields.changeRequestReason ?? null,
    reviewers: fields.reviewers ?? null,
  });
  const result: PendingChangesVm[] = [
    ...schedules.map((s) => {
      const cr = requests.find((c) => c.id === s.changeRequestId);
      const item = vm({
        id: s.id,
        flagId: s.flagId,
        createdAt: s.createdAt,
        type: "Schedule",
        status: s.status,
        scheduleTitle: s.title,
        scheduledTime: s.scheduledTime,
        changeRequestId: s.changeRequestId,
        changeRequestReason: cr ? cr.reason : null,
        reviewers: cr ? cr.reviewers : null,
      });
      return post(item, s.flagDraftId, s.creatorId);
    }),
    ...requests
      .filter((c) => c.scheduleId === null)
      .map((c) =>
        post(
          vm({
            id: c.id,
            flagId: c.flagId,
            createdAt: c.createdAt,
            type: "ChangeRequest",
            status: c.status,
            changeRequestReason: c.reason,
            reviewers: c.reviewers,
          }),
          c.flagDraftId,
          c.creatorId,
        ),
      ),
  ];
  // OrderByDescending is a stable sort.
  return result
    .map((vm, i) => ({ vm, i }))
    .sort((a, b) => b.vm.createdAt.localeCompare(a.vm.createdAt) || a.i - b.i)
    .map((x) => x.vm);
}

function draftInstructions(draft: FlagDraft): Instruction[] {
  // FlagComparer.Compare(DataChange) returns nothing for a creation or deletion.
  if (draft.dataChange.previous.trim() === "" || draft.dataChange.current.trim() === "") return [];
  return compareFlags(
    JSON.parse(draft.dataChange.previous) as FeatureFlag,
    JSON.parse(draft.dataChange.current) as FeatureFlag,
  );
}

export class PendingSeedError extends Error {}

const SCHEDULE_STATUSES = ["PendingReview", "PendingExecution", "Applied", "Declined"] as const;
const REQUEST_STATUSES = ["PendingReview", "Approved", "Declined", "Applied"] as const;
const ACTIONS = ["", "Approve", "Decline"];
/** What a draft may change: the flag's own fields (FlagDraft holds a whole flag snapshot). */
const CHANGEABLE = [
  "name",
  "description",
  "isEnabled",
  "variations",
  "disabledVariationId",
  "targetUsers",
  "rules",
  "fallthrough",
  "exptIncludeAllTargets",
  "tags",
] as const;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function oneOf<T extends string>(v: unknown, allowed: readonly T[], name: string, fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v))
    throw new PendingSeedError(`${name}: one of ${allowed.join(", ")}`);
  return v as T;
}

function text(v: unknown, name: string, fallback: string | null): string | null {
  if (v === undefined) return fallback;
  if (v !== null && typeof v !== "string") throw new PendingSeedError(`${name}: a string`);
  return v;
}

function guidOf(v: unknown, name: string): string {
  const g = typeof v === "string" ? parseGuid(v) : undefined;
  if (g === undefined) throw new PendingSeedError(`${name}: a GUID`);
  return g;
}

function time(v: unknown, name: string, fallback: string): string {
  if (v === undefined) return fallback;
  if (typeof v !== "string" || !Number.isFinite(Date.parse(v)))
    throw new PendingSeedError(`${name}: an ISO date-time`);
  return new Date(Date.parse(v)).toISOString();
}

/**
 * Seeds a schedule or a change request (optionally both, linked, as the UI creates a scheduled
 * change that needs review). Body:
 *
 *   { envId, flagKey, type: "Schedule" | "ChangeRequest", change: { isEnabled: true, … },
 *     status?, title?, scheduledTime?, reason?, reviewers?: [memberId], creatorId?, comment?,
 *     changeRequest?: { status?, reason?, reviewers? }   // a schedule's change request
 *   }
 *
 * The draft's DataChange is the flag as it is now and the flag with `change` applied. Values that
 * FeatBit's columns would refuse (title > 128, reason or comment > 512) are refused here too.
 */
export function seedPendingChange(store: Store, body: unknown) {
  if (!isRecord(body)) throw new PendingSeedError("expected a JSON object");
  const envId = guidOf(body.envId, "envId");
  if (typeof body.flagKey !== "string") throw new PendingSeedError("flagKey: a string");
  const flag = store.flag(envId, body.flagKey);
  if (!flag) throw new PendingSeedError(`no flag '${body.flagKey}' in environment ${envId}`);
  const type = oneOf(body.type, ["Schedule", "ChangeRequest"], "type", "Schedule");
  if (!isRecord(body.change)) throw new PendingSeedError("change: an object of flag fields to change");
  for (const k of Object.keys(body.change))
    if (!(CHANGEABLE as readonly string[]).includes(k))
      throw new PendingSeedError(`change.${k}: not a field a draft changes (${CHANGEABLE.join(", ")})`);
  const { state } = store;
  const owner = state.members[0]?.userId ?? EMPTY_GUID;
  const creatorId = body.creatorId === undefined ? owner : guidOf(body.creatorId, "creatorId");
  const now = store.now();
  const current = { ...flag, ...(body.change as Partial<FeatureFlag>) };
  try {
    compareFlags(
      JSON.parse(JSON.stringify(flag)) as FeatureFlag,
      JSON.parse(JSON.stringify(current)) as FeatureFlag,
    );
  } catch {
    throw new PendingSeedError("change: FeatBit's flag comparer cannot read this change (a null list?)");
  }
  const comment = text(body.comment, "comment", "");
  save("flag_drafts", { comment }, () => new PendingSeedError("comment: at most 512 characters"));
  const audit = { creatorId, updatorId: creatorId, createdAt: now, updatedAt: now };
  const draft: FlagDraft = {
    id: store.guid(),
    envId,
    flagId: flag.id,
    status: "Pending",
    comment,
    dataChange: { previous: JSON.stringify(flag), current: JSON.stringify(current) },
    ...audit,
  };
  const reviewersOf = (v: unknown, name: string): Reviewer[] => {
    if (v === undefined) return [{ memberId: owner, action: "", timestamp: null }];
    if (!Array.isArray(v))
      throw new PendingSeedError(`${name}: an array of member ids or { memberId, action, timestamp }`);
    return v.map((r, i) => {
      if (typeof r === "string") return { memberId: guidOf(r, `${name}[${i}]`), action: "", timestamp: null };
      if (!isRecord(r))
        throw new PendingSeedError(`${name}[${i}]: a member id or { memberId, action, timestamp }`);
      const action = text(r.action, `${name}[${i}].action`, "") ?? "";
      if (!ACTIONS.includes(action))
        throw new PendingSeedError(`${name}[${i}].action: "", Approve or Decline`);
      return {
        memberId: guidOf(r.memberId, `${name}[${i}].memberId`),
        action,
        timestamp:
          r.timestamp === undefined || r.timestamp === null
            ? null
            : time(r.timestamp, `${name}[${i}].timestamp`, now),
      };
    });
  };
  const request = (spec: Record<string, unknown>, scheduleId: string | null): FlagChangeRequest => {
    const reason = text(spec.reason, "reason", "");
    save("flag_change_requests", { reason }, () => new PendingSeedError("reason: at most 512 characters"));
    return {
      id: store.guid(),
      orgId: state.organization.id,
      envId,
      flagDraftId: draft.id,
      flagId: flag.id,
      status: oneOf(spec.status, REQUEST_STATUSES, "status", "PendingReview"),
      reason,
      reviewers: reviewersOf(spec.reviewers, "reviewers"),
      scheduleId,
      ...audit,
    };
  };

  let schedule: FlagSchedule | null = null;
  let changeRequest: FlagChangeRequest | null = null;
  if (type === "Schedule") {
    const title = text(body.title, "title", "Scheduled change") ?? "";
    save("flag_schedules", { title }, () => new PendingSeedError("title: 1 to 128 characters"));
    const scheduleId = store.guid();
    if (body.changeRequest !== undefined) {
      if (!isRecord(body.changeRequest)) throw new PendingSeedError("changeRequest: an object");
      changeRequest = request(body.changeRequest, scheduleId);
    }
    schedule = {
      id: scheduleId,
      orgId: state.organization.id,
      envId,
      flagDraftId: draft.id,
      flagId: flag.id,
      status: oneOf(
        body.status,
        SCHEDULE_STATUSES,
        "status",
        changeRequest ? "PendingReview" : "PendingExecution",
      ),
      title,
      scheduledTime: time(
        body.scheduledTime,
        "scheduledTime",
        new Date(Date.parse(now) + 86_400_000).toISOString(),
      ),
      changeRequestId: changeRequest ? changeRequest.id : null,
      ...audit,
    };
  } else {
    changeRequest = request(body, null);
  }
  state.flagDrafts.push(draft);
  if (schedule) state.flagSchedules.push(schedule);
  if (changeRequest) state.flagChangeRequests.push(changeRequest);
  store.touch();
  return { draft, schedule, changeRequest };
}
