import { z } from "zod";
import { Ack, list, paged, Revision, type Paged, type WithComment } from "./common";
import { isFeatBitApiError } from "./errors";
import { DEFAULT_LISTING_POLICY, EnvironmentListings, type ListingPolicy } from "./listings";
import { Fallthrough, TargetRule, TargetUser } from "./targeting";
import { seg, type ApiRequest, type HttpTransport } from "./transport";

import { type VariationType } from "./vocabulary";

export { VARIATION_TYPES, type VariationType } from "./vocabulary";

export const Variation = z.object({
  id: z.string(),
  name: z.string(),
  /** Always a string on the wire: "true", "42", "{\"a\":1}". */
  value: z.string(),
});
export type Variation = z.infer<typeof Variation>;

// Domain/FeatureFlags/FeatureFlag.cs. Its lists are nullable jsonb / text[] columns (feature_flags in v0.0.0.sql),
// which a JSON patch (PATCH …/feature-flags/{key}) can set to null: read as empty (see `list`).
export const FeatureFlag = z.object({
  id: z.string(),
  envId: z.string(),
  revision: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  key: z.string(),
  variationType: z.string(),
  variations: list(Variation),
  targetUsers: list(TargetUser),
  rules: list(TargetRule),
  isEnabled: z.boolean(),
  disabledVariationId: z.string(),
  fallthrough: Fallthrough,
  exptIncludeAllTargets: z.boolean(),
  tags: list(z.string()),
  isArchived: z.boolean(),
  creatorId: z.string().nullish(),
  updatorId: z.string().nullish(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type FeatureFlag = z.infer<typeof FeatureFlag>;

/** List items (Application/FeatureFlags/FeatureFlagVm.cs): no revision, envId, isArchived or targeting. */
export const FeatureFlagVm = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  key: z.string(),
  isEnabled: z.boolean(),
  variationType: z.string(),
  variations: list(Variation),
  tags: list(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type FeatureFlagVm = z.infer<typeof FeatureFlagVm>;

/**
 * A flag's definition (no targeting, no revision): what both `GET …/feature-flags/{key}` and the flag list carry, so
 * either can answer a read of it.
 */
export type FlagDefinition = Pick<
  FeatureFlag,
  "id" | "envId" | "key" | "name" | "description" | "variationType" | "variations" | "tags" | "isArchived"
>;

export interface CreateFeatureFlag {
  name: string;
  key: string;
  description?: string | null;
  isEnabled?: boolean;
  variationType: VariationType;
  variations: Variation[];
  enabledVariationId: string;
  disabledVariationId: string;
  tags?: string[];
}

export interface FlagTargeting {
  targetUsers: TargetUser[];
  rules: TargetRule[];
  fallthrough: Fallthrough;
  exptIncludeAllTargets: boolean;
}

export interface ListFeatureFlags {
  name?: string;
  tags?: string[];
  isEnabled?: boolean;
  isArchived?: boolean;
  sortBy?: "key" | "created_at";
  pageIndex?: number;
  pageSize?: number;
}

export const PendingChange = z.object({ id: z.string(), type: z.string() }).passthrough();
export type PendingChange = z.infer<typeof PendingChange>;

export class FeatureFlagsApi {
  /** Listings of unarchived flags by key, for reads of many flags at once (see listings.ts). */
  private readonly listings: EnvironmentListings<FeatureFlagVm>;

  constructor(
    private readonly t: HttpTransport,
    listingPolicy: ListingPolicy = DEFAULT_LISTING_POLICY,
  ) {
    this.listings = new EnvironmentListings(
      (envId, pageIndex, pageSize) => this.list(envId, { sortBy: "key", pageIndex, pageSize }),
      listingPolicy,
    );
  }

  private base(envId: string): string {
    return `/envs/${seg(envId)}/feature-flags`;
  }

  private subject(envId: string, key: string): string {
    return `feature flag '${key}' in environment ${envId}`;
  }

  list(envId: string, filter: ListFeatureFlags = {}): Promise<Paged<FeatureFlagVm>> {
    return this.t.request({
      method: "GET",
      path: this.base(envId),
      query: { ...filter },
      schema: paged(FeatureFlagVm),
      subject: `feature flags in environment ${envId}`,
    });
  }

  /** The flag (archived ones too: see `isArchived`), or undefined when FeatBit answers 404 ResourceNotFound. */
  async find(envId: string, key: string): Promise<FeatureFlag | undefined> {
    try {
      return await this.get(envId, key);
    } catch (err) {
      if (isFeatBitApiError(err) && err.kind === "not-found") return undefined;
      throw err;
    }
  }

  /**
   * The flag's definition, or undefined when FeatBit has no flag with this key (archived ones are returned). Alone,
   * this is `find`; when many reads of the environment are in flight together (a refresh), one listing of its
   * unarchived flags answers them, and the flags it lacks are read alone.
   */
  findDefinition(envId: string, key: string): Promise<FlagDefinition | undefined> {
    return this.listings.read<FlagDefinition | undefined>(
      envId,
      key,
      () => this.find(envId, key),
      (item) => ({ ...item, envId, isArchived: false }),
    );
  }

  /** Case-sensitive key; archived flags are returned too; missing → 404 ResourceNotFound. */
  get(envId: string, key: string): Promise<FeatureFlag> {
    return this.t.request({
      method: "GET",
      path: `${this.base(envId)}/${seg(key)}`,
      schema: FeatureFlag,
      subject: this.subject(envId, key),
    });
  }

  create(envId: string, body: CreateFeatureFlag): Promise<FeatureFlag> {
    return this.write(envId, body.key, {
      method: "POST",
      path: this.base(envId),
      body,
      schema: FeatureFlag,
      subject: this.subject(envId, body.key),
    });
  }

  updateName(envId: string, key: string, body: { name: string } & WithComment): Promise<string> {
    return this.put(envId, key, "name", body, Revision);
  }

  updateDescription(
    envId: string,
    key: string,
    body: { description: string } & WithComment,
  ): Promise<string> {
    return this.put(envId, key, "description", body, Revision);
  }

  updateOffVariation(
    envId: string,
    key: string,
    body: { revision: string; offVariationId: string } & WithComment,
  ): Promise<string> {
    return this.put(envId, key, "off-variation", body, Revision);
  }

  updateVariations(
    envId: string,
    key: string,
    body: { revision: string; variations: z.infer<typeof Variation>[] } & WithComment,
  ): Promise<string> {
    return this.put(envId, key, "variations", body, Revision);
  }

  updateTargeting(
    envId: string,
    key: string,
    body: { revision: string; targeting: FlagTargeting } & WithComment,
  ): Promise<string> {
    return this.put(envId, key, "targeting", body, Revision);
  }

  toggle(envId: string, key: string, on: boolean, body: WithComment = {}): Promise<string> {
    return this.put(envId, key, `toggle/${on ? "true" : "false"}`, body, Revision);
  }

  setTags(envId: string, key: string, body: { tags: string[] } & WithComment): Promise<boolean> {
    return this.put(envId, key, "tags", body, Ack);
  }

  archive(envId: string, key: string, body: WithComment = {}): Promise<boolean> {
    return this.put(envId, key, "archive", body, Ack);
  }

  restore(envId: string, key: string, body: WithComment = {}): Promise<boolean> {
    return this.put(envId, key, "restore", body, Ack);
  }

  /** Must be archived first (422 CannotDeleteUnarchivedFeatureFlag); missing → 403. */
  delete(envId: string, key: string, body: WithComment = {}): Promise<boolean> {
    return this.write(envId, key, {
      method: "DELETE",
      path: `${this.base(envId)}/${seg(key)}`,
      body,
      schema: Ack,
      subject: this.subject(envId, key),
    });
  }

  clone(
    envId: string,
    originKey: string,
    body: { name: string; key: string; description?: string; tags?: string[] },
  ): Promise<boolean> {
    return this.write(envId, body.key, {
      method: "POST",
      path: `${this.base(envId)}/clone/${seg(originKey)}`,
      body,
      schema: Ack,
      subject: this.subject(envId, body.key),
    });
  }

  allTags(envId: string): Promise<string[]> {
    return this.t.request({
      method: "GET",
      path: `${this.base(envId)}/all-tags`,
      schema: z.array(z.string()),
      subject: `flag tags in environment ${envId}`,
    });
  }

  pendingChanges(envId: string, key: string): Promise<PendingChange[]> {
    return this.t.request({
      method: "GET",
      path: `${this.base(envId)}/${seg(key)}/pending-changes`,
      schema: z.array(PendingChange),
      subject: this.subject(envId, key),
    });
  }

  /** Every write: listings taken before it finished must not answer for the flag (see listings.ts). */
  private async write<T>(envId: string, key: string, req: ApiRequest<T>): Promise<T> {
    try {
      return await this.t.request(req);
    } finally {
      this.listings.touched(envId, key);
    }
  }

  private put<T>(
    envId: string,
    key: string,
    aspect: string,
    body: unknown,
    schema: z.ZodType<T>,
  ): Promise<T> {
    return this.write(envId, key, {
      method: "PUT",
      path: `${this.base(envId)}/${seg(key)}/${aspect}`,
      body,
      schema,
      subject: this.subject(envId, key),
    });
  }
}
