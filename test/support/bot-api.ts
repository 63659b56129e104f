import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Telegram Bot API server for tests: the methods kinfinder's bot and its notices call
 * (getMe, getUpdates by long polling, sendMessage, getFile and the file download, callback
 * answers, commands), over real HTTP, with users who type, send photos and press buttons.
 * Written for the tests (rather than `telegram-test-api`) because it must serve photos through
 * getFile and tell when the bot has finished an update: grammY asks for the next updates only
 * after handling the last ones, so an offset past an update means it was handled.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Button {
  text: string;
  data: string;
}

export interface ChatLine {
  from: 'user' | 'bot';
  text: string;
  buttons: Button[];
  messageId: number;
}

export const BOT_USER = { id: 7000001, is_bot: true, first_name: 'kinfinder', username: 'kinfinder_test_bot' };

export class BotApiEmulator {
  private server: http.Server;
  private updates: Json[] = [];
  private nextUpdateId = 1;
  private nextMessageId = 1;
  /** The lowest update id the bot has not yet confirmed (getUpdates' offset). */
  private confirmed = 0;
  private pollers = new Set<() => void>();
  private files = new Map<string, Buffer>();
  private changed = new Set<() => void>();
  readonly chats = new Map<number, ChatLine[]>();
  url = '';

  constructor(readonly token: string) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const wake of this.pollers) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A Telegram user in a private chat with the bot. */
  user(chatId: number, languageCode: string): BotUser {
    return new BotUser(this, chatId, languageCode);
  }

  lines(chatId: number): ChatLine[] {
    let l = this.chats.get(chatId);
    if (!l) this.chats.set(chatId, (l = []));
    return l;
  }

  /** Queues an update and resolves once the bot has handled it (and every one before it). */
  async push(update: Json): Promise<void> {
    const id = this.nextUpdateId++;
    this.updates.push({ update_id: id, ...update });
    for (const wake of this.pollers) wake();
    await this.until(() => this.confirmed > id, `update ${id} handled`);
  }

  addFile(bytes: Buffer): string {
    const id = `file-${this.files.size + 1}-${bytes.length}`;
    this.files.set(id, bytes);
    return id;
  }

  messageId(): number {
    return this.nextMessageId++;
  }

  record(chatId: number, line: ChatLine): void {
    this.lines(chatId).push(line);
    for (const f of this.changed) f();
  }

  /** Waits (up to `ms`) until `done()` holds, re-checking whenever anything happens. */
  until(done: () => boolean, what: string, ms = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.changed.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.changed.delete(check);
        reject(new Error(`Bot API emulator: timed out waiting for ${what}`));
      }, ms);
      this.changed.add(check);
      check();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const send = (status: number, body: Json) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const file = url.pathname.match(/^\/file\/bot([^/]+)\/photos\/(.+)$/);
    if (file) {
      const bytes = file[1] === this.token ? this.files.get(decodeURIComponent(file[2]!)) : undefined;
      if (!bytes) return send(404, { ok: false, error_code: 404, description: 'Not Found' });
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(bytes);
      return;
    }
    const m = url.pathname.match(/^\/bot([^/]+)\/(\w+)$/);
    if (!m || m[1] !== this.token) return send(401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body: Json = raw ? (JSON.parse(raw) as Json) : {};
    const ok = (result: unknown) => send(200, { ok: true, result });
    switch (m[2]) {
      case 'getMe':
        return ok(BOT_USER);
      case 'deleteWebhook':
      case 'setMyCommands':
      case 'answerCallbackQuery':
        return ok(true);
      case 'getUpdates':
        return ok(await this.poll(body));
      case 'sendMessage': {
        const chatId = Number(body.chat_id);
        const messageId = this.messageId();
        const buttons: Button[] = ((body.reply_markup?.inline_keyboard ?? []) as Json[][])
          .flat()
          .map((b) => ({ text: String(b.text), data: String(b.callback_data) }));
        this.record(chatId, { from: 'bot', text: String(body.text), buttons, messageId });
        return ok({
          message_id: messageId,
          date: now(),
          chat: { id: chatId, type: 'private' },
          from: BOT_USER,
          text: body.text,
        });
      }
      case 'editMessageReplyMarkup': {
        const line = this.lines(Number(body.chat_id)).find((l) => l.messageId === Number(body.message_id));
        if (line) line.buttons = [];
        return ok(true);
      }
      case 'getFile': {
        const bytes = this.files.get(String(body.file_id));
        if (!bytes) return send(400, { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' });
        return ok({
          file_id: body.file_id,
          file_unique_id: body.file_id,
          file_size: bytes.length,
          file_path: `photos/${String(body.file_id)}`,
        });
      }
      default:
        return send(404, { ok: false, error_code: 404, description: `Not Found: method ${m[2]}` });
    }
  }

  /** getUpdates: what is after `offset` (confirming everything before it), waiting a little for more. */
  private async poll(body: Json): Promise<Json[]> {
    const offset = Number(body.offset ?? 0);
    if (offset > this.confirmed) {
      this.confirmed = offset;
      this.updates = this.updates.filter((u) => u.update_id >= offset);
      for (const f of this.changed) f();
    }
    const pending = () => this.updates.filter((u) => u.update_id >= offset);
    if (pending().length === 0) {
      // Long polling, kept short: a stopping bot is not held up for long.
      const waitMs = Math.min(Number(body.timeout ?? 0), 1) * 1000;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.pollers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, waitMs);
        this.pollers.add(wake);
      });
    }
    return pending().slice(0, Number(body.limit ?? 100));
  }
}

const now = () => Math.floor(Date.now() / 1000);

export class BotUser {
  private from: Json;
  constructor(
    private emu: BotApiEmulator,
    readonly chatId: number,
    languageCode: string,
  ) {
    this.from = { id: chatId, is_bot: false, first_name: 'Relative', language_code: languageCode };
  }

  private chat() {
    return { id: this.chatId, type: 'private', first_name: 'Relative' };
  }

  /** Everything the bot wrote in answer to one action of the user's. */
  private async act(line: ChatLine, update: Json): Promise<ChatLine[]> {
    const before = this.emu.lines(this.chatId).length;
    this.emu.record(this.chatId, line);
    await this.emu.push(update);
    return this.emu
      .lines(this.chatId)
      .slice(before + 1)
      .filter((l) => l.from === 'bot');
  }

  say(text: string): Promise<ChatLine[]> {
    const messageId = this.emu.messageId();
    const command = /^\/\w+/.exec(text);
    return this.act(
      { from: 'user', text, buttons: [], messageId },
      {
        message: {
          message_id: messageId,
          date: now(),
          chat: this.chat(),
          from: this.from,
          text,
          ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
        },
      },
    );
  }

  sendPhoto(bytes: Buffer): Promise<ChatLine[]> {
    const messageId = this.emu.messageId();
    const fileId = this.emu.addFile(bytes);
    return this.act(
      { from: 'user', text: '[photo]', buttons: [], messageId },
      {
        message: {
          message_id: messageId,
          date: now(),
          chat: this.chat(),
          from: this.from,
          photo: [{ file_id: fileId, file_unique_id: fileId, width: 250, height: 250, file_size: bytes.length }],
        },
      },
    );
  }

  /** Presses the button with this text on the bot's latest message that has one. */
  press(text: string): Promise<ChatLine[]> {
    const lines = this.emu.lines(this.chatId);
    const owner = [...lines].reverse().find((l) => l.from === 'bot' && l.buttons.some((b) => b.text === text));
    if (!owner) throw new Error(`no button "${text}" in the chat`);
    const button = owner.buttons.find((b) => b.text === text)!;
    return this.act(
      { from: 'user', text: `[pressed: ${text}]`, buttons: [], messageId: this.emu.messageId() },
      {
        callback_query: {
          id: String(this.emu.messageId()),
          from: this.from,
          chat_instance: String(this.chatId),
          data: button.data,
          message: { message_id: owner.messageId, date: now(), chat: this.chat(), from: BOT_USER, text: owner.text },
        },
      },
    );
  }

  /** The conversation as text, for the note. */
  transcript(): string {
    return this.emu
      .lines(this.chatId)
      .map((l) => {
        const who = l.from === 'user' ? 'USER' : 'BOT ';
        const buttons = l.buttons.length ? `\n      [${l.buttons.map((b) => b.text).join('] [')}]` : '';
        return `${who}: ${l.text.replace(/\n/g, '\n      ')}${buttons}`;
      })
      .join('\n');
  }
}
