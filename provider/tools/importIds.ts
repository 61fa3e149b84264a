// The ids to adopt existing FeatBit objects with (`importId` inputs, the same strings FeatBit's Terraform provider
// imports). FeatBit's UI shows few of these UUIDs, so finding them is the first obstacle to adopting an estate.
import { collectPages, type FeatBitClient } from "../client";

export interface ImportIdRow {
  kind: "Project" | "Environment" | "FeatureFlag" | "Segment";
  /** Human path: project key, then environment key, then the object's key. */
  path: string;
  importId: string;
  note?: string;
}

export interface ImportIdOptions {
  /** Only this project (key, case-insensitive). */
  project?: string;
}

export async function listImportIds(
  client: FeatBitClient,
  options: ImportIdOptions = {},
): Promise<ImportIdRow[]> {
  const rows: ImportIdRow[] = [];
  const wanted = options.project?.toLowerCase();
  const projects = (await client.projects.list())
    .filter((p) => wanted === undefined || p.key.toLowerCase() === wanted)
    .sort((a, b) => a.key.localeCompare(b.key));
  for (const project of projects) {
    rows.push({ kind: "Project", path: project.key, importId: project.id });
    for (const env of [...project.environments].sort((a, b) => a.key.localeCompare(b.key))) {
      const envPath = `${project.key}/${env.key}`;
      rows.push({ kind: "Environment", path: envPath, importId: `${project.id}/${env.id}` });
      for (const archived of [false, true]) {
        const flags = await collectPages(`feature flags in ${envPath}`, (pageIndex, pageSize) =>
          client.flags.list(env.id, { isArchived: archived, sortBy: "key", pageIndex, pageSize }),
        );
        for (const flag of flags) {
          rows.push({
            kind: "FeatureFlag",
            path: `${envPath}/${flag.key}`,
            importId: `${env.id}/${flag.key}`,
            ...(archived ? { note: "archived: adopting restores it" } : {}),
          });
        }
      }
      const segments = await collectPages(`segments in ${envPath}`, (pageIndex, pageSize) =>
        client.segments.list(env.id, { pageIndex, pageSize }),
      );
      for (const segment of segments.sort((a, b) => a.key.localeCompare(b.key))) {
        rows.push({
          kind: "Segment",
          path: `${envPath}/${segment.key}`,
          importId: `${env.id}/${segment.id}`,
          ...(segment.type !== "environment-specific"
            ? { note: `${segment.type}: not manageable here` }
            : {}),
        });
      }
    }
  }
  return rows;
}

/** Aligned columns, for people. */
export function formatImportIds(rows: readonly ImportIdRow[]): string {
  const header: ImportIdRow = { kind: "Project", path: "PATH", importId: "IMPORT ID" };
  const kindWidth = Math.max(4, ...rows.map((r) => r.kind.length));
  const pathWidth = Math.max(header.path.length, ...rows.map((r) => r.path.length));
  const line = (kind: string, r: Pick<ImportIdRow, "path" | "importId" | "note">) =>
    `${kind.padEnd(kindWidth)}  ${r.path.padEnd(pathWidth)}  ${r.importId}${r.note ? `  (${r.note})` : ""}`.trimEnd();
  return [line("KIND", header), ...rows.map((r) => line(r.kind, r))].join("\n") + "\n";
}
