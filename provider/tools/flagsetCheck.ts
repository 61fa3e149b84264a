// The FlagSet files checked without Pulumi, for CI: the same checks as the FlagSet component (loadFlagSet), with the
// problems as `file:line:column: field: message` and, in GitHub Actions, as annotations on the pull request's lines.
import * as path from "node:path";
import { loadFlagSet } from "../flagset/model";
import { FlagSetError, formatProblem, type Problem } from "../flagset/problems";

export interface CheckOptions {
  paths: string[];
  environments: string[];
  otherEnvironments?: string[];
}

export interface CheckResult {
  ok: boolean;
  files: string[];
  problems: readonly Problem[];
  /** Distinct flag and segment keys declared in at least one environment. */
  flags: number;
  segments: number;
  /** Targeting tests run and passed, counted once per environment they ran in. */
  tests: number;
}

export function checkFlagSet(options: CheckOptions): CheckResult {
  try {
    const plan = loadFlagSet(options.paths, {
      environments: options.environments,
      otherEnvironments: options.otherEnvironments,
    });
    const planned = Object.values(plan.environments);
    return {
      ok: true,
      files: plan.files,
      problems: [],
      flags: new Set(planned.flatMap((p) => p.flags.map((f) => f.key.toLowerCase()))).size,
      segments: new Set(planned.flatMap((p) => p.segments.map((s) => s.key.toLowerCase()))).size,
      tests: planned.reduce((n, p) => n + p.flags.reduce((m, f) => m + f.tests.length, 0), 0),
    };
  } catch (err) {
    if (!(err instanceof FlagSetError)) throw err;
    const files = [...new Set(err.problems.map((p) => p.file).filter((f): f is string => f !== undefined))];
    return { ok: false, files, problems: err.problems, flags: 0, segments: 0, tests: 0 };
  }
}

/** GitHub's workflow-command escaping: data, and property values (which also end at ':' and ','). */
const escapeData = (s: string): string => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

/**
 * `::error file=…,line=…,col=…,title=…::…`: GitHub shows it on the file's line in the pull request. The file must
 * be relative to the repository root (`workspace`), wherever the check ran.
 */
export function githubAnnotation(problem: Problem, workspace: string, cwd: string): string {
  const props: string[] = [];
  if (problem.file !== undefined) {
    props.push(`file=${escapeProperty(path.relative(workspace, path.resolve(cwd, problem.file)))}`);
    if (problem.line !== undefined) props.push(`line=${problem.line}`, `col=${problem.column ?? 1}`);
  }
  props.push(`title=${escapeProperty(problem.field ? `FlagSet: ${problem.field}` : "FlagSet")}`);
  return `::error ${props.join(",")}::${escapeData(problem.message)}`;
}

export { formatProblem };
