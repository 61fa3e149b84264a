import { z } from "zod";
import { Ack, list } from "./common";
import {
  EnvironmentSettings,
  Secret,
  type Environment,
  type ProjectsApi,
  type ProjectWithEnvs,
} from "./projects";
import { seg, type HttpTransport } from "./transport";

/** The environment view returned by the env endpoints: no `key`, no `projectId` (read those from the project). */
export const EnvironmentVm = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable().optional(),
  secrets: list(Secret),
  settings: EnvironmentSettings.nullable().optional(),
});
export type EnvironmentVm = z.infer<typeof EnvironmentVm>;

export interface CreateEnvironment {
  name: string;
  key: string;
  description?: string | null;
  settings?: EnvironmentSettings;
}

export interface UpdateEnvironment {
  name: string;
  /** Full replacement: omitting it clears the description. */
  description: string | null;
  settings?: EnvironmentSettings;
}

export class EnvironmentsApi {
  constructor(
    private readonly t: HttpTransport,
    private readonly projects: ProjectsApi,
  ) {}

  /**
   * The environment as the project view shows it (with its key, secrets and settings), or undefined when it or its
   * project is gone. The environment GET cannot decide absence: it answers 403 both for a missing environment and for
   * a token without access, and lacks the key. There is no list-environments endpoint; the project view is the list.
   */
  async find(projectId: string, envId: string): Promise<Environment | undefined> {
    return (await this.projects.find(projectId))?.environments.find((e) => e.id === envId);
  }

  /** The project an environment belongs to, found through the project list (for callers that know only its id). */
  async locate(envId: string): Promise<{ project: ProjectWithEnvs; environment: Environment } | undefined> {
    for (const project of await this.projects.list()) {
      const environment = project.environments.find((e) => e.id === envId);
      if (environment) return { project, environment };
    }
    return undefined;
  }

  /** Quirk: a missing environment answers 403 Forbidden, not 404. */
  get(projectId: string, envId: string): Promise<EnvironmentVm> {
    return this.t.request({
      method: "GET",
      path: `/projects/${seg(projectId)}/envs/${seg(envId)}`,
      schema: EnvironmentVm,
      subject: `environment ${envId}`,
    });
  }

  create(projectId: string, body: CreateEnvironment): Promise<EnvironmentVm> {
    return this.t.request({
      method: "POST",
      path: `/projects/${seg(projectId)}/envs`,
      body,
      schema: EnvironmentVm,
      subject: `environment '${body.key}' in project ${projectId}`,
    });
  }

  update(projectId: string, envId: string, body: UpdateEnvironment): Promise<EnvironmentVm> {
    return this.t.request({
      method: "PUT",
      path: `/projects/${seg(projectId)}/envs/${seg(envId)}`,
      body,
      schema: EnvironmentVm,
      subject: `environment ${envId}`,
    });
  }

  delete(projectId: string, envId: string): Promise<boolean> {
    return this.t.request({
      method: "DELETE",
      path: `/projects/${seg(projectId)}/envs/${seg(envId)}`,
      schema: Ack,
      subject: `environment ${envId}`,
    });
  }
}
