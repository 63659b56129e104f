import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/store/database.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { openTemplatePglite } from './pglite-template.ts';

export type TestDbKind = 'pglite' | 'postgres';

export function testDbKind(): TestDbKind {
  const kind = process.env.KINFINDER_TEST_DB ?? 'pglite';
  if (kind !== 'pglite' && kind !== 'postgres')
    throw new Error(`KINFINDER_TEST_DB must be pglite or postgres, not ${kind}`);
  if (kind === 'postgres' && !process.env.DATABASE_URL)
    throw new Error('KINFINDER_TEST_DB=postgres needs DATABASE_URL');
  return kind;
}

export interface TestDb {
  db: Database;
  /** The schema the test's tables live in (pg-boss and others can be isolated beside it). */
  schema: string;
  /** Opens another connection to the same data (postgres only: PGlite is one connection). */
  reopen?: () => Promise<Database>;
  close(): Promise<void>;
}

/**
 * A migrated database for one test file: a fresh in-memory PGlite, or a private schema on the
 * PostgreSQL server so test files never see each other's rows.
 */
export async function openTestDb(opts: { migrate?: boolean } = {}): Promise<TestDb> {
  const kind = testDbKind();
  const schema = `t_${randomBytes(6).toString('hex')}`;
  let db: Database;
  let reopen: (() => Promise<Database>) | undefined;
  if (kind === 'pglite') {
    // Loaded from a saved data directory, migrated or not (pglite-template.ts says why).
    db = await openTemplatePglite(schema, opts.migrate !== false);
  } else {
    const url = process.env.DATABASE_URL as string;
    const admin = await openPostgres({ url, max: 1 });
    await admin.exec(`CREATE SCHEMA ${schema}`);
    await admin.close();
    reopen = () => openPostgres({ url, searchPath: `${schema},public` });
    db = await reopen();
  }
  if (kind === 'postgres' && opts.migrate !== false) await migrate(db);
  return {
    db,
    schema,
    ...(reopen ? { reopen } : {}),
    async close() {
      if (kind === 'postgres') await db.exec(`DROP SCHEMA ${schema} CASCADE`);
      await db.close();
    },
  };
}
