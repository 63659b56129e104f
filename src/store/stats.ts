import type { Queryable } from './database.ts';

/** Counts by state for /metrics: cheap aggregate queries, no personal data. */
export async function stateCounts(
  q: Queryable,
): Promise<{
  photos: Record<string, number>;
  searches: Record<string, number>;
  candidates: Record<string, number>;
  faces: number;
}> {
  const by = async (table: 'photos' | 'searches' | 'candidates') => {
    const r = await q.query<{ status: string; n: number }>(
      `SELECT status, count(*)::integer AS n FROM ${table} GROUP BY status`,
    );
    return Object.fromEntries(r.rows.map((x) => [x.status, x.n]));
  };
  const faces = await q.query<{ n: number }>(`SELECT count(*)::integer AS n FROM faces`);
  return {
    photos: await by('photos'),
    searches: await by('searches'),
    candidates: await by('candidates'),
    faces: faces.rows[0]?.n ?? 0,
  };
}

/** The operators' figures for /metrics (DESIGN §12): aggregates only, no personal data. */
export async function operatorCounts(
  q: Queryable,
  currentModelId: string | null,
): Promise<{
  photosLast5Min: number;
  openCases: number;
  photosOnOlderModel: number | null;
  batchesUnfinished: number;
  photosByCategory: Record<string, number>;
}> {
  const r = await q.query<{ recent: number; open: number; older: number; batches: number }>(
    `SELECT (SELECT count(*) FROM photos WHERE processed_at > now() - interval '5 minutes' AND status IN ('done', 'failed'))::integer AS recent,
            (SELECT count(*) FROM searches WHERE status <> 'closed' AND deleted_at IS NULL)::integer AS open,
            (SELECT count(*) FROM photos WHERE status = 'done' AND model_id IS DISTINCT FROM $1)::integer AS older,
            (SELECT count(DISTINCT bf.batch_id) FROM batch_files bf JOIN photos p ON p.id = bf.photo_id
              WHERE bf.outcome = 'new' AND p.status IN ('queued', 'processing'))::integer AS batches`,
    [currentModelId],
  );
  const cats = await q.query<{ category: string; n: number }>(
    `SELECT category, count(*)::integer AS n FROM photos WHERE status <> 'withdrawn' GROUP BY category`,
  );
  const row = r.rows[0]!;
  return {
    photosLast5Min: row.recent,
    openCases: row.open,
    photosOnOlderModel: currentModelId === null ? null : row.older,
    batchesUnfinished: row.batches,
    photosByCategory: Object.fromEntries(cats.rows.map((c) => [c.category, c.n])),
  };
}
