#!/usr/bin/env node
// `npm run bench [-- --sizes 50,200] [--parallel N] [--out FILE]`: see scripts/lib/bench.ts.
require("./lib/launch").launch("bench");
