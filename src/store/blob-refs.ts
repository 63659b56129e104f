import type { Queryable } from './database.ts';

/**
 * Every blob key a row points at: gallery photos, their display JPEGs and face crops, and the
 * families' reference photos, crops and display JPEGs. A column that holds a blob key and is
 * missing here would let garbage collection delete live photos, so any new one must be added.
 * UNION ALL (duplicates dropped in the caller's Set) spares the database a sort of every key;
 * the columns without an index are read by one sequential scan each, once per collection.
 */
export async function referencedBlobKeys(q: Queryable): Promise<Set<string>> {
  const r = await q.query<{ k: string }>(
    `SELECT sha256 AS k FROM photos
     UNION ALL SELECT display_sha256 FROM photos WHERE display_sha256 IS NOT NULL
     UNION ALL SELECT crop_sha256 FROM faces WHERE crop_sha256 IS NOT NULL
     UNION ALL SELECT photo_sha256 FROM reference_faces
     UNION ALL SELECT crop_sha256 FROM reference_faces WHERE crop_sha256 IS NOT NULL
     UNION ALL SELECT display_sha256 FROM reference_faces WHERE display_sha256 IS NOT NULL`,
  );
  return new Set(r.rows.map((x) => x.k));
}
