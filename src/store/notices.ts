import type { Language } from '../i18n/languages.ts';
import type { Queryable } from './database.ts';

export type NoticeChannel = 'telegram' | 'email';

export interface NotifyAddressRow {
  id: string;
  caseId: string;
  channel: NoticeChannel;
  /** Ciphertext (src/notices/address-key.ts): never shown, never logged. */
  sealed: string;
  language: Language;
}

/** One address per channel and case: a new one replaces the old. */
export async function putNotifyAddress(
  q: Queryable,
  a: { caseId: string; channel: NoticeChannel; sealed: string; language: Language },
): Promise<string> {
  const r = await q.query<{ id: string }>(
    `INSERT INTO notify_addresses (search_id, channel, sealed, language) VALUES ($1, $2, $3, $4)
     ON CONFLICT (search_id, channel) DO UPDATE SET sealed = EXCLUDED.sealed, language = EXCLUDED.language, created_at = now()
     RETURNING id`,
    [a.caseId, a.channel, a.sealed, a.language],
  );
  return r.rows[0]!.id;
}

/** Removes a case's addresses (all, or one channel's); how many went. */
export async function deleteNotifyAddresses(q: Queryable, caseId: string, channel?: NoticeChannel): Promise<number> {
  const r = await q.query<{ id: string }>(
    `DELETE FROM notify_addresses WHERE search_id = $1 AND ($2::text IS NULL OR channel = $2) RETURNING id`,
    [caseId, channel ?? null],
  );
  return r.rows.length;
}

/** The ids of a case's addresses, for the jobs that send to them (the job reads the address itself, later). */
export async function notifyAddressIdsOfCase(q: Queryable, caseId: string): Promise<string[]> {
  // Only an open case's: a deleted or purged case has none left anyway, and a closed one hears nothing.
  const r = await q.query<{ id: string }>(
    `SELECT n.id FROM notify_addresses n JOIN searches s ON s.id = n.search_id
     WHERE n.search_id = $1 AND s.status <> 'closed' ORDER BY n.channel`,
    [caseId],
  );
  return r.rows.map((x) => x.id);
}

/** An address with its case still open, or undefined (deleted with its case, or replaced). */
export async function openNotifyAddress(q: Queryable, id: string): Promise<NotifyAddressRow | undefined> {
  const r = await q.query<{
    id: string;
    search_id: string;
    channel: NoticeChannel;
    sealed: string;
    language: Language;
  }>(
    `SELECT n.id, n.search_id, n.channel, n.sealed, n.language FROM notify_addresses n
     JOIN searches s ON s.id = n.search_id WHERE n.id = $1 AND s.status <> 'closed'`,
    [id],
  );
  const x = r.rows[0];
  return x && { id: x.id, caseId: x.search_id, channel: x.channel, sealed: x.sealed, language: x.language };
}
