import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { confirmedPhotoForFamily } from '../access/visibility.ts';
import { recordAudit } from '../store/audit.ts';
import type { BlobStore } from '../store/blobs.ts';
import type { Database } from '../store/database.ts';

/**
 * The photo of a confirmed match, for the family of its case: the display copy (upright, no
 * metadata), fetched by the match's id so the family never learns the archive's photo id. The
 * read is audited like every read of an archive photo.
 */
export async function readConfirmedPhoto(
  deps: { db: Database; blobs: BlobStore },
  caller: Caller,
  candidateId: string,
): Promise<Uint8Array> {
  const p = authorizePrincipal(caller, 'cases.own');
  const key = await deps.db.transaction(async (tx) => {
    const found = await confirmedPhotoForFamily(tx, p, candidateId);
    await recordAudit(tx, auditActor(p), {
      action: 'photo.image.read',
      subjectType: 'candidate',
      subjectId: candidateId,
    });
    return found.displaySha256;
  });
  return deps.blobs.get(key);
}
