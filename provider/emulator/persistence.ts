// Optional JSON persistence. Writes are atomic (temp file + rename) so a crash never leaves a
// half-written file; an unreadable file is reported and replaced by a fresh state, never fatal.
import { readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { z } from "zod";
import { TABLES, type State } from "./state";

const fileSchema = z.object({
  version: z.literal(1),
  workspace: z.object({ id: z.string(), name: z.string(), key: z.string() }).loose(),
  organization: z.object({ id: z.string(), key: z.string(), defaultPolicyIds: z.array(z.string()) }).loose(),
  ...Object.fromEntries(TABLES.map((t) => [t, z.array(z.record(z.string(), z.unknown()))])),
});

export function loadState(file: string, warn: (message: string) => void): State | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = fileSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (!parsed.success) {
      warn(
        `featbit-emulator: ignoring ${file}: not an emulator state file (${parsed.error.issues[0]?.message}); starting fresh`,
      );
      return undefined;
    }
    // The structural check above is what a hand-edited file can break; entity fields are ours.
    return parsed.data as unknown as State;
  } catch (e) {
    warn(`featbit-emulator: ignoring ${file}: ${e instanceof Error ? e.message : String(e)}; starting fresh`);
    return undefined;
  }
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
