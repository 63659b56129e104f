import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

// Any fixed 64-bit number works; it only has to be the same for every kinfinder process.
const MIGRATION_LOCK_KEY = 7_245_186_331;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match?.[1] || !match[2]) throw new Error(`migration file name ${file} is not NNNN_name.sql`);
    const version = Number(match[1]);
    if (version !== migrations.length + 1) throw new Error(`migration ${file} breaks the numbering (expected ${migrations.length + 1})`);
    migrations.push({ version, name: match[2], sql: await fs.readFile(path.join(dir, file), 'utf8') });
  }
  return migrations;
}

export interface MigrationResult {
  applied: number[];
  version: number;
}

/**
 * Applies pending migrations in one transaction, begun once this process holds the migration
 * lock (`Database.exclusively`), so several processes starting together (workers on many machines) apply each migration once and
 * a failed migration leaves nothing half-done.
 */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const migrations = await readMigrations(dir);
  return db.exclusively(MIGRATION_LOCK_KEY, () => db.transaction(async (tx) => {
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = await tx.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    const appliedBefore = new Set(done.rows.map((r) => r.version));
    const newest = Math.max(0, ...appliedBefore);
    if (newest > migrations.length) {
      throw new Error(`the database is at migration ${newest} but this kinfinder only knows ${migrations.length}: upgrade kinfinder`);
    }
    const applied: number[] = [];
    for (const m of migrations) {
      if (appliedBefore.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return { applied, version: migrations.length };
  }));
}

export async function schemaVersion(db: Database): Promise<number> {
  // Two statements: a query naming a missing table fails at parse time, whatever CASE says.
  const exists = await db.query<{ present: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`);
  if (!exists.rows[0]?.present) return 0;
  const r = await db.query<{ version: number }>('SELECT coalesce(max(version), 0)::integer AS version FROM schema_migrations');
  return r.rows[0]?.version ?? 0;
}
