import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/store/database.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { childEnv } from './cli.ts';
import { testDbKind, type TestDbKind } from './db.ts';

/**
 * A whole kinfinder installation for CLI tests: its own data directory and, on PostgreSQL, its
 * own schema (KINFINDER_DB_SCHEMA), so child processes and the test see the same data.
 */
export interface Deployment {
  kind: TestDbKind;
  dataDir: string;
  env: (extra?: Record<string, string | undefined>) => NodeJS.ProcessEnv;
  /** Opens the installation's database from the test (close it before a CLI needs PGlite). */
  open(): Promise<Database>;
  destroy(): Promise<void>;
}

export function createDeployment(): Deployment {
  const kind = testDbKind();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinfinder-deploy-'));
  const schema = `d_${randomBytes(6).toString('hex')}`;
  const url = process.env.DATABASE_URL;
  const base = kind === 'postgres' ? { DATABASE_URL: url, KINFINDER_DB_SCHEMA: schema } : {};
  return {
    kind,
    dataDir,
    env: (extra = {}) => ({
      ...childEnv({ KINFINDER_DATA_DIR: dataDir, KINFINDER_CONCURRENCY: '2', ...extra }),
      ...base,
    }),
    open: () =>
      kind === 'postgres'
        ? openPostgres({ url: url as string, searchPath: `${schema},public` })
        : openPglite({ dataDir: path.join(dataDir, 'db') }),
    async destroy() {
      if (kind === 'postgres') {
        const db = await openPostgres({ url: url as string, max: 1 });
        await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_pgboss CASCADE`);
        await db.close();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
