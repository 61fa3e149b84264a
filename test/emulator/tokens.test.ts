// Access tokens' lifecycle in the emulator (provider/emulator/tokens.ts): a rotation adds one, then revokes the old
// one, and FeatBit answers 401 to an inactive token (OpenApiHandler.HandleAuthenticateAsync).
import { startEmulator, type Emulator } from "../../provider/emulator";
import { Api } from "./support";

let emulator: Emulator;
let api: Api;
beforeAll(async () => {
  emulator = await startEmulator();
  api = new Api(emulator);
});
afterAll(() => emulator.close());

const projects = (token: string) => api.call("GET", "/api/v1/projects", undefined, { token });
const admin = (method: string, path: string, body: unknown, token = emulator.token) =>
  fetch(`${emulator.url}/_emulator${path}`, {
    method,
    headers: { Authorization: token, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });

test("a token added, revoked and made active again, from code and through /_emulator", async () => {
  const rotated = emulator.tokens.add();
  expect(rotated).toMatch(/^api-/);
  expect((await projects(rotated)).status).toBe(200);
  emulator.tokens.setStatus(rotated, "Inactive");
  expect((await projects(rotated)).status).toBe(401);

  const added = await admin("POST", "/tokens", {});
  const viaAdmin = ((await added.json()) as { token: string }).token;
  expect((await projects(viaAdmin)).status).toBe(200);
  expect((await admin("PUT", "/tokens/status", { token: viaAdmin, status: "Inactive" })).status).toBe(200);
  expect((await projects(viaAdmin)).status).toBe(401);
  await admin("PUT", "/tokens/status", { token: viaAdmin, status: "Active" });
  expect((await projects(viaAdmin)).status).toBe(200);
});

test("the emulator's own token cannot be revoked, and only it may manage tokens", async () => {
  expect(() => emulator.tokens.setStatus(emulator.token, "Inactive")).toThrow(/cannot be revoked/);
  const other = emulator.tokens.add();
  expect((await admin("POST", "/tokens", {}, other)).status).toBe(403);
});
