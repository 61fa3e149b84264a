// Client settings: where FeatBit is, how to authenticate, and how hard to try. Values come from
// fully-qualified stack config keys (what a dynamic provider's `configure` sees), then environment
// variables, so the same program works with `pulumi config set` and in CI with env vars only.
import { FeatBitConfigError } from "./errors";
import { redact } from "./redact";

export interface ClientSettings {
  /** Normalised: origin + "/api/v1", no trailing slash. */
  apiUrl: string;
  accessToken: string;
  /** Retries of reads (and of writes proven not to have landed); default 5, allowed 0..10. */
  maxRetries: number;
  /** Per-attempt timeout; default 30, 1..300. */
  httpTimeoutSeconds: number;
  /** Requests in flight at once against one apiUrl, across the whole process; default 4, 1..32. */
  maxConcurrency: number;
  /** Allows plain http to a non-loopback host; default false. */
  allowInsecureHttp: boolean;
}

export interface ConfigSource {
  get(key: string): string | undefined;
}

/** FeatBit Cloud's API: named in advice, never used unless configured (see urlForToken). */
export const DEFAULT_API_URL = "https://app-api.featbit.co";
export const API_PREFIX = "/api/v1";

/** Stack config keys, and the environment variables consulted (in order) when a key is unset. */
export const SETTINGS = {
  apiUrl: { key: "featbit:apiUrl", env: ["FEATBIT_API_URL", "FEATBIT_HOST"] },
  accessToken: { key: "featbit:accessToken", env: ["FEATBIT_ACCESS_TOKEN", "FEATBIT_TOKEN"] },
  // 5 and not 3 (the Terraform provider's): with one request in five failing, 3 left a read of a few hundred unretried one
  // time in three (`npm run chaos -- --max-retries 3`: 7 of 10 runs converged in one `up`); the 60 s retry budget
  // still bounds how long a FeatBit that is down holds a run.
  maxRetries: { key: "featbit:maxRetries", env: ["FEATBIT_MAX_RETRIES"], min: 0, max: 10, default: 5 },
  httpTimeoutSeconds: {
    key: "featbit:httpTimeoutSeconds",
    env: ["FEATBIT_HTTP_TIMEOUT_SECONDS"],
    min: 1,
    max: 300,
    default: 30,
  },
  /**
   * 8: twice the requests per second of 4 at a realistic latency (measured with `npm run bench`, see
   * docs/configuration.md), Pulumi's own default parallelism on a 2-core runner, and a burst FeatBit (no rate
   * limiter, pooled database connections) takes in its stride.
   */
  maxConcurrency: {
    key: "featbit:maxConcurrency",
    env: ["FEATBIT_MAX_CONCURRENCY"],
    min: 1,
    max: 32,
    default: 8,
  },
  allowInsecureHttp: { key: "featbit:allowInsecureHttp", env: ["FEATBIT_ALLOW_INSECURE_HTTP"] },
  /**
   * The organization key segment scopes need (`organization/<key>:project/…:env/…`). No access-token endpoint returns
   * it. (The FeatBit CLI's `FEATBIT_ORG` is the organization's id for the `Organization` header, not this key.)
   */
  organizationKey: { key: "featbit:organizationKey", env: ["FEATBIT_ORGANIZATION_KEY"] },
} as const;

export type SettingName = keyof typeof SETTINGS;

type NumericSetting = "maxRetries" | "httpTimeoutSeconds" | "maxConcurrency";

interface Found {
  value: string;
  /** Where the value came from, for messages: a config key or an env var name. */
  source: string;
}

/** A setting's value from its stack config key, else its environment variables; empty values count as unset. */
function lookupIn(
  config: ConfigSource | undefined,
  env: NodeJS.ProcessEnv,
  spec: { key: string; env: readonly string[] },
  normalize: (value: string) => string = (value) => value,
): Found | undefined {
  // Empty values count as unset: CI systems often export an empty variable for a missing secret.
  const fromConfig = config?.get(spec.key);
  if (fromConfig !== undefined && normalize(fromConfig) !== "")
    return { value: normalize(fromConfig), source: spec.key };
  for (const name of spec.env) {
    const fromEnv = env[name];
    if (fromEnv !== undefined && normalize(fromEnv) !== "")
      return { value: normalize(fromEnv), source: name };
  }
  return undefined;
}

/** The organization key for segment scopes, or undefined when neither config nor environment sets it. */
export function resolveOrganizationKey(
  config?: ConfigSource,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const found = lookupIn(config, env, SETTINGS.organizationKey, (value) => value.trim());
  // It goes into segment scopes, `organization/<key>:project/<key>:env/<key>`: a key FeatBit could not have would
  // make a scope that names no organization, and FeatBit would then never list the segment.
  if (found && !ORGANIZATION_KEY.test(found.value)) {
    throw new FeatBitConfigError(
      SETTINGS.organizationKey.key,
      `${found.source} is '${found.value}', which cannot be a FeatBit organization key: segment scopes read ` +
        `'organization/<key>:project/…', so it holds no spaces, ':', '/', '*', ',' or ';'. Copy the key FeatBit ` +
        `shows under Organization settings`,
    );
  }
  return found?.value;
}

const ORGANIZATION_KEY = /^[^\s:/*,;]+$/;

/**
 * Stack config entries for the settings given by environment variables, for runners that pass the environment on
 * as stack config (the access token as a secret).
 */
export function configFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): Record<string, { value: string; secret: boolean }> {
  const entries: Record<string, { value: string; secret: boolean }> = {};
  for (const [name, spec] of Object.entries(SETTINGS) as [SettingName, (typeof SETTINGS)[SettingName]][]) {
    const found = lookupIn(undefined, env, spec);
    if (found) entries[spec.key] = { value: found.value, secret: name === "accessToken" };
  }
  return entries;
}

/** Reads fully-qualified stack config keys first, then env vars; throws FeatBitConfigError. */
export function resolveSettings(config?: ConfigSource, env: NodeJS.ProcessEnv = process.env): ClientSettings {
  const lookup = (spec: { key: string; env: readonly string[] }): Found | undefined =>
    lookupIn(config, env, spec);

  const token = lookup(SETTINGS.accessToken);
  if (token === undefined) {
    const misnamed = ["featbit:apiToken", "featbit:token"].find((k) => config?.get(k) !== undefined);
    throw new FeatBitConfigError(
      SETTINGS.accessToken.key,
      "No FeatBit access token is configured. Set it with `pulumi config set --secret featbit:accessToken <token>` " +
        "or the FEATBIT_ACCESS_TOKEN environment variable (FEATBIT_TOKEN is also read). Create the token in " +
        "FeatBit under Integrations › Access tokens." +
        (misnamed ? ` Found ${misnamed}, which is not read: rename it to featbit:accessToken.` : ""),
    );
  }
  // A malformed token is the more useful message when both it and the URL are wrong.
  checkAccessToken(token.value, token.source);
  const allowInsecure = lookup(SETTINGS.allowInsecureHttp);
  const allowInsecureHttp = allowInsecure === undefined ? false : parseBoolean(allowInsecure);
  const apiUrl = urlForToken(config, env, token, allowInsecureHttp);

  const settings: ClientSettings = {
    apiUrl: apiUrl.value,
    accessToken: token.value,
    maxRetries: parseNumber("maxRetries", lookup(SETTINGS.maxRetries)),
    httpTimeoutSeconds: parseNumber("httpTimeoutSeconds", lookup(SETTINGS.httpTimeoutSeconds)),
    maxConcurrency: parseNumber("maxConcurrency", lookup(SETTINGS.maxConcurrency)),
    allowInsecureHttp,
  };
  return validateSettings(settings, { apiUrl: apiUrl.source, accessToken: token.source });
}

/**
 * The FeatBit a token is sent to: only one configured beside it, never a default. A token is a credential of one
 * installation: sent to FeatBit Cloud because nobody said otherwise, or to a URL another variable of the shell
 * happens to hold, it reaches a server it was not meant for. So a token kept in stack config goes only to the
 * stack config's URL; a token from the environment goes to the stack config's URL (a stack that names its FeatBit)
 * or the environment's, and not when the two disagree.
 */
function urlForToken(
  config: ConfigSource | undefined,
  env: NodeJS.ProcessEnv,
  token: Found,
  allowInsecureHttp: boolean,
): Found {
  const fromConfig = lookupIn(config, {}, SETTINGS.apiUrl);
  const fromEnv = lookupIn(undefined, env, SETTINGS.apiUrl);
  const tokenInConfig = token.source === SETTINGS.accessToken.key;
  if (tokenInConfig) {
    if (fromConfig) return fromConfig;
    throw new FeatBitConfigError(
      SETTINGS.apiUrl.key,
      `${SETTINGS.accessToken.key} is set, but ${SETTINGS.apiUrl.key} is not: the token is sent only to the FeatBit ` +
        `configured beside it. Set it with \`pulumi config set ${SETTINGS.apiUrl.key} <url>\`, e.g. ` +
        `${DEFAULT_API_URL} for FeatBit Cloud` +
        (fromEnv
          ? ` (${fromEnv.source} from the environment is not used with a token from the stack config)`
          : ""),
    );
  }
  if (fromConfig && fromEnv) {
    const same = (a: string, b: string) => {
      try {
        return normalizeApiUrl(a, allowInsecureHttp) === normalizeApiUrl(b, allowInsecureHttp);
      } catch {
        return false;
      }
    };
    if (!same(fromConfig.value, fromEnv.value)) {
      throw new FeatBitConfigError(
        SETTINGS.apiUrl.key,
        `${token.source} comes with ${fromEnv.source}=${redact(fromEnv.value)}, but the stack config's ` +
          `${SETTINGS.apiUrl.key} is ${redact(fromConfig.value)}: the token would be sent to a FeatBit it may not be ` +
          `meant for. Make them agree, or unset one of them`,
      );
    }
  }
  const found = fromConfig ?? fromEnv;
  if (found) return found;
  throw new FeatBitConfigError(
    SETTINGS.apiUrl.key,
    `${token.source} is set, but no FeatBit URL is: the token is sent only to the FeatBit configured beside it. Set ` +
      `${SETTINGS.apiUrl.env[0]} (or \`pulumi config set ${SETTINGS.apiUrl.key} <url>\`), e.g. ${DEFAULT_API_URL} ` +
      `for FeatBit Cloud`,
  );
}

/**
 * Checks and normalises settings built by hand (createTransport calls it too, so a caller cannot
 * skip the https and token checks by constructing ClientSettings directly).
 */
export function validateSettings(
  settings: ClientSettings,
  sources: { apiUrl?: string; accessToken?: string } = {},
): ClientSettings {
  checkAccessToken(settings.accessToken, sources.accessToken ?? SETTINGS.accessToken.key);
  for (const name of ["maxRetries", "httpTimeoutSeconds", "maxConcurrency"] as const) {
    checkRange(name, settings[name], SETTINGS[name].key);
  }
  return {
    ...settings,
    apiUrl: normalizeApiUrl(settings.apiUrl, settings.allowInsecureHttp, sources.apiUrl),
  };
}

/**
 * Accepts an origin, optionally followed by /api/v1 (with or without a trailing slash), and returns
 * origin + "/api/v1". Anything else is most likely a UI URL or a typo, so it is refused rather than
 * guessed at.
 */
export function normalizeApiUrl(raw: string, allowInsecureHttp = false, source?: string): string {
  const where =
    source && source !== SETTINGS.apiUrl.key
      ? `${SETTINGS.apiUrl.key} (from ${source})`
      : SETTINGS.apiUrl.key;
  const fail = (why: string): never => {
    throw new FeatBitConfigError(SETTINGS.apiUrl.key, `${where} ${why}`);
  };
  const value = raw.trim();
  // Shown back to the user only with any "user:password@" part masked: that part is a credential.
  const shown = redact(value.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, "$1***@"));
  if (!/^https?:\/\//i.test(value)) {
    fail(
      `must start with https:// (or http:// for a local FeatBit), e.g. ${DEFAULT_API_URL}; got '${shown}'.`,
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`is not a valid URL: '${shown}'.`);
  }
  if (url.username !== "" || url.password !== "") {
    fail(
      "must not contain a user name or password; the access token is configured separately (featbit:accessToken).",
    );
  }
  if (value.includes("?") || value.includes("#")) {
    fail(`must not contain a query string or fragment; use just the origin, e.g. ${url.origin}.`);
  }
  const path = url.pathname.replace(/\/$/, "");
  if (path !== "" && path.toLowerCase() !== API_PREFIX) {
    fail(
      `must be the FeatBit API origin, optionally followed by ${API_PREFIX}, e.g. ${DEFAULT_API_URL} or ` +
        `http://localhost:5000${API_PREFIX}; got path '${redact(url.pathname)}'.`,
    );
  }
  if (url.protocol === "http:" && !allowInsecureHttp && !isLoopback(url.hostname)) {
    fail(
      `uses plain http to ${url.hostname}, which would send the access token unencrypted. Use https, or if the ` +
        `network is trusted set \`pulumi config set featbit:allowInsecureHttp true\` (or FEATBIT_ALLOW_INSECURE_HTTP=true).`,
    );
  }
  return `${url.origin}${API_PREFIX}`;
}

/** Whether a FeatBit URL (as configured, with or without /api/v1) is on this machine; false when it does not parse. */
export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopback(new URL(url.trim()).hostname);
  } catch {
    return false;
  }
}

function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase();
  // WHATWG URL canonicalises IPv4 shorthands ("127.1") and brackets IPv6, so these forms suffice.
  return host === "localhost" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function checkAccessToken(token: string, source: string): void {
  const fail = (why: string): never => {
    // The token is passed as a secret so that even a mistake in `why` could not echo it.
    throw new FeatBitConfigError(SETTINGS.accessToken.key, `The access token in ${source} ${why}`, [token]);
  };
  if (/^bearer\s/i.test(token)) {
    fail(
      "starts with 'Bearer ': FeatBit expects the raw access token (api-…) without a scheme word. Remove the prefix.",
    );
  }
  if (/\s/.test(token)) {
    fail("contains whitespace (a trailing newline from a file or a copy-paste?). Set it again without it.");
  }
  if (!/^[\x21-\x7e]+$/.test(token)) {
    fail("contains characters that cannot be sent in an HTTP header. Copy it again from FeatBit.");
  }
  if (token.startsWith("eyJ")) {
    fail(
      "looks like a user session token (JWT), which expires within minutes. Create an access token in FeatBit under Integrations › Access tokens (it starts with 'api-').",
    );
  }
  // Access tokens are "api-" + 40 base64 characters; only the prefix is checked so that a future
  // length change on the server does not lock users out.
  if (!token.startsWith("api-") || token.length < 8) {
    fail(
      "does not look like a FeatBit access token (those start with 'api-'). Copy it from Integrations › Access tokens in FeatBit.",
    );
  }
}

function parseNumber(name: NumericSetting, found: Found | undefined): number {
  const spec = SETTINGS[name];
  if (found === undefined) return spec.default;
  const text = found.value.trim();
  if (!/^\d+$/.test(text)) {
    throw new FeatBitConfigError(
      spec.key,
      `${describeSource(spec.key, found.source)} must be a whole number from ${spec.min} to ${spec.max}; got '${redact(text)}'.`,
    );
  }
  const value = Number(text);
  checkRange(name, value, found.source);
  return value;
}

function checkRange(name: NumericSetting, value: number, source: string): void {
  const spec = SETTINGS[name];
  if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
    throw new FeatBitConfigError(
      spec.key,
      `${describeSource(spec.key, source)} must be a whole number from ${spec.min} to ${spec.max}; got ${value}.`,
    );
  }
}

function parseBoolean(found: Found): boolean {
  const text = found.value.trim().toLowerCase();
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  throw new FeatBitConfigError(
    SETTINGS.allowInsecureHttp.key,
    `${describeSource(SETTINGS.allowInsecureHttp.key, found.source)} must be true or false; got '${redact(found.value)}'.`,
  );
}

function describeSource(key: string, source: string): string {
  return source === key ? key : `${key} (from ${source})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Several FeatBit installations in one program (e.g. a self-hosted staging and FeatBit Cloud for production). The
// default installation is configured as above; each named one under `featbit:installations.<name>` in stack config
// (one object per name, with the same settings: apiUrl, accessToken (secret), organizationKey, …), or with
// environment variables named FEATBIT_<NAME>_<SETTING> (FEATBIT_CLOUD_ACCESS_TOKEN for an installation "cloud").

export const INSTALLATIONS_KEY = "featbit:installations";

/** An installation's name: what a resource's `installation` input says, and part of its variable names. */
export const INSTALLATION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** "FEATBIT_CLOUD_" for an installation named "cloud" (or "Cloud"); "-" becomes "_". */
const envPrefix = (name: string) => `FEATBIT_${name.toUpperCase().replace(/-/g, "_")}_`;

/** The setting's name inside an installation's object, e.g. "apiUrl" for featbit:apiUrl. */
const fieldOf = (spec: { key: string }) => spec.key.slice("featbit:".length);

interface InstallationView {
  config: ConfigSource;
  env: NodeJS.ProcessEnv;
  /** Rewrites a message about the default installation's settings into this installation's names. */
  rename(message: string): string;
}

/**
 * The named installation's settings, seen under the default installation's names, so they are resolved and checked
 * exactly alike. Undefined when neither stack config nor the environment configures the installation.
 */
function installationView(
  config: ConfigSource | undefined,
  env: NodeJS.ProcessEnv,
  name: string,
): InstallationView {
  const raw = config?.get(INSTALLATIONS_KEY);
  let all: Record<string, unknown> = {};
  if (raw !== undefined && raw.trim() !== "") {
    try {
      all = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new FeatBitConfigError(
        INSTALLATIONS_KEY,
        `${INSTALLATIONS_KEY} must be an object of installations by name`,
      );
    }
  }
  const entry = all !== null && typeof all === "object" ? all[name] : undefined;
  const fields = new Map<string, string>();
  if (entry !== undefined) {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      throw new FeatBitConfigError(
        INSTALLATIONS_KEY,
        `${INSTALLATIONS_KEY}.${name} must be an object of settings`,
      );
    }
    const known = Object.values(SETTINGS).map(fieldOf);
    for (const [field, value] of Object.entries(entry as Record<string, unknown>)) {
      if (!known.includes(field)) {
        throw new FeatBitConfigError(
          INSTALLATIONS_KEY,
          `${INSTALLATIONS_KEY}.${name}.${redact(field)} is not a setting: use ${known.join(", ")}`,
        );
      }
      if (value !== null && value !== undefined) fields.set(field, String(value));
    }
  }
  const prefix = envPrefix(name);
  const viewEnv: NodeJS.ProcessEnv = {};
  for (const spec of Object.values(SETTINGS)) {
    const own = env[`${prefix}${spec.env[0].slice("FEATBIT_".length)}`];
    if (own !== undefined) viewEnv[spec.env[0]] = own;
  }
  const configured = fields.size > 0 || Object.keys(viewEnv).length > 0;
  if (!configured) {
    throw new FeatBitConfigError(
      INSTALLATIONS_KEY,
      `no FeatBit installation named '${name}' is configured: set it with ` +
        `\`pulumi config set --path ${INSTALLATIONS_KEY}.${name}.apiUrl <url>\` and ` +
        `\`pulumi config set --path --secret ${INSTALLATIONS_KEY}.${name}.accessToken <token>\` ` +
        `(or ${prefix}API_URL and ${prefix}ACCESS_TOKEN)`,
    );
  }
  return {
    config: { get: (key) => fields.get(key.slice("featbit:".length)) },
    env: viewEnv,
    rename: (message) =>
      message
        .replace(
          /pulumi config set --secret featbit:/g,
          `pulumi config set --path --secret ${INSTALLATIONS_KEY}.${name}.`,
        )
        .replace(/pulumi config set featbit:/g, `pulumi config set --path ${INSTALLATIONS_KEY}.${name}.`)
        .replace(/featbit:(?!installations)([A-Za-z]+)/g, `${INSTALLATIONS_KEY}.${name}.$1`)
        // Only the first variable name of each setting has an installation counterpart.
        .replace(/ \(FEATBIT_TOKEN is also read\)/g, "")
        .replace(/\bFEATBIT_([A-Z_]+)/g, (whole, rest: string) =>
          rest.startsWith(prefix.slice("FEATBIT_".length)) ? whole : `${prefix}${rest}`,
        ),
  };
}

/**
 * The settings of an installation: the default one when `installation` is undefined, else the named one. Errors name
 * the installation's own keys and variables.
 */
export function resolveInstallationSettings(
  config: ConfigSource | undefined,
  env: NodeJS.ProcessEnv,
  installation: string | undefined,
): { settings: ClientSettings; organizationKey: string | undefined } {
  if (installation === undefined) {
    return { settings: resolveSettings(config, env), organizationKey: resolveOrganizationKey(config, env) };
  }
  const view = installationView(config, env, installation);
  try {
    return {
      settings: resolveSettings(view.config, view.env),
      organizationKey: resolveOrganizationKey(view.config, view.env),
    };
  } catch (err) {
    if (err instanceof FeatBitConfigError)
      throw new FeatBitConfigError(INSTALLATIONS_KEY, view.rename(err.message));
    throw err;
  }
}
