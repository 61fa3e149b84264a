// Optional JSON persistence. Writes are atomic (temp file + rename) so a crash never leaves a
// half-written file. An unreadable or foreign file is never overwritten: it is renamed aside first
// (a typo in --data must not cost anyone their data), and start-up fails if that rename does.
import { readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { z } from "zod";
import { TABLES, type State } from "./state";

const LATER_TABLES = ["flagDrafts", "flagSchedules", "flagChangeRequests"] as const;

const fileSchema = z.object({
  version: z.literal(1),
  workspace: z.object({ id: z.string(), name: z.string(), key: z.string() }).loose(),
  organization: z.object({ id: z.string(), key: z.string(), defaultPolicyIds: z.array(z.string()) }).loose(),
  ...Object.fromEntries(TABLES.map((t) => [t, z.array(z.record(z.string(), z.unknown()))])),
  // Tables added after the first file format: older files simply have none yet.
  ...Object.fromEntries(LATER_TABLES.map((t) => [t, z.array(z.record(z.string(), z.unknown())).default([])])),
});

/** Where an unusable data file is moved: beside it, stamped, never over an earlier one. */
export function asideName(file: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  let candidate = `${file}.unreadable-${stamp}`;
  for (let i = 2; existsSync(candidate); i++) candidate = `${file}.unreadable-${stamp}-${i}`;
  return candidate;
}

function setAside(file: string, reason: string, warn: (message: string) => void): undefined {
  const aside = asideName(file);
  try {
    renameSync(file, aside);
  } catch (e) {
    throw new Error(
      `${file} is not a usable emulator state file (${reason}) and could not be moved aside ` +
        `(${e instanceof Error ? e.message : String(e)}); refusing to start so it is not overwritten`,
      { cause: e },
    );
  }
  warn(
    `featbit-emulator: ${file} is not a usable emulator state file (${reason}); moved it to ${aside} and started fresh`,
  );
  return undefined;
}

export function loadState(file: string, warn: (message: string) => void): State | undefined {
  if (!existsSync(file)) return undefined;
  // A file that cannot be read (permissions, a directory) is not ours to move: fail start-up instead.
  const text = readFileSync(file, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return setAside(file, e instanceof Error ? e.message : String(e), warn);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) return setAside(file, parsed.error.issues[0]?.message ?? "unexpected shape", warn);
  // The structural check above is what a hand-edited file can break; entity fields are ours.
  return parsed.data as unknown as State;
}

/**
 * Audit entries never change once written and soon outweigh everything else (each holds two JSON
 * snapshots), so their serialized form is cached: saving after every write stays cheap.
 */
const auditJson = new WeakMap<object, string>();

export function serializeState(state: State): string {
  const { auditLogs, ...rest } = state;
  const logs = auditLogs.map((entry) => {
    let json = auditJson.get(entry);
    if (json === undefined) {
      json = JSON.stringify(entry);
      auditJson.set(entry, json);
    }
    return json;
  });
  return `${JSON.stringify(rest).slice(0, -1)},"auditLogs":[${logs.join(",")}]}`;
}

export function saveState(file: string, state: State): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, serializeState(state));
  renameSync(tmp, file);
}
