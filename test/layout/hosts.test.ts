// One definition, two hosts: every resource definition and every lookup reaches both the dynamic provider (and the
// program's lookups) and the native plugin through the same tables, and no host takes a definition of its own.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pkg from "../../provider";
import { RESOURCE_KINDS } from "../../provider/host/shim";
import { lookups } from "../../provider/lookups";
import { definitions } from "../../provider/resources/definitions";

const PROVIDER = path.resolve(__dirname, "../../provider");

/** Relative imports of a file under provider/, resolved to paths relative to provider/ without extension. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(PROVIDER, file), "utf8");
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+["'](\.[^"']+)["']/g)].map((m) =>
    path.relative(PROVIDER, path.resolve(path.dirname(path.join(PROVIDER, file)), m[1])),
  );
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(path.join(PROVIDER, dir), { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? filesUnder(path.join(dir, e.name))
        : e.name.endsWith(".ts")
          ? [path.join(dir, e.name)]
          : [],
    );
}

/** The resource modules that export a definition (`export { definition as xDefinition }` or a const). */
const definitionModules = filesUnder("resources").filter((f) =>
  /export\s*\{[^}]*\bas\s+\w+Definition\b|export const \w+Definition\b/.test(
    fs.readFileSync(path.join(PROVIDER, f), "utf8"),
  ),
);

test("each host serves the one table of definitions and of lookups", () => {
  // The dynamic host (what stored __provider modules load) and the native plugin.
  expect(importsOf("implementation.ts")).toContain(path.join("resources", "definitions"));
  expect(importsOf(path.join("native", "index.ts"))).toEqual(
    expect.arrayContaining([path.join("resources", "definitions"), "lookups"]),
  );
  // The program side of the lookups is the package entry, which re-exports the module holding the table.
  expect(importsOf("index.ts")).toContain("lookups");
});

test("every module defining a resource is in the table, and no host imports one directly", () => {
  expect(definitionModules.length).toBe(RESOURCE_KINDS.length);
  const table = importsOf(path.join("resources", "definitions.ts"));
  const missing = definitionModules.map((f) => f.replace(/\.ts$/, "")).filter((m) => !table.includes(m));
  expect(missing).toEqual([]);
  const hostFiles = ["implementation.ts", ...filesUnder("host"), ...filesUnder("native")];
  const direct = hostFiles.flatMap((file) =>
    importsOf(file)
      .filter((m) => definitionModules.includes(`${m}.ts`))
      .map((m) => `${file} imports ${m}`),
  );
  expect(direct).toEqual([]);
});

test("every kind is a definition, a resource class of the package and (see schema.test.ts) a native resource", () => {
  expect(definitions.map((d) => d.kind).sort()).toEqual([...RESOURCE_KINDS].sort());
  const exported = pkg as unknown as Record<string, unknown>;
  for (const kind of RESOURCE_KINDS) expect([kind, typeof exported[kind]]).toEqual([kind, "function"]);
  for (const lookup of lookups) {
    expect([lookup.name, typeof exported[lookup.name]]).toEqual([lookup.name, "function"]);
    expect([lookup.name, typeof exported[`${lookup.name}Output`]]).toEqual([lookup.name, "function"]);
  }
});

test("the README's table has a row for every resource and lookup, with a cell for each host", () => {
  const readme = fs.readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");
  // The first row of each name: the hosts table comes before any other table naming resources.
  const rows = new Map<string, string[]>();
  for (const m of readme.matchAll(/^\| (\w+) \| ([^|]+) \| ([^|]+) \|$/gm))
    if (!rows.has(m[1])) rows.set(m[1], [m[2].trim(), m[3].trim()]);
  for (const name of [...RESOURCE_KINDS, ...lookups.map((l) => l.name)]) {
    const [dynamic, native] = rows.get(name) ?? ["", ""];
    expect([name, dynamic.includes(`featbit.${name}(`), native]).toEqual([
      name,
      true,
      `\`featbit:index:${name}\``,
    ]);
  }
});
