import type { JobQueue } from '../queue.ts';
import { QUEUES } from '../jobs.ts';
import type { Queryable } from '../store/database.ts';
import { notifyAddressIdsOfCase } from '../store/notices.ts';

/** What queues notices: the job queue's `send` (a use case without one queues none). */
export type NoticeQueue = Pick<JobQueue, 'send'>;

/**
 * There is news for a case (a result confirmed, taken back or changed: src/match/status.ts
 * decides when): one `notice.send` job per address its family left, in the caller's transaction,
 * so a notice exists exactly when the change it announces was committed.
 */
export async function queueNews(tx: Queryable, queue: NoticeQueue | undefined, caseId: string): Promise<number> {
  if (!queue) return 0;
  const ids = await notifyAddressIdsOfCase(tx, caseId);
  for (const addressId of ids) await queue.send(QUEUES.noticeSend, { addressId }, { tx });
  return ids.length;
}
