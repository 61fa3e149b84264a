// What the runner tells its users to type. The CLI's messages, and the provider's (written for people with `pulumi`),
// name `pulumi …` commands; a runner user is told the runner's own instead, with the same program, stack and state.
import * as path from "node:path";

/** The runner's command and the arguments that select this stack, as the user would retype them. */
export interface Invocation {
  runner: string;
  where: string;
}

export function invocation(target: {
  dir: string;
  stack: string;
  stateDir?: string;
  backendUrl?: string;
}): Invocation {
  return {
    runner: `node ${path.join(__dirname, "..", "stack.js")}`,
    where:
      `--dir ${target.dir} --stack ${target.stack}` +
      (target.stateDir ? ` --state ${target.stateDir}` : "") +
      (target.backendUrl ? ` --backend ${target.backendUrl}` : ""),
  };
}

/** After a killed run: how to remove its lock and resolve its pending creates ("" when the error is neither). */
export function killedRunAdvice(error: string, { runner, where }: Invocation): string {
  if (/currently locked/i.test(error)) {
    return (
      `\n\nIf no other run of this stack is in progress (the last one was killed), remove its lock with:\n` +
      `  ${runner} cancel ${where}\nthen record what its pending creates made in FeatBit: ${runner} recover ${where}`
    );
  }
  // The CLI's words for a killed run's leftovers (a provider's own advice may mention a pending create too).
  if (/pending operations|pending CREATE|clear-pending-creates/.test(error)) {
    return (
      `\n\nA killed run left creates pending. Record what they made in FeatBit (and drop those that never landed) ` +
      `with:\n  ${runner} recover ${where}\n` +
      'then `up` again (see docs/engine.md, "Recovering from a killed run").'
    );
  }
  return "";
}

const CONFIG_SET =
  /pulumi config set((?: --(?:path|secret))*) ([A-Za-z0-9_:.\-[\]]+)(?: (<[^>\s]+>|[^\s`'"]+))?/g;
const OPERATION = /pulumi (up|preview|refresh|destroy|cancel)\b/g;

/**
 * `text` with the `pulumi config set …`, `pulumi up` (preview, refresh, destroy, cancel) and `pulumi stack output` it
 * names rewritten as the runner's commands. Config is set as part of an operation (`op`): the runner has no command
 * of its own for it. A secret's value is never put on a command line: the runner reads it from stdin.
 */
export function asRunnerCommands(text: string, op: string, { runner, where }: Invocation): string {
  return text
    .replace(CONFIG_SET, (_all, flags: string, key: string, value: string | undefined) => {
      const pathFlag = flags.includes("--path") ? " --path" : "";
      return flags.includes("--secret")
        ? `${runner} ${op} ${where}${pathFlag} --secret ${key} (the value on stdin)`
        : `${runner} ${op} ${where}${pathFlag} --config ${key}=${value ?? "<value>"}`;
    })
    .replace(OPERATION, (_all, command: string) => `${runner} ${command} ${where}`)
    .replace(/pulumi stack output\b/g, `${runner} outputs ${where}`);
}
