import { createHmac } from 'node:crypto';
import type { Language } from '../i18n/languages.ts';
import { forgetStaleDrafts, readBotChat, writeBotChat } from '../store/bot-chats.ts';
import type { Database } from '../store/database.ts';
import { installationSecret } from '../store/secrets.ts';

/** How long an unfinished conversation (photos and answers not yet sent as a case) is kept. */
export const DRAFT_TTL_MS = 24 * 60 * 60 * 1000;

/** Where one Telegram conversation stands: all of it in the database, nothing in the bot's memory. */
export interface BotChat {
  /** Chosen with /language; null: the user's Telegram language. */
  language: Language | null;
  step: string;
  draft: Record<string, unknown>;
}

const EMPTY: BotChat = { language: null, step: 'idle', draft: {} };

/**
 * The chat's key in the table: a keyed hash of the chat id, so the table does not list who
 * talked to the bot. The secret is the installation's own (src/store/secrets.ts).
 */
async function chatKey(db: Database, chatId: number | string): Promise<string> {
  const secret = Buffer.from(await installationSecret(db, 'bot-chat-key'), 'hex');
  return createHmac('sha256', secret).update(String(chatId)).digest('hex').slice(0, 40);
}

/**
 * Reads a conversation; a draft older than DRAFT_TTL_MS is dropped (the conversation starts
 * afresh), and every such draft of other chats is emptied on the way.
 */
export async function readChat(deps: { db: Database; now?: () => Date }, chatId: number | string): Promise<BotChat> {
  const now = deps.now?.() ?? new Date();
  await forgetStaleDrafts(deps.db, new Date(now.getTime() - DRAFT_TTL_MS));
  const row = await readBotChat(deps.db, await chatKey(deps.db, chatId));
  if (!row) return { ...EMPTY };
  return { language: row.language, step: row.step, draft: row.draft };
}

export async function saveChat(deps: { db: Database }, chatId: number | string, chat: BotChat): Promise<void> {
  await writeBotChat(deps.db, await chatKey(deps.db, chatId), chat);
}
