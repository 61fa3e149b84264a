// Environments (§4.4). There is no list endpoint: environments are read through their project.
import { str } from "../binding";
import { save } from "../columns";
import { business } from "../http";
import { openApi, type Route } from "../router";
import type { Environment } from "../state";
import { isEmpty, required, sameKey, validate } from "../validation";
import { createEnvironment, settingsShape } from "./projects";

/** EnvironmentVm: no key, no projectId. */
function envView(env: Environment) {
  return {
    id: env.id,
    name: env.name,
    description: env.description,
    secrets: env.secrets,
    settings: env.settings,
  };
}

const base = "/api/v1/projects/{projectId:guid}/envs";

export const environmentRoutes: Route[] = [
  openApi("GET", `${base}/{id:guid}`, { name: "CanAccessEnv", type: "env" }, (ctx) =>
    // The route's projectId is not compared with the env's project.
    envView(ctx.store.env(ctx.params.id) as Environment),
  ),

  openApi("POST", base, { name: "CreateEnv", type: "project" }, (ctx) => {
    const body = ctx.body({ name: str(), key: str(), description: str(), settings: settingsShape });
    validate(
      isEmpty(body.name) ? required("name") : undefined,
      isEmpty(body.key) ? required("key") : undefined,
    );
    const { store } = ctx;
    const key = body.key as string;
    const siblings = store.state.environments.filter((e) => e.projectId === ctx.params.projectId);
    if (siblings.some((e) => sameKey(e.key, key))) throw business("KeyHasBeenUsed");
    // CreateEnvironment.cs validates no length; environments.name/key are varchar(128), description text.
    save("environments", { name: body.name, key });
    const env = createEnvironment(store, ctx.params.projectId, {
      name: body.name as string,
      key,
      description: body.description,
      settings: body.settings ?? { requireChangeComment: false },
    });
    return envView(env);
  }),

  openApi("PUT", `${base}/{id:guid}`, { name: "UpdateEnvSettings", type: "env" }, (ctx) => {
    const body = ctx.body({ name: str(), description: str(), settings: settingsShape });
    validate(isEmpty(body.name) ? required("name") : undefined);
    save("environments", { name: body.name });
    const env = ctx.store.env(ctx.params.id) as Environment;
    // Full replacement of name and description; settings only when sent.
    env.name = body.name as string;
    env.description = body.description;
    if (body.settings) env.settings = body.settings;
    env.updatedAt = ctx.store.now();
    ctx.store.touch();
    return envView(env);
  }),

  openApi("DELETE", `${base}/{id:guid}`, { name: "DeleteEnv", type: "env" }, (ctx) => {
    const { state } = ctx.store;
    state.environments = state.environments.filter((e) => e.id !== ctx.params.id);
    ctx.store.touch();
    return true;
  }),
];
