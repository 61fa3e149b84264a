#!/usr/bin/env node
// Entry point for one Pulumi operation per process (see scripts/lib/engine.ts for why):
//   node scripts/stack.js <preview|up|refresh|destroy|outputs> --dir <program dir> --stack <name> [options]
// Prints one JSON result line on stdout. Run with --help for the options.
const path = require("node:path");

require("./link-self").linkSelf();
// Transpile-only: type checking is `tsc --noEmit`'s job, and a full check per process would cost seconds.
require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
require("./lib/stack-cli").main(process.argv.slice(2));
