import { FeatBitConfigError, isFeatBitConfigError } from "../../provider/client/errors";
import {
  normalizeApiUrl,
  resolveInstallationSettings,
  resolveSettings,
  validateSettings,
  type ConfigSource,
} from "../../provider/client/settings";
import { createTransport } from "../../provider/client/http";
import { expectNoSecret, settingsFor, TOKEN } from "./helpers";

const config = (values: Record<string, string>): ConfigSource => ({ get: (key) => values[key] });

function configError(fn: () => unknown): FeatBitConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(isFeatBitConfigError(caught)).toBe(true);
  expectNoSecret(caught);
  return caught as FeatBitConfigError;
}

/** A token and the FeatBit it belongs to, from the environment. */
const ENV = { FEATBIT_API_URL: "https://app-api.featbit.co", FEATBIT_ACCESS_TOKEN: TOKEN };

describe("resolveSettings", () => {
  test("defaults: 5 retries, 30 s, concurrency 8, https only; the URL is never defaulted", () => {
    expect(resolveSettings(undefined, ENV)).toEqual({
      apiUrl: "https://app-api.featbit.co/api/v1",
      accessToken: TOKEN,
      maxRetries: 5,
      httpTimeoutSeconds: 30,
      maxConcurrency: 8,
      allowInsecureHttp: false,
    });
  });

  test("stack config wins over env vars, which fill in what config leaves unset", () => {
    const s = resolveSettings(
      config({ "featbit:apiUrl": "https://featbit.example.com/api/v1/", "featbit:maxRetries": "5" }),
      {
        FEATBIT_ACCESS_TOKEN: TOKEN,
        FEATBIT_MAX_RETRIES: "9",
        FEATBIT_HTTP_TIMEOUT_SECONDS: "120",
        FEATBIT_MAX_CONCURRENCY: "12",
      },
    );
    expect(s).toMatchObject({
      apiUrl: "https://featbit.example.com/api/v1",
      maxRetries: 5,
      httpTimeoutSeconds: 120,
      maxConcurrency: 12,
    });
  });

  test("reads the FeatBit CLI's FEATBIT_HOST / FEATBIT_TOKEN after the Terraform provider's names", () => {
    const cli = resolveSettings(undefined, { FEATBIT_HOST: "http://localhost:5000", FEATBIT_TOKEN: TOKEN });
    expect(cli.apiUrl).toBe("http://localhost:5000/api/v1");
    expect(cli.accessToken).toBe(TOKEN);
    const both = resolveSettings(undefined, {
      FEATBIT_API_URL: "https://a.example.com",
      FEATBIT_HOST: "https://b.example.com",
      FEATBIT_ACCESS_TOKEN: TOKEN,
      FEATBIT_TOKEN: "api-other-token-value-000000000000000",
    });
    expect(both.apiUrl).toBe("https://a.example.com/api/v1");
    expect(both.accessToken).toBe(TOKEN);
  });

  test("empty values count as unset", () => {
    const s = resolveSettings(config({ "featbit:apiUrl": "" }), {
      FEATBIT_API_URL: "",
      FEATBIT_HOST: "http://localhost:5000",
      FEATBIT_ACCESS_TOKEN: TOKEN,
      FEATBIT_MAX_RETRIES: "",
    });
    expect(s.apiUrl).toBe("http://localhost:5000/api/v1");
    expect(s.maxRetries).toBe(5);
  });

  test("a token goes only to the FeatBit configured beside it: no default, no URL from elsewhere", () => {
    // No URL at all: FeatBit Cloud is named as an example, never used.
    const none = configError(() => resolveSettings(undefined, { FEATBIT_ACCESS_TOKEN: TOKEN }));
    expect(none.setting).toBe("featbit:apiUrl");
    expect(none.message).toMatch(
      /^FEATBIT_ACCESS_TOKEN is set, but no FeatBit URL is: .*Set FEATBIT_API_URL/,
    );
    // A token kept in stack config goes only to the stack config's URL, never to a variable of the shell.
    const stored = configError(() =>
      resolveSettings(config({ "featbit:accessToken": TOKEN }), {
        FEATBIT_API_URL: "https://elsewhere.example",
      }),
    );
    expect(stored.message).toMatch(
      /^featbit:accessToken is set, but featbit:apiUrl is not.*pulumi config set featbit:apiUrl <url>.*FEATBIT_API_URL from the environment is not used/,
    );
    // A token from the environment may go to the stack's own FeatBit, or its own, but not when they disagree.
    const stack = config({ "featbit:apiUrl": "https://featbit.example.com" });
    expect(resolveSettings(stack, { FEATBIT_ACCESS_TOKEN: TOKEN }).apiUrl).toBe(
      "https://featbit.example.com/api/v1",
    );
    expect(
      resolveSettings(stack, {
        FEATBIT_ACCESS_TOKEN: TOKEN,
        FEATBIT_API_URL: "https://featbit.example.com/api/v1/",
      }).apiUrl,
    ).toBe("https://featbit.example.com/api/v1");
    const split = configError(() =>
      resolveSettings(stack, { FEATBIT_ACCESS_TOKEN: TOKEN, FEATBIT_API_URL: "https://staging.example.com" }),
    );
    expect(split.message).toMatch(
      /^FEATBIT_ACCESS_TOKEN comes with FEATBIT_API_URL=https:\/\/staging.example.com, but the stack config's featbit:apiUrl is https:\/\/featbit.example.com/,
    );
  });

  test("a missing token names both ways to set it", () => {
    const e = configError(() => resolveSettings(config({}), {}));
    expect(e.setting).toBe("featbit:accessToken");
    expect(e.message).toContain("pulumi config set --secret featbit:accessToken");
    expect(e.message).toContain("FEATBIT_ACCESS_TOKEN");
  });

  test("a token under a wrong key gets a rename hint", () => {
    const e = configError(() => resolveSettings(config({ "featbit:apiToken": TOKEN }), {}));
    expect(e.message).toContain("rename it to featbit:accessToken");
  });

  test.each([
    ["a Bearer prefix", `Bearer ${TOKEN}`, "without a scheme word"],
    ["a trailing newline", `${TOKEN}\n`, "whitespace"],
    ["an inner space", `${TOKEN.slice(0, 20)} ${TOKEN.slice(20)}`, "whitespace"],
    ["no api- prefix", `x${TOKEN}`, "does not look like a FeatBit access token"],
    ["a control character", `${TOKEN}\u0000`, "cannot be sent in an HTTP header"],
    ["a non-ASCII character", `${TOKEN}é`, "cannot be sent in an HTTP header"],
    ["a user JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl" + TOKEN, "session token (JWT)"],
  ])("rejects a token with %s, without echoing it", (_name, token, hint) => {
    const e = configError(() => resolveSettings(undefined, { FEATBIT_ACCESS_TOKEN: token }));
    expect(e.setting).toBe("featbit:accessToken");
    expect(e.message).toContain(hint);
    expect(e.message).toContain("FEATBIT_ACCESS_TOKEN");
    expectNoSecret(e, token.trim());
  });

  test.each([
    ["featbit:maxRetries", "11", "from 0 to 10"],
    ["featbit:maxRetries", "-1", "from 0 to 10"],
    ["featbit:httpTimeoutSeconds", "0", "from 1 to 300"],
    ["featbit:httpTimeoutSeconds", "301", "from 1 to 300"],
    ["featbit:maxConcurrency", "33", "from 1 to 32"],
    ["featbit:maxConcurrency", "2.5", "from 1 to 32"],
    ["featbit:maxConcurrency", "four", "from 1 to 32"],
  ])("%s=%s is refused naming the key and range", (key, value, range) => {
    const e = configError(() => resolveSettings(config({ [key]: value }), ENV));
    expect(e.setting).toBe(key);
    expect(e.message).toContain(key);
    expect(e.message).toContain(range);
  });

  test("an env var out of range is reported with both the key and the variable", () => {
    const e = configError(() => resolveSettings(undefined, { ...ENV, FEATBIT_MAX_CONCURRENCY: "0" }));
    expect(e.message).toContain("featbit:maxConcurrency (from FEATBIT_MAX_CONCURRENCY)");
  });

  test("allowInsecureHttp opens plain http to other hosts, from config or env", () => {
    const env = { FEATBIT_ACCESS_TOKEN: TOKEN, FEATBIT_API_URL: "http://featbit.internal:5000" };
    expect(() => resolveSettings(undefined, env)).toThrow(FeatBitConfigError);
    expect(resolveSettings(undefined, { ...env, FEATBIT_ALLOW_INSECURE_HTTP: "true" }).apiUrl).toBe(
      "http://featbit.internal:5000/api/v1",
    );
    expect(resolveSettings(config({ "featbit:allowInsecureHttp": "TRUE" }), env).allowInsecureHttp).toBe(
      true,
    );
    const e = configError(() => resolveSettings(config({ "featbit:allowInsecureHttp": "yes please" }), env));
    expect(e.setting).toBe("featbit:allowInsecureHttp");
  });
});

describe("normalizeApiUrl", () => {
  test.each([
    ["https://app-api.featbit.co", "https://app-api.featbit.co/api/v1"],
    ["https://app-api.featbit.co/", "https://app-api.featbit.co/api/v1"],
    ["https://app-api.featbit.co/api/v1", "https://app-api.featbit.co/api/v1"],
    ["https://app-api.featbit.co/api/v1/", "https://app-api.featbit.co/api/v1"],
    ["HTTPS://App-Api.FeatBit.co:443/API/V1", "https://app-api.featbit.co/api/v1"],
    ["http://localhost:5000", "http://localhost:5000/api/v1"],
    ["http://127.0.0.1:5000/api/v1", "http://127.0.0.1:5000/api/v1"],
    ["http://127.9.8.7", "http://127.9.8.7/api/v1"],
    ["http://[::1]:5000", "http://[::1]:5000/api/v1"],
  ])("accepts %s", (input, expected) => {
    expect(normalizeApiUrl(input)).toBe(expected);
  });

  test.each([
    ["app-api.featbit.co", "must start with https://"],
    ["ftp://app-api.featbit.co", "must start with https://"],
    ["https://app-api.featbit.co/api/v1?x=1", "query string or fragment"],
    ["https://app-api.featbit.co/#top", "query string or fragment"],
    ["https://app-api.featbit.co/api", "optionally followed by /api/v1"],
    ["https://app.featbit.co/en/projects", "optionally followed by /api/v1"],
    ["https://app-api.featbit.co/api/v2", "optionally followed by /api/v1"],
    ["http://featbit.example.com", "plain http"],
    ["http://10.0.0.5:5000", "plain http"],
  ])("rejects %s naming the setting", (input, hint) => {
    const e = configError(() => normalizeApiUrl(input));
    expect(e.setting).toBe("featbit:apiUrl");
    expect(e.message).toContain("featbit:apiUrl");
    expect(e.message).toContain(hint);
  });

  test("rejects credentials in the URL without echoing them", () => {
    const e = configError(() => normalizeApiUrl("https://admin:hunter2@app-api.featbit.co"));
    expect(e.message).toContain("user name or password");
    expect(e.message).not.toContain("hunter2");
  });

  test.each(["admin:hunter2@app-api.featbit.co", "ftp://admin:hunter2@app-api.featbit.co"])(
    "masks credentials when echoing a URL without an http(s) scheme: %s",
    (input) => {
      const e = configError(() => normalizeApiUrl(input));
      expect(e.message).toContain("must start with https://");
      expect(e.message).toContain("***@app-api.featbit.co");
      expect(e.message).not.toContain("hunter2");
    },
  );

  test("names the env var the value came from", () => {
    const e = configError(() =>
      resolveSettings(undefined, { FEATBIT_ACCESS_TOKEN: TOKEN, FEATBIT_HOST: "https://x.example.com/ui" }),
    );
    expect(e.message).toContain("featbit:apiUrl (from FEATBIT_HOST)");
  });
});

describe("hand-built settings get the same checks", () => {
  test("validateSettings normalises the URL and createTransport refuses bad values", () => {
    expect(validateSettings(settingsFor("http://127.0.0.1:1/")).apiUrl).toBe("http://127.0.0.1:1/api/v1");
    expect(() => createTransport(settingsFor("http://example.com"))).toThrow(/plain http/);
    expect(() => createTransport(settingsFor("http://127.0.0.1:1", { maxRetries: 99 }))).toThrow(
      /from 0 to 10/,
    );
    const e = configError(() =>
      createTransport(settingsFor("http://127.0.0.1:1", { accessToken: `Bearer ${TOKEN}` })),
    );
    expect(e.message).toContain("Bearer");
  });
});

describe("named installations", () => {
  const TOKEN_A = "api-staging000000000000000000000000000000000";
  const TOKEN_B = "api-cloud0000000000000000000000000000000000000";
  const installations = JSON.stringify({
    cloud: {
      apiUrl: "https://app-api.featbit.co",
      accessToken: TOKEN_B,
      organizationKey: "acme",
      maxRetries: 5,
    },
  });
  const source = (values: Record<string, string>): ConfigSource => ({ get: (k) => values[k] });

  test("the default installation and a named one resolve side by side", () => {
    const config = source({
      "featbit:apiUrl": "http://localhost:5000",
      "featbit:accessToken": TOKEN_A,
      "featbit:installations": installations,
    });
    const byDefault = resolveInstallationSettings(config, {}, undefined);
    const cloud = resolveInstallationSettings(config, {}, "cloud");
    expect(byDefault.settings).toMatchObject({
      apiUrl: "http://localhost:5000/api/v1",
      accessToken: TOKEN_A,
    });
    expect(cloud.settings).toMatchObject({
      apiUrl: "https://app-api.featbit.co/api/v1",
      accessToken: TOKEN_B,
      maxRetries: 5,
    });
    expect(cloud.organizationKey).toBe("acme");
  });

  test("a named installation may come from FEATBIT_<NAME>_… variables", () => {
    const env = { FEATBIT_EU_WEST_API_URL: "https://eu.example.com", FEATBIT_EU_WEST_ACCESS_TOKEN: TOKEN_B };
    const { settings } = resolveInstallationSettings(source({}), env, "eu-west");
    expect(settings).toMatchObject({ apiUrl: "https://eu.example.com/api/v1", accessToken: TOKEN_B });
  });

  test("errors name the installation's own keys and variables, never the token", () => {
    const missing = () => resolveInstallationSettings(source({}), {}, "cloud");
    expect(missing).toThrow(/no FeatBit installation named 'cloud' is configured/);
    expect(missing).toThrow(/featbit:installations\.cloud\.accessToken/);
    const noToken = () =>
      resolveInstallationSettings(
        source({ "featbit:installations": JSON.stringify({ cloud: { apiUrl: "https://x.example.com" } }) }),
        {},
        "cloud",
      );
    expect(noToken).toThrow(/pulumi config set --path --secret featbit:installations\.cloud\.accessToken/);
    expect(noToken).toThrow(/FEATBIT_CLOUD_ACCESS_TOKEN/);
    const bearer = () =>
      resolveInstallationSettings(
        source({ "featbit:installations": JSON.stringify({ cloud: { accessToken: `Bearer ${TOKEN_B}` } }) }),
        {},
        "cloud",
      );
    expect(bearer).toThrow(/featbit:installations\.cloud\.accessToken starts with 'Bearer '/);
    try {
      bearer();
    } catch (err) {
      expect(String(err)).not.toContain(TOKEN_B);
    }
    const typo = () =>
      resolveInstallationSettings(
        source({ "featbit:installations": JSON.stringify({ cloud: { apiURL: "https://x" } }) }),
        {},
        "cloud",
      );
    expect(typo).toThrow(/featbit:installations\.cloud\.apiURL is not a setting: use apiUrl, accessToken/);
  });
});
