import { JOBS } from '../src/access/principal.ts';
import type { JobOutcome, Payload, QUEUES } from '../src/jobs.ts';
import type { Logger } from '../src/log.ts';
import { sendNotice } from '../src/notices/send.ts';
import type { NoticeTransports } from '../src/notices/transports.ts';
import type { Database } from '../src/store/database.ts';

export interface NoticeSendDeps {
  db: Database;
  logger: Logger;
  /** The configured channels (src/notices/transports.ts); none configured: every notice fails, visibly. */
  notices?: NoticeTransports | undefined;
}

/** notice.send: tells one address of a family that there is news. Throwing retries it. */
export async function handleNoticeSend(
  payload: Payload<typeof QUEUES.noticeSend>,
  deps: NoticeSendDeps,
): Promise<JobOutcome> {
  const r = await sendNotice({ db: deps.db, transports: deps.notices ?? {} }, JOBS, payload);
  if (!r.sent) return { status: 'skipped', reason: r.reason };
  deps.logger.info({ channel: r.channel }, 'notice sent');
  return { status: 'done' };
}
