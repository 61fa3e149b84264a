// Starts one of the TypeScript command-line modules in scripts/lib without a build step.
const path = require("node:path");

/** Registers ts-node for scripts/ and calls the module's main(argv). */
function launch(moduleName) {
  require("../link-self").linkSelf();
  // Transpile-only: type checking is `npm run lint`'s job, and a full check per process would cost seconds.
  require("ts-node").register({
    transpileOnly: true,
    project: path.join(__dirname, "..", "..", "tsconfig.json"),
  });
  require(path.join(__dirname, moduleName)).main(process.argv.slice(2));
}

module.exports = { launch };
