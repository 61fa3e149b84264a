// Starts one of the TypeScript command-line modules in scripts/lib without a build step.
//
// Why not ts-node: it transpiles every module on every start, about 0.6 s per process on this 2-core machine, and the
// runner starts one process per stack operation. Here each file is transpiled once (TypeScript's transpileModule,
// the same transpile-only compile) and the output is cached by content hash, so a start costs what plain JS costs
// and an edited file is never served stale. Type checking stays `npm run lint`'s job.
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");
const CACHE = path.join(ROOT, "node_modules", ".cache", "pulumi-featbit-scripts");
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

let ts;
const tsVersion = () => require("typescript/package.json").version;

function transpile(source, filename) {
  const key = crypto.createHash("sha256").update(`${tsVersion()}\0${filename}\0${source}`).digest("hex");
  const cached = path.join(CACHE, `${key}.js`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    // not cached yet
  }
  ts = ts || require("typescript");
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      inlineSourceMap: true,
      inlineSources: true,
    },
  });
  fs.mkdirSync(CACHE, { recursive: true });
  // Written aside and renamed: parallel processes never read half a file.
  const tmp = `${cached}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, outputText);
  fs.renameSync(tmp, cached);
  return outputText;
}

function registerOwnTypeScript() {
  // Stack traces then point at the .ts lines.
  process.setSourceMapsEnabled(true);
  require.extensions[".ts"] = (module, filename) => {
    if (filename.includes(NODE_MODULES))
      throw new Error(`cannot load TypeScript from a package: ${filename}`);
    module._compile(transpile(fs.readFileSync(filename, "utf8"), filename), filename);
  };
}

/** Makes the repository's TypeScript loadable and calls the module's main(argv). */
function launch(moduleName) {
  require("../link-self").linkSelf();
  registerOwnTypeScript();
  require(path.join(__dirname, `${moduleName}.ts`)).main(process.argv.slice(2));
}

module.exports = { launch };
