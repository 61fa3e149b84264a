#!/usr/bin/env node
// TEST PLUMBING — not part of examples/gitops. A stand-in for the `pulumi` command that examples/gitops/ci.sh runs
// (the e2e test sets PULUMI to this file). A plain `pulumi preview` needs the Node.js language host, which cannot be
// built offline (docs/engine.md), so the few commands ci.sh uses are translated into the repository's runner
// (scripts/stack.js: the real Pulumi CLI and engine, the program run inline):
//
//   pulumi stack select --create NAME …        nothing to do: the runner creates a stack on first use
//   pulumi preview --stack S [--json] [--show-sames] …   the runner's preview; --json prints the runner's steps as
//                                              `pulumi preview --json` does ({steps, changeSummary, diagnostics})
//   pulumi up --stack S --yes …                the runner's up; prints the CLI's output
//
// PULUMI_BACKEND_URL (file://…) becomes the runner's --backend; FEATBIT_* variables and PULUMI_CONFIG_PASSPHRASE
// pass through. Anything else is refused, so ci.sh cannot silently depend on a command nobody tested.
const { spawnSync } = require("node:child_process");
const path = require("node:path");

const STACK_JS = path.resolve(__dirname, "..", "..", "..", "scripts", "stack.js");
/** Flags ci.sh may pass that change nothing here (the runner never prompts). */
const IGNORED = new Set(["--non-interactive", "--yes", "--create", "--skip-preview"]);

function fail(message) {
  process.stderr.write(`pulumi (test stand-in): ${message}\n`);
  process.exit(2);
}

function parse(argv) {
  const words = [];
  const options = { json: false, showSames: false, stack: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--stack" || arg === "-s") options.stack = argv[++i];
    else if (arg === "--secrets-provider") i++;
    else if (arg === "--json" || arg === "-j") options.json = true;
    else if (arg === "--show-sames") options.showSames = true;
    else if (IGNORED.has(arg) || arg === "-y" || arg === "-c") continue;
    else if (arg.startsWith("-")) fail(`option ${arg} is not supported`);
    else words.push(arg);
  }
  return { words, options };
}

function runner(operation, options) {
  if (!options.stack) fail(`${operation} needs --stack`);
  const args = [STACK_JS, operation, "--dir", process.cwd(), "--stack", options.stack];
  const backend = process.env.PULUMI_BACKEND_URL;
  if (backend) args.push("--backend", backend);
  if (options.showSames) args.push("--show-sames");
  const child = spawnSync(process.execPath, args, {
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    maxBuffer: 256 << 20,
  });
  const line = (child.stdout || "").trim().split("\n").pop() || "";
  try {
    return JSON.parse(line);
  } catch {
    fail(`the runner printed no result (exit code ${child.status})`);
  }
}

/** The runner's result in the shape of `pulumi preview --json`'s digest (display.PreviewDigest). */
function previewDigest(result) {
  return {
    steps: result.steps.map((s) => ({
      op: s.op,
      urn: s.urn,
      ...(s.oldState ? { oldState: s.oldState } : {}),
      ...(s.newState ? { newState: s.newState } : {}),
      ...(s.diffs.length > 0 ? { diffReasons: s.diffs } : {}),
      ...(s.replaceKeys.length > 0 ? { replaceReasons: s.replaceKeys } : {}),
    })),
    diagnostics: result.diagnostics.map((d) => ({ urn: d.urn, message: d.message, severity: d.severity })),
    changeSummary: result.changes,
  };
}

function main(argv) {
  const { words, options } = parse(argv);
  const command = words.join(" ");
  if (words[0] === "stack" && words[1] === "select" && words.length === 3) return 0;
  if (command !== "preview" && command !== "up") fail(`'${command}' is not supported`);
  const result = runner(command, options);
  if (command === "preview" && options.json) {
    process.stdout.write(`${JSON.stringify(previewDigest(result), null, 4)}\n`);
  } else {
    process.stdout.write(result.log);
  }
  if (!result.ok) process.stderr.write(`error: ${result.error ?? "the operation failed"}\n`);
  // The CLI's exit code for a failed operation.
  return result.ok ? 0 : 255;
}

process.exit(main(process.argv.slice(2)));
