// The passphrase that encrypts a runner stack's secrets: the SDK keys in its outputs, and a token given with
// `--secret`. The runner has a default so that trying the emulator needs no setup, and that default is printed in its
// own help: fine for a FeatBit on this machine, a published key for any other.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { isLoopbackUrl } from "../../provider/client/settings";
import type { ConfigEntry } from "./types";

export const DEFAULT_PASSPHRASE = "pulumi-featbit-local";

/** Every FeatBit URL a run may talk to: the environment's, this run's config and what the stack already holds. */
export function featbitUrls(
  env: NodeJS.ProcessEnv,
  config: Record<string, ConfigEntry>,
  stackConfigFile: string,
): string[] {
  const urls = Object.entries(env)
    .filter(([name, value]) => /^FEATBIT_(?:[A-Z0-9_]+_)?(?:API_URL|HOST)$/.test(name) && value)
    .map(([, value]) => value as string);
  const fromConfig = (key: string, value: unknown): void => {
    if (key === "featbit:apiUrl" && typeof value === "string") urls.push(value);
    if (key === "featbit:installations") {
      const all = typeof value === "string" ? safeJson(value) : value;
      for (const installation of Object.values((all ?? {}) as Record<string, { apiUrl?: unknown }>))
        if (typeof installation?.apiUrl === "string") urls.push(installation.apiUrl);
    }
  };
  for (const [key, entry] of Object.entries(config)) fromConfig(key, entry.value);
  try {
    const stored = parseYaml(fs.readFileSync(stackConfigFile, "utf8")) as {
      config?: Record<string, unknown>;
    } | null;
    for (const [key, value] of Object.entries(stored?.config ?? {})) fromConfig(key, value);
  } catch {
    // No stack yet.
  }
  return urls;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The passphrase for this run: the one given (PULUMI_CONFIG_PASSPHRASE, PULUMI_CONFIG_PASSPHRASE_FILE), else the
 * default, which is refused when any FeatBit of the run is not on this machine.
 */
export function passphraseFor(env: NodeJS.ProcessEnv, urls: readonly string[]): string {
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) return env.PULUMI_CONFIG_PASSPHRASE;
  if (env.PULUMI_CONFIG_PASSPHRASE_FILE)
    return fs.readFileSync(path.resolve(env.PULUMI_CONFIG_PASSPHRASE_FILE), "utf8").replace(/\r?\n$/, "");
  const remote = urls.find((url) => !isLoopbackUrl(url));
  if (remote !== undefined) {
    throw new Error(
      `this stack's secrets (SDK keys, and a token given with --secret) would be encrypted with the runner's default ` +
        `passphrase, which its --help prints, while it manages the FeatBit at ${remote}, which is not on this ` +
        `machine: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to a passphrase of your own. A ` +
        `stack already encrypted with the default keeps working with PULUMI_CONFIG_PASSPHRASE=${DEFAULT_PASSPHRASE} ` +
        `set explicitly`,
    );
  }
  return DEFAULT_PASSPHRASE;
}
