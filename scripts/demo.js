#!/usr/bin/env node
// `npm run demo [-- <command> [options]]`: the root stack against a local FeatBit emulator; see scripts/lib/demo.ts.
require("./lib/launch").launch("demo");
