import { z } from "zod";
import { Ack, list, listOf, paged, type Paged, type WithComment } from "./common";
import type { EnvironmentsApi } from "./environments";
import { isFeatBitApiError } from "./errors";
import { MatchRule } from "./targeting";
import { seg, type HttpTransport } from "./transport";

export const SEGMENT_TYPES = ["environment-specific", "shared"] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];

// Domain/Segments/Segment.cs. scopes, included, excluded (text[]) and rules (jsonb) are nullable columns (segments in
// v0.0.0.sql) that PUT …/targeting and a JSON patch store as sent; tags came with 5.2.0 (v5.2.0.sql), so older
// FeatBits omit them: all read as empty (see `list`).
export const Segment = z.object({
  id: z.string(),
  workspaceId: z.string().nullish(),
  envId: z.string().nullish(),
  name: z.string(),
  key: z.string(),
  type: z.string(),
  scopes: list(z.string()),
  description: z.string().nullable(),
  included: list(z.string()),
  excluded: list(z.string()),
  rules: list(MatchRule),
  tags: list(z.string()),
  isArchived: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Segment = z.infer<typeof Segment>;

/** List items: Application/Segments/SegmentVm.cs (lists as in Segment). */
export const SegmentVm = z.object({
  id: z.string(),
  name: z.string(),
  key: z.string(),
  type: z.string(),
  scopes: list(z.string()),
  tags: list(z.string()),
  description: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SegmentVm = z.infer<typeof SegmentVm>;

export const FlagReference = z.object({
  envId: z.string(),
  id: z.string(),
  name: z.string(),
  key: z.string(),
});
export type FlagReference = z.infer<typeof FlagReference>;

export interface CreateSegment {
  type: SegmentType;
  name: string;
  key: string;
  description?: string | null;
  scopes: string[];
}

export interface SegmentTargeting {
  included: string[];
  excluded: string[];
  rules: z.infer<typeof MatchRule>[];
}

export interface ListSegments {
  name?: string;
  isArchived?: boolean;
  pageIndex?: number;
  pageSize?: number;
}

export class SegmentsApi {
  constructor(
    private readonly t: HttpTransport,
    private readonly environments: EnvironmentsApi,
  ) {}

  /**
   * The segment of this environment (archived ones too: see `isArchived`), or undefined when it is gone. FeatBit
   * answers 404 for a missing segment, and 403 when the environment in the path no longer exists (its permission name
   * cannot be resolved), which the project list settles.
   */
  async find(envId: string, id: string): Promise<Segment | undefined> {
    try {
      const segment = await this.get(envId, id);
      // FeatBit looks a segment up by id alone, whatever environment the path names; an environment-specific
      // segment of another environment is not one of this environment's (FeatBit also refuses writes to it there).
      const elsewhere =
        segment.type === "environment-specific" && segment.envId != null && segment.envId !== envId;
      return elsewhere ? undefined : segment;
    } catch (err) {
      if (!isFeatBitApiError(err)) throw err;
      if (err.kind === "not-found") return undefined;
      if (err.kind === "forbidden" && (await this.environments.locate(envId)) === undefined) return undefined;
      throw err;
    }
  }

  private base(envId: string): string {
    return `/envs/${seg(envId)}/segments`;
  }

  private subject(envId: string, id: string): string {
    return `segment ${id} in environment ${envId}`;
  }

  /** Ordered by updatedAt desc; includes segments of any scope covering the env. */
  list(envId: string, filter: ListSegments = {}): Promise<Paged<SegmentVm>> {
    return this.t.request({
      method: "GET",
      path: this.base(envId),
      query: { ...filter },
      schema: paged(SegmentVm),
      subject: `segments in environment ${envId}`,
    });
  }

  /** Looked up by id only; missing → 404 ResourceNotFound. */
  get(envId: string, id: string): Promise<Segment> {
    return this.t.request({
      method: "GET",
      path: `${this.base(envId)}/${seg(id)}`,
      schema: Segment,
      subject: this.subject(envId, id),
    });
  }

  byIds(envId: string, ids: string[]): Promise<Segment[]> {
    return this.t.request({
      method: "GET",
      path: `${this.base(envId)}/by-ids`,
      query: { ids },
      schema: listOf(Segment),
      subject: `segments in environment ${envId}`,
    });
  }

  /** FeatBit does not check key uniqueness here: callers must. */
  create(envId: string, body: CreateSegment): Promise<Segment> {
    return this.t.request({
      method: "POST",
      path: this.base(envId),
      body,
      schema: Segment,
      subject: `segment '${body.key}' in environment ${envId}`,
    });
  }

  updateName(envId: string, id: string, body: { name: string } & WithComment): Promise<boolean> {
    return this.put(envId, id, "name", body);
  }

  updateDescription(
    envId: string,
    id: string,
    body: { description: string } & WithComment,
  ): Promise<boolean> {
    return this.put(envId, id, "description", body);
  }

  updateTargeting(envId: string, id: string, body: SegmentTargeting & WithComment): Promise<boolean> {
    return this.put(envId, id, "targeting", body);
  }

  setTags(envId: string, id: string, body: { tags: string[] } & WithComment): Promise<boolean> {
    return this.put(envId, id, "tags", body);
  }

  /** 422 SegmentIsBeingUsed while a flag rule references it. */
  archive(envId: string, id: string, body: WithComment = {}): Promise<boolean> {
    return this.put(envId, id, "archive", body);
  }

  restore(envId: string, id: string, body: WithComment = {}): Promise<boolean> {
    return this.put(envId, id, "restore", body);
  }

  /** Must be archived first (422 CannotDeleteUnArchivedSegment); missing → 403. */
  delete(envId: string, id: string, body: WithComment = {}): Promise<boolean> {
    return this.t.request({
      method: "DELETE",
      path: `${this.base(envId)}/${seg(id)}`,
      body,
      schema: Ack,
      subject: this.subject(envId, id),
    });
  }

  flagReferences(envId: string, id: string): Promise<FlagReference[]> {
    return this.t.request({
      method: "GET",
      path: `${this.base(envId)}/${seg(id)}/flag-references`,
      schema: z.array(FlagReference),
      subject: this.subject(envId, id),
    });
  }

  allTags(envId: string): Promise<string[]> {
    return this.t.request({
      method: "GET",
      path: `${this.base(envId)}/all-tags`,
      schema: z.array(z.string()),
      subject: `segment tags in environment ${envId}`,
    });
  }

  private put(envId: string, id: string, aspect: string, body: unknown): Promise<boolean> {
    return this.t.request({
      method: "PUT",
      path: `${this.base(envId)}/${seg(id)}/${aspect}`,
      body,
      schema: Ack,
      subject: this.subject(envId, id),
    });
  }
}
