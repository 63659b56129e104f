import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { assertMayOpenCase } from '../access/visibility.ts';
import { KinfinderError } from '../errors.ts';
import { recordAudit } from '../store/audit.ts';
import type { BlobStore } from '../store/blobs.ts';
import { blobKeysInUse, deleteCaseData, getCase } from '../store/cases.ts';
import type { Database } from '../store/database.ts';
import { revokeTokensOfCase } from '../store/tokens.ts';

/**
 * Deletes a case's family data (reference photos, crops, embeddings, what they told us) and
 * closes it; its token stops working. By the family itself, or an admin.
 */
export async function deleteCase(
  deps: { db: Database; blobs: BlobStore },
  caller: Caller,
  caseId: string,
): Promise<void> {
  const p = authorizePrincipal(caller, 'cases.delete');
  assertMayOpenCase(p, caseId);
  const keys = await deps.db.transaction(async (tx) => {
    if (!(await getCase(tx, caseId))) throw new KinfinderError('not_found', 'no such case');
    const { blobKeys } = await deleteCaseData(tx, caseId);
    await revokeTokensOfCase(tx, caseId);
    await recordAudit(tx, auditActor(p), { action: 'search.delete', subjectType: 'search', subjectId: caseId });
    return blobKeys;
  });
  // After commit: a blob is removed only if nothing else (a gallery photo with the same bytes,
  // another case) still points at it.
  const inUse = await blobKeysInUse(deps.db, keys);
  for (const k of keys) if (!inUse.has(k)) await deps.blobs.delete(k);
}
