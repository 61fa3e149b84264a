// FeatBit's data sync: what the evaluation server sends server-side SDKs (over its WebSocket, or from the polling
// endpoint), which is also what an SDK's bootstrap takes. One shape for the emulator's streaming endpoint and for the
// offline evaluations of targeting tests and featbit-diff, so the SDK sees the same thing from either.
//
// featbit/featbit modules/evaluation-server/src: Streaming/Services/DataSyncService.cs (GetServerSdkPayloadAsync),
// Streaming/Protocol/ServerSdkPayload.cs, Infrastructure/Persistence/Postgres/RowSerializer.cs (the fields).
import type { Condition, Fallthrough, MatchRule, TargetRule, TargetUser } from "../client/targeting";
import type { PropertyCondition } from "../resources/core/conditions";
import { toApiCondition } from "../resources/core/conditions";
import { stableId } from "../resources/core/stableIds";

/** A flag as RowSerializer.SerializeFlag writes it (no revision, creator or createdAt). */
export interface DataSyncFlag {
  id: string;
  envId: string;
  name: string;
  description: string | null;
  key: string;
  variationType: string;
  variations: { id: string; name: string; value: string }[];
  targetUsers: TargetUser[];
  rules: TargetRule[];
  isEnabled: boolean;
  disabledVariationId: string;
  fallthrough: Fallthrough;
  exptIncludeAllTargets: boolean;
  tags: string[];
  /** The SDK's version of the item (ms since the epoch), and what `timestamp` in a data-sync request compares. */
  updatedAt: string;
  isArchived: boolean;
}

/** A segment as RowSerializer.SerializeSegment writes it, `envId` being the requesting environment's. */
export interface DataSyncSegment {
  id: string;
  envId: string;
  name: string;
  description: string | null;
  included: string[];
  excluded: string[];
  rules: MatchRule[];
  updatedAt: string;
  isArchived: boolean;
}

/** `full` answers a request with timestamp 0; `patch` carries what changed after the requested timestamp. */
export interface DataSyncPayload {
  eventType: "full" | "patch";
  featureFlags: DataSyncFlag[];
  segments: DataSyncSegment[];
}

/** The message both the WebSocket and the polling endpoint send (SdkController.GetServerSideSdkPayloadAsync). */
export interface DataSyncMessage {
  messageType: "data-sync";
  data: DataSyncPayload;
}

/** What a segment declares (Segment resource inputs, or a FlagSet entry), by the id flag rules name it with. */
export interface DeclaredSegment {
  id: string;
  included?: readonly string[];
  excluded?: readonly string[];
  rules?: readonly { name: string; conditions: readonly PropertyCondition[] }[];
  isArchived?: boolean;
}

/** Offline data carries one fixed time: nothing is newer than anything else. */
export const OFFLINE_UPDATED_AT = "2024-01-01T00:00:00.000Z";
/** Offline data belongs to no environment. */
export const OFFLINE_ENV_ID = "00000000-0000-4000-8000-000000000000";

export function declaredSegment(segment: DeclaredSegment): DataSyncSegment {
  const rules: MatchRule[] = (segment.rules ?? []).map((rule) => {
    const id = stableId(segment.id, "rule", rule.name);
    return {
      id,
      name: rule.name,
      conditions: rule.conditions.map((c, i): Condition => toApiCondition(c, id, i)),
    };
  });
  return {
    id: segment.id,
    envId: OFFLINE_ENV_ID,
    name: segment.id,
    description: null,
    included: [...(segment.included ?? [])],
    excluded: [...(segment.excluded ?? [])],
    rules,
    updatedAt: OFFLINE_UPDATED_AT,
    isArchived: segment.isArchived ?? false,
  };
}

export function dataSyncMessage(
  featureFlags: DataSyncFlag[],
  segments: DataSyncSegment[],
  eventType: DataSyncPayload["eventType"] = "full",
): DataSyncMessage {
  return { messageType: "data-sync", data: { eventType, featureFlags, segments } };
}
