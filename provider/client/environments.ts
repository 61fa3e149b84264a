import { z } from "zod";
import { Ack } from "./common";
import { EnvironmentSettings, Secret } from "./projects";
import { seg, type HttpTransport } from "./transport";

/** The environment view returned by the env endpoints: no `key`, no `projectId` (read those from the project). */
export const EnvironmentVm = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable().optional(),
  secrets: z.array(Secret),
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
  constructor(private readonly t: HttpTransport) {}

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
