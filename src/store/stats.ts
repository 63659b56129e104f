import type { Queryable } from './database.ts';

/** Counts by state for /metrics: cheap aggregate queries, no personal data. */
export async function stateCounts(q: Queryable): Promise<{ photos: Record<string, number>; searches: Record<string, number>; candidates: Record<string, number>; faces: number }> {
  const by = async (table: 'photos' | 'searches' | 'candidates') => {
    const r = await q.query<{ status: string; n: number }>(`SELECT status, count(*)::integer AS n FROM ${table} GROUP BY status`);
    return Object.fromEntries(r.rows.map((x) => [x.status, x.n]));
  };
  const faces = await q.query<{ n: number }>(`SELECT count(*)::integer AS n FROM faces`);
  return { photos: await by('photos'), searches: await by('searches'), candidates: await by('candidates'), faces: faces.rows[0]?.n ?? 0 };
}
