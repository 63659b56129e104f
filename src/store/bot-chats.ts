import type { Language } from '../i18n/languages.ts';
import type { Queryable } from './database.ts';

export interface BotChatRow {
  language: Language | null;
  step: string;
  draft: Record<string, unknown>;
  updatedAt: Date;
}

/** A conversation by its keyed chat hash (src/cases/bot-chat.ts), or undefined for a new chat. */
export async function readBotChat(q: Queryable, chatKey: string): Promise<BotChatRow | undefined> {
  const r = await q.query<{
    language: Language | null;
    step: string;
    draft: Record<string, unknown>;
    updated_at: Date;
  }>(`SELECT language, step, draft, updated_at FROM bot_chats WHERE chat_key = $1`, [chatKey]);
  const x = r.rows[0];
  return x && { language: x.language, step: x.step, draft: x.draft, updatedAt: new Date(x.updated_at) };
}

/** Stores where a conversation stands (one row per chat, replaced whole). */
export async function writeBotChat(
  q: Queryable,
  chatKey: string,
  row: { language: Language | null; step: string; draft: Record<string, unknown> },
): Promise<void> {
  await q.query(
    `INSERT INTO bot_chats (chat_key, language, step, draft, updated_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (chat_key) DO UPDATE SET language = EXCLUDED.language, step = EXCLUDED.step, draft = EXCLUDED.draft, updated_at = now()`,
    [chatKey, row.language, row.step, JSON.stringify(row.draft)],
  );
}

/**
 * Drafts nobody finished (photos' file ids, answers about a relative) are personal data: emptied
 * once a day old. A chat's language choice stays.
 */
export async function forgetStaleDrafts(q: Queryable, olderThan: Date): Promise<number> {
  const r = await q.query<{ chat_key: string }>(
    `UPDATE bot_chats SET step = 'idle', draft = '{}'::jsonb
     WHERE updated_at < $1 AND (step <> 'idle' OR draft <> '{}'::jsonb) RETURNING chat_key`,
    [olderThan],
  );
  return r.rows.length;
}
