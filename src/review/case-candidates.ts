import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import type { ModelManifest } from '../face/manifest.ts';
import { currentBar, type SearchBar } from '../match/search-bar.ts';
import { recordAudit } from '../store/audit.ts';
import { candidatesOfCaseByBar } from '../store/candidates.ts';
import { getCase } from '../store/cases.ts';
import type { Database } from '../store/database.ts';
import { reviewItemsFor, withStrangers, type ReviewItem } from './blind.ts';

/**
 * A case's candidates for a verifier, on either side of its bar (src/match/bar.ts): `below`
 * false, those the queue offers; true, the weaker ones it keeps back ("show weaker
 * candidates"). Blind as the queue is, audited as a read of the case.
 */
export async function caseCandidates(
  deps: { db: Database; manifest: ModelManifest; queueFpir?: number | undefined; now?: (() => Date) | undefined },
  caller: Caller,
  caseId: string,
  opts: { below: boolean },
): Promise<{ bar: SearchBar; items: ReviewItem[] }> {
  const p = authorizePrincipal(caller, 'review.candidates');
  return deps.db.transaction(async (tx) => {
    const found = await getCase(tx, caseId);
    if (!found) throw new KinfinderError('not_found', 'no such case');
    const bar = await currentBar(tx, deps.manifest, deps.queueFpir);
    const rows = await candidatesOfCaseByBar(tx, caseId, bar.maxRate, opts.below);
    await recordAudit(tx, auditActor(p), {
      action: 'search.read',
      subjectType: 'search',
      subjectId: caseId,
      details: { candidates: opts.below ? 'below_bar' : 'at_or_above_bar', count: rows.length },
    });
    const items = await reviewItemsFor(tx, p, rows, deps.now?.() ?? new Date());
    return { bar, items: withStrangers(items, bar) };
  });
}
