import { authorize } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import { translator } from '../i18n/catalogue.ts';
import { recordAudit } from '../store/audit.ts';
import type { Database } from '../store/database.ts';
import { openNotifyAddress } from '../store/notices.ts';
import { openAddress } from './address-key.ts';
import type { NoticeTransports } from './transports.ts';

export type NoticeOutcome = { sent: true; channel: 'telegram' | 'email' } | { sent: false; reason: string };

/**
 * Sends one notice (the `notice.send` job): that there is news and how to open the case, in the
 * language the family left with the address; never the result, a name or a photo (a phone's
 * screen is read by others). The address is read when the job runs: one removed, or deleted
 * with its case, meanwhile is sent nothing. The audit row names the case and the channel only.
 */
export async function sendNotice(
  deps: { db: Database; transports: NoticeTransports },
  caller: Caller,
  input: { addressId: string },
): Promise<NoticeOutcome> {
  authorize(caller, 'notices.send');
  const row = await openNotifyAddress(deps.db, input.addressId);
  if (!row) return { sent: false, reason: 'the address was removed, or its case deleted' };
  const t = translator(row.language);
  const address = await openAddress(deps.db, row.caseId, row.sealed);
  if (row.channel === 'telegram') {
    if (!deps.transports.telegram)
      throw new KinfinderError('invalid_config', 'a Telegram notice needs KINFINDER_TELEGRAM_TOKEN');
    await deps.transports.telegram(address, t('notices:telegramText'));
  } else {
    if (!deps.transports.email)
      throw new KinfinderError('invalid_config', 'an e-mail notice needs KINFINDER_SMTP_URL and KINFINDER_SMTP_FROM');
    await deps.transports.email(address, t('notices:emailSubject'), t('notices:emailText'));
  }
  await recordAudit(deps.db, auditActor(caller), {
    action: 'notice.sent',
    subjectType: 'search',
    subjectId: row.caseId,
    details: { channel: row.channel },
  });
  return { sent: true, channel: row.channel };
}
