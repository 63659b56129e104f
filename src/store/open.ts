import path from 'node:path';
import type { Database } from './database.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

export interface StoreOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  /** Schema for kinfinder's tables (validated as an identifier by the config); default public. */
  dbSchema?: string | undefined;
}

/** PostgreSQL when a URL is given, else the embedded PGlite under `<dataDir>/db`. */
export async function openDatabase(opts: StoreOptions): Promise<Database> {
  const db = opts.databaseUrl
    ? await openPostgres({ url: opts.databaseUrl, ...(opts.dbSchema ? { searchPath: `${opts.dbSchema},public` } : {}) })
    : await openPglite({ dataDir: path.join(opts.dataDir, 'db'), ...(opts.dbSchema ? { searchPath: `${opts.dbSchema},public` } : {}) });
  if (opts.dbSchema) {
    // Under an advisory lock: two processes starting together (a worker and `ingest`) would
    // otherwise race CREATE SCHEMA IF NOT EXISTS into a duplicate-key error.
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(7245186330)');
      await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${opts.dbSchema}`);
    });
  }
  return db;
}

/** Where pg-boss keeps its tables: beside kinfinder's schema, never inside it. */
export function queueSchemaFor(dbSchema: string | undefined): string {
  return dbSchema ? `${dbSchema}_pgboss` : 'pgboss';
}
