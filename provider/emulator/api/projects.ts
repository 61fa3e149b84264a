// Projects (§4.3) and environment creation shared with the environment endpoints (§4.4).
import { envRN, projectRN } from "../auth";
import { bool, obj, str } from "../binding";
import { save } from "../columns";
import { business, forbidden, internal } from "../http";
import { secretValue } from "../ids";
import { openApi, type Ctx, type Route } from "../router";
import type { Environment, Project } from "../state";
import type { Store } from "../store";
import { isEmpty, newestFirst, required, sameKey, validate } from "../validation";

export const settingsShape = obj({ requireChangeComment: bool() });

export function createEnvironment(
  store: Store,
  projectId: string,
  fields: Pick<Environment, "name" | "key" | "description" | "settings">,
): Environment {
  const id = store.guid();
  const now = store.now();
  const env: Environment = {
    id,
    projectId,
    name: fields.name,
    key: fields.key,
    description: fields.description,
    secrets: [
      { id: store.guid(), name: "Server Key", type: "server", value: secretValue(store.random, id) },
      { id: store.guid(), name: "Client Key", type: "client", value: secretValue(store.random, id) },
    ],
    settings: fields.settings,
    createdAt: now,
    updatedAt: now,
  };
  store.state.environments.push(env);
  store.touch();
  return env;
}

export function envInProjectView(env: Environment) {
  return {
    id: env.id,
    projectId: env.projectId,
    name: env.name,
    key: env.key,
    description: env.description,
    secrets: env.secrets,
    settings: env.settings,
    createdAt: env.createdAt,
    updatedAt: env.updatedAt,
  };
}

/** ProjectWithEnvs, with environments the caller cannot access left out (GetProject filters them). */
function projectView(ctx: Ctx, project: Project) {
  const envs = ctx.store.state.environments.filter(
    (e) => e.projectId === project.id && ctx.can("CanAccessEnv", envRN(ctx.store, e.id)),
  );
  return { id: project.id, name: project.name, key: project.key, environments: envs.map(envInProjectView) };
}

export const projectRoutes: Route[] = [
  openApi("GET", "/api/v1/projects", undefined, (ctx) =>
    ctx.store.state.projects
      .filter((p) => ctx.can("CanAccessProject", projectRN(p.key)))
      .sort(newestFirst)
      .map((p) => projectView(ctx, p)),
  ),

  openApi("GET", "/api/v1/projects/{id:guid}", undefined, (ctx) => {
    const project = ctx.store.project(ctx.params.id);
    // Quirk: GetProject dereferences the missing project → 500, not 404.
    if (!project) throw internal();
    if (!ctx.can("CanAccessProject", projectRN(project.key))) throw forbidden();
    return projectView(ctx, project);
  }),

  openApi("POST", "/api/v1/projects", { name: "CreateProject", type: "project" }, (ctx) => {
    const body = ctx.body({ name: str(), key: str() });
    validate(
      isEmpty(body.name) ? required("name") : undefined,
      isEmpty(body.key) ? required("key") : undefined,
    );
    const { store } = ctx;
    const name = body.name as string;
    const key = body.key as string;
    if (store.state.projects.some((p) => sameKey(p.key, key))) throw business("KeyHasBeenUsed");
    // No length rule exists (CreateProject.cs); the varchar(128) columns refuse longer values. The
    // project is the first save (ProjectService.AddWithEnvsAsync), so nothing lands.
    save("projects", { name, key });
    const now = store.now();
    const project: Project = {
      id: store.guid(),
      organizationId: store.state.organization.id,
      name,
      key,
      createdAt: now,
      updatedAt: now,
    };
    store.state.projects.push(project);
    const settings = { requireChangeComment: false };
    createEnvironment(store, project.id, { name: "Prod", key: "prod", description: "", settings });
    createEnvironment(store, project.id, {
      name: "Dev",
      key: "dev",
      description: "",
      settings: { ...settings },
    });
    return projectView(ctx, project);
  }),

  openApi("PUT", "/api/v1/projects/{id:guid}", { name: "UpdateProjectSettings", type: "project" }, (ctx) => {
    const body = ctx.body({ name: str() });
    validate(isEmpty(body.name) ? required("name") : undefined);
    save("projects", { name: body.name });
    const project = ctx.store.project(ctx.params.id) as Project;
    project.name = body.name as string;
    project.updatedAt = ctx.store.now();
    ctx.store.touch();
    return { id: project.id, name: project.name };
  }),

  openApi("DELETE", "/api/v1/projects/{id:guid}", { name: "DeleteProject", type: "project" }, (ctx) => {
    const { state } = ctx.store;
    // Flags and segments of the project's envs are left behind, as FeatBit does.
    state.projects = state.projects.filter((p) => p.id !== ctx.params.id);
    state.environments = state.environments.filter((e) => e.projectId !== ctx.params.id);
    ctx.store.touch();
    return true;
  }),
];
