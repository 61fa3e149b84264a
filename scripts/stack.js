#!/usr/bin/env node
// The offline stack runner: one Pulumi operation per process (see scripts/lib/engine.ts for why), one JSON result line
// on stdout. Works on any program folder with its own node_modules, inside this repository or not:
//   node scripts/stack.js <preview|up|refresh|destroy|outputs|cancel> [--dir <program dir>] --stack <name> [options]
// Run with --help for the options.
require("./lib/launch").launch("stack-cli");
