// Command-line front end of engine.ts, used by the e2e suite, the demo and the bench (one process per operation).
import { OPERATIONS, type ConfigEntry, type Operation, type RunOptions, runOperation } from "./engine";

const USAGE = `usage: node scripts/stack.js <${OPERATIONS.join("|")}> --dir <program dir> --stack <name> [options]
  --state <dir>          file backend + work dir (default .pulumi-state/<stack>); must be inside the repository
  --config key=value     plain stack config (keys without ':' get the project namespace)
  --secret key=value     secret stack config (prefer the env vars below for tokens)
  --remove-config key    remove a config key first
  --show-secrets         print secret outputs in clear text
  --expect-no-changes    fail if preview/up/refresh would change anything
  --refresh              refresh before preview/up/destroy
  --parallel N           engine parallelism
  --stream               copy the CLI's output to stderr as it runs
env: FEATBIT_API_URL -> featbit:apiUrl, FEATBIT_ACCESS_TOKEN -> featbit:accessToken (secret),
     PULUMI_CONFIG_PASSPHRASE (default "pulumi-featbit-local")`;

export function parseArgs(argv: string[]): RunOptions & { stream: boolean } {
  const [op, ...rest] = argv;
  if (!op || !(OPERATIONS as readonly string[]).includes(op)) throw new Error(USAGE);
  const config: Record<string, ConfigEntry> = {};
  const removeConfig: string[] = [];
  let dir = "";
  let stack = "";
  let stateDir = "";
  let showSecrets = false;
  let expectNoChanges = false;
  let refresh = false;
  let stream = false;
  let parallel: number | undefined;
  const take = (i: number, flag: string): string => {
    const v = rest[i + 1];
    if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    return v;
  };
  const keyValue = (s: string, flag: string): [string, string] => {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new Error(`${flag} expects key=value`);
    return [s.slice(0, eq), s.slice(eq + 1)];
  };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    switch (flag) {
      case "--dir":
        dir = take(i++, flag);
        break;
      case "--stack":
        stack = take(i++, flag);
        break;
      case "--state":
        stateDir = take(i++, flag);
        break;
      case "--config":
      case "--secret": {
        const [k, v] = keyValue(take(i++, flag), flag);
        config[k] = { value: v, secret: flag === "--secret" };
        break;
      }
      case "--remove-config":
        removeConfig.push(take(i++, flag));
        break;
      case "--show-secrets":
        showSecrets = true;
        break;
      case "--expect-no-changes":
        expectNoChanges = true;
        break;
      case "--refresh":
        refresh = true;
        break;
      case "--stream":
        stream = true;
        break;
      case "--parallel":
        parallel = Number(take(i++, flag));
        break;
      case "--help":
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  if (!dir || !stack) throw new Error(`--dir and --stack are required\n${USAGE}`);
  if (process.env.FEATBIT_API_URL && !config["featbit:apiUrl"]) {
    config["featbit:apiUrl"] = { value: process.env.FEATBIT_API_URL };
  }
  if (process.env.FEATBIT_ACCESS_TOKEN && !config["featbit:accessToken"]) {
    config["featbit:accessToken"] = { value: process.env.FEATBIT_ACCESS_TOKEN, secret: true };
  }
  return {
    operation: op as Operation,
    dir,
    stack,
    stateDir: stateDir || `.pulumi-state/${stack}`,
    config,
    removeConfig,
    showSecrets,
    expectNoChanges,
    refresh,
    parallel,
    stream,
  };
}

export function main(argv: string[]): void {
  let opts: ReturnType<typeof parseArgs>;
  try {
    opts = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const { stream, ...runOpts } = opts;
  runOperation({ ...runOpts, onOutput: stream ? (s: string) => process.stderr.write(s) : undefined })
    .then((result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      // Pulumi's runtime can leave handles open after an inline program; the result is out, so leave now.
      process.exit(result.ok ? 0 : 1);
    })
    .catch((err: unknown) => {
      process.stderr.write(`stack.js: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
