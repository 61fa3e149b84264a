#!/usr/bin/env node
// Writes provider/native/schema.json, the featbit package schema the native plugin serves, from the resource
// definitions, the lookups and the documentation (`npm run schema`; test/native/schema.test.ts checks it is current).
require("ts-node").register({ transpileOnly: true, compilerOptions: { module: "commonjs" } });
const fs = require("node:fs");
const path = require("node:path");
const { currentSchema, schemaText, SCHEMA_FILE } = require("../provider/native/schemaFile.ts");
const root = path.resolve(__dirname, "..");
const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
const text = schemaText(currentSchema(root, version));
const before = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, "utf8") : "";
fs.writeFileSync(SCHEMA_FILE, text);
process.stdout.write(`${path.relative(root, SCHEMA_FILE)}: ${before === text ? "unchanged" : "written"}\n`);
