import type { Queryable } from './database.ts';

/**
 * Jobs not yet finished, per queue, read from pg-boss's own table (pg-boss 10 has no count API
 * that covers every state at once). `schema` is ours to name (config), never user input.
 */
export async function unfinishedJobs(q: Queryable, schema: string): Promise<Record<string, number>> {
  const r = await q.query<{ name: string; n: number }>(
    `SELECT name, count(*)::integer AS n FROM ${schema}.job
     WHERE state IN ('created', 'retry', 'active') GROUP BY name`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.name, x.n]));
}
