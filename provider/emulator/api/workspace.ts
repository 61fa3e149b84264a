// Workspace read/update (§4.1). There is exactly one workspace, the one the tokens belong to.
import { str } from "../binding";
import { save } from "../columns";
import { openApi, type Ctx, type Route } from "../router";
import { invalid, isEmpty, required, validate } from "../validation";

const SSO_FIELDS = [
  "clientId",
  "clientSecret",
  "tokenEndpoint",
  "clientAuthenticationMethod",
  "authorizationEndpoint",
  "scope",
  "userEmailClaim",
] as const;

function view(ctx: Ctx) {
  const w = ctx.store.state.workspace;
  // GetWorkspace hides license and SSO settings from callers who could not change them.
  return {
    id: w.id,
    name: w.name,
    key: w.key,
    license: ctx.can("UpdateWorkspaceLicense", "workspace/*") ? w.license : null,
    sso: ctx.can("UpdateWorkspaceSSOSettings", "workspace/*") ? w.sso : null,
  };
}

export const workspaceRoutes: Route[] = [
  openApi("GET", "/api/v1/workspaces", undefined, view),
  openApi(
    "PUT",
    "/api/v1/workspaces",
    { name: "UpdateWorkspaceGeneralSettings", type: "workspace" },
    (ctx) => {
      const body = ctx.body({ name: str(), key: str() });
      validate(
        isEmpty(body.name) ? required("name") : undefined,
        isEmpty(body.key) ? required("key") : undefined,
      );
      // Key uniqueness is checked against *other* workspaces; the emulator has none. No length rule
      // (UpdateWorkspace.cs): workspaces.name/key are varchar(128).
      save("workspaces", { name: body.name, key: body.key });
      Object.assign(ctx.store.state.workspace, { name: body.name, key: body.key });
      ctx.store.touch();
      return view(ctx);
    },
  ),
  openApi(
    "PUT",
    "/api/v1/workspaces/license",
    { name: "UpdateWorkspaceLicense", type: "workspace" },
    (ctx) => {
      ctx.body({ license: str() });
      // Licenses are signed by FeatBit for a workspace id; none can verify against the emulator's.
      validate(invalid("license"));
    },
  ),
  openApi(
    "PUT",
    "/api/v1/workspaces/sso-oidc",
    { name: "UpdateWorkspaceSSOSettings", type: "workspace" },
    (ctx) => {
      const body = ctx.body(Object.fromEntries(SSO_FIELDS.map((f) => [f, str()])));
      validate(...SSO_FIELDS.map((f) => (isEmpty(body[f]) ? required(f) : undefined)));
      ctx.store.state.workspace.sso = { oidc: body };
      ctx.store.touch();
      return view(ctx);
    },
  ),
];
