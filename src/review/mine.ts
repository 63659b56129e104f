import { authorizePrincipal, may } from '../access/policy.ts';
import type { Caller } from '../access/principal.ts';
import type { Database } from '../store/database.ts';
import { decisionsByPerson, type OwnDecisionRow } from '../store/decisions.ts';
import { queueCount } from '../store/review-queue.ts';
import type { ModelManifest } from '../face/manifest.ts';
import { currentBar } from '../match/search-bar.ts';
import type { ReviewQueue } from '../vocabulary.ts';
import { retractableUntil } from './blind.ts';

export interface MyReview {
  role: string;
  name: string;
  since: Date;
  /** The caller's decisions since `since`, newest first (at most 200). */
  decisions: Array<OwnDecisionRow & { retractableUntil: Date | null }>;
  /** Candidates waiting in each queue the caller works (pending: those they have not answered). */
  queues: Partial<Record<ReviewQueue, number>>;
}

/**
 * A reviewer's own view: what they decided today (by default since midnight UTC; the console
 * sends the verifier's own midnight) and how much waits in their queues. Verifiers see the
 * pending queue and how many disagreements wait for an admin; admins the disputed queue.
 */
export async function myReview(
  deps: { db: Database; now?: (() => Date) | undefined; manifest?: ModelManifest; queueFpir?: number | undefined },
  caller: Caller,
  opts: { since?: Date | undefined },
): Promise<MyReview> {
  const p = authorizePrincipal(caller, 'review.self');
  const now = deps.now?.() ?? new Date();
  const since = opts.since ?? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  return deps.db.transaction(async (tx) => {
    const rows = p.personId ? await decisionsByPerson(tx, p.personId, since, 200) : [];
    // Only a decision that still counts can be retracted (a retracted or reopened one is history).
    const decisions = rows.map((d) => ({
      ...d,
      retractableUntil: d.current ? retractableUntil(d, d.candidateStatus, now) : null,
    }));
    const queues: Partial<Record<ReviewQueue, number>> = { disputed: await queueCount(tx, 'disputed', null) };
    // The pending queue is theirs who may work it (verifiers); admins work the disputed one.
    if (may(p, 'review.queue'))
      queues.pending = await queueCount(
        tx,
        'pending',
        p.personId ?? null,
        deps.manifest ? await currentBar(tx, deps.manifest, deps.queueFpir) : undefined,
      );
    return { role: p.role, name: p.name, since, decisions, queues };
  });
}
