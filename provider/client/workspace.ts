import { z } from "zod";
import type { HttpTransport } from "./transport";

export const Workspace = z.object({
  id: z.string(),
  name: z.string(),
  key: z.string(),
  license: z.string().nullish(),
  sso: z.unknown().nullish(),
});
export type Workspace = z.infer<typeof Workspace>;

export class WorkspaceApi {
  constructor(private readonly t: HttpTransport) {}

  get(): Promise<Workspace> {
    return this.t.request({ method: "GET", path: "/workspaces", schema: Workspace, subject: "workspace" });
  }
}
