// Where a token is kept, and rotating it with the old one revoked, through the real engine: a token given as
// FEATBIT_ACCESS_TOKEN is never stored, so plain refresh and destroy use whatever the next run is given; one kept in
// stack config is stored (encrypted) with the stack's provider, so after a rotation plain refresh says how to move
// on and `--run-program` does. And a token goes only to the FeatBit configured beside it: an installation with a
// token and no URL fails at preview.
import * as path from "node:path";
import { EMULATOR_ORG_KEY } from "./support/featbit";
import { expectOk as ok, readState, runStack, visibleText } from "./support/stack";
import { e2eWorld } from "./support/world";

const world = e2eWorld("credentials");
const dir = path.join(__dirname, "fixtures", "credentials");

const projectNamed = (key: string) =>
  fetch(`${world.emulator.url}/api/v1/projects`, { headers: { Authorization: world.emulator.token } })
    .then((r) => r.json() as Promise<{ data: { id: string; key: string }[] }>)
    .then((r) => r.data.find((p) => p.key === key));

describe("a token from the environment (the default for CI)", () => {
  it("is kept nowhere in the state, and after a rotation that revoked it the next token just works", async () => {
    const old = world.emulator.tokens.add();
    const as = (accessToken: string) =>
      world.target(dir, {
        stack: "env-token",
        config: { projectKey: "rotation-env" },
        settings: { apiUrl: world.emulator.url, accessToken, organizationKey: EMULATOR_ORG_KEY },
      });
    const up = await runStack("up", as(old));
    ok(up);
    const state = readState(up);
    expect(state).not.toContain("featbit:accessToken");
    expect(state).not.toContain(old);

    const next = world.emulator.tokens.add();
    world.emulator.tokens.setStatus(old, "Inactive");
    ok(await runStack("refresh", as(next), { expectNoChanges: true }));
    const destroyed = await runStack("destroy", as(next));
    ok(destroyed);
    // The project, its environment and the flag, and the stack itself.
    expect(destroyed.changes.delete).toBe(4);
    expect(await projectNamed("rotation-env")).toBeUndefined();
  });
});

describe("a token in stack config", () => {
  it("is stored encrypted; after a rotation that revoked it, plain refresh names --run-program, which moves on", async () => {
    const old = world.emulator.tokens.add();
    const target = world.target(dir, {
      stack: "config-token",
      // A token kept in stack config goes only to the URL kept beside it.
      config: { projectKey: "rotation-config", "featbit:apiUrl": world.emulator.url },
      settings: { organizationKey: EMULATOR_ORG_KEY },
    });
    const up = await runStack("up", target, { secretConfig: { "featbit:accessToken": old } });
    ok(up);
    const stored = readState(up);
    expect(stored).toContain("featbit:accessToken");
    expect(stored).not.toContain(old);

    const next = world.emulator.tokens.add();
    world.emulator.tokens.setStatus(old, "Inactive");
    // The stack's config now says `next`, but plain refresh configures the provider with the copy stored at `up`.
    const plain = await runStack("refresh", target, { secretConfig: { "featbit:accessToken": next } });
    expect(plain.ok).toBe(false);
    const text = visibleText(plain);
    expect(text).toMatch(/FeatBit rejected the access token.*run them once with --run-program/);
    expect(text).not.toContain(old);
    expect(text).not.toContain(next);

    ok(await runStack("refresh", target, { runProgram: true, expectNoChanges: true }));
    // The stored copy is the new token now: a plain destroy works.
    const destroyed = await runStack("destroy", target);
    ok(destroyed);
    expect(await projectNamed("rotation-config")).toBeUndefined();
  });
});

describe("an installation", () => {
  it("with a token and no URL fails at preview, naming what to set, with 0 requests", async () => {
    world.emulator.requests.clear();
    const r = await runStack(
      "preview",
      world.target(dir, {
        stack: "no-url",
        config: { projectKey: "no-url", cloud: "true" },
        env: { FEATBIT_CLOUD_ACCESS_TOKEN: world.emulator.token },
      }),
    );
    expect(r.ok).toBe(false);
    expect(visibleText(r)).toMatch(
      /FEATBIT_CLOUD_ACCESS_TOKEN is set, but no FeatBit URL is: the token is sent only to the FeatBit configured beside it\. Set FEATBIT_CLOUD_API_URL/,
    );
    expect(visibleText(r)).not.toContain(world.emulator.token);
    expect(world.emulator.requests.all()).toEqual([]);
  });
});

describe("a verbose run (PULUMI_OPTION_VERBOSE=9, logs to stderr)", () => {
  it("that fails reports the engine's log without an SDK key or the token, though the log echoes every RPC", async () => {
    const target = world.target(dir, {
      stack: "verbose",
      config: { projectKey: "verbose" },
      settings: {
        apiUrl: world.emulator.url,
        accessToken: world.emulator.token,
        organizationKey: EMULATOR_ORG_KEY,
        maxRetries: "0",
      },
      env: { PULUMI_OPTION_VERBOSE: "9", PULUMI_OPTION_LOGTOSTDERR: "true" },
    });
    // The environment is created (its SDK keys in the engine's log), then the flag fails.
    world.emulator.faults.add({ method: "POST", path: /\/feature-flags$/, respond: { status: 500 } });
    let r;
    try {
      r = await runStack("up", target);
    } finally {
      world.emulator.faults.clear();
    }
    expect(r.ok).toBe(false);
    const project = await projectNamed("verbose");
    const listed = await fetch(`${world.emulator.url}/api/v1/projects/${project?.id}`, {
      headers: { Authorization: world.emulator.token },
    }).then((res) => res.json() as Promise<{ data: { environments: { secrets: { value: string }[] }[] } }>);
    const keys = listed.data.environments.flatMap((e) => e.secrets.map((s) => s.value));
    expect(keys.length).toBeGreaterThanOrEqual(6);
    const reported = JSON.stringify(r);
    // The engine's RPC log is there, secrets masked.
    expect(reported).toContain("[secret]");
    expect(reported.length).toBeGreaterThan(50_000);
    for (const key of keys) expect(reported).not.toContain(key);
    expect(reported).not.toContain(world.emulator.token);
    ok(await runStack("destroy", { ...target, env: {} }));
  });
});
