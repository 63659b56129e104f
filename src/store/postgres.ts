import pg from 'pg';
import type { Database, QueryResult, Queryable } from './database.ts';

function wrap(q: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const r = await q.query(sql, params ? [...params] : undefined);
      return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
    },
    async exec(sql: string) {
      // No parameters: pg sends a simple query, which may hold several statements and then
      // answers with one result per statement.
      const r = (await q.query(sql)) as unknown as pg.QueryResult | pg.QueryResult[];
      const last = Array.isArray(r) ? r[r.length - 1] : r;
      return { rows: (last?.rows ?? []) as Record<string, unknown>[], rowCount: last?.rowCount ?? 0 };
    },
  };
}

export async function openPostgres(opts: { url: string; searchPath?: string; max?: number }): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max ?? 10,
    // libpq splits `options` on spaces: the path must be written without them ("a,public").
    ...(opts.searchPath ? { options: `-c search_path=${opts.searchPath.replace(/\s+/g, '')}` } : {}),
  });
  // An idle client losing its server (restart, network) must not crash the process.
  pool.on('error', () => undefined);
  // Fail at start-up, not on the first request, when the server is unreachable.
  const probe = await pool.connect();
  probe.release();
  const base = wrap(pool);
  // A checked-out client has no pool listener: pg removes its idle 'error' handler while the
  // client is lent out, so a server that dies while a transaction waits between statements (or
  // while an advisory lock is held across a long job) emits 'error' on the client itself, and an
  // 'error' event without a listener ends the process. The lost connection also fails the next
  // query on it, which is where the caller learns of it; the event only has to be heard.
  const checkout = async () => {
    const client = await pool.connect();
    let lost: Error | undefined;
    const onError = (err: Error) => {
      lost = err;
    };
    client.on('error', onError);
    return {
      client,
      release(broken?: Error) {
        client.off('error', onError);
        // A client that lost its server is destroyed, never returned to the pool.
        client.release(broken ?? lost);
      },
    };
  };
  return {
    kind: 'postgres',
    query: base.query,
    exec: base.exec,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const { client, release } = await checkout();
      // A connection whose ROLLBACK failed is in an unknown state: destroy it, never reuse it.
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackErr: Error) => {
          broken = rollbackErr;
        });
        throw err;
      } finally {
        release(broken);
      }
    },
    async exclusively<T>(key: number, fn: () => Promise<T>): Promise<T> {
      const { client: holder, release } = await checkout();
      let broken: Error | undefined;
      try {
        await holder.query('SELECT pg_advisory_lock($1)', [key]);
        try {
          return await fn();
        } finally {
          // A holder that cannot unlock is dropped: closing its session releases the lock.
          await holder.query('SELECT pg_advisory_unlock($1)', [key]).catch((err: Error) => {
            broken = err;
          });
        }
      } finally {
        release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
}
