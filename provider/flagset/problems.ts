// What is wrong with a FlagSet, in the form editors and CI annotations understand: file:line:column, the field, and
// what is expected.

export interface Problem {
  /** As given (relative to the working directory when inside it); absent for problems in the program's arguments. */
  file?: string;
  line?: number;
  column?: number;
  /** The field, e.g. "flags[2] (new-checkout).environments.prod.defaultRule.serve.rollout". */
  field: string;
  message: string;
}

export function formatProblem(p: Problem): string {
  const where =
    p.file === undefined ? "" : `${p.file}${p.line !== undefined ? `:${p.line}:${p.column ?? 1}` : ""}: `;
  return `${where}${p.field ? `${p.field}: ` : ""}${p.message}`;
}

/** Sorted by file and position, each reported once (one definition checked for several environments repeats). */
export function orderProblems(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const text = formatProblem(p);
    if (seen.has(text)) return false;
    seen.add(text);
    return true;
  });
  return unique.sort(
    (a, b) =>
      (a.file ?? "").localeCompare(b.file ?? "") ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0),
  );
}

/** Thrown by loadFlagSet (and so by the FlagSet component) with every problem of every file. */
export class FlagSetError extends Error {
  constructor(
    readonly problems: readonly Problem[],
    what = "FlagSet",
  ) {
    const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}`;
    super(
      `${what} has ${count}; nothing was applied:\n${problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`,
    );
    this.name = "FlagSetError";
  }
}
