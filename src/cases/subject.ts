import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import type { ModelManifest } from '../face/manifest.ts';
import { recordAudit } from '../store/audit.ts';
import { getCase } from '../store/cases.ts';
import type { Database } from '../store/database.ts';
import { updateCaseSubject } from '../store/family.ts';
import { referenceEmbeddingsOfCase } from '../store/matching.ts';
import { putCaseKeys } from '../store/records.ts';
import { checkSubjectFields, SUBJECT_FIELDS, subjectRecord } from '../records/record.ts';
import { assertValidText } from '../text.ts';
import { searchForCase } from '../match/search.ts';

/**
 * A family corrects or adds to what it told us about the person (`PATCH /api/v1/case/subject`):
 * each field given replaces the stored one, an empty or null field removes it, the others stay.
 * Returns the subject as now stored. The audit row names the fields changed, never their values.
 *
 * The archive is searched again at once with the corrected record, as when a case is opened
 * (matchCase: faces and record together): a surname added today finds the dog tag ingested last
 * year, not only photos ingested after it. New candidates join the case; decided ones are left as
 * they are, so a verifier's work is never undone; pending ones are weighed again against the
 * corrected description (searchForCase `reweigh`), so none shows evidence the family withdrew.
 */
export async function updateSubject(
  deps: { db: Database; manifest: ModelManifest },
  caller: Caller,
  changes: Record<string, string | null>,
): Promise<Record<string, unknown>> {
  const p = authorizePrincipal(caller, 'cases.update');
  const caseId = p.caseId;
  if (!caseId) throw new KinfinderError('forbidden', 'this needs a case code');
  assertValidText(changes, 'subject');
  checkSubjectFields(changes);
  return deps.db.transaction(async (tx) => {
    const found = await getCase(tx, caseId);
    if (!found) throw new KinfinderError('not_found', 'no such case');
    // A field stored before subjects were checked, outside the contract, goes with this change.
    const subject: Record<string, unknown> = Object.fromEntries(
      Object.entries(found.subject).filter(
        ([k, v]) => (SUBJECT_FIELDS as readonly string[]).includes(k) && typeof v === 'string',
      ),
    );
    for (const [k, v] of Object.entries(changes)) {
      const value = v?.trim();
      if (value) subject[k] = value;
      else delete subject[k];
    }
    if (Buffer.byteLength(JSON.stringify(subject)) > 16 * 1024)
      throw new KinfinderError('invalid_input', 'the "subject" is longer than 16 KB');
    // Checked as when the case was opened (a birth date in the future is refused, 422), and keyed
    // again, so the standing search matches later archive photos against what the family now says.
    const record = subjectRecord(subject);
    await updateCaseSubject(tx, caseId, subject);
    await putCaseKeys(tx, caseId, record);
    // A closed case is searched no more (as the standing search leaves it alone).
    let candidates = 0,
      reweighed = 0;
    if (found.status !== 'closed') {
      const refs = await referenceEmbeddingsOfCase(tx, caseId, deps.manifest.id);
      ({ created: candidates, reweighed } = await searchForCase(tx, deps.manifest, caseId, refs, record, {
        reweigh: true,
      }));
    }
    await recordAudit(tx, auditActor(p), {
      action: 'search.subject.update',
      subjectType: 'search',
      subjectId: caseId,
      details: { fields: Object.keys(changes).sort(), candidates, reweighed },
    });
    return subject;
  });
}
