// Proves the runner itself (real Pulumi CLI, inline Automation API, shim, dynamic-provider plugin, file backend)
// with a self-contained fixture resource, independently of the FeatBit resources.
import * as fs from "node:fs";
import * as path from "node:path";
import { startItemServer, type ItemServer } from "./support/itemServer";
import {
  ensureCli,
  makeStateDir,
  readState,
  REPO_ROOT,
  removeStateDir,
  resourceSteps,
  runStack,
  visibleText,
  type StackTarget,
} from "./support/stack";

describe("stack runner with the fixture resource", () => {
  let server: ItemServer;
  let target: StackTarget;
  let stateDir: string;

  beforeAll(
    async () => {
      // First run on a fresh machine builds the CLI from the Go module proxy (minutes); later runs find it cached.
      ensureCli();
      server = await startItemServer();
      stateDir = makeStateDir("harness");
      target = {
        dir: path.join(REPO_ROOT, "test/e2e/fixtures/items"),
        stack: "harness",
        stateDir,
        settings: { apiUrl: server.url, accessToken: server.token },
      };
    },
    40 * 60 * 1000,
  );

  afterAll(async () => {
    await server?.close();
    if (stateDir) removeStateDir(stateDir);
  });

  it("previews the creates without calling the API", async () => {
    const r = await runStack("preview", target);
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(resourceSteps(r).map((s) => `${s.op} ${s.name}`)).toEqual(["create first", "create second"]);
    expect(server.requests).toHaveLength(0);
  });

  it("creates the resources and returns outputs with secrets masked", async () => {
    const r = await runStack("up", target);
    expect(r.error).toBeUndefined();
    expect(r.changes.create).toBe(3); // the stack + two items
    const firstId = r.outputs.firstId.value as string;
    expect(server.items.get(firstId)).toEqual({ name: "item-first", value: "hello" });
    expect(r.outputs.secondValue.value).toBe(`after-${firstId}`);
    expect(r.outputs.firstSecret).toEqual({ value: "[secret]", secret: true });
    expect(r.log).toContain("[secret]");
    expect(r.log).not.toContain(`key-${firstId}`);
  });

  it("reveals secret outputs only when asked", async () => {
    const r = await runStack("outputs", target, { showSecrets: true });
    expect(r.outputs.firstSecret.value).toBe(`key-${r.outputs.firstId.value as string}`);
  });

  it("reports no changes on a second preview and makes zero API requests", async () => {
    server.requests.length = 0;
    const r = await runStack("preview", target, { expectNoChanges: true });
    expect(r.error).toBeUndefined();
    expect(resourceSteps(r)).toEqual([]);
    expect(r.changes).toEqual({ same: 3 });
    expect(server.requests).toEqual([]);
  });

  it("previews and applies exactly one changed input", async () => {
    const preview = await runStack("preview", target, { config: { greeting: "bonjour" } });
    expect(preview.error).toBeUndefined();
    // `second` depends on first's id, which is unknown during preview, so it shows as a possible update.
    expect(resourceSteps(preview)).toContainEqual(
      expect.objectContaining({ op: "update", name: "first", diffs: ["value"] }),
    );
    expect(resourceSteps(preview).filter((s) => s.op !== "update")).toEqual([]);

    server.requests.length = 0;
    const up = await runStack("up", target);
    expect(up.error).toBeUndefined();
    expect(resourceSteps(up).map((s) => `${s.op} ${s.name}`)).toEqual(["update first"]);
    expect(server.requests.map((q) => q.method)).toEqual(["PUT"]);
    expect(server.items.get(up.outputs.firstId.value as string)?.value).toBe("bonjour");
  });

  it("detects drift made behind Pulumi's back on refresh", async () => {
    const outputs = await runStack("outputs", target);
    const id = outputs.outputs.firstId.value as string;
    const res = await fetch(`${server.url}/items/${id}`, {
      method: "PUT",
      headers: { Authorization: server.token, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "item-first", value: "edited-in-ui" }),
    });
    expect(res.status).toBe(200);

    const r = await runStack("refresh", target);
    expect(r.error).toBeUndefined();
    expect(r.changes.update).toBe(1);
    expect(resourceSteps(r)).toEqual([
      expect.objectContaining({ op: "refresh", name: "first", diffs: ["value"] }),
    ]);

    // The read folded the drift into inputs, so the next preview proposes to restore the declared value.
    const preview = await runStack("preview", target);
    expect(resourceSteps(preview)).toContainEqual(
      expect.objectContaining({ op: "update", name: "first", diffs: ["value"] }),
    );
    expect(resourceSteps(preview).filter((s) => s.op !== "update")).toEqual([]);
    const up = await runStack("up", target);
    expect(up.error).toBeUndefined();
    expect(server.items.get(id)?.value).toBe("bonjour");
  });

  it("fails a bad input at preview with the property and the reason", async () => {
    server.requests.length = 0;
    const r = await runStack("preview", target, { config: { prefix: "Not Valid" } });
    expect(r.ok).toBe(false);
    const text = visibleText(r);
    expect(text).toContain("property name value {Not Valid-first} has a problem: must match ^[a-z0-9-]+$");
    expect(server.requests).toEqual([]);
  });

  it("surfaces the API's error code and advice when a create fails", async () => {
    // Occupy the name the next create will use, then ask for it.
    await fetch(`${server.url}/items`, {
      method: "POST",
      headers: { Authorization: server.token, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "taken-first", value: "x" }),
    });
    const r = await runStack("up", target, { config: { prefix: "taken" } });
    expect(r.ok).toBe(false);
    const text = visibleText(r);
    expect(text).toContain("KeyHasBeenUsed");
    expect(text).toContain("pick another name");
    const restore = await runStack("up", target, { removeConfig: ["prefix"] });
    expect(restore.error).toBeUndefined();
  });

  it("never writes the access token, or a secret given on stdin, to the state, the config file or the output", async () => {
    const secret = "s3cret-given-on-stdin";
    const r = await runStack("preview", target, { secretConfig: { webhookSecret: secret } });
    expect(r.ok).toBe(true);
    expect(readState(r)).not.toContain(server.token);
    expect(visibleText(r)).not.toContain(server.token);
    // The token is in the stack's config, encrypted with the passphrase.
    expect(readState(r)).toContain("featbit:accessToken");
    const stackConfig = fs.readFileSync(
      path.join(stateDir, "work", "e2e-items", "Pulumi.harness.yaml"),
      "utf8",
    );
    expect(stackConfig).toMatch(/e2e-items:webhookSecret:\s+secure: /);
    expect(stackConfig).not.toContain(secret);
    expect(stackConfig).not.toContain(server.token);
    expect(visibleText(r)).not.toContain(secret);
  });

  it("destroys everything the stack made", async () => {
    const taken = [...server.items.entries()].filter(([, v]) => v.name === "taken-first").map(([k]) => k);
    const r = await runStack("destroy", target);
    expect(r.error).toBeUndefined();
    expect(r.changes.delete).toBe(3);
    expect([...server.items.keys()]).toEqual(taken);
    expect(readState(r)).not.toContain(server.token);
  });
});
