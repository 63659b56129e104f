import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { recordAudit } from '../store/audit.ts';
import { reviewQueue, type CandidateView } from '../store/candidates.ts';
import type { Database } from '../store/database.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The place after the last item of a page: opaque to clients, checked when it comes back. */
// The queue is ranked by match weight (candidates found by their record alone have no similarity).
function encodeCursor(c: { matchWeight: number; id: string }): string {
  return Buffer.from(JSON.stringify([c.matchWeight, c.id])).toString('base64url');
}

function decodeCursor(raw: string): { matchWeight: number; id: string } {
  try {
    const [matchWeight, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof matchWeight === 'number' && typeof id === 'string' && UUID.test(id)) return { matchWeight, id };
  } catch {
    // fall through
  }
  throw new KinfinderError('invalid_input', 'the "after" cursor is not valid');
}

/**
 * One page of the verifier's queue: pending candidates of open cases, best first, without those
 * this verifier already decided (they wait for someone else).
 */
export async function readReviewQueue(
  deps: { db: Database },
  caller: Caller,
  page: { limit: number; after?: string | undefined },
): Promise<{ items: CandidateView[]; next?: string }> {
  const p = authorizePrincipal(caller, 'review.queue');
  const after = page.after ? decodeCursor(page.after) : undefined;
  return deps.db.transaction(async (tx) => {
    const rows = await reviewQueue(tx, { personId: p.personId ?? null, limit: page.limit + 1, ...(after ? { after } : {}) });
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    // Who was shown which candidate is the record worth keeping (one row per item shown, as for
    // any other read of a photo); a page load that shows nothing leaves nothing.
    for (const item of items) await recordAudit(tx, auditActor(p), { action: 'candidate.read', subjectType: 'candidate', subjectId: item.id, details: { searchId: item.caseId } });
    return { items, ...(rows.length > page.limit && last ? { next: encodeCursor({ matchWeight: last.matchWeight, id: last.id }) } : {}) };
  });
}
