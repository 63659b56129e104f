import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { migrate, readMigrations } from '../../src/store/migrate.ts';
import { openPglite } from '../../src/store/pglite.ts';
import type { Database } from '../../src/store/database.ts';
import { REPO_ROOT } from './cli.ts';

/**
 * Embedded databases for tests, started from a saved data directory instead of from nothing.
 *
 * Why: a new PGlite runs initdb in memory, about 2-3 s on this machine, and the suite opens one
 * for nearly every file (eleven in the migrations file alone); loading a data directory that
 * was saved after initdb takes about 0.5 s. Two templates are saved: `bare` (what a new PGlite
 * holds) and `migrated` (every migration applied in the schema TEMPLATE_SCHEMA, renamed to the
 * test's own schema on load). They are keyed by the PGlite version and the migrations' contents,
 * so a changed migration makes new templates rather than reusing stale ones, and saved whole
 * under a temporary name then renamed, so a test file that races another never reads half of one.
 */

const TEMPLATE_SCHEMA = 't_template';

function templateDir(): string {
  const h = createHash('sha256');
  const pglite = JSON.parse(
    fs.readFileSync(path.join(REPO_ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8'),
  ) as { version: string };
  h.update(`pglite@${pglite.version}\0`);
  return path.join(os.tmpdir(), 'kinfinder-test-pglite', h.digest('hex').slice(0, 16));
}

async function migrationsKey(): Promise<string> {
  const h = createHash('sha256');
  for (const m of await readMigrations()) h.update(`${m.name}\0${m.sql}\0`);
  return h.digest('hex').slice(0, 16);
}

function save(file: string, bytes: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}

const memo = new Map<string, Promise<Uint8Array>>();

/** The saved data directory for `kind`, made (once per machine and version) if it is missing. */
function template(kind: 'bare' | 'migrated'): Promise<Uint8Array> {
  let p = memo.get(kind);
  if (!p) {
    p = (async () => {
      const file = path.join(templateDir(), kind === 'bare' ? 'bare.tar' : `migrated-${await migrationsKey()}.tar`);
      if (fs.existsSync(file)) return new Uint8Array(fs.readFileSync(file));
      const db = await openPglite({});
      if (kind === 'migrated') {
        await db.exec(`CREATE SCHEMA ${TEMPLATE_SCHEMA}; SET search_path TO ${TEMPLATE_SCHEMA}, public`);
        await migrate(db);
      }
      // Saved uncompressed: gunzip on every load would cost most of what loading saves.
      if (!db.snapshot) throw new Error('openPglite gave a database without snapshot()');
      const bytes = new Uint8Array(zlib.gunzipSync(await db.snapshot()));
      await db.close();
      save(file, bytes);
      return bytes;
    })();
    memo.set(kind, p);
  }
  return p;
}

/** A new in-memory PGlite holding the schema `schema`, migrated unless `migrated` is false. */
export async function openTemplatePglite(schema: string, migrated: boolean): Promise<Database> {
  const db = await openPglite({ loadDataDir: await template(migrated ? 'migrated' : 'bare') });
  if (migrated)
    await db.exec(`ALTER SCHEMA ${TEMPLATE_SCHEMA} RENAME TO ${schema}; SET search_path TO ${schema}, public`);
  else await db.exec(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}, public`);
  return db;
}
