// PostgreSQL column limits (FeatBit's default store). FeatBit's validators check few lengths; the
// database refuses the rest: an over-long value (22001 string_data_right_truncation) or a null in a
// NOT NULL column (23502) fails SaveChanges, and the exception middleware answers 500
// `InternalServerError`. Saves that already happened in the same request stay (each SaveChanges
// commits on its own), which is how a flag can change while its audit entry is refused.
//
// Sources: infra/postgresql/docker-entrypoint-initdb.d/v0.0.0.sql (tables), v5.2.1.sql (policies.key,
// segments.key), v5.4.1.sql (audit_logs.keyword widened to 512); the EF Core configurations under
// modules/back-end/src/Infrastructure/Persistence/EntityFrameworkCore/Configurations/ agree.
// Values FeatBit stores in jsonb (flag variations, target users, rules, fallthrough; segment rules;
// policy statements; environment settings) or in text / text[] columns (flag and environment
// descriptions, group descriptions, all tags, segment scopes and included/excluded keys) have no
// length limit.
import { internal } from "./http";

export interface Column {
  /** varchar(n); undefined for unbounded columns that are listed only for NOT NULL. */
  max?: number;
  notNull: boolean;
  /** The file that declares the limit (the latest migration that touches the column). */
  source: string;
}

const V0 = "infra/postgresql/docker-entrypoint-initdb.d/v0.0.0.sql";
const V521 = "infra/postgresql/docker-entrypoint-initdb.d/v5.2.1.sql";
const V541 = "infra/postgresql/docker-entrypoint-initdb.d/v5.4.1.sql";

const col = (max: number | undefined, notNull: boolean, source = V0): Column => ({ max, notNull, source });

export const COLUMNS = {
  workspaces: { name: col(128, true), key: col(128, true) },
  projects: { name: col(128, true), key: col(128, true) },
  environments: { name: col(128, true), key: col(128, true) },
  feature_flags: {
    name: col(128, true),
    key: col(128, true),
    variation_type: col(64, true),
    disabled_variation_id: col(128, true),
  },
  segments: {
    name: col(128, true),
    key: col(128, true, V521),
    type: col(64, true),
    description: col(512, false),
  },
  audit_logs: { keyword: col(512, true, V541), comment: col(512, false) },
  flag_revisions: { comment: col(512, false) },
  policies: { name: col(128, true), key: col(128, true, V521), description: col(512, false) },
  groups: { name: col(128, true) },
  users: { name: col(128, true), email: col(256, true) },
  flag_schedules: { title: col(128, true), status: col(64, true) },
  flag_change_requests: { reason: col(512, false), status: col(64, true) },
  flag_drafts: { comment: col(512, false), status: col(64, true) },
} as const;

export type Table = keyof typeof COLUMNS;

/**
 * Would PostgreSQL accept these values? Lengths count characters (varchar(n) is n characters,
 * whatever their UTF-8 size), which is JavaScript's code points, not UTF-16 units.
 */
export function fits<T extends Table>(
  table: T,
  values: Partial<Record<keyof (typeof COLUMNS)[T], string | null | undefined>>,
): boolean {
  const columns: Record<string, Column> = COLUMNS[table];
  return Object.entries(values).every(([name, value]) => {
    const column = columns[name];
    if (value === null || value === undefined) return !column.notNull;
    return column.max === undefined || [...(value as string)].length <= column.max;
  });
}

/** Throws the 500 FeatBit answers when SaveChanges fails on these values. */
export function save<T extends Table>(
  table: T,
  values: Partial<Record<keyof (typeof COLUMNS)[T], string | null | undefined>>,
  error: () => Error = internal,
): void {
  if (!fits(table, values)) throw error();
}
