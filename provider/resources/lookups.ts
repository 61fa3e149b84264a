// FeatBit facts several resources rely on when they look objects up.
import type { ProjectWithEnvs } from "../client";
import { isFeatBitApiError } from "../client/errors";
import type { Context } from "./framework";

/** FeatBit compares project, environment, flag and segment keys ignoring case. */
export const sameKey = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * The project, or undefined when it is gone. FeatBit answers 500 (missing id) or 403 (its permission name cannot be
 * resolved) for a project that no longer exists, and 403 for one the token cannot access: the list settles which.
 */
export async function findProject(ctx: Context, projectId: string): Promise<ProjectWithEnvs | undefined> {
  try {
    return await ctx.client.projects.get(projectId);
  } catch (err) {
    if (!isFeatBitApiError(err) || ![403, 404, 500].includes(err.status ?? 0)) throw err;
    if ((await ctx.client.projects.list()).some((p) => p.id === projectId)) throw err;
    return undefined;
  }
}
