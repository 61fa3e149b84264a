// The package's shape: no import cycle inside provider/, and the public entry point loads neither the emulator nor
// anything a program does not need.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const PROVIDER = path.join(ROOT, "provider");

/** Every relative import (type-only ones too) of every TypeScript file under provider/. */
function importGraph(): Map<string, string[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir)) {
      const p = path.join(dir, name);
      if (fs.statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".ts")) files.push(p);
    }
  };
  walk(PROVIDER);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const deps: string[] = [];
    for (const m of fs
      .readFileSync(file, "utf8")
      .matchAll(/(?:import|export)[^'"]*?from\s+["'](\.[^"']+)["']/g)) {
      const target = path.resolve(path.dirname(file), m[1]);
      const resolved = [`${target}.ts`, path.join(target, "index.ts")].find((c) => fs.existsSync(c));
      if (resolved) deps.push(resolved);
    }
    graph.set(file, deps);
  }
  return graph;
}

test("provider/ has no import cycle", () => {
  const graph = importGraph();
  expect(graph.size).toBeGreaterThan(40);
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    stack.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (state.get(dep) === "open") {
        cycles.push(
          stack
            .slice(stack.indexOf(dep))
            .map((f) => path.relative(PROVIDER, f))
            .join(" → "),
        );
      } else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  expect(cycles).toEqual([]);
});

test("a program that imports the package does not load the emulator", () => {
  const loaded = execFileSync(
    process.execPath,
    [
      "-e",
      `require(${JSON.stringify(path.join(ROOT, "dist", "index.js"))});` +
        `process.stdout.write(JSON.stringify(Object.keys(require.cache)))`,
    ],
    { encoding: "utf8" },
  );
  const modules = (JSON.parse(loaded) as string[]).map((m) => path.relative(ROOT, m));
  expect(modules).toContain(path.join("dist", "index.js"));
  expect(modules.filter((m) => m.startsWith(path.join("dist", "emulator")))).toEqual([]);
  // Nor FeatBit's SDK: it is loaded when a targeting test first runs.
  expect(modules.filter((m) => m.includes(path.join("node_modules", "@featbit")))).toEqual([]);
});
