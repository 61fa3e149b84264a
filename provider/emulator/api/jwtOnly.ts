// Endpoints that exist in FeatBit but have no [OpenApi] attribute. Access tokens get a 403 with an
// empty body (or the 403 envelope first, where a permission or license attribute fails). Declaring them keeps
// those answers apart from the 404 an unknown path gets.
import type { Permission } from "../auth";
import { business } from "../http";
import type { Method, Route } from "../router";

const unreachable = (): never => {
  throw new Error("JWT-only endpoint handler must never run for an access token");
};

function jwt(method: Method, pattern: string, permission?: Permission, license?: string): Route {
  return { method, pattern, openApi: false, anonymous: false, permission, license, handle: unreachable };
}

const env = "/api/v1/envs/{envId:guid}";
const flags = `${env}/feature-flags`;
const envPerm = (name: string): Permission => ({ name, type: "env" });

export const jwtOnlyRoutes: Route[] = [
  jwt("GET", "/api/v1/workspaces/usages"),
  jwt("GET", "/api/v1/workspaces/license-quota"),
  jwt("GET", "/api/v1/workspaces/is-key-used"),
  jwt("GET", "/api/v1/projects/is-key-used"),
  jwt("GET", "/api/v1/projects/{projectId:guid}/envs/is-key-used"),

  jwt("POST", `${env}/secrets`, envPerm("CreateEnvSecret")),
  jwt("PUT", `${env}/secrets/{id}`, envPerm("UpdateEnvSecret")),
  jwt("DELETE", `${env}/secrets/{id}`, envPerm("DeleteEnvSecret")),

  jwt("GET", `${flags}/is-key-used`),
  jwt("GET", `${flags}/insights`),
  jwt("POST", `${flags}/copy-to-env-precheck/{targetEnvId:guid}`),
  jwt("POST", `${flags}/copy-to-env/{targetEnvId:guid}`),
  jwt("POST", `${flags}/compare-overview`, undefined, "flag-comparison"),
  jwt("GET", `${flags}/{key}/compare-with/{targetEnvId:guid}`, undefined, "flag-comparison"),
  jwt("PUT", `${flags}/{key}/copy-settings-to/{targetEnvId:guid}`, undefined, "flag-comparison"),
  jwt("POST", `${flags}/{key}/schedules`, undefined, "schedule"),
  jwt("DELETE", `${flags}/schedules/{id:guid}`, undefined, "schedule"),
  jwt("POST", `${flags}/{key}/change-requests`, undefined, "change-request"),
  jwt("PUT", `${flags}/change-requests/{id:guid}/approve`, undefined, "change-request"),
  jwt("PUT", `${flags}/change-requests/{id:guid}/decline`, undefined, "change-request"),
  jwt("PUT", `${flags}/change-requests/{id:guid}/apply`, undefined, "change-request"),
  jwt("DELETE", `${flags}/change-requests/{id:guid}`, undefined, "change-request"),
  jwt("GET", `${env}/segments/is-key-used`),

  jwt("GET", "/api/v1/access-tokens"),
  jwt("POST", "/api/v1/access-tokens"),
  jwt("GET", "/api/v1/access-tokens/is-name-used"),
  jwt("PUT", "/api/v1/access-tokens/{id:guid}"),
  jwt("PUT", "/api/v1/access-tokens/{id:guid}/toggle"),
  jwt("DELETE", "/api/v1/access-tokens/{id:guid}"),

  jwt("GET", "/api/v1/webhooks"),
  jwt("POST", "/api/v1/webhooks"),
  jwt("GET", "/api/v1/webhooks/is-name-used"),
  jwt("POST", "/api/v1/webhooks/send"),
  jwt("PUT", "/api/v1/webhooks/{id:guid}"),
  jwt("DELETE", "/api/v1/webhooks/{id:guid}"),
  jwt("GET", "/api/v1/webhooks/{id:guid}/deliveries"),

  jwt("GET", "/api/v1/relay-proxies"),
  jwt("POST", "/api/v1/relay-proxies"),
  jwt("GET", "/api/v1/relay-proxies/is-name-used"),
  jwt("GET", "/api/v1/relay-proxies/agent-availability"),
  jwt("PUT", "/api/v1/relay-proxies/{id:guid}"),
  jwt("DELETE", "/api/v1/relay-proxies/{id:guid}"),
  jwt("PUT", "/api/v1/relay-proxies/{rpId:guid}/agents/{agentId}/sync"),

  jwt("GET", "/api/v1/organizations"),
  jwt("POST", "/api/v1/organizations", undefined, "multi-organization"),
  jwt("PUT", "/api/v1/organizations"),
  jwt("DELETE", "/api/v1/organizations"),
  jwt("GET", "/api/v1/organizations/is-key-used"),
  jwt("POST", "/api/v1/organizations/onboarding"),
  jwt("GET", "/api/v1/organizations/members"),
  jwt("GET", "/api/v1/organizations/{id:guid}"),

  jwt("GET", "/api/v1/triggers"),
  jwt("POST", "/api/v1/triggers"),
  jwt("PUT", "/api/v1/triggers/{id:guid}"),
  jwt("PUT", "/api/v1/triggers/{id:guid}/reset-token"),
  jwt("DELETE", "/api/v1/triggers/{id:guid}"),
  {
    // Anonymous: trigger URLs are called by outside systems. No trigger can be created without a JWT,
    // so every well-formed token is unknown.
    method: "POST",
    pattern: "/api/v1/triggers/run/{token}",
    openApi: false,
    anonymous: true,
    handle: (ctx) => {
      throw business(
        ctx.params.token.length !== 40 ? "InvalidTriggerToken" : "TriggerTokenNotMatchOrHasExpired",
      );
    },
  },

  jwt("GET", `${env}/end-user-properties`),
  jwt("PUT", `${env}/end-user-properties/{propertyId:guid}/upsert`),
  jwt("DELETE", `${env}/end-user-properties/{propertyId:guid}`),
  jwt("GET", `${env}/end-users`),
  jwt("PUT", `${env}/end-users`),

  jwt("GET", `${env}/experiment-metrics`),
  jwt("POST", `${env}/experiment-metrics`),
  jwt("PUT", `${env}/experiment-metrics/{id:guid}`),
  jwt("PUT", `${env}/experiment-metrics/{id:guid}/archive`),
  jwt("GET", `${env}/experiments`),
  jwt("POST", `${env}/experiments`),
  jwt("POST", `${env}/experiments/{experimentId:guid}`),
  jwt("PUT", `${env}/experiments/{experimentId:guid}`),
  jwt("DELETE", `${env}/experiments/{experimentId:guid}`),

  jwt("POST", `${env}/audit-logs/compare`),
  jwt("GET", "/api/v1/policies/is-key-used"),
  jwt("GET", "/api/v1/groups/is-name-used"),
  jwt("GET", "/api/v1/resources"),
  jwt("GET", "/api/v2/resources"),
  jwt("GET", "/api/v1/user/profile"),
  jwt("PUT", "/api/v1/user/profile"),
  jwt("GET", "/api/v1/user/policies"),
  jwt("GET", "/api/v1/user/workspaces"),
];
