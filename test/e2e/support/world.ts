// One place for what every e2e suite stands on (the CLI, a fresh emulator, a state directory) and for putting it
// away afterwards, so each suite states only what is particular to it and none forgets a part of the cleanup.
import * as fs from "node:fs";
import { EMULATOR_ORG_KEY, startFreshEmulator, type Emulator, type StartedEmulator } from "./featbit";
import { ensureCli, makeStateDir, removeStateDir, type StackTarget } from "./stack";

/** Building the CLI on a fresh machine takes minutes, on two cores. */
const SETUP_TIMEOUT_MS = 40 * 60 * 1000;

export type Settings = NonNullable<StackTarget["settings"]>;

export interface TargetOptions {
  /** Default "e2e". */
  stack?: string;
  /** Default the world's state directory. */
  stateDir?: string;
  config?: Record<string, string>;
  env?: Record<string, string>;
  /** Instead of the world's settings, as a whole (another token, no organization key…). */
  settings?: Settings;
}

export interface E2EWorld {
  readonly started: StartedEmulator;
  readonly emulator: Emulator;
  readonly stateDir: string;
  /**
   * For a suite that restarts the emulator on its data file (after closing the old one): `emulator` is this one from
   * now on, and afterAll closes it before removing the data file it saves to on close.
   */
  replaceEmulator(next: Emulator): void;
  /** The emulator's API URL and token, and its organization key (segment scopes need it; tokens cannot read it). */
  settings(): Settings;
  /**
   * A stack of the program in `dir` on the emulator. Its state directory and settings are read when a run starts, so
   * a suite can declare its targets next to its tests, before the world exists.
   */
  target(dir: string, options?: TargetOptions): StackTarget;
}

/**
 * Registers the suite's beforeAll and afterAll. Call it first in the file or describe block: a suite's own beforeAll
 * declared after it runs after it (jest runs them in declaration order), with the world in place.
 */
export function e2eWorld(label: string): E2EWorld {
  let started: StartedEmulator | undefined;
  let stateDir: string | undefined;

  beforeAll(async () => {
    ensureCli();
    started = await startFreshEmulator();
    stateDir = makeStateDir(label);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await started?.emulator.close();
    if (started) fs.rmSync(started.tmpDir, { recursive: true, force: true });
    if (stateDir) removeStateDir(stateDir);
  });

  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined)
      throw new Error(
        `e2eWorld("${label}").${name} was read before the world's beforeAll ran (or after it failed): read it in a hook or a test`,
      );
    return value;
  };

  const world: E2EWorld = {
    get started() {
      return ready(started, "started");
    },
    get emulator() {
      return ready(started, "emulator").emulator;
    },
    get stateDir() {
      return ready(stateDir, "stateDir");
    },
    replaceEmulator: (next) => {
      ready(started, "replaceEmulator").emulator = next;
    },
    settings: () => ({
      apiUrl: world.emulator.url,
      accessToken: world.emulator.token,
      organizationKey: EMULATOR_ORG_KEY,
    }),
    target: (dir, options = {}) => ({
      dir,
      stack: options.stack ?? "e2e",
      get stateDir() {
        return options.stateDir ?? world.stateDir;
      },
      get settings() {
        return options.settings ?? world.settings();
      },
      config: options.config,
      env: options.env,
    }),
  };
  return world;
}
