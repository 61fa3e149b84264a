import { z } from "zod";
import { Ack, list, listOf, type Listed } from "./common";
import { isFeatBitApiError } from "./errors";
import { seg, type HttpTransport } from "./transport";

export const Secret = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(["server", "client"]),
  value: z.string(),
});
export type Secret = z.infer<typeof Secret>;

export const EnvironmentSettings = z.object({ requireChangeComment: z.boolean() });
export type EnvironmentSettings = z.infer<typeof EnvironmentSettings>;

/**
 * An environment as embedded in project views (has `key` and `projectId`): Domain/Environments/Environment.cs, whose
 * description (CreateEnvironment.cs passes a missing one on as null) and secrets and settings (nullable jsonb,
 * environments in v0.0.0.sql) may be null.
 */
export const Environment = z.object({
  id: z.string(),
  projectId: z.string(),
  name: z.string(),
  key: z.string(),
  description: z.string().nullable().optional(),
  secrets: list(Secret),
  settings: EnvironmentSettings.nullable().optional(),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
});
export type Environment = z.infer<typeof Environment>;

/** Domain/Projects/ProjectWithEnvs.cs. */
export const ProjectWithEnvs = z.object({
  id: z.string(),
  name: z.string(),
  key: z.string(),
  environments: list(Environment),
});
export type ProjectWithEnvs = z.infer<typeof ProjectWithEnvs>;

export const ProjectVm = z.object({ id: z.string(), name: z.string() });
export type ProjectVm = z.infer<typeof ProjectVm>;

export class ProjectsApi {
  constructor(private readonly t: HttpTransport) {}

  /** Every project the token may see; one FeatBit holds in a shape no FeatBit version gives it is set aside. */
  list(): Promise<Listed<ProjectWithEnvs>> {
    return this.t.request({
      method: "GET",
      path: "/projects",
      schema: listOf(ProjectWithEnvs),
      subject: "projects",
    });
  }

  /**
   * The project, or undefined when FeatBit no longer has it. FeatBit answers the GET of a missing project with 500
   * (GetProject dereferences what it did not find) and of a project the token may not see with 403: the 403 is not
   * absence (a token that lost access must not make a live project look deleted), and a 500 counts as absence only
   * when the project list confirms it, so a passing server error never does either.
   */
  async find(id: string): Promise<ProjectWithEnvs | undefined> {
    try {
      return await this.get(id);
    } catch (err) {
      if (!isFeatBitApiError(err) || err.kind !== "server") throw err;
      if ((await this.list()).some((p) => p.id === id)) throw err;
      return undefined;
    }
  }

  /** Quirk: FeatBit answers 500 for a missing id and 403 for one the token cannot access (see find). */
  get(id: string): Promise<ProjectWithEnvs> {
    return this.t.request({
      method: "GET",
      path: `/projects/${seg(id)}`,
      schema: ProjectWithEnvs,
      subject: `project ${id}`,
    });
  }

  create(body: { name: string; key: string }): Promise<ProjectWithEnvs> {
    return this.t.request({
      method: "POST",
      path: "/projects",
      body,
      schema: ProjectWithEnvs,
      subject: `project '${body.key}'`,
    });
  }

  update(id: string, body: { name: string }): Promise<ProjectVm> {
    return this.t.request({
      method: "PUT",
      path: `/projects/${seg(id)}`,
      body,
      schema: ProjectVm,
      subject: `project ${id}`,
    });
  }

  delete(id: string): Promise<boolean> {
    return this.t.request({
      method: "DELETE",
      path: `/projects/${seg(id)}`,
      schema: Ack,
      subject: `project ${id}`,
    });
  }
}
