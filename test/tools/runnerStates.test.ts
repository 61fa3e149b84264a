// The runner's additions for featbit-diff and shared backends: --show-sames (preview and up only) and --backend
// (a file:// folder), on its command line and through the typed driver.
import * as path from "node:path";
import { runnerArgs } from "../../scripts/lib/driver";
import { backendFolder } from "../../scripts/lib/engine";
import { parseArgs } from "../../scripts/lib/stack-cli";

const noStdin = (): string[] => {
  throw new Error("stdin was read");
};

describe("stack.js --show-sames and --backend", () => {
  it("takes --show-sames for preview and up, and refuses it elsewhere", () => {
    expect(parseArgs(["preview", "--stack", "s", "--show-sames"], {}, noStdin).showSames).toBe(true);
    expect(parseArgs(["up", "--stack", "s", "--show-sames"], {}, noStdin).showSames).toBe(true);
    expect(() => parseArgs(["refresh", "--stack", "s", "--show-sames"], {}, noStdin)).toThrow(
      "--show-sames does not apply to refresh",
    );
  });

  it("keeps the stack in the file backend --backend names, the work dir under the state dir", () => {
    const opts = parseArgs(["up", "--stack", "s", "--backend", "file:///srv/state"], {}, noStdin);
    expect(opts.backendUrl).toBe("file:///srv/state");
    expect(backendFolder("/tmp/state", opts.backendUrl)).toBe("/srv/state");
    expect(backendFolder("/tmp/state")).toBe(path.join("/tmp/state", "backend"));
    expect(() => backendFolder("/tmp/state", "s3://bucket")).toThrow(/keeps state in a folder/);
  });

  it("the driver passes both on", () => {
    expect(
      runnerArgs("preview", { stack: "s", backendUrl: "file:///srv/state" }, { showSames: true }),
    ).toEqual(["preview", "--json", "--stack", "s", "--backend", "file:///srv/state", "--show-sames"]);
  });
});
