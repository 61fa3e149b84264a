#!/usr/bin/env node
// `npm run chaos [-- --runs 20 --rate 0.2 --seed 1]`: see scripts/lib/chaos.ts.
require("./lib/launch").launch("chaos");
