-- Where families are (issue 31, DESIGN §20): the hotline desk's role, a family's address for
-- notices, and the Telegram bot's conversations.

-- The hotline role: a desk that opens cases for callers. The role checks were written inline
-- (0001, 0003), so PostgreSQL named them <table>_role_check.
ALTER TABLE tokens DROP CONSTRAINT tokens_role_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_role_check CHECK (role IN ('operator', 'verifier', 'family', 'admin', 'hotline'));
ALTER TABLE people DROP CONSTRAINT people_role_check;
ALTER TABLE people ADD CONSTRAINT people_role_check CHECK (role IN ('operator', 'verifier', 'admin', 'hotline'));

-- Where a family wants to hear that there is news: one Telegram chat or one e-mail address per
-- channel and case. The address is AES-256-GCM ciphertext (src/notices/address-key.ts), never
-- plain text: staff reading the table, a log or the audit see no address. Deleted with the case
-- (src/store/cases.ts deleteCaseData, src/store/purge.ts).
CREATE TABLE notify_addresses (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  search_id   uuid NOT NULL REFERENCES searches (id) ON DELETE CASCADE,
  channel     text NOT NULL CHECK (channel IN ('telegram', 'email')),
  sealed      text NOT NULL,
  language    text NOT NULL CHECK (language IN ('ru', 'uk', 'en')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (search_id, channel)
);

-- A Telegram conversation in progress (the bot keeps nothing in memory, so any number of bot
-- processes may answer, and a restart loses nothing). `chat_key` is a keyed hash of the chat id;
-- `draft` holds what the family has given so far (Telegram's file ids of their photos and the
-- answers), deleted when the case is opened or the conversation starts again, and by age.
CREATE TABLE bot_chats (
  chat_key    text PRIMARY KEY,
  language    text CHECK (language IN ('ru', 'uk', 'en')),
  step        text NOT NULL DEFAULT 'idle',
  draft       jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bot_chats_updated_at_idx ON bot_chats (updated_at);
