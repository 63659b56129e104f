import path from 'node:path';
import type { Database } from './database.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

export interface StoreOptions {
  databaseUrl: string | undefined;
  dataDir: string;
}

/** PostgreSQL when a URL is given, else the embedded PGlite under `<dataDir>/db`. */
export function openDatabase(opts: StoreOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres({ url: opts.databaseUrl });
  return openPglite({ dataDir: path.join(opts.dataDir, 'db') });
}
