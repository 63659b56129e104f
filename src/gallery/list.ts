import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { recordAudit } from '../store/audit.ts';
import type { Database } from '../store/database.ts';
import { faceCounts, listPhotos, type PhotoRow } from '../store/photos.ts';
import type { Category, PhotoStatus } from '../vocabulary.ts';

export interface PhotoListQuery {
  batch?: string | undefined;
  status?: PhotoStatus | undefined;
  category?: Category | undefined;
  limit: number;
  after?: string | undefined;
}

/**
 * A page of the archive's photos for staff (DESIGN §12), newest first, with a cursor. The page
 * is one audit row (what was asked and how many came back), not one per photo: a listing shows
 * names and metadata, not the images; opening an image is audited as ever.
 */
export async function listArchivePhotos(
  deps: { db: Database },
  caller: Caller,
  q: PhotoListQuery,
): Promise<{ items: Array<PhotoRow & { faceCount: number }>; next?: string }> {
  const p = authorizePrincipal(caller, 'photos.list');
  const rows = await listPhotos(deps.db, {
    batchId: q.batch,
    status: q.status,
    category: q.category,
    limit: q.limit + 1,
    after: q.after,
  });
  const items = rows.slice(0, q.limit);
  const counts = await faceCounts(
    deps.db,
    items.map((r) => r.id),
  );
  await recordAudit(deps.db, auditActor(p), {
    action: 'photos.list',
    details: {
      returned: items.length,
      ...(q.batch ? { batchId: q.batch } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.category ? { category: q.category } : {}),
    },
  });
  const last = items.at(-1);
  return {
    items: items.map((r) => ({ ...r, faceCount: counts.get(r.id) ?? 0 })),
    ...(rows.length > q.limit && last ? { next: last.id } : {}),
  };
}
