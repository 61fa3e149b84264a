#!/usr/bin/env node
// Makes `require("pulumi-featbit")` resolve inside this repository (examples import the package by name, and the
// provider plugin resolves it from the program's work directory). Idempotent; safe to run from several scripts.
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const link = path.join(root, "node_modules", "pulumi-featbit");

function linkSelf() {
  fs.mkdirSync(path.dirname(link), { recursive: true });
  let current;
  try {
    current = fs.readlinkSync(link);
  } catch {
    current = undefined;
  }
  if (current !== undefined && path.resolve(path.dirname(link), current) === root) return false;
  if (current !== undefined || fs.existsSync(link)) fs.rmSync(link, { recursive: true, force: true });
  // A relative target keeps working when the checkout is moved.
  fs.symlinkSync(path.relative(path.dirname(link), root), link, "dir");
  return true;
}

module.exports = { linkSelf };

if (require.main === module) {
  if (linkSelf()) console.error(`linked ${path.relative(root, link)} -> ${root}`);
}
