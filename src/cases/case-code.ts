import { createCaseCode } from '../access/credentials.ts';
import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { recordAudit } from '../store/audit.ts';
import { getCase } from '../store/cases.ts';
import type { Database } from '../store/database.ts';
import { revokeTokensOfCase } from '../store/tokens.ts';

/**
 * A new case code for a family who lost theirs, by a verifier who checked on the phone that the
 * caller is that family. Every earlier code of the case stops working in the same transaction
 * (a lost code may be in someone else's hands); the audit row says who re-issued it, never the code.
 */
export async function reissueCaseCode(
  deps: { db: Database },
  caller: Caller,
  caseId: string,
): Promise<{ caseCode: string }> {
  const p = authorizePrincipal(caller, 'cases.reissue_code');
  return deps.db.transaction(async (tx) => {
    const found = await getCase(tx, caseId);
    if (!found) throw new KinfinderError('not_found', 'no such case');
    await revokeTokensOfCase(tx, caseId);
    const { caseCode, row } = await createCaseCode(tx, { caseId, createdBy: p.id });
    await recordAudit(tx, auditActor(p), {
      action: 'search.code.reissue',
      subjectType: 'search',
      subjectId: caseId,
      details: { tokenId: row.id },
    });
    return { caseCode };
  });
}
