// The runner's and the demo's command lines, without starting anything: what reaches the stack's config, what is
// refused, and that no secret value ever becomes a command-line argument.
import { asRunnerCommands, invocation } from "../../scripts/lib/advice";
import { DEFAULT_PASSPHRASE, featbitUrls, passphraseFor } from "../../scripts/lib/passphrase";
import { asDemoCommands, parseDemoArgs } from "../../scripts/lib/demo";
import { runnerArgs } from "../../scripts/lib/driver";
import { parseArgs } from "../../scripts/lib/stack-cli";

const noStdin = (): string[] => {
  throw new Error("stdin was read");
};

describe("stack.js arguments", () => {
  it("leaves settings from the environment out of stack config, and removes stored copies they replace", () => {
    const opts = parseArgs(
      ["up", "--stack", "dev", "--config", "featbit:organizationKey=acme"],
      {
        FEATBIT_HOST: "http://127.0.0.1:5000",
        FEATBIT_TOKEN: "api-abc",
        FEATBIT_ORGANIZATION_KEY: "env-org",
      },
      noStdin,
    );
    // The provider reads the environment when it runs: a rotated token is simply the next run's variable.
    expect(opts.config).toEqual({ "featbit:organizationKey": { value: "acme" } });
    expect(opts.removeConfig).toEqual(["featbit:apiUrl", "featbit:accessToken"]);
    expect(opts.dir).toBe(".");
    expect(opts.stateDir).toBeUndefined();
    expect(
      parseArgs(["outputs", "--stack", "dev"], { FEATBIT_TOKEN: "api-abc" }, noStdin).removeConfig,
    ).toEqual([]);
  });

  it("refuses its published default passphrase for a FeatBit that is not on this machine", () => {
    const urls = (env: NodeJS.ProcessEnv, config = {}) =>
      featbitUrls(env, config, "/nonexistent/Pulumi.dev.yaml");
    expect(passphraseFor({}, urls({ FEATBIT_API_URL: "http://127.0.0.1:5000" }))).toBe(DEFAULT_PASSPHRASE);
    expect(() => passphraseFor({}, urls({ FEATBIT_CLOUD_API_URL: "https://app-api.featbit.co" }))).toThrow(
      /default passphrase.*FeatBit at https:\/\/app-api.featbit.co.*set PULUMI_CONFIG_PASSPHRASE/,
    );
    const installations = {
      "featbit:installations": {
        value: JSON.stringify({ cloud: { apiUrl: "https://featbit.example.com" } }),
      },
    };
    expect(() => passphraseFor({}, urls({}, installations))).toThrow(/featbit.example.com/);
    // Chosen explicitly, even the default is the user's choice.
    expect(
      passphraseFor(
        { PULUMI_CONFIG_PASSPHRASE: DEFAULT_PASSPHRASE },
        urls({ FEATBIT_HOST: "https://x.example" }),
      ),
    ).toBe(DEFAULT_PASSPHRASE);
  });

  it("lets --config override a setting from the environment", () => {
    const opts = parseArgs(
      ["preview", "--stack", "dev", "--config", "featbit:apiUrl=http://localhost:6000"],
      { FEATBIT_API_URL: "http://127.0.0.1:5000" },
      noStdin,
    );
    expect(opts.config?.["featbit:apiUrl"]).toEqual({ value: "http://localhost:6000" });
  });

  it("reads --secret values from stdin, one line each, and refuses a value on the command line", () => {
    const asked: number[] = [];
    const opts = parseArgs(["up", "--stack", "dev", "--secret", "a", "--secret", "b"], {}, (n) => {
      asked.push(n);
      return ["first", "second"];
    });
    expect(asked).toEqual([2]);
    expect(opts.config).toEqual({
      a: { value: "first", secret: true },
      b: { value: "second", secret: true },
    });
    expect(() => parseArgs(["up", "--stack", "dev", "--secret", "a=visible"], {}, noStdin)).toThrow(
      /value is read from stdin/,
    );
  });

  it("refuses options the operation does not take", () => {
    expect(() => parseArgs(["up", "--stack", "dev", "--clear-pending-creates"], {}, noStdin)).toThrow(
      "--clear-pending-creates does not apply to up",
    );
    expect(
      parseArgs(["refresh", "--stack", "dev", "--clear-pending-creates"], {}, noStdin).clearPendingCreates,
    ).toBe(true);
    expect(() => parseArgs(["cancel", "--stack", "dev", "--refresh"], {}, noStdin)).toThrow(/does not apply/);
    expect(() => parseArgs(["up", "--stack", "dev", "--bogus"], {}, noStdin)).toThrow(
      "unknown option --bogus",
    );
    expect(() => parseArgs(["up"], {}, noStdin)).toThrow("--stack is required");
  });

  it("writes no config for operations that only touch the state", () => {
    const env = { FEATBIT_ACCESS_TOKEN: "api-abc" };
    expect(parseArgs(["cancel", "--stack", "dev"], env, noStdin).config).toEqual({});
    expect(parseArgs(["outputs", "--stack", "dev"], env, noStdin).config).toEqual({});
  });
});

describe("stack.js as the CLI it stands in for", () => {
  it("takes --path for structured keys, as `pulumi config set --path`", () => {
    const opts = parseArgs(
      [
        "up",
        "--stack",
        "dev",
        "--path",
        "--config",
        "featbit:installations.cloud.apiUrl=https://x",
        "--secret",
        "featbit:installations.cloud.accessToken",
      ],
      {},
      () => ["api-cloud"],
    );
    expect(opts.path).toBe(true);
    expect(opts.config).toEqual({
      "featbit:installations.cloud.apiUrl": { value: "https://x" },
      "featbit:installations.cloud.accessToken": { value: "api-cloud", secret: true },
    });
    expect(() => parseArgs(["outputs", "--stack", "dev", "--path"], {}, noStdin)).toThrow(
      "--path does not apply to outputs",
    );
  });

  it("prints for people unless --json, and streams beside JSON only", () => {
    expect(parseArgs(["up", "--stack", "dev"], {}, noStdin).json).toBe(false);
    expect(parseArgs(["up", "--stack", "dev", "--json", "--stream"], {}, noStdin)).toEqual(
      expect.objectContaining({ json: true, stream: true }),
    );
    expect(() => parseArgs(["up", "--stack", "dev", "--stream"], {}, noStdin)).toThrow(
      "--stream goes with --json",
    );
  });

  it("names its own commands where the CLI's and the provider's messages name `pulumi …` ones", () => {
    const inv = invocation({ dir: "app", stack: "dev", stateDir: "st" });
    const where = "--dir app --stack dev --state st";
    expect(inv.runner).toMatch(/^node \S+scripts\/stack\.js$/);
    const text = asRunnerCommands(
      "Set it with `pulumi config set --secret featbit:accessToken <token>` or FEATBIT_ACCESS_TOKEN. " +
        "Or `pulumi config set --path featbit:installations.cloud.apiUrl <url>`, " +
        "`pulumi config set featbit:organizationKey <key>`; then run `pulumi up` again, or `pulumi refresh`; " +
        "see `pulumi stack output`.",
      "preview",
      inv,
    );
    expect(text).toBe(
      `Set it with \`${inv.runner} preview ${where} --secret featbit:accessToken (the value on stdin)\` or FEATBIT_ACCESS_TOKEN. ` +
        `Or \`${inv.runner} preview ${where} --path --config featbit:installations.cloud.apiUrl=<url>\`, ` +
        `\`${inv.runner} preview ${where} --config featbit:organizationKey=<key>\`; then run \`${inv.runner} up ${where}\` again, ` +
        `or \`${inv.runner} refresh ${where}\`; see \`${inv.runner} outputs ${where}\`.`,
    );
  });
});

describe("the driver's runner arguments", () => {
  it("carry secret keys but never their values, and no settings", () => {
    const args = runnerArgs(
      "up",
      { stack: "dev", dir: "app", settings: { accessToken: "api-hidden" }, config: { a: "1" } },
      { secretConfig: { webhook: "hidden-value" }, clearPendingCreates: false, parallel: 4 },
    );
    expect(args).toEqual([
      "up",
      "--json",
      "--stack",
      "dev",
      "--dir",
      "app",
      "--config",
      "a=1",
      "--secret",
      "webhook",
      "--parallel",
      "4",
    ]);
    expect(args.join(" ")).not.toMatch(/hidden/);
  });
});

describe("npm run demo arguments", () => {
  it("passes the options a command takes through to the runner", () => {
    expect(parseDemoArgs([])).toEqual({ command: "up", flags: {} });
    expect(
      parseDemoArgs(["preview", "--config", "rolloutPercent=40", "--parallel", "2", "--refresh"]),
    ).toEqual({
      command: "preview",
      flags: { config: { rolloutPercent: "40" }, parallel: 2, refresh: true },
    });
    expect(parseDemoArgs(["refresh", "--clear-pending-creates"]).flags).toEqual({
      clearPendingCreates: true,
    });
    expect(parseDemoArgs(["outputs", "--show-secrets"]).flags).toEqual({ showSecrets: true });
    // After a killed run: cancel, then recover (what the pending creates made is recorded, not dropped).
    expect(parseDemoArgs(["recover"])).toEqual({ command: "recover", flags: {} });
  });

  it("says the runner's advice for the demo's stack as the demo's own commands", () => {
    const inv = invocation({ dir: "/repo", stack: "demo", stateDir: "/repo/.featbit-demo" });
    const said = asDemoCommands(
      `the stack is currently locked\n\nremove its lock with:\n  ${inv.runner} cancel ${inv.where}\n` +
        `then record what its pending creates made in FeatBit: ${inv.runner} recover ${inv.where}`,
      inv,
    );
    expect(said).toContain("remove its lock with:\n  npm run demo -- cancel\n");
    expect(said).toContain("made in FeatBit: npm run demo -- recover");
    expect(said).not.toContain("stack.js");
  });

  it("refuses other options, saying which ones the command takes", () => {
    expect(() => parseDemoArgs(["preview", "--show-secrets"])).toThrow(
      "'npm run demo -- preview' does not take --show-secrets; it takes --config key=value, --refresh, --expect-no-changes, --parallel N",
    );
    expect(() => parseDemoArgs(["stop", "--force"])).toThrow("it takes no options");
    expect(() => parseDemoArgs(["deploy"])).toThrow(/unknown command 'deploy'/);
  });
});
