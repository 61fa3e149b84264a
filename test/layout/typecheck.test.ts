// A program importing pulumi-featbit type-checks wherever a Pulumi user compiles it: `tsc --noEmit` under the tsconfig
// `pulumi new typescript` writes today (module/moduleResolution nodenext) and the one it wrote before (commonjs/node,
// which many programs still have), with TypeScript 5.9 and 6, with and without skipLibCheck. The programs are the
// examples and a fixture that names the public types; they compile against the built declarations (dist/*.d.ts,
// reached through node_modules/pulumi-featbit), as a user's program compiles against the installed package.
//
// Why this can break: a declaration that imports zod drags zod's own declarations into the program, and those fail
// under the previous template (63 × TS1259, `esModuleInterop` off and `skipLibCheck` off); see tsconfig.build.json.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as TypeScript from "typescript";
import { TEMPLATE_TSCONFIG } from "../../provider/tools/export";

const ROOT = path.resolve(__dirname, "..", "..");

/** Both templates' compilerOptions (the current one is also what featbit-export writes). */
const CURRENT: Record<string, unknown> = TEMPLATE_TSCONFIG.compilerOptions;
const TSCONFIGS: Record<string, Record<string, unknown>> = {
  "previous template (commonjs/node)": { ...CURRENT, module: "commonjs", moduleResolution: "node" },
  "current template (nodenext)": CURRENT,
};

const COMPILERS: Record<string, string> = { "TypeScript 5.9": "typescript", "TypeScript 6": "typescript6" };

/**
 * A program folder outside the repository, as a user has it: the package's published files (what `npm pack` puts in
 * the tarball) in node_modules/pulumi-featbit, and the repository's copies of its dependencies, @pulumi/pulumi and
 * @types/node beside it. Inside the repository, TypeScript would see the examples as part of the package itself.
 */
function programFolder(): { dir: string; files: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "featbit-typecheck-"));
  const modules = path.join(dir, "node_modules");
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8" }),
  ) as { files: { path: string }[] }[];
  for (const file of ["package.json", ...packed[0].files.map((f) => f.path)]) {
    fs.mkdirSync(path.dirname(path.join(modules, "pulumi-featbit", file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(modules, "pulumi-featbit", file));
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  for (const pkg of ["@pulumi/pulumi", "@types/node", ...Object.keys(manifest.dependencies)]) {
    fs.mkdirSync(path.dirname(path.join(modules, pkg)), { recursive: true });
    fs.symlinkSync(path.join(ROOT, "node_modules", pkg), path.join(modules, pkg), "dir");
  }
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "my-flags", main: "index.ts" }));
  const files = [path.join(dir, "index.ts")];
  fs.copyFileSync(path.join(__dirname, "fixtures", "typecheck", "index.ts"), files[0]);
  for (const example of fs.readdirSync(path.join(ROOT, "examples"), { recursive: true, encoding: "utf8" })) {
    if (path.basename(example) !== "index.ts") continue;
    files.push(path.join(dir, "examples", example));
    fs.mkdirSync(path.dirname(files[files.length - 1]), { recursive: true });
    fs.copyFileSync(path.join(ROOT, "examples", example), files[files.length - 1]);
  }
  return { dir, files };
}

/** `tsc --noEmit` of the program with these options: its diagnostics, formatted as tsc prints them. */
function compile(
  ts: typeof TypeScript,
  program: { dir: string; files: string[] },
  json: Record<string, unknown>,
): string[] {
  const { options, errors } = ts.convertCompilerOptionsFromJson({ ...json, noEmit: true }, program.dir);
  const compiled = ts.createProgram({ rootNames: program.files, options });
  const host: TypeScript.FormatDiagnosticsHost = {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => program.dir,
    getNewLine: () => "\n",
  };
  return [...errors, ...ts.getPreEmitDiagnostics(compiled)].map((d) => ts.formatDiagnostic(d, host).trim());
}

describe("a program importing pulumi-featbit type-checks (tsc --noEmit)", () => {
  let program: { dir: string; files: string[] };
  beforeAll(() => {
    if (!fs.existsSync(path.join(ROOT, "dist", "index.d.ts")))
      throw new Error("dist/ is missing: run `npm run build` first (`npm test` does)");
    program = programFolder();
  });
  afterAll(() => {
    if (program) fs.rmSync(program.dir, { recursive: true, force: true });
  });

  it("compiles the fixture and every example", () => {
    expect(program.files.map((f) => path.relative(program.dir, f)).sort()).toEqual(
      expect.arrayContaining(["examples/quickstart/index.ts", "examples/flagset/index.ts", "index.ts"]),
    );
  });

  for (const [compilerName, moduleName] of Object.entries(COMPILERS)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- two compilers, chosen at run time
    const ts = require(moduleName) as typeof TypeScript;
    for (const [tsconfigName, tsconfig] of Object.entries(TSCONFIGS)) {
      // TypeScript 6 refuses `moduleResolution: node` itself (TS5107, deprecated) until the program says it knows.
      const own =
        ts.versionMajorMinor.startsWith("6.") && tsconfig.moduleResolution === "node"
          ? { ignoreDeprecations: "6.0" }
          : {};
      for (const skipLibCheck of [false, true]) {
        it(`${compilerName}, ${tsconfigName}, skipLibCheck ${String(skipLibCheck)}: 0 errors`, () => {
          expect(compile(ts, program, { ...tsconfig, ...own, skipLibCheck })).toEqual([]);
        });
      }
    }
  }
});
