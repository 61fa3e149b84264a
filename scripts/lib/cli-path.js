// Plain-JS access to scripts/pulumi for scripts that do not load TypeScript.
const { execFileSync } = require("node:child_process");
const path = require("node:path");

function resolveCliSync() {
  const out = execFileSync(path.join(__dirname, "..", "pulumi"), ["--print-path"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return out.trim().split("\n").pop();
}

module.exports = { resolveCliSync };
