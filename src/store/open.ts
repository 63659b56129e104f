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

const SCHEMA_LOCK_KEY = 7_245_186_330;

/** PostgreSQL when a URL is given, else the embedded PGlite under `<dataDir>/db`. */
export async function openDatabase(opts: StoreOptions): Promise<Database> {
  const db = opts.databaseUrl
    ? await openPostgres({ url: opts.databaseUrl, ...(opts.dbSchema ? { searchPath: `${opts.dbSchema},public` } : {}) })
    : await openPglite({
        dataDir: path.join(opts.dataDir, 'db'),
        ...(opts.dbSchema ? { searchPath: `${opts.dbSchema},public` } : {}),
      });
  const schema = opts.dbSchema;
  if (schema) {
    // Two processes starting together (a worker and `ingest`) both create the schema otherwise.
    try {
      await db.exclusively(SCHEMA_LOCK_KEY, () => db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`));
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  return db;
}

/** Where pg-boss keeps its tables: beside kinfinder's schema, never inside it. */
export function queueSchemaFor(dbSchema: string | undefined): string {
  return dbSchema ? `${dbSchema}_pgboss` : 'pgboss';
}
