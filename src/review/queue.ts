import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { recordAudit } from '../store/audit.ts';
import { getCase, referenceFacesOf, type CaseRow, type ReferenceFaceRow } from '../store/cases.ts';
import type { Database } from '../store/database.ts';
import { relatedCases, reviewQueuePage, type QueuePlace, type RelatedCase } from '../store/review-queue.ts';
import type { ModelManifest } from '../face/manifest.ts';
import { currentBar } from '../match/search-bar.ts';
import type { ReviewQueue } from '../vocabulary.ts';
import { reviewItemsFor, withStrangers, type ReviewItem } from './blind.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The place after the last item of a page: opaque to clients, checked when it comes back. */
function encodeCursor(p: QueuePlace): string {
  return Buffer.from(JSON.stringify([p.caseConfirmed ? 1 : 0, p.caseOpened, p.caseId, p.similarity, p.id])).toString(
    'base64url',
  );
}

function decodeCursor(raw: string): QueuePlace {
  try {
    const [cc, opened, caseId, similarity, id] = JSON.parse(
      Buffer.from(raw, 'base64url').toString('utf8'),
    ) as unknown[];
    if (
      (cc === 0 || cc === 1) &&
      typeof opened === 'string' &&
      /^\d{1,20}$/.test(opened) &&
      typeof caseId === 'string' &&
      UUID.test(caseId) &&
      typeof similarity === 'number' &&
      Number.isFinite(similarity) &&
      typeof id === 'string' &&
      UUID.test(id)
    ) {
      return { caseConfirmed: cc === 1, caseOpened: opened, caseId, similarity, id };
    }
  } catch {
    // fall through
  }
  throw new KinfinderError('invalid_input', 'the "after" cursor is not valid');
}

/** A case as the console shows it above its candidates: the family's photos and words. */
export interface QueueCase {
  case: CaseRow;
  referenceFaces: ReferenceFaceRow[];
  /** The case has a confirmed match already: what is left of it comes last. */
  confirmedMatch: boolean;
  /** Other cases opened with the same photo or describing the same man (relatedCases). */
  related: RelatedCase[];
}

export interface ReviewPage {
  items: ReviewItem[];
  /** The cases of this page's items, in the order their items come. */
  cases: QueueCase[];
  next?: string;
}

/**
 * One page of a review queue, worked by case. `pending` (verifiers): candidates of open cases
 * they have not answered, blind (nothing of others' answers). `disputed` (admins): candidates
 * on which verifiers disagree, with every decision shown. Candidates another reviewer has open
 * (a lease) are left out for now.
 */
export async function readReviewQueue(
  deps: { db: Database; now?: (() => Date) | undefined; manifest?: ModelManifest; queueFpir?: number | undefined },
  caller: Caller,
  page: { limit: number; after?: string | undefined; queue?: ReviewQueue | undefined },
): Promise<ReviewPage> {
  const queue = page.queue ?? 'pending';
  const p = authorizePrincipal(caller, queue === 'disputed' ? 'review.disputed' : 'review.queue');
  const after = page.after ? decodeCursor(page.after) : undefined;
  const now = deps.now?.() ?? new Date();
  return deps.db.transaction(async (tx) => {
    // The bar (src/match/bar.ts) for the pending queue; disputed candidates were put to people already.
    const bar = queue === 'pending' && deps.manifest ? await currentBar(tx, deps.manifest, deps.queueFpir) : undefined;
    const rows = await reviewQueuePage(tx, {
      queue,
      personId: p.personId ?? null,
      limit: page.limit + 1,
      ...(after ? { after } : {}),
      bar,
    });
    const shown = rows.slice(0, page.limit);
    const items = await reviewItemsFor(tx, p, shown, now);
    const cases: QueueCase[] = [];
    for (const row of shown) {
      if (cases.some((c) => c.case.id === row.caseId)) continue;
      const found = await getCase(tx, row.caseId);
      if (found)
        cases.push({
          case: found,
          referenceFaces: await referenceFacesOf(tx, row.caseId),
          confirmedMatch: row.caseConfirmed,
          related: await relatedCases(tx, row.caseId),
        });
    }
    // Who was shown which candidate is the record worth keeping (one row per item shown, as for
    // any other read of a photo); a page load that shows nothing leaves nothing.
    for (const item of shown)
      await recordAudit(tx, auditActor(p), {
        action: 'candidate.read',
        subjectType: 'candidate',
        subjectId: item.id,
        details: { searchId: item.caseId, queue },
      });
    const last = shown[shown.length - 1];
    const placed = items.map((item, i) => ({ ...item, caseConfirmed: shown[i]!.caseConfirmed }));
    return {
      items: bar ? withStrangers(placed, bar) : placed,
      cases,
      ...(rows.length > page.limit && last ? { next: encodeCursor(last.place) } : {}),
    };
  });
}
