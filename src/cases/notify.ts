import { authorizePrincipal } from '../access/policy.ts';
import { auditActor, type Caller } from '../access/principal.ts';
import { KinfinderError } from '../errors.ts';
import type { Language } from '../i18n/languages.ts';
import { sealAddress } from '../notices/address-key.ts';
import type { Database } from '../store/database.ts';
import { recordAudit } from '../store/audit.ts';
import { getCase } from '../store/cases.ts';
import { deleteNotifyAddresses, putNotifyAddress, type NoticeChannel } from '../store/notices.ts';

/** What a family may leave: a Telegram chat (the bot fills it in) or an e-mail address. */
export interface NotifyInput {
  telegramChatId?: string | undefined;
  email?: string | undefined;
  /** The language the notices are written in: the family's. */
  language: Language;
}

// Deliberately plain: one @, something on each side, a dot in the domain, no spaces. The mail
// server is the real judge; this only catches a slip of the finger before it is stored.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;
const CHAT_ID = /^-?\d{1,20}$/;

function familyCaseOf(caller: Caller, action: 'cases.notify'): { id: string | null; caseId: string } {
  const p = authorizePrincipal(caller, action);
  if (!p.caseId) throw new KinfinderError('forbidden', 'this needs a case code');
  return { id: p.id, caseId: p.caseId };
}

/**
 * Keeps where the family wants to hear that there is news (DESIGN §20): sealed with the
 * installation's key (src/notices/address-key.ts), one per channel, replacing an earlier one.
 * The audit row names the channel, never the address.
 */
export async function setNotifyAddress(
  deps: { db: Database },
  caller: Caller,
  input: NotifyInput,
): Promise<{ channels: NoticeChannel[] }> {
  const { caseId } = familyCaseOf(caller, 'cases.notify');
  const wanted: Array<[NoticeChannel, string]> = [];
  const email = input.email?.trim();
  const chat = input.telegramChatId?.trim();
  if (email !== undefined) {
    if (email.length > 254 || !EMAIL.test(email))
      throw new KinfinderError('invalid_input', 'this does not look like an e-mail address', {
        field: 'email',
        reason: 'email',
      });
    wanted.push(['email', email]);
  }
  if (chat !== undefined) {
    if (!CHAT_ID.test(chat))
      throw new KinfinderError('invalid_input', 'a Telegram chat id is a whole number', {
        field: 'telegramChatId',
        reason: 'telegram_chat',
      });
    wanted.push(['telegram', chat]);
  }
  if (wanted.length === 0) throw new KinfinderError('invalid_input', 'give an e-mail address or a Telegram chat');
  return deps.db.transaction(async (tx) => {
    const found = await getCase(tx, caseId);
    if (!found || found.status === 'closed') throw new KinfinderError('not_found', 'no such case');
    for (const [channel, address] of wanted) {
      await putNotifyAddress(tx, {
        caseId,
        channel,
        sealed: await sealAddress(tx, caseId, address),
        language: input.language,
      });
    }
    const channels = wanted.map(([c]) => c);
    await recordAudit(tx, auditActor(caller), {
      action: 'notice.address.set',
      subjectType: 'search',
      subjectId: caseId,
      details: { channels },
    });
    return { channels };
  });
}

/** Forgets every address the family left for notices (`DELETE /case/notify`); how many went. */
export async function removeNotifyAddresses(deps: { db: Database }, caller: Caller): Promise<{ removed: number }> {
  const { caseId } = familyCaseOf(caller, 'cases.notify');
  return deps.db.transaction(async (tx) => {
    const removed = await deleteNotifyAddresses(tx, caseId);
    await recordAudit(tx, auditActor(caller), {
      action: 'notice.address.remove',
      subjectType: 'search',
      subjectId: caseId,
      details: { removed },
    });
    return { removed };
  });
}
