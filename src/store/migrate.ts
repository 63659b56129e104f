import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KinfinderError } from '../errors.ts';
import type { Database, Queryable } from './database.ts';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

// Any fixed 64-bit number works; it only has to be the same for every kinfinder process.
const MIGRATION_LOCK_KEY = 7_245_186_331;

/**
 * Earlier released contents of a migration that databases were built from, accepted as well as
 * the file's current checksum. Only 0001 has any: it was edited twice after release (before
 * migrations were checksummed), and migration 0004 brings a database made from either earlier
 * content to what the current 0001 makes, so such a database is correct, not refused. Nothing
 * is ever added here again: a change to a released migration is a new numbered migration.
 */
const ACCEPTED_EARLIER_SHA256: Readonly<Record<number, readonly string[]>> = {
  1: [
    // 97de4ce, the first release: faces index m = 16, no candidates_search_idx / candidates_face_idx
    'c857584920d2b023fb957880a825d61ef22a1a06e3f9c5992d0edad50eb5d37e',
    // b79fc06: added those two candidates indexes; faces index still m = 16
    'ed49274ba7fb9fd5a510b112e20f6e1d48bd6463e763243e0fa56c93192307c3',
  ],
};

export interface Migration {
  version: number;
  name: string;
  /** The file name (0001_init.sql), for messages. */
  file: string;
  sql: string;
  sha256: string;
}

/**
 * The checksum that identifies a migration's content. Line endings are normalised first, so a
 * checkout that turned LF into CRLF (git on Windows) is not taken for an edited migration.
 */
export function migrationSha256(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match?.[1] || !match[2]) throw new Error(`migration file name ${file} is not NNNN_name.sql`);
    const version = Number(match[1]);
    if (version !== migrations.length + 1)
      throw new Error(`migration ${file} breaks the numbering (expected ${migrations.length + 1})`);
    const sql = await fs.readFile(path.join(dir, file), 'utf8');
    migrations.push({ version, name: match[2], file, sql, sha256: migrationSha256(sql) });
  }
  return migrations;
}

export interface MigrationResult {
  applied: number[];
  version: number;
}

interface AppliedRow {
  version: number;
  name: string;
  sha256: string | null;
}

const fileOf = (version: number, name: string) => `${String(version).padStart(4, '0')}_${name}.sql`;

/**
 * Refuses a database whose applied migrations are not this kinfinder's files: newer than it
 * knows, or applied from a file that has changed since (the schema this code expects is then
 * not the schema the database has). Rows from before checksums were recorded get the current
 * file's checksum: what they were applied from cannot be known any more.
 */
async function verifyApplied(tx: Queryable, migrations: Migration[], rows: AppliedRow[]): Promise<void> {
  const newest = Math.max(0, ...rows.map((r) => r.version));
  if (newest > migrations.length) {
    throw new KinfinderError(
      'schema_too_new',
      `the database is at migration ${newest} but this kinfinder only knows ${migrations.length}: ` +
        'run the kinfinder release that migrated it, or a newer one',
      { databaseVersion: newest, knownVersion: migrations.length },
    );
  }
  for (const row of rows) {
    const m = migrations[row.version - 1];
    if (!m || m.version !== row.version) {
      throw new KinfinderError(
        'migration_changed',
        `the database records migration ${row.version}, which no file in this kinfinder is`,
        { version: row.version },
      );
    }
    if (row.name !== m.name) {
      throw new KinfinderError(
        'migration_changed',
        `the database applied ${fileOf(row.version, row.name)} as migration ${row.version}, but this kinfinder's is ${m.file}: ` +
          'released migrations are never renamed or replaced; restore the released file and give the new one the next free number',
        { file: m.file, appliedFile: fileOf(row.version, row.name) },
      );
    }
    if (row.sha256 === null) {
      await tx.query('UPDATE schema_migrations SET sha256 = $1 WHERE version = $2', [m.sha256, m.version]);
      continue;
    }
    if (row.sha256 !== m.sha256 && !ACCEPTED_EARLIER_SHA256[m.version]?.includes(row.sha256)) {
      throw new KinfinderError(
        'migration_changed',
        `migration ${m.file} has changed since this database applied it (applied sha256 ${row.sha256.slice(0, 12)}…, ` +
          `file ${m.sha256.slice(0, 12)}…): released migrations are never edited; restore ${m.file} as released ` +
          '(or run the kinfinder release that migrated this database) and put the change in a new numbered migration',
        { file: m.file, appliedSha256: row.sha256, fileSha256: m.sha256 },
      );
    }
  }
}

/**
 * Applies pending migrations in one transaction, begun once this process holds the migration
 * lock (`Database.exclusively`), so several processes starting together (workers on many machines) apply each migration once and
 * a failed migration leaves nothing half-done. Each applied migration's checksum is recorded,
 * and a database whose applied migrations do not match the files is refused before anything
 * is applied (`verifyApplied`).
 */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const migrations = await readMigrations(dir);
  return db.exclusively(MIGRATION_LOCK_KEY, () =>
    db.transaction(async (tx) => {
      // sha256 came after release: databases made before it get the column here, with NULLs
      // that verifyApplied fills in. Only when missing: the DDL needs the table's owner even when
      // it changes nothing, and on PostgreSQL the service runs as a role that owns no table
      // (README, "Two roles").
      const ready = await tx.query<{ ready: boolean }>(
        // The ledger of this schema (the first of the search path), never one further down the path:
        // with search_path "mine,public", a public.schema_migrations must not pass for mine.
        "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(quote_ident(current_schema()) || '.schema_migrations') " +
          "AND attname = 'sha256' AND NOT attisdropped) AS ready",
      );
      if (!ready.rows[0]?.ready)
        await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    );
    ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$')`);
      const done = await tx.query<AppliedRow>('SELECT version, name, sha256 FROM schema_migrations ORDER BY version');
      await verifyApplied(tx, migrations, done.rows);
      const appliedBefore = new Set(done.rows.map((r) => r.version));
      const applied: number[] = [];
      for (const m of migrations) {
        if (appliedBefore.has(m.version)) continue;
        await tx.exec(m.sql);
        await tx.query('INSERT INTO schema_migrations (version, name, sha256) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          m.sha256,
        ]);
        applied.push(m.version);
      }
      return { applied, version: migrations.length };
    }),
  );
}

export async function schemaVersion(db: Database): Promise<number> {
  // Two statements: a query naming a missing table fails at parse time, whatever CASE says.
  const exists = await db.query<{ present: boolean }>(
    `SELECT to_regclass(quote_ident(current_schema()) || '.schema_migrations') IS NOT NULL AS present`,
  );
  if (!exists.rows[0]?.present) return 0;
  const r = await db.query<{ version: number }>(
    'SELECT coalesce(max(version), 0)::integer AS version FROM schema_migrations',
  );
  return r.rows[0]?.version ?? 0;
}
