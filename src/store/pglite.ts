import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { Database, QueryResult, Queryable } from './database.ts';
import { lockDirectory, type DirLock } from './dir-lock.ts';

function wrap(q: PGlite | Transaction): Queryable {
  return {
    async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const r = await q.query<T>(sql, params ? [...params] : undefined);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    async exec(sql: string) {
      const results = await q.exec(sql);
      const last = results[results.length - 1];
      return {
        rows: (last?.rows ?? []) as Record<string, unknown>[],
        rowCount: last?.affectedRows ?? last?.rows.length ?? 0,
      };
    },
  };
}

/**
 * Opens the embedded database. `dataDir` undefined keeps it in memory (tests); otherwise the
 * directory is locked for this process until close().
 */
export async function openPglite(
  opts: { dataDir?: string; searchPath?: string; loadDataDir?: Uint8Array } = {},
): Promise<Database> {
  const lock: DirLock | undefined = opts.dataDir ? lockDirectory(opts.dataDir) : undefined;
  let db: PGlite;
  try {
    db = await PGlite.create(opts.dataDir ? path.join(opts.dataDir, 'pg') : undefined, {
      extensions: { vector, pg_trgm },
      // A restore: the data directory starts as the snapshot's (`kinfinder restore`).
      ...(opts.loadDataDir ? { loadDataDir: new Blob([opts.loadDataDir]) } : {}),
    });
    if (opts.searchPath) await db.exec(`SET search_path TO ${opts.searchPath}`);
  } catch (err) {
    lock?.release();
    throw err;
  }
  const base = wrap(db);
  let closed = false;
  // The directory lock already keeps other processes out; this only orders callers in this one.
  const held = new Map<number, Promise<unknown>>();
  return {
    kind: 'pglite',
    query: base.query,
    exec: base.exec,
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return db.transaction((tx) => fn(wrap(tx)));
    },
    exclusively<T>(key: number, fn: () => Promise<T>): Promise<T> {
      const previous = held.get(key) ?? Promise.resolve();
      const run = previous.then(fn, fn);
      const settled = run.catch(() => undefined);
      held.set(key, settled);
      // Bookkeeping only: `settled` never rejects, and the caller waits for `run`, not for this.
      void settled.then(() => {
        if (held.get(key) === settled) held.delete(key);
      });
      return run;
    },
    async snapshot() {
      // A checkpoint first: the tarball then needs no WAL replay to be current when restored.
      await db.exec('CHECKPOINT');
      const tarball = await db.dumpDataDir('gzip');
      return new Uint8Array(await tarball.arrayBuffer());
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        lock?.release();
      }
    },
  };
}
